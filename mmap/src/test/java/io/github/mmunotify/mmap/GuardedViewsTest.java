package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardedViewsTest {

    @Test
    void bytesViewStreamsIntoTheRegionsMemory() {
        try (Region region = Region.allocate("bytes", 4096)) {
            Bytes<Void> bytes = region.bytes();
            Bytes<Void> same = bytes.writeLong(7).writeInt(8);
            assertSame(bytes, same, "fluent calls return the guarded view, not the plain one");
            bytes.writeUtf8("hello");
            assertEquals(7, region.getLong(0));
            assertEquals(8, region.getInt(8));
            assertEquals(7, bytes.readLong());
            assertEquals(8, bytes.readInt());
            assertEquals("hello", bytes.readUtf8());
            region.putLong(100, 55);
            Bytes<Void> existing = region.bytes();
            existing.readLimit(region.length());
            existing.readSkip(100);
            assertEquals(55, existing.readLong());
            assertTrue(bytes.toString().contains("bytes"), bytes.toString());
        }
    }

    @Test
    void lengthPrefixedAndStopBitValuesRoundTripThroughTheChecks() {
        try (Region region = Region.allocate("round-trip", 4096)) {
            Bytes<Void> bytes = region.bytes();
            bytes.writeUtf8("h\u00e9llo \u20ac").writeUtf8((String) null).write8bit("abc");
            bytes.writeBigInteger(new java.math.BigInteger("-123456789012345678901234567890"));
            bytes.writeBigDecimal(new java.math.BigDecimal("-10.5"));
            for (long v : new long[]{0, 127, 128, -1, -2, Long.MAX_VALUE, Long.MIN_VALUE}) {
                bytes.writeStopBit(v);
            }
            bytes.writeStopBit(1.5).writeStopBit('\u20ac');
            assertEquals("h\u00e9llo \u20ac", bytes.readUtf8());
            assertEquals(null, bytes.readUtf8());
            assertEquals("abc", bytes.read8bit());
            assertEquals(new java.math.BigInteger("-123456789012345678901234567890"), bytes.readBigInteger());
            assertEquals(new java.math.BigDecimal("-10.5"), bytes.readBigDecimal());
            for (long v : new long[]{0, 127, 128, -1, -2, Long.MAX_VALUE, Long.MIN_VALUE}) {
                assertEquals(v, bytes.readStopBit());
            }
            assertEquals(1.5, bytes.readStopBitDouble());
            assertEquals('\u20ac', bytes.readStopBitChar());
            assertEquals(0, bytes.readRemaining());
        }
    }

    @Test
    void aStagedWriteNestedInsideAnotherOnTheSameViewGetsAScratchOfItsOwn() {
        try (Region region = Region.allocate("nested-stage", 4096)) {
            Bytes<Void> bytes = region.bytes();
            boolean[] nested = {false};
            CharSequence writesWhileRead = new CharSequence() {
                @Override
                public int length() {
                    return 3;
                }

                @Override
                public char charAt(int index) {
                    if (!nested[0]) {
                        nested[0] = true;
                        bytes.writeUtf8("in");
                    }
                    return 'x';
                }

                @Override
                public CharSequence subSequence(int start, int end) {
                    return "xxx".subSequence(start, end);
                }

                @Override
                public String toString() {
                    return "xxx";
                }
            };
            bytes.writeUtf8(writesWhileRead);
            assertTrue(nested[0], "the nested write ran");
            assertEquals("in", bytes.readUtf8());
            assertEquals("xxx", bytes.readUtf8());
            bytes.writeUtf8("after");
            assertEquals("after", bytes.readUtf8(), "the scratch is still usable");
        }
    }

    @Test
    void bothViewsThrowSigBusOnceTheRegionIsRevoked() {
        Region region = Region.allocate("views-revoked", 4096);
        Bytes<Void> bytes = region.bytes();
        bytes.writeLong(1);
        region.revoke();
        SigBusException fromBytes = assertThrows(SigBusException.class, bytes::readLong);
        assertTrue(fromBytes.getMessage().contains("Bytes view"), fromBytes.getMessage());
        assertEquals("views-revoked", fromBytes.regionName());
        assertThrows(SigBusException.class, () -> bytes.writeLong(3));
    }
}
