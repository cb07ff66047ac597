package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.Region;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.StopCharTesters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The uses Chronicle users make of a {@code Bytes}, through the guarded view: each value written
 * comes back, positions move as Chronicle's do, and what the view wrote is what the region holds.
 */
class GuardedBytesRoundTripTest {

    @Test
    void wrapStartsWithTheWholeRegionReadableAndClearMakesItWritable() {
        try (Region region = Region.allocate("rt-wrap", 4096)) {
            region.putLong(16, 42);
            GuardedBytes bytes = GuardedBytes.wrap(region);
            assertEquals(0, bytes.start());
            assertEquals(4096, bytes.capacity());
            assertEquals(0, bytes.readPosition());
            assertEquals(4096, bytes.readLimit());
            assertEquals(4096, bytes.writeLimit());
            assertEquals(4096, bytes.writePosition(), "the read limit is the write position, as in Chronicle");
            assertEquals(42, bytes.readLong(16));
            assertFalse(bytes.isDirectMemory());
            assertFalse(bytes.isElastic());
            assertEquals(ByteOrder.nativeOrder(), bytes.byteOrder());
            assertSame(region, bytes.region());
            assertSame(bytes, bytes.clear());
            assertEquals(0, bytes.writePosition());
            assertEquals(0, bytes.readRemaining());
            assertEquals(4096, bytes.writeRemaining());
            assertTrue(bytes.toString().contains("rt-wrap"), bytes.toString());
        }
    }

    @Test
    void primitivesRoundTripStreamingAndAbsolute() {
        try (Region region = Region.allocate("rt-primitives", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            bytes.writeLong(0x1122334455667788L).writeInt(-7).writeShort((short) 300).writeByte((byte) -1)
                    .writeDouble(Math.PI).writeFloat(2.5f).writeBoolean(true).writeUnsignedShort(65000)
                    .writeUnsignedByte(200).writeInt24(-5000).writeUnsignedInt(4_000_000_000L).writeChar('é');
            assertEquals(0x1122334455667788L, region.getLong(0), "the view writes the region, native order");
            assertEquals(0x1122334455667788L, bytes.readLong());
            assertEquals(-7, bytes.readInt());
            assertEquals(300, bytes.readShort());
            assertEquals(-1, bytes.readByte());
            assertEquals(Math.PI, bytes.readDouble());
            assertEquals(2.5f, bytes.readFloat());
            assertTrue(bytes.readBoolean());
            assertEquals(65000, bytes.readUnsignedShort());
            assertEquals(200, bytes.readUnsignedByte());
            assertEquals(-5000, bytes.readInt24());
            assertEquals(4_000_000_000L, bytes.readUnsignedInt());
            assertEquals('é', bytes.readChar());
            assertEquals(0, bytes.readRemaining());

            bytes.writeLong(1000, -3L).writeInt(1008, 9).writeDouble(1016, 1.25).writeShort(1024, (short) 5)
                    .writeFloat(1028, 0.5f).writeByte(1032, (byte) 7);
            assertEquals(-3L, bytes.readLong(1000));
            assertEquals(9, bytes.readInt(1008));
            assertEquals(1.25, bytes.readDouble(1016));
            assertEquals(5, bytes.readShort(1024));
            assertEquals(0.5f, bytes.readFloat(1028));
            assertEquals(7, bytes.readByte(1032));
            assertEquals(7, bytes.readUnsignedByte(1032));
            assertEquals(-3L, region.getLong(1000));
        }
    }

    @Test
    void atomicsVolatilesAndOrderedWritesRoundTrip() {
        try (Region region = Region.allocate("rt-atomics", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region);
            bytes.writeVolatileLong(64, 5);
            assertEquals(5, bytes.readVolatileLong(64));
            assertTrue(bytes.compareAndSwapLong(64, 5, 6));
            assertFalse(bytes.compareAndSwapLong(64, 5, 7));
            assertEquals(16, bytes.addAndGetLong(64, 10));
            bytes.writeOrderedInt(72, 3);
            assertEquals(3, bytes.readVolatileInt(72));
            assertTrue(bytes.compareAndSwapInt(72, 3, 4));
            assertEquals(10, bytes.addAndGetInt(72, 6));
            bytes.testAndSetInt(72, 10, 11);
            assertThrows(IllegalStateException.class, () -> bytes.testAndSetInt(72, 10, 12));
            assertEquals(11, region.getInt(72), "a failed testAndSetInt writes nothing");
            bytes.writeVolatileShort(80, (short) 9);
            assertEquals(9, bytes.readVolatileShort(80));
            bytes.writeVolatileByte(82, (byte) 4);
            assertEquals(4, bytes.readVolatileByte(82));
            bytes.writeOrderedLong(88, 77);
            assertEquals(77, region.getLongVolatile(88));
            assertEquals(2.5, bytes.addAndGetDouble(96, 2.5));
            assertEquals(1.5f, bytes.addAndGetFloat(104, 1.5f));
            bytes.writeMaxLong(112, 9);
            bytes.writeMaxLong(112, 3);
            assertEquals(9, bytes.readLong(112));
            IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                    () -> bytes.compareAndSwapLong(65, 0, 1));
            assertTrue(misaligned.getMessage().contains("65"), misaligned.getMessage());
        }
    }

