package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.Region;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static io.github.mmunotify.chronicle.NeighbourRegions.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every offset, position and length given to the view is checked against the region before
 * anything is read or written, with overflow-safe arithmetic: an out-of-range call between two
 * adjacent regions changes 0 bytes, in the victim or its neighbours, and names the method, the
 * value and the region's bounds.
 */
class GuardedBytesBoundsTest {

    @Test
    void absoluteAccessesOutsideTheRegionAreRefusedAndWriteNothing() {
        try (NeighbourRegions n = new NeighbourRegions("bounds-absolute")) {
            GuardedBytes bytes = GuardedBytes.wrap(n.victim);
            expectOutOfBounds(n, () -> bytes.writeLong(PAGE, -1L), "writeLong", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.writeLong(PAGE - 4, -1L), "writeLong", String.valueOf(PAGE - 4));
            expectOutOfBounds(n, () -> bytes.readLong(PAGE - 6), "readLong", String.valueOf(PAGE - 6));
            expectOutOfBounds(n, () -> bytes.writeInt(-4, 1), "writeInt", "-4");
            expectOutOfBounds(n, () -> bytes.writeShort(-1, (short) 1), "writeShort", "-1");
            expectOutOfBounds(n, () -> bytes.writeByte(PAGE, (byte) 1), "writeByte", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.writeDouble(PAGE - 7, 1), "writeDouble", String.valueOf(PAGE - 7));
            expectOutOfBounds(n, () -> bytes.writeFloat(PAGE - 3, 1), "writeFloat", String.valueOf(PAGE - 3));
            expectOutOfBounds(n, () -> bytes.write(PAGE - 96, new byte[200], 0, 200), "write", String.valueOf(PAGE - 96));
            expectOutOfBounds(n, () -> bytes.zeroOut(PAGE - 96, PAGE + 904), "zeroOut", String.valueOf(PAGE - 96));
            expectOutOfBounds(n, () -> bytes.writeLong(Long.MAX_VALUE, 1), "writeLong", String.valueOf(Long.MAX_VALUE));
            expectOutOfBounds(n, () -> bytes.readLong(Long.MIN_VALUE), "readLong", String.valueOf(Long.MIN_VALUE));
            expectOutOfBounds(n, () -> bytes.writeVolatileLong(PAGE, 1), "writeVolatileLong", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.writeOrderedInt(-8, 1), "writeOrderedInt", "-8");
            expectOutOfBounds(n, () -> bytes.compareAndSwapLong(PAGE, 0, 1), "compareAndSwapLong", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.compareAndSwapInt(-4, 0, 1), "compareAndSwapInt", "-4");
            expectOutOfBounds(n, () -> bytes.addAndGetLong(PAGE, 1), "addAndGetLong", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.addAndGetInt(PAGE - 2, 1), "addAndGetInt", String.valueOf(PAGE - 2));
            expectOutOfBounds(n, () -> bytes.move(0, PAGE - 100, 200), "move", String.valueOf(PAGE - 100));
            expectOutOfBounds(n, () -> bytes.move(-1, 0, 200), "move", "-1");
            expectOutOfBounds(n, () -> bytes.write(PAGE - 4, ByteBuffer.allocate(16), 0, 16), "write", String.valueOf(PAGE - 4));
            expectOutOfBounds(n, () -> bytes.write(PAGE - 4, GuardedBytes.wrap(n.before), 0, 16), "write",
                    String.valueOf(PAGE - 4));
            expectOutOfBounds(n, () -> bytes.write8bit(PAGE - 3, "abcdef", 0, 6), "write8bit", String.valueOf(PAGE - 3));
            expectOutOfBounds(n, () -> bytes.readVolatileInt(PAGE), "readVolatileInt", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.read(PAGE - 2, new byte[4], 0, 4), "read", String.valueOf(PAGE - 2));
            expectOutOfBounds(n, () -> bytes.writeUtf8(PAGE - 3, "héllo"), "writeUtf8", String.valueOf(PAGE - 3));
            expectOutOfBounds(n, () -> bytes.readUtf8(PAGE, new StringBuilder()), "readUtf8", String.valueOf(PAGE));
            expectOutOfBounds(n, () -> bytes.writeInt24(PAGE - 2, 1), "writeInt24", String.valueOf(PAGE - 2));
            expectOutOfBounds(n, () -> bytes.append(PAGE - 3, 12345L, 5), "append", String.valueOf(PAGE - 3));
            expectOutOfBounds(n, () -> bytes.append(PAGE - 3, 1.5, 2, 8), "append", String.valueOf(PAGE - 3));
            expectOutOfBounds(n, () -> bytes.writeUtf8Limited(PAGE - 3, "héllo", 10), "writeUtf8Limited",
                    String.valueOf(PAGE - 3));
            assertEquals(-1, bytes.peekUnsignedByte(PAGE), "peeking past the end sees nothing");
            assertEquals(-1, bytes.peekUnsignedByte(-1));
        }
    }

