package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Run in a JVM of its own with {@code -Dagrona.disable.bounds.checks=true} (Agrona reads it once,
 * when its classes load): the Agrona view must stay inside its window even when Agrona's own
 * checks are off. Exits 0 when every probe was refused and nothing outside was written; prints
 * the failure and exits 1 otherwise.
 */
final class AgronaUncheckedProbe {
    private AgronaUncheckedProbe() {
    }

    public static void main(String[] args) {
        try {
            if (UnsafeBuffer.SHOULD_BOUNDS_CHECK) {
                throw new AssertionError("Agrona bounds checks are still on: the probe proves nothing");
            }
            try (NeighbourRegions n = new NeighbourRegions("agrona-unchecked")) {
                AtomicBuffer buffer = n.victim.atomicBuffer(0, NeighbourRegions.PAGE);
                GuardedViewsBoundsTest.expectOutOfBounds(n, () -> buffer.putLong(4092, -1L), "putLong", "4092");
                GuardedViewsBoundsTest.expectOutOfBounds(n, () -> buffer.putInt(-4, -1), "putInt", "-4");
                GuardedViewsBoundsTest.expectOutOfBounds(n, () -> buffer.putBytes(4000, new byte[200]), "putBytes", "4000");
                GuardedViewsBoundsTest.expectOutOfBounds(n, () -> buffer.putStringAscii(4090, "too long"),
                        "putStringAscii", "4090");
                GuardedViewsBoundsTest.expectOutOfBounds(n, () -> buffer.compareAndSetLong(4096, 0, -1),
                        "compareAndSetLong", "4096");
                GuardedViewsMethodsTest.agronaOutOfBoundsEverywhere(n);
            }
            System.out.println("PROBE OK");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
