package io.github.mmunotify.agrona;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.agrona.AsciiNumberFormatException;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a {@link GuardedAtomicBuffer} reads and writes: the bytes a {@link ByteBuffer} of the same
 * byte order would hold, at the region offset {@code window offset + index}, with Agrona's
 * semantics for strings, ASCII numbers, atomics and comparisons.
 */
class GuardedAtomicBufferTest {
    private static final int WINDOW = 4096;
    private static final ByteOrder[] ORDERS = {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN};

    @Test
    void indexZeroIsTheWindowsOffsetInTheRegion() {
        try (Region region = Region.allocate("agrona", 3 * WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, WINDOW, 64);
            assertEquals(64, buffer.capacity());
            assertFalse(buffer.isExpandable());
            buffer.putLong(8, 3);
            assertEquals(3, region.getLong(WINDOW + 8));
            region.putInt(WINDOW + 60, 42);
            assertEquals(42, buffer.getInt(60));
            assertTrue(buffer.toString().contains("[4096, 4160)") && buffer.toString().contains("agrona"), buffer.toString());
        }
    }

    @Test
    void everyTypedAccessStoresWhatAByteBufferOfTheSameOrderStores() {
        try (Region region = Region.allocate("typed", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, WINDOW);
            for (ByteOrder order : ORDERS) {
                ByteBuffer expected = ByteBuffer.allocate(64).order(order);
                expected.putShort(0, (short) 0x1234).putChar(2, '\u5678').putInt(4, 0x9abcdef0)
                        .putFloat(8, 1.5f).putLong(16, 0x0102030405060708L).putDouble(24, -2.25);
                buffer.putShort(0, (short) 0x1234, order);
                buffer.putChar(2, '\u5678', order);
                buffer.putInt(4, 0x9abcdef0, order);
                buffer.putFloat(8, 1.5f, order);
                buffer.putLong(16, 0x0102030405060708L, order);
                buffer.putDouble(24, -2.25, order);
                byte[] actual = new byte[32];
                region.getBytes(0, actual);
                assertArrayEquals(java.util.Arrays.copyOf(expected.array(), 32), actual, "stored in " + order);
                assertEquals((short) 0x1234, buffer.getShort(0, order));
                assertEquals('\u5678', buffer.getChar(2, order));
                assertEquals(0x9abcdef0, buffer.getInt(4, order));
                assertEquals(1.5f, buffer.getFloat(8, order));
                assertEquals(0x0102030405060708L, buffer.getLong(16, order));
                assertEquals(-2.25, buffer.getDouble(24, order));
            }
            ByteBuffer nativeOrder = ByteBuffer.allocate(33).order(ByteOrder.nativeOrder());
            buffer.putShort(0, (short) -2);
            buffer.putChar(2, 'z');
            buffer.putInt(4, -3);
            buffer.putFloat(8, 0.5f);
            buffer.putLong(16, -4);
            buffer.putDouble(24, 8.5);
            buffer.putByte(32, (byte) 9);
            nativeOrder.putShort(0, (short) -2).putChar(2, 'z').putInt(4, -3).putFloat(8, 0.5f).putLong(16, -4)
                    .putDouble(24, 8.5).put(32, (byte) 9);
            byte[] actual = new byte[33];
            buffer.getBytes(0, actual);
            assertArrayEquals(nativeOrder.array(), actual, "native order");
            assertEquals(-2, buffer.getShort(0));
            assertEquals('z', buffer.getChar(2));
            assertEquals(-3, buffer.getInt(4));
            assertEquals(0.5f, buffer.getFloat(8));
            assertEquals(-4, buffer.getLong(16));
            assertEquals(8.5, buffer.getDouble(24));
            assertEquals(9, buffer.getByte(32));
            assertThrows(NullPointerException.class, () -> buffer.getLong(0, null));
        }
    }

