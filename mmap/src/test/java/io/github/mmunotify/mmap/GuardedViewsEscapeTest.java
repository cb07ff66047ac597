package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 2: nothing a view hands out reaches the region's memory past the guard. Every
 * such method is refused with {@link UnsupportedOperationException} naming it and what to use
 * instead, except the {@code Bytes} view's streams, which go back through the view for every call;
 * copies ({@code toByteArray()}, {@code toString()}) are fine.
 */
class GuardedViewsEscapeTest {

    @Test
    void objectsOverTheRegionsMemoryAreRefusedNotHandedOut() {
        try (Region region = Region.allocate("escapes", 4096)) {
            Bytes<Void> bytes = region.bytes();
            Map<String, Callable<Object>> escapes = new LinkedHashMap<>();
            escapes.put("writer", bytes::writer);
            escapes.put("reader", bytes::reader);
            escapes.put("toTemporaryDirectByteBuffer", bytes::toTemporaryDirectByteBuffer);
            escapes.put("bytesStore", bytes::bytesStore);
            escapes.put("bytesForRead", bytes::bytesForRead);
            escapes.put("bytesForWrite", bytes::bytesForWrite);
            escapes.put("subBytes", () -> bytes.subBytes(0, 64));
            escapes.put("addressForRead", () -> bytes.addressForRead(0));
            escapes.put("addressForWrite", () -> bytes.addressForWrite(0));
            escapes.put("addressForWritePosition", bytes::addressForWritePosition);
            escapes.put("unchecked", () -> bytes.unchecked(true));
            escapes.put("chars", bytes::chars);
            for (Map.Entry<String, Callable<Object>> escape : escapes.entrySet()) {
                Object handedOut;
                try {
                    handedOut = escape.getValue().call();
                } catch (UnsupportedOperationException refused) {
                    String message = refused.getMessage();
                    assertTrue(message.contains(escape.getKey()) && message.contains("instead"), message);
                    continue;
                } catch (Exception e) {
                    throw new AssertionError(escape.getKey() + " threw " + e, e);
                }
                throw new AssertionError(escape.getKey() + "() handed out " + describe(handedOut)
                        + " over the region's memory, outside its guard");
            }
        }
    }

    @Test
    void nothingObtainedFromAViewReachesMemoryAfterRevoke() throws Exception {
        Region region = Region.allocate("escape-after-revoke", 4096);
        Bytes<Void> bytes = region.bytes();
        bytes.writeLong(42);
        java.io.InputStream in = bytes.inputStream();
        java.io.OutputStream out = bytes.outputStream();
        region.revoke();
        assertThrows(SigBusException.class, in::read, "InputStream.read() after revoke");
        assertThrows(SigBusException.class, () -> in.read(new byte[8]), "InputStream.read(byte[]) after revoke");
        assertThrows(SigBusException.class, () -> out.write(1), "OutputStream.write(int) after revoke");
        assertThrows(SigBusException.class, () -> out.write(new byte[8]), "OutputStream.write(byte[]) after revoke");
    }

    @Test
    void theViewsStreamsGoThroughTheViewsPositionsAndChecks() throws Exception {
        try (NeighbourRegions n = new NeighbourRegions("streams")) {
            Bytes<Void> bytes = n.victim.bytes();
            bytes.writePosition(NeighbourRegions.PAGE - 8);
            java.io.OutputStream out = bytes.outputStream();
            out.write(new byte[]{1, 2, 3, 4, 5, 6});
            out.write(7);
            assertThrows(java.nio.BufferOverflowException.class, () -> out.write(new byte[]{8, 9}));
            out.write(8);
            assertThrows(java.nio.BufferOverflowException.class, () -> out.write(9));
            bytes.readPosition(NeighbourRegions.PAGE - 8);
            java.io.InputStream in = bytes.inputStream();
            assertEquals(8, in.available());
            byte[] read = new byte[16];
            assertEquals(8, in.read(read, 0, 16));
            assertEquals(-1, in.read());
            assertEquals(8, read[7]);
            assertEquals(0x0807060504030201L, n.victim.getLong(NeighbourRegions.PAGE - 8));
            assertTrue(n.changes().stream().allMatch(c -> c.startsWith(n.victim.name() + " ")),
                    "the streams wrote outside the victim: " + n.changes());
        }
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }
}
