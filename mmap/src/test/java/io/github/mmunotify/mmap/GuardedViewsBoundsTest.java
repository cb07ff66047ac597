package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 1: every offset, index and length given to a view is checked against the
 * region (or the view's window) before anything is read or written, with overflow-safe
 * arithmetic, and a refused call writes nothing.
 */
class GuardedViewsBoundsTest {

    @Test
    void bytesViewRefusesAbsoluteOffsetsOutsideTheRegionAndWritesNothing() {
        try (NeighbourRegions n = new NeighbourRegions("bytes-absolute")) {
            Bytes<Void> bytes = n.victim.bytes();
            expectOutOfBounds(n, () -> bytes.writeLong(4096, -1L), "writeLong", "4096");
            expectOutOfBounds(n, () -> bytes.writeLong(4092, -1L), "writeLong", "4092");
            expectOutOfBounds(n, () -> bytes.readLong(4090), "readLong", "4090");
            expectOutOfBounds(n, () -> bytes.writeInt(-4, 1), "writeInt", "-4");
            expectOutOfBounds(n, () -> bytes.write(4000, new byte[200], 0, 200), "write", "4000");
            expectOutOfBounds(n, () -> bytes.zeroOut(4000, 5000), "zeroOut", "5000");
            expectOutOfBounds(n, () -> bytes.writeLong(Long.MAX_VALUE, 1), "writeLong", String.valueOf(Long.MAX_VALUE));
            expectOutOfBounds(n, () -> bytes.readLong(Long.MIN_VALUE), "readLong", String.valueOf(Long.MIN_VALUE));
        }
    }

    @Test
    void streamingReadsStopAtTheRegionsEndNotInTheNeighbour() {
        try (NeighbourRegions n = new NeighbourRegions("bytes-read-end")) {
            int end = NeighbourRegions.PAGE;
            n.victim.putBytes(end - 3, "123".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            n.after.putBytes(0, "456 ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Bytes<Void> bytes = n.victim.bytes();
            bytes.readLimit(end);
            bytes.readPosition(end - 3);
            assertEquals(123, bytes.parseLong(), "parseLong stops at the region's end");
            bytes.readPosition(end - 3);
            // '1' read as a stop-bit length: 49 bytes, which would run into the neighbour
            assertThrows(java.nio.BufferUnderflowException.class, bytes::read8bit);
            n.victim.putByte(end - 2, (byte) 100); // a stop-bit length of 100 bytes, 1 byte before the end
            bytes.readPosition(end - 2);
            Throwable thrown = assertThrows(RuntimeException.class, bytes::readUtf8);
            assertTrue(thrown instanceof java.nio.BufferUnderflowException || thrown instanceof IllegalStateException
                    || thrown instanceof IndexOutOfBoundsException, thrown.toString());
            bytes.readPosition(end - 4);
            assertThrows(java.nio.BufferUnderflowException.class, bytes::readLong);
            // Length prefixes past the read limit (by a little, into the neighbour, or by 2 GiB):
            // refused before anything is allocated or read. Chronicle's own readBigInteger read
            // the neighbour's bytes for the first and faulted for the second.
            Map<String, Function<Bytes<Void>, Object>> reads = Map.of("readUtf8", Bytes::readUtf8,
                    "read8bit", Bytes::read8bit, "readBigInteger", Bytes::readBigInteger,
                    "readBigDecimal", Bytes::readBigDecimal, "readUtf8(StringBuilder)", v -> v.readUtf8(new StringBuilder()),
                    "read8bit(StringBuilder)", v -> v.read8bit(new StringBuilder()));
            for (long[] prefix : new long[][]{{end - 6, 100}, {0, Integer.MAX_VALUE - 8}, {end - 3, 1L << 20}}) {
                for (Map.Entry<String, Function<Bytes<Void>, Object>> read : reads.entrySet()) {
                    Bytes<Void> prefixed = n.victim.bytes();
                    prefixed.writePosition(prefix[0]);
                    prefixed.writeStopBit(prefix[1]);
                    prefixed.readLimit(end);
                    prefixed.readPosition(prefix[0]);
                    String what = read.getKey() + " with a length prefix of " + prefix[1] + " at " + prefix[0];
                    Throwable refused = assertThrows(java.nio.BufferUnderflowException.class,
                            () -> read.getValue().apply(prefixed), what);
                    assertTrue(refused.getMessage().contains("length prefix"), what + ": " + refused);
                }
            }
            Bytes<Void> tail = n.victim.bytes();
            tail.readLimit(end);
            tail.readPosition(end - 4);
            byte[] into = new byte[16];
            assertEquals(4, tail.read(into), "read(byte[]) stops at the read limit");
            assertEquals(0, into[4] | into[5] | into[15], "and reads nothing past it");
        }
    }

    @Test
    void parsersAndCopiesReadNothingPastTheReadLimit() {
        try (Region region = Region.allocate("parse-limit", 4096)) {
            region.putBytes(100, "1234567".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Map<String, Function<Bytes<Void>, Object>> reads = new java.util.LinkedHashMap<>();
            reads.put("parseLong", Bytes::parseLong);
            reads.put("parseInt", Bytes::parseInt);
            reads.put("parseDouble", Bytes::parseDouble);
            reads.put("parseFloat", Bytes::parseFloat);
            reads.put("parseLongDecimal", Bytes::parseLongDecimal);
            reads.put("parseFlexibleLong", Bytes::parseFlexibleLong);
            reads.put("parseHexLong", Bytes::parseHexLong);
            reads.put("toByteArray", v -> new String(v.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII));
            reads.put("to8bitString", Bytes::to8bitString);
            reads.put("toUtf8String", Bytes::toUtf8String);
            reads.put("toDebugString", Bytes::toDebugString);
            for (Map.Entry<String, Function<Bytes<Void>, Object>> read : reads.entrySet()) {
                Bytes<Void> bytes = region.bytes();
                bytes.readLimit(104); // "1234" readable, "567" just past the limit
                bytes.readPosition(100);
                String result = String.valueOf(read.getValue().apply(bytes));
                if (read.getKey().startsWith("parse")) {
                    double expected = read.getKey().equals("parseHexLong") ? 0x1234 : 1234;
                    assertEquals(expected, Double.parseDouble(result), read.getKey() + " read past the limit");
                } else {
                    assertTrue(result.contains("1234") && !result.contains("12345"), read.getKey() + " read past the limit: "
                            + result);
                }
            }
        }
    }

    @Test
    void aStreamingWriteThatDoesNotFitWritesNothing() {
        try (NeighbourRegions n = new NeighbourRegions("bytes-write-end")) {
            Bytes<Void> bytes = n.victim.bytes();
            bytes.writePosition(NeighbourRegions.PAGE - 6);
            assertThrows(java.nio.BufferOverflowException.class, () -> bytes.writeUtf8("hello, neighbour"));
            assertThrows(java.nio.BufferOverflowException.class, () -> bytes.append("hello, neighbour"));
            assertThrows(java.nio.BufferOverflowException.class, () -> bytes.writeLong(1));
            assertThrows(java.nio.BufferOverflowException.class, () -> bytes.write(new byte[7]));
            assertThrows(java.nio.BufferOverflowException.class, () -> bytes.appendDecimal(1, 18));
            n.assertUnchanged("writes that do not fit");
            assertEquals(NeighbourRegions.PAGE - 6, bytes.writePosition(), "a refused write does not move the position");
            bytes.writeUtf8("hello");
            assertEquals(NeighbourRegions.PAGE, bytes.writePosition());
            bytes.readPosition(NeighbourRegions.PAGE - 6);
            assertEquals("hello", bytes.readUtf8());
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeLimit(NeighbourRegions.PAGE + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writePosition(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.readSkip(Long.MAX_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> bytes.writeSkip(Long.MIN_VALUE));
        }
    }

    @Test
    void bytesViewAccessesFarOutsideAStandaloneRegionAreRefusedNotACrash() throws Exception {
        ForkedJvm.Result result = ForkedJvm.run(StandaloneRegionProbe.class);
        assertTrue(!result.crashed() && result.exitCode() == 0 && result.output().contains("REFUSED 12 of 12"),
                "standalone-region probe: " + result);
    }

    /**
     * Asserts that {@code call} throws {@link IndexOutOfBoundsException} or
     * {@link IllegalArgumentException} naming the method and the bad value, and that it changed
     * nothing in the victim or its neighbours.
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
        assertTrue(message.contains(method) && message.contains(value), message);
        n.assertUnchanged(method + " with " + value);
    }
}