    @Test
    void aStreamingWriteThatDoesNotFitWritesNothingAndMovesNothing() {
        try (NeighbourRegions n = new NeighbourRegions("bounds-write-end")) {
            Bytes<Void> bytes = GuardedBytes.wrap(n.victim).clear();
            bytes.writePosition(PAGE - 6);
            Map<String, Executable> writes = new LinkedHashMap<>();
            writes.put("writeUtf8", () -> bytes.writeUtf8("hello, neighbour"));
            writes.put("write8bit", () -> bytes.write8bit("hello, neighbour"));
            writes.put("append", () -> bytes.append("hello, neighbour"));
            writes.put("append(long)", () -> bytes.append(Long.MIN_VALUE));
            writes.put("append(double)", () -> bytes.append(123456.789));
            writes.put("writeLong", () -> bytes.writeLong(1));
            writes.put("writeDoubleAndInt", () -> bytes.writeDoubleAndInt(1, 2));
            writes.put("write(byte[])", () -> bytes.write(new byte[7]));
            writes.put("appendDecimal", () -> bytes.appendDecimal(1, 18));
            writes.put("writeStopBit", () -> bytes.writeStopBit(Long.MIN_VALUE));
            writes.put("writeBigInteger", () -> bytes.writeBigInteger(java.math.BigInteger.TEN.pow(40)));
            for (Map.Entry<String, Executable> write : writes.entrySet()) {
                assertThrows(BufferOverflowException.class, write.getValue(), write.getKey());
                n.assertUnchanged(write.getKey() + " that does not fit");
                assertEquals(PAGE - 6, bytes.writePosition(), write.getKey() + " moved the write position");
            }
            bytes.writeUtf8("hello");
            assertEquals(PAGE, bytes.writePosition());
            bytes.readPosition(PAGE - 6);
            assertEquals("hello", bytes.readUtf8());
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeLimit(PAGE + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writePosition(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.readPosition(PAGE + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.readLimit(PAGE + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.readSkip(Long.MAX_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.readSkip(Long.MIN_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeSkip(Long.MIN_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeSkip(Long.MAX_VALUE));
            IndexOutOfBoundsException named = assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeLimit(-5));
            assertTrue(named.getMessage().contains("writeLimit") && named.getMessage().contains("-5")
                    && named.getMessage().contains("bounds-write-end-victim"), named.getMessage());
            bytes.readPosition(4);
            long head = n.victim.getLong(0);
            assertThrows(BufferUnderflowException.class, () -> bytes.prewriteLong(1), "8 bytes before position 4");
            assertEquals(4, bytes.readPosition());
            assertEquals(head, n.victim.getLong(0), "a prewrite that does not fit wrote");
        }
    }

    @Test
    void streamingReadsStopAtTheRegionsEndNotInTheNeighbour() {
        try (NeighbourRegions n = new NeighbourRegions("bounds-read-end")) {
            n.victim.putBytes(PAGE - 3, "123".getBytes(StandardCharsets.US_ASCII));
            n.after.putBytes(0, "456 ".getBytes(StandardCharsets.US_ASCII));
            Bytes<Void> bytes = GuardedBytes.wrap(n.victim);
            bytes.readPosition(PAGE - 3);
            assertEquals(123, bytes.parseLong(), "parseLong stops at the region's end");
            bytes.readPosition(PAGE - 3);
            // '1' read as a stop-bit length: 49 bytes, which would run into the neighbour
            assertThrows(BufferUnderflowException.class, bytes::read8bit);
            bytes.readPosition(PAGE - 4);
            assertThrows(BufferUnderflowException.class, bytes::readLong);
            assertEquals(PAGE - 4, bytes.readPosition(), "a refused read does not move the position");
            // Length prefixes past the read limit (by a little, into the neighbour, or by 2 GiB):
            // refused before anything is allocated or read.
            Map<String, Function<Bytes<Void>, Object>> reads = Map.of("readUtf8", Bytes::readUtf8,
                    "read8bit", Bytes::read8bit, "readBigInteger", Bytes::readBigInteger,
                    "readBigDecimal", Bytes::readBigDecimal, "readUtf8(StringBuilder)", v -> v.readUtf8(new StringBuilder()),
                    "read8bit(StringBuilder)", v -> v.read8bit(new StringBuilder()));
            for (long[] prefix : new long[][]{{PAGE - 6, 100}, {0, Integer.MAX_VALUE - 8}, {PAGE - 3, 1L << 20}}) {
                for (Map.Entry<String, Function<Bytes<Void>, Object>> read : reads.entrySet()) {
                    Bytes<Void> prefixed = GuardedBytes.wrap(n.victim);
                    prefixed.writePosition(prefix[0]);
                    prefixed.writeStopBit(prefix[1]);
                    prefixed.readLimit(PAGE);
                    prefixed.readPosition(prefix[0]);
                    String what = read.getKey() + " with a length prefix of " + prefix[1] + " at " + prefix[0];
                    Throwable refused = assertThrows(BufferUnderflowException.class,
                            () -> read.getValue().apply(prefixed), what);
                    assertTrue(refused.getMessage().contains("length prefix"), what + ": " + refused);
                    assertEquals(prefix[0], prefixed.readPosition(), what + " moved the read position");
                }
            }
            Bytes<Void> tail = GuardedBytes.wrap(n.victim);
            tail.readPosition(PAGE - 4);
            byte[] into = new byte[16];
            assertEquals(4, tail.read(into), "read(byte[]) stops at the read limit");
            assertEquals(0, into[4] | into[5] | into[15], "and reads nothing past it");
        }
    }

    @Test
    void parsersAndCopiesReadNothingPastTheReadLimit() {
        try (Region region = Region.allocate("bounds-parse-limit", 4096)) {
            region.putBytes(100, "1234567".getBytes(StandardCharsets.US_ASCII));
            Map<String, Function<Bytes<Void>, Object>> reads = new LinkedHashMap<>();
            reads.put("parseLong", Bytes::parseLong);
            reads.put("parseInt", Bytes::parseInt);
            reads.put("parseDouble", Bytes::parseDouble);
            reads.put("parseFloat", Bytes::parseFloat);
            reads.put("parseLongDecimal", Bytes::parseLongDecimal);
            reads.put("parseFlexibleLong", Bytes::parseFlexibleLong);
            reads.put("parseHexLong", Bytes::parseHexLong);
            reads.put("toByteArray", v -> new String(v.toByteArray(), StandardCharsets.US_ASCII));
            reads.put("to8bitString", Bytes::to8bitString);
            reads.put("toUtf8String", Bytes::toUtf8String);
            reads.put("toDebugString", Bytes::toDebugString);
            reads.put("inputStream", v -> {
                try {
                    return new String(v.inputStream().readAllBytes(), StandardCharsets.US_ASCII);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (Map.Entry<String, Function<Bytes<Void>, Object>> read : reads.entrySet()) {
                Bytes<Void> bytes = GuardedBytes.wrap(region);
                bytes.readLimit(104); // "1234" readable, "567" just past the limit
                bytes.readPosition(100);
                String result = String.valueOf(read.getValue().apply(bytes));
                if (read.getKey().startsWith("parse")) {
                    double expected = read.getKey().equals("parseHexLong") ? 0x1234 : 1234;
                    assertEquals(expected, Double.parseDouble(result), read.getKey() + " read past the limit");
                } else {
                    assertTrue(result.contains("1234") && !result.contains("12345"), read.getKey()
                            + " read past the limit: " + result);
                }
            }
        }
    }

    /**
     * Asserts that {@code call} throws {@link IndexOutOfBoundsException} or
     * {@link IllegalArgumentException} naming the method, the bad value and the region's bounds,
     * and that it changed nothing in the victim or its neighbours.
     */
    static void expectOutOfBounds(NeighbourRegions n, Executable call, String method, String value) {
        Throwable thrown = null;
        try {
            call.execute();
        } catch (Throwable t) {
            thrown = t;
        }
        if (thrown == null) {
            throw new AssertionError(method + " with " + value + " returned normally; memory changed: " + n.changes());
        }
        if (!(thrown instanceof IndexOutOfBoundsException) && !(thrown instanceof IllegalArgumentException)) {
            throw new AssertionError(method + " with " + value + " threw " + thrown, thrown);
        }
        String message = thrown.getMessage();
        assertTrue(message.contains(method) && message.contains(value) && message.contains("[0, " + PAGE + ")"),
                method + " with " + value + ": " + message);
        n.assertUnchanged(method + " with " + value);
    }
}
