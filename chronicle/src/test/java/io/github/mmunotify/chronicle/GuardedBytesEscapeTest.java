package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import static io.github.mmunotify.chronicle.NeighbourRegions.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing the view hands out reaches the region's memory past the guard: every method that would
 * return an address, a store, another {@code Bytes} or a {@code ByteBuffer} over it, or switch
 * checks off, is refused with {@link UnsupportedOperationException} naming it and what to use
 * instead; what it does hand out (streams, copies, itself for fluent calls) goes back through the
 * view or holds no memory of the region.
 */
class GuardedBytesEscapeTest {

    @Test
    void objectsOverTheRegionsMemoryAreRefusedNotHandedOut() {
        try (NeighbourRegions n = new NeighbourRegions("refusals")) {
            GuardedBytes bytes = GuardedBytes.wrap(n.victim);
            Map<String, Callable<Object>> escapes = new LinkedHashMap<>();
            escapes.put("writer", bytes::writer);
            escapes.put("reader", bytes::reader);
            escapes.put("toTemporaryDirectByteBuffer", bytes::toTemporaryDirectByteBuffer);
            escapes.put("bytesStore", bytes::bytesStore);
            escapes.put("bytesForRead", bytes::bytesForRead);
            escapes.put("bytesForWrite", bytes::bytesForWrite);
            escapes.put("copy", bytes::copy);
            escapes.put("subBytes", () -> bytes.subBytes(0, 64));
            escapes.put("subSequence", () -> bytes.subSequence(0, 64));
            escapes.put("addressForRead", () -> bytes.addressForRead(0));
            escapes.put("addressForRead", () -> bytes.addressForRead(0, 8));
            escapes.put("addressForWrite", () -> bytes.addressForWrite(0));
            escapes.put("addressForWritePosition", bytes::addressForWritePosition);
            escapes.put("unchecked", () -> bytes.unchecked(true));
            escapes.put("copyTo(BytesStore)", () -> bytes.copyTo(Bytes.allocateElasticOnHeap(8)));
            escapes.put("cipher", () -> {
                bytes.cipher(null, Bytes.allocateElasticOnHeap(8), ByteBuffer.allocate(8), ByteBuffer.allocate(8));
                return null;
            });
            escapes.put("nativeRead", () -> {
                bytes.nativeRead(0, 0, 8);
                return null;
            });
            escapes.put("nativeWrite", () -> {
                bytes.nativeWrite(0, 0, 8);
                return null;
            });
            escapes.put("unsafeRead", () -> bytes.unsafeRead(0, 8));
            escapes.put("unsafeWrite", () -> bytes.unsafeWrite(0, 8));
            escapes.put("unsafeReadObject", () -> {
                bytes.unsafeReadObject(new Object(), 0, 8);
                return null;
            });
            escapes.put("unsafeWriteObject", () -> bytes.unsafeWriteObject(new Object(), 0, 8));
            escapes.put("addReferenceChangeListener", () -> {
                bytes.addReferenceChangeListener(new net.openhft.chronicle.core.io.ReferenceChangeListener() {
                });
                return null;
            });
            for (Map.Entry<String, Callable<Object>> escape : escapes.entrySet()) {
                Object handedOut;
                try {
                    handedOut = escape.getValue().call();
                } catch (UnsupportedOperationException refused) {
                    String message = refused.getMessage();
                    String method = escape.getKey().replaceAll("\\(.*", "");
                    assertTrue(message.contains("GuardedBytes." + method) && message.contains("is refused")
                            && (message.contains("use ") || message.contains("copy ")), message);
                    continue;
                } catch (Exception e) {
                    throw new AssertionError(escape.getKey() + " threw " + e, e);
                }
                throw new AssertionError(escape.getKey() + "() handed out "
                        + (handedOut == null ? "null" : handedOut.getClass().getName()) + " instead of refusing");
            }
            assertNull(bytes.underlyingObject(), "off-heap: there is no underlying object to hand out");
            n.assertUnchanged("the refused calls");
        }
    }

    @Test
    void whatTheViewHandsOutHoldsNoMemoryOfTheRegion() throws Exception {
        try (Region region = Region.allocate("escape-copies", 4096)) {
            GuardedBytes bytes = GuardedBytes.wrap(region);
            assertSame(bytes, bytes.clear().writeLong(1).append("x").writeUtf8("y"), "fluent calls return the view");
            byte[] copy = bytes.toByteArray();
            copy[0] = 99;
            assertEquals(1, bytes.readLong(0), "toByteArray() is a copy");
            assertNotSame(bytes.inputStream(), bytes.inputStream());
            assertTrue(bytes.inputStream() instanceof GuardedStreams.In);
            assertTrue(bytes.outputStream() instanceof GuardedStreams.Out);
            assertEquals(1, bytes.refCount());
            bytes.releaseLast(); // a no-op: the region owns the memory
            assertEquals(1, bytes.readLong(0));
        }
    }

    @Test
    void nothingObtainedFromTheViewReachesMemoryAfterRevoke() throws Exception {
        Region region = Region.allocate("escape-after-revoke", 4096);
        GuardedBytes bytes = GuardedBytes.wrap(region);
        bytes.clear().writeLong(42);
        InputStream in = bytes.inputStream();
        OutputStream out = bytes.outputStream();
        region.revoke();
        assertThrows(SigBusException.class, in::read, "InputStream.read() after revoke");
        assertThrows(SigBusException.class, () -> in.read(new byte[8]), "InputStream.read(byte[]) after revoke");
        assertThrows(SigBusException.class, () -> out.write(1), "OutputStream.write(int) after revoke");
        assertThrows(SigBusException.class, () -> out.write(new byte[8]), "OutputStream.write(byte[]) after revoke");
        assertThrows(SigBusException.class, bytes::toByteArray);
        assertThrows(SigBusException.class, () -> GuardedBytes.wrap(region));
    }

    @Test
    void theViewsStreamsGoThroughTheViewsPositionsAndChecks() throws Exception {
        try (NeighbourRegions n = new NeighbourRegions("escape-streams")) {
            GuardedBytes bytes = GuardedBytes.wrap(n.victim);
            bytes.writePosition(PAGE - 8);
            OutputStream out = bytes.outputStream();
            out.write(new byte[]{1, 2, 3, 4, 5, 6});
            out.write(7);
            assertThrows(BufferOverflowException.class, () -> out.write(new byte[]{8, 9}));
            out.write(8);
            assertThrows(BufferOverflowException.class, () -> out.write(9));
            bytes.readPosition(PAGE - 8);
            InputStream in = bytes.inputStream();
            assertEquals(8, in.available());
            byte[] read = new byte[16];
            assertEquals(8, in.read(read, 0, 16));
            assertEquals(-1, in.read());
            assertEquals(8, read[7]);
            assertEquals(0x0807060504030201L, n.victim.getLong(PAGE - 8));
            assertTrue(n.changes().stream().allMatch(c -> c.startsWith(n.victim.name() + " ")),
                    "the streams wrote outside the victim: " + n.changes());
        }
    }
}