    @Test
    void stringsStopBitsAndBigNumbersRoundTrip() {
        try (Region region = Region.allocate("rt-strings", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            bytes.writeUtf8("héllo wörld").writeUtf8((String) null).write8bit("eight").writeStopBit(123456789L)
                    .writeStopBit(-5L).writeStopBit('x').writeStopBit(2.75);
            bytes.writeBigDecimal(new BigDecimal("12345.6789"));
            bytes.writeBigInteger(new BigInteger("-98765432109876543210"));
            bytes.writeUtf8("again");
            assertEquals("héllo wörld", bytes.readUtf8());
            assertEquals(null, bytes.readUtf8());
            assertEquals("eight", bytes.read8bit());
            assertEquals(123456789L, bytes.readStopBit());
            assertEquals(-5L, bytes.readStopBit());
            assertEquals('x', bytes.readStopBitChar());
            assertEquals(2.75, bytes.readStopBitDouble());
            assertEquals(new BigDecimal("12345.6789"), bytes.readBigDecimal());
            assertEquals(new BigInteger("-98765432109876543210"), bytes.readBigInteger());
            StringBuilder sb = new StringBuilder();
            assertTrue(bytes.readUtf8(sb));
            assertEquals("again", sb.toString());
            assertEquals(0, bytes.readRemaining());

            long end = bytes.writeUtf8(2000, "at an offset");
            StringBuilder at = new StringBuilder();
            assertEquals(end, bytes.readUtf8(2000, at));
            assertEquals("at an offset", at.toString());
            long after8bit = bytes.write8bit(3000, "abc", 0, 3);
            assertEquals(3004, after8bit);
            assertEquals(3, region.getByte(3000));
            assertEquals('c', region.getByte(3003));
        }
    }

    @Test
    void textAppendAndParseRoundTrip() {
        try (Region region = Region.allocate("rt-text", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            bytes.append(12345L).append(' ').append(-42).append(' ').append(3.25).append(' ').append(true)
                    .append(' ').append("word").append(' ').appendBase16(255).append(' ').append8bit("x8")
                    .append(' ').appendDecimal(12345, 2).append(' ').append(1.5f).append(' ')
                    .append(new BigDecimal("7.125")).append(' ').appendUtf8("ü").append('\n');
            assertEquals("12345 -42 3.25 T word ff x8 123.45 1.5 7.125 ü\n", bytes.toUtf8String());
            assertEquals(12345L, bytes.parseLong());
            assertEquals(-42, bytes.parseInt());
            assertEquals(3.25, bytes.parseDouble());
            assertEquals(Boolean.TRUE, bytes.parseBoolean());
            assertEquals("word", bytes.parseUtf8(StopCharTesters.SPACE_STOP));
            assertEquals(0xff, bytes.parseHexLong());
            assertEquals("x8", bytes.parse8bit(StopCharTesters.SPACE_STOP));
            assertEquals(123.45, bytes.parseDouble());
            assertEquals(1.5f, bytes.parseFloat());
            assertEquals(new BigDecimal("7.125"), bytes.parseBigDecimal());
            StringBuilder rest = new StringBuilder();
            bytes.parseUtf8(rest, StopCharTesters.CONTROL_STOP);
            assertEquals("ü", rest.toString());
            assertEquals(0, bytes.readRemaining());
        }
    }

    @Test
    void theViewIsAnAppendableAndACharSequence() throws IOException {
        try (Region region = Region.allocate("rt-appendable", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            Appendable appendable = bytes;
            appendable.append("a=").append('1').append("xx, b=2yy", 2, 7);
            assertEquals("a=1, b=2", bytes.toUtf8String());
            CharSequence chars = bytes;
            assertEquals(8, chars.length());
            assertEquals('b', chars.charAt(5));
            assertEquals("a=1, b=2", bytes.to8bitString());
            assertTrue(bytes.startsWith('a'));
            assertTrue(bytes.endsWith('2'));
            assertEquals(5, bytes.indexOf(Bytes.from("b=")));
            assertTrue(bytes.isEqual("a=1, b=2"));
            assertEquals(8, bytes.chars().count());
        }
    }

    @Test
    void streamsReadAndWriteThroughTheView() throws IOException {
        try (Region region = Region.allocate("rt-streams", 4096)) {
            GuardedBytes bytes = GuardedBytes.wrap(region);
            bytes.clear();
            try (OutputStream out = bytes.outputStream(); DataOutputStream data = new DataOutputStream(out)) {
                data.writeUTF("through a stream");
                data.writeLong(99);
                data.write(new byte[]{1, 2, 3});
            }
            assertEquals(2 + 16 + 8 + 3, bytes.writePosition());
            try (InputStream in = bytes.inputStream(); DataInputStream data = new DataInputStream(in)) {
                assertEquals("through a stream", data.readUTF());
                assertEquals(99, data.readLong());
                assertEquals(3, data.available());
                assertEquals(1, data.read());
                byte[] two = new byte[8];
                assertEquals(2, data.read(two, 0, 8));
                assertEquals(-1, data.read());
            }
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            bytes.readPosition(0);
            bytes.copyTo(copy);
            assertEquals(29, copy.size());
            assertEquals(0, bytes.readPosition(), "copyTo does not move the read position");
            bytes.clear();
            bytes.write(new java.io.ByteArrayInputStream("in".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("in", bytes.toUtf8String());
        }
    }

    @Test
    void bulkCopiesMovesPrependsAndCompactRoundTrip() {
        try (Region region = Region.allocate("rt-bulk", 64 * 1024)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            byte[] data = new byte[20_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            bytes.write(data);
            byte[] back = new byte[data.length];
            assertEquals(data.length, bytes.read(back));
            assertArrayEquals(data, back);
            bytes.readPosition(0);
            assertArrayEquals(data, bytes.toByteArray());

            bytes.move(0, 100, data.length); // overlapping, upwards
            byte[] moved = new byte[data.length];
            region.getBytes(100, moved);
            assertArrayEquals(data, moved);
            bytes.move(100, 3, data.length); // overlapping, downwards
            region.getBytes(3, moved);
            assertArrayEquals(data, moved);

            bytes.clear().writeLong(1).writeLong(2).writeLong(3);
            assertEquals(1, bytes.readLong());
            bytes.compact();
            assertEquals(0, bytes.readPosition());
            assertEquals(16, bytes.readRemaining());
            assertEquals(2, bytes.readLong(0));

            bytes.clearAndPad(16).writeLong(5);
            bytes.prewriteInt(4).prewriteShort((short) 2).prewriteByte((byte) 1);
            assertEquals(9, bytes.readPosition());
            assertEquals(1, bytes.readByte());
            assertEquals(2, bytes.readShort());
            assertEquals(4, bytes.readInt());
            assertEquals(5, bytes.readLong());

            bytes.zeroOut(0, 64);
            assertEquals(0, region.getLong(56));
            ByteBuffer source = ByteBuffer.wrap(new byte[]{9, 8, 7, 6});
            bytes.write(40, source, 1, 2);
            assertEquals(8, region.getByte(40));
            assertEquals(7, region.getByte(41));
            assertEquals(0, source.position(), "the absolute write does not move the buffer");
            bytes.clear().writeSome(source);
            assertEquals(4, bytes.writePosition());
            assertEquals(4, source.position());
            GuardedBytes other = GuardedBytes.wrap(region);
            bytes.write(1000, other, 40, 2);
            assertEquals(8, region.getByte(1000));
            assertEquals(7, region.getByte(1001));
        }
    }

    @Test
    void hashAndContentComparisonsReadThroughTheView() {
        try (Region region = Region.allocate("rt-hash", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear().append("same text");
            Bytes<byte[]> heap = Bytes.allocateElasticOnHeap(16);
            heap.append("same text");
            assertEquals(heap.hash(heap.readRemaining()), bytes.hash(bytes.readRemaining()));
            assertTrue(bytes.contentEquals(heap));
            assertTrue(bytes.startsWith(heap));
            assertTrue(bytes.equalBytes(heap, heap.readRemaining()));
            assertEquals(bytes.byteCheckSum(), heap.byteCheckSum());
            assertFalse(bytes.equals(heap), "equality is identity");
        }
    }
}
