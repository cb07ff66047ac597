package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 2: nothing a view hands out reaches the region's memory past the guard. Every
 * such method is refused with {@link UnsupportedOperationException} naming it and what to use
 * instead; copies ({@code toByteArray()}, {@code toString()}) are fine.
 */
class GuardedViewsEscapeTest {

    @Test
    void objectsOverTheRegionsMemoryAreRefusedNotHandedOut() {
        try (Region region = Region.allocate("escapes", 4096)) {
            Bytes<Void> bytes = region.bytes();
            AtomicBuffer buffer = region.atomicBuffer(0, 4096);
            Map<String, Callable<Object>> escapes = new LinkedHashMap<>();
            escapes.put("inputStream", bytes::inputStream);
            escapes.put("outputStream", bytes::outputStream);
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
            escapes.put("byteBuffer", buffer::byteBuffer);
            escapes.put("addressOffset", buffer::addressOffset);
            escapes.put("wrap", () -> {
                buffer.wrap(region.base, 8192);
                return buffer;
            });
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
        java.io.InputStream in;
        try {
            in = bytes.inputStream();
        } catch (UnsupportedOperationException refused) {
            region.revoke();
            return; // refused up front: nothing escaped
        }
        region.revoke();
        try {
            int read = in.read();
            throw new AssertionError("read " + read + " through an InputStream after revoke");
        } catch (SigBusException expected) {
            // guarded
        }
    }

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }
}
