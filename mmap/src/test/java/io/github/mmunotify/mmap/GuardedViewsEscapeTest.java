package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 2: nothing a view hands out reaches the region's memory past the guard. Every
 * such method is refused with {@link UnsupportedOperationException} naming it and what to use
 * instead. (The Chronicle {@code Bytes} view's cases moved with it to the chronicle module.)
 */
class GuardedViewsEscapeTest {

    @Test
    void objectsOverTheRegionsMemoryAreRefusedNotHandedOut() {
        try (Region region = Region.allocate("escapes", 4096)) {
            AtomicBuffer buffer = region.atomicBuffer(0, 4096);
            Map<String, Callable<Object>> escapes = new LinkedHashMap<>();
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

    private static String describe(Object o) {
        return o == null ? "null" : o.getClass().getName();
    }
}