    @Test
    void volatileAndAtomicAccessesKeepAgronasSemanticsAndAlignment() {
        try (Region region = Region.allocate("atomics", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, WINDOW);
            buffer.putLongVolatile(8, 3);
            assertTrue(buffer.compareAndSetLong(8, 3, 4));
            assertFalse(buffer.compareAndSetLong(8, 3, 5));
            assertEquals(4, buffer.compareAndExchangeLong(8, 4, 6));
            assertEquals(6, buffer.compareAndExchangeLong(8, 4, 7), "a failed exchange returns the witness");
            assertEquals(6, buffer.getAndAddLong(8, 1));
            assertEquals(7, buffer.addLongOrdered(8, 1), "the previous value");
            assertEquals(8, buffer.addLongRelease(8, 1));
            assertEquals(9, buffer.addLongOpaque(8, 1));
            assertEquals(10, buffer.getAndSetLong(8, 20));
            buffer.putLongOrdered(16, 1);
            buffer.putLongRelease(24, 2);
            buffer.putLongOpaque(32, 3);
            assertEquals(20, buffer.getLongVolatile(8));
            assertEquals(1, buffer.getLongAcquire(16));
            assertEquals(2, buffer.getLongOpaque(24));
            assertEquals(3, region.getLong(32));

            buffer.putIntVolatile(40, 3);
            assertTrue(buffer.compareAndSetInt(40, 3, 4));
            assertEquals(4, buffer.compareAndExchangeInt(40, 4, 6));
            assertEquals(6, buffer.compareAndExchangeInt(40, 4, 7));
            assertEquals(6, buffer.getAndAddInt(40, 1));
            assertEquals(7, buffer.addIntOrdered(40, 1));
            assertEquals(8, buffer.addIntRelease(40, 1));
            assertEquals(9, buffer.addIntOpaque(40, 1));
            assertEquals(10, buffer.getAndSetInt(40, 20));
            buffer.putIntOrdered(44, 1);
            buffer.putIntRelease(48, 2);
            buffer.putIntOpaque(52, 3);
            assertEquals(20, buffer.getIntVolatile(40));
            assertEquals(1, buffer.getIntAcquire(44));
            assertEquals(2, buffer.getIntOpaque(48));
            buffer.putShortVolatile(56, (short) 5);
            buffer.putCharVolatile(58, 'c');
            buffer.putByteVolatile(61, (byte) 6);
            assertEquals(5, buffer.getShortVolatile(56));
            assertEquals('c', buffer.getCharVolatile(58));
            assertEquals(6, buffer.getByteVolatile(61));
            buffer.verifyAlignment();

            AtomicBuffer shifted = GuardedAtomicBuffer.wrap(region, 1004, 64); // 4 mod 8
            for (org.junit.jupiter.api.function.Executable misaligned : new org.junit.jupiter.api.function.Executable[]{
                    () -> shifted.getLongVolatile(0), () -> shifted.compareAndSetLong(0, 0, 1),
                    () -> shifted.getAndAddLong(8, 1), () -> shifted.putLongOrdered(16, 1),
                    () -> buffer.getIntVolatile(2), () -> buffer.compareAndExchangeInt(6, 0, 1),
                    () -> buffer.getShortVolatile(1), () -> buffer.putCharVolatile(3, 'x')}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, misaligned);
                assertTrue(e.getMessage().startsWith("GuardedAtomicBuffer.") && e.getMessage().contains("aligned"),
                        e.getMessage());
            }
            assertArrayEquals(new byte[96], bytes(region, 1000, 96), "refused misaligned writes wrote nothing");
            IllegalStateException notAligned = assertThrows(IllegalStateException.class, shifted::verifyAlignment);
            assertTrue(notAligned.getMessage().contains("verifyAlignment"), notAligned.getMessage());
            shifted.getIntVolatile(0); // 4-byte aligned: fine
        }
    }

    /**
     * compareAndExchange is built from compare-and-set and volatile reads; under contention it must
     * still return the value it found, so that counting through it loses no increment.
     */
    @Test
    void compareAndExchangeCountsExactlyUnderContention() throws Exception {
        int perThread = StressSize.of("agronaExchangeIncrements", 100_000);
        try (Region region = Region.allocate("exchange", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, WINDOW);
            CyclicBarrier start = new CyclicBarrier(2);
            try (TestThreads threads = new TestThreads("exchange")) {
                for (int t = 0; t < 2; t++) {
                    threads.start(() -> {
                        start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        for (int i = 0; i < perThread; i++) {
                            long seen = buffer.getLongVolatile(0);
                            int seenInt = buffer.getIntVolatile(8);
                            long witness;
                            while ((witness = buffer.compareAndExchangeLong(0, seen, seen + 1)) != seen) {
                                seen = witness;
                            }
                            int witnessInt;
                            while ((witnessInt = buffer.compareAndExchangeInt(8, seenInt, seenInt + 1)) != seenInt) {
                                seenInt = witnessInt;
                            }
                        }
                    });
                }
                threads.join();
            }
            assertEquals(2L * perThread, buffer.getLongVolatile(0));
            assertEquals(2 * perThread, buffer.getIntVolatile(8));
        }
    }

    @Test
    void stringsAreStoredAsAgronaStoresThem() {
        try (Region region = Region.allocate("strings", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, WINDOW);
            for (ByteOrder order : ORDERS) {
                assertEquals(7, buffer.putStringAscii(0, "abc", order));
                assertArrayEquals(prefixed(order, "abc".getBytes(StandardCharsets.US_ASCII)), bytes(region, 0, 7));
                assertEquals("abc", buffer.getStringAscii(0, order));
                StringBuilder appended = new StringBuilder();
                assertEquals(3, buffer.getStringAscii(0, appended, order));
                assertEquals("abc", appended.toString());
                byte[] utf8 = "h\u00e9\u20ac\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
                assertEquals(4 + utf8.length, buffer.putStringUtf8(100, "h\u00e9\u20ac\ud83d\ude00", order));
                assertArrayEquals(prefixed(order, utf8), bytes(region, 100, 4 + utf8.length));
                assertEquals("h\u00e9\u20ac\ud83d\ude00", buffer.getStringUtf8(100, order));
                assertEquals(4 + utf8.length, buffer.putStringUtf8(200, "h\u00e9\u20ac\ud83d\ude00", order, utf8.length));
                assertThrows(IllegalArgumentException.class,
                        () -> buffer.putStringUtf8(300, "h\u00e9\u20ac\ud83d\ude00", order, utf8.length - 1));
                assertEquals(0, region.getInt(300), "an encoding over the maximum writes nothing");
            }
            assertEquals(7, buffer.putStringAscii(0, new StringBuilder("x\u00e9z")), "non-ASCII as '?'");
            assertEquals("x?z", buffer.getStringAscii(0));
            assertEquals("x?z", buffer.getStringAscii(0, 3));
            assertEquals("?z", buffer.getStringWithoutLengthAscii(5, 2));
            StringBuilder appended = new StringBuilder();
            region.putByte(6, (byte) 0xe9);
            assertEquals(3, buffer.getStringAscii(0, appended));
            assertEquals("x??", appended.toString(), "bytes above 127 append as '?'");
            assertEquals("x?\ufffd", buffer.getStringAscii(0), "and decode as U+FFFD, as Agrona's");
            assertEquals(4, buffer.putStringAscii(0, (String) null));
            assertEquals("", buffer.getStringAscii(0));
            assertEquals(0, buffer.putStringWithoutLengthAscii(10, (String) null));
            assertEquals(3, buffer.putStringWithoutLengthAscii(10, "abcdef", 3, 10), "clipped to the value");
            assertEquals("def", buffer.getStringWithoutLengthAscii(10, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.putStringWithoutLengthAscii(10, "abc", 4, 1));
            assertEquals(2, buffer.putStringWithoutLengthUtf8(20, "\u00e9"));
            assertEquals("\u00e9", buffer.getStringWithoutLengthUtf8(20, 2));
            buffer.putStringUtf8(30, "utf");
            assertEquals("utf", buffer.getStringUtf8(30));
            assertEquals("ut", buffer.getStringUtf8(30, 2), "length given: the prefix is skipped, not read");
            StringBuilder three = new StringBuilder();
            assertEquals(2, buffer.getStringAscii(30, 2, three));
            assertEquals(2, buffer.getStringWithoutLengthAscii(34, 2, three));
            assertEquals("ut" + "ut", three.toString());
            Appendable failing = new Appendable() {
                @Override
                public Appendable append(CharSequence csq) throws java.io.IOException {
                    throw new java.io.IOException("full");
                }

                @Override
                public Appendable append(CharSequence csq, int start, int end) throws java.io.IOException {
                    throw new java.io.IOException("full");
                }

                @Override
                public Appendable append(char c) throws java.io.IOException {
                    throw new java.io.IOException("full");
                }
            };
            assertThrows(java.io.UncheckedIOException.class, () -> buffer.getStringAscii(30, failing));
        }
    }

    @Test
    void asciiNumbersRoundTripAtTheirExtremesAndRefuseWhatAgronaRefuses() {
        try (Region region = Region.allocate("ascii", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, WINDOW);
            for (long value : new long[]{0, 7, -7, 10, 99, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE,
                    Long.MIN_VALUE, 1_000_000_007L, -999_999_999_999L}) {
                String text = Long.toString(value);
                assertEquals(text.length(), buffer.putLongAscii(0, value));
                assertEquals(text, buffer.getStringWithoutLengthAscii(0, text.length()));
                assertEquals(value, buffer.parseLongAscii(0, text.length()));
                if ((int) value == value) {
                    assertEquals(text.length(), buffer.putIntAscii(100, (int) value));
                    assertEquals(text, buffer.getStringWithoutLengthAscii(100, text.length()));
                    assertEquals(value, buffer.parseIntAscii(100, text.length()));
                }
                if (value >= 0) {
                    assertEquals(text.length(), buffer.putNaturalLongAscii(200, value));
                    assertEquals(value, buffer.parseNaturalLongAscii(200, text.length()));
                    if ((int) value == value) {
                        assertEquals(text.length(), buffer.putNaturalIntAscii(300, (int) value));
                        assertEquals(value, buffer.parseNaturalIntAscii(300, text.length()));
                        int start = buffer.putNaturalIntAsciiFromEnd((int) value, 420);
                        assertEquals(420 - text.length(), start);
                        assertEquals(text, buffer.getStringWithoutLengthAscii(start, text.length()));
                    }
                }
            }
            buffer.putNaturalPaddedIntAscii(500, 6, 42);
            assertEquals("000042", buffer.getStringWithoutLengthAscii(500, 6));
            assertThrows(NumberFormatException.class, () -> buffer.putNaturalPaddedIntAscii(500, 2, 420));
            assertEquals("000042", buffer.getStringWithoutLengthAscii(500, 6), "a value too wide writes nothing");
            assertThrows(IllegalArgumentException.class, () -> buffer.putNaturalIntAscii(0, -1));
            assertThrows(IllegalArgumentException.class, () -> buffer.putNaturalLongAscii(0, -1));
            assertThrows(IllegalArgumentException.class, () -> buffer.putNaturalIntAsciiFromEnd(-1, 10));
            for (String bad : new String[]{"", "-", "1x", "+1", "2147483648", "-2147483649", "99999999999"}) {
                buffer.putStringWithoutLengthAscii(600, bad);
                assertThrows(AsciiNumberFormatException.class, () -> buffer.parseIntAscii(600, bad.length()), bad);
            }
            for (String bad : new String[]{"-1", "2147483648"}) {
                buffer.putStringWithoutLengthAscii(600, bad);
                assertThrows(AsciiNumberFormatException.class, () -> buffer.parseNaturalIntAscii(600, bad.length()), bad);
            }
            for (String bad : new String[]{"9223372036854775808", "-9223372036854775809", "12345678901234567890"}) {
                buffer.putStringWithoutLengthAscii(600, bad);
                assertThrows(AsciiNumberFormatException.class, () -> buffer.parseLongAscii(600, bad.length()), bad);
            }
        }
    }

    @Test
    void copiesToAndFromOtherBuffersGoThroughTheGuardOnBothSides() {
        try (Region region = Region.allocate("copies", WINDOW); Region other = Region.allocate("other", WINDOW)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 64);
            AtomicBuffer that = GuardedAtomicBuffer.wrap(other, 0, 64);
            byte[] data = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
            buffer.putBytes(0, data);
            buffer.getBytes(4, that, 10, 8);
            assertEquals("456789ab", that.getStringWithoutLengthAscii(10, 8));
            buffer.putBytes(32, that, 10, 8);
            assertEquals("456789ab", buffer.getStringWithoutLengthAscii(32, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(0, that, 60, 8), "past the other buffer");
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.putBytes(0, that, 60, 8));

            for (ByteBuffer bb : new ByteBuffer[]{ByteBuffer.allocate(32), ByteBuffer.allocateDirect(32),
                    ByteBuffer.wrap(new byte[40], 4, 32).slice()}) {
                bb.limit(8); // Agrona checks against the capacity, not the limit
                buffer.getBytes(0, bb, 16, 10);
                bb.limit(bb.capacity());
                assertEquals('0', bb.get(16));
                assertEquals('9', bb.get(25));
                bb.position(2);
                buffer.getBytes(0, bb, 3);
                assertEquals(5, bb.position(), "the relative form advances the position");
                buffer.putBytes(48, bb, 16, 10);
                assertEquals("0123456789", buffer.getStringWithoutLengthAscii(48, 10));
                bb.position(16);
                buffer.putBytes(40, bb, 2);
                assertEquals(18, bb.position());
                assertEquals("01", buffer.getStringWithoutLengthAscii(40, 2));
                assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(0, bb, 30, 4));
            }
            assertThrows(ReadOnlyBufferException.class,
                    () -> buffer.getBytes(0, ByteBuffer.allocate(8).asReadOnlyBuffer(), 0, 8));
            buffer.putBytes(0, ByteBuffer.wrap(data).asReadOnlyBuffer(), 0, 4);
            assertEquals("0123", buffer.getStringWithoutLengthAscii(0, 4));
            byte[] slice = new byte[6];
            buffer.getBytes(2, slice, 1, 4);
            assertArrayEquals(new byte[]{0, '2', '3', '4', '5', 0}, slice);
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.getBytes(0, slice, 4, 4));
            buffer.setMemory(60, 4, (byte) 'z');
            assertEquals("zzzz", buffer.getStringWithoutLengthAscii(60, 4));
        }
    }

    @Test
    void equalityHashAndOrderCompareContentsAsAgronasBuffersDo() {
        try (Region a = Region.allocate("a", WINDOW); Region b = Region.allocate("b", WINDOW)) {
            AtomicBuffer x = GuardedAtomicBuffer.wrap(a, 8, 20);
            AtomicBuffer y = GuardedAtomicBuffer.wrap(b, 100, 20);
            assertEquals(x, y);
            assertEquals(x.hashCode(), y.hashCode());
            assertEquals(0, x.compareTo(y));
            y.putByte(19, (byte) 1);
            assertNotEquals(x, y);
            assertTrue(x.compareTo(y) < 0 && y.compareTo(x) > 0);
            y.putByte(19, (byte) 0);
            y.putLong(0, 1);
            assertTrue(x.compareTo(y) < 0, "native-order longs first");
            assertNotEquals(x, GuardedAtomicBuffer.wrap(a, 8, 19));
            assertTrue(GuardedAtomicBuffer.wrap(a, 8, 19).compareTo(x) < 0, "then the capacities");
            // Agrona's hash: 19, then 31 * h + each native-order long, then 31 * h + each remaining byte
            int expected = 19;
            ByteBuffer bytes = ByteBuffer.wrap(bytes(b, 100, 20)).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 16; i += 8) {
                expected = 31 * expected + Long.hashCode(bytes.getLong(i));
            }
            for (int i = 16; i < 20; i++) {
                expected = 31 * expected + bytes.get(i);
            }
            assertEquals(expected, y.hashCode());
            assertNotEquals(x, "not a buffer");
        }
    }

    private static byte[] prefixed(ByteOrder order, byte[] body) {
        return ByteBuffer.allocate(4 + body.length).order(order).putInt(body.length).put(body).array();
    }

    private static byte[] bytes(Region region, long offset, int length) {
        byte[] bytes = new byte[length];
        region.getBytes(offset, bytes);
        return bytes;
    }
}
