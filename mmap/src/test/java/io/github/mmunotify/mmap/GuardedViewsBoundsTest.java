package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;
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
    void atomicBufferViewRefusesIndicesOutsideItsWindowAndWritesNothing() {
        try (NeighbourRegions n = new NeighbourRegions("buffer-window")) {
            AtomicBuffer buffer = n.victim.atomicBuffer(0, NeighbourRegions.PAGE);
            expectOutOfBounds(n, () -> buffer.putLong(4092, -1L), "putLong", "4092");
            expectOutOfBounds(n, () -> buffer.getLong(-8), "getLong", "-8");
            expectOutOfBounds(n, () -> buffer.putBytes(4000, new byte[200], 0, 200), "putBytes", "4000");
            expectOutOfBounds(n, () -> buffer.setMemory(4000, Integer.MAX_VALUE, (byte) 1), "setMemory",
                    String.valueOf(Integer.MAX_VALUE));
            AtomicBuffer window = n.victim.atomicBuffer(4032, 64);
            expectOutOfBounds(n, () -> window.putLong(60, -1L), "putLong", "60");
        }
    }

    @Test
    void atomicBufferViewStaysInsideItsWindowWithAgronasOwnChecksOff() throws Exception {
        ForkedJvm.Result result = ForkedJvm.run(AgronaUncheckedProbe.class, "-Dagrona.disable.bounds.checks=true");
        assertTrue(result.exitCode() == 0 && result.output().contains("PROBE OK")
                        && result.output().contains("out-of-range calls refused or kept inside") && !result.crashed(),
                "probe with agrona.disable.bounds.checks=true failed: " + result);
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
