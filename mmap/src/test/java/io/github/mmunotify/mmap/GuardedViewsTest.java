package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
    void atomicBufferViewIsAWindowOfTheRegion() {
        try (Region region = Region.allocate("agrona", 8192)) {
            AtomicBuffer buffer = region.atomicBuffer(4096, 64);
            assertEquals(64, buffer.capacity());
            buffer.putLong(8, 3);
            assertEquals(3, region.getLong(4096 + 8));
            assertTrue(buffer.compareAndSetLong(8, 3, 4));
            assertEquals(4, buffer.getAndAddLong(8, 1));
            assertEquals(5, buffer.getLongVolatile(8));
            buffer.putStringAscii(16, "abc");
            assertEquals("abc", buffer.getStringAscii(16));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.getLong(60));
            assertThrows(UnsupportedOperationException.class, () -> buffer.wrap(new byte[8]));
        }
    }

    @Test
    void bothViewsThrowSigBusOnceTheRegionIsRevoked() {
        Region region = Region.allocate("views-revoked", 4096);
        Bytes<Void> bytes = region.bytes();
        AtomicBuffer buffer = region.atomicBuffer(0, 4096);
        bytes.writeLong(1);
        buffer.putLong(8, 2);
        region.revoke();
        SigBusException fromBytes = assertThrows(SigBusException.class, bytes::readLong);
        assertTrue(fromBytes.getMessage().contains("Bytes view"), fromBytes.getMessage());
        assertEquals("views-revoked", fromBytes.regionName());
        assertThrows(SigBusException.class, () -> bytes.writeLong(3));
        SigBusException fromBuffer = assertThrows(SigBusException.class, () -> buffer.getLong(8));
        assertEquals(8, fromBuffer.offset());
        assertThrows(SigBusException.class, () -> buffer.putLong(8, 3));
        assertThrows(SigBusException.class, () -> buffer.compareAndSetLong(8, 2, 3));
    }

    @Test
    void aRevokeWaitsForAViewCallInFlight() throws Exception {
        Region region = Region.allocate("view-in-flight", 1 << 20);
        AtomicBuffer buffer = region.atomicBuffer(0, 1 << 20);
        CountDownLatch started = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("view-writer")) {
            threads.start(() -> {
                started.countDown();
                try {
                    for (long i = 0; ; i++) {
                        buffer.putLong((int) ((i * 8) & ((1 << 20) - 8)), i);
                    }
                } catch (SigBusException expected) {
                    // the end of the loop: the revoke refused the next call
                }
            });
            assertTrue(started.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            region.revoke();
            threads.join();
        }
    }
}
