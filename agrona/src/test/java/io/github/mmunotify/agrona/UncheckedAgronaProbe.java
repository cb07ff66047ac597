package io.github.mmunotify.agrona;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Run in a JVM of its own with {@code -Dagrona.disable.bounds.checks=true} (Agrona reads it once,
 * when its interfaces initialise): the buffer must stay inside its window when Agrona's own checks
 * are off. Exits 0 and prints {@code PROBE OK} when every out-of-range call was refused and
 * nothing outside was written; prints the failure and exits 1 otherwise.
 */
final class UncheckedAgronaProbe {
    private UncheckedAgronaProbe() {
    }

    public static void main(String[] args) {
        try {
            if (DirectBuffer.SHOULD_BOUNDS_CHECK) {
                throw new AssertionError("Agrona bounds checks are still on: the probe proves nothing");
            }
            try (NeighbourRegions n = new NeighbourRegions("agrona-unchecked")) {
                AtomicBuffer buffer = GuardedAtomicBuffer.wrap(n.victim, 0, NeighbourRegions.PAGE);
                GuardedAtomicBufferBoundsTest.expectOutOfBounds(n, () -> buffer.putLong(4092, -1L), "putLong", "4092");
                GuardedAtomicBufferBoundsTest.expectOutOfBounds(n, () -> buffer.putInt(-4, -1), "putInt", "-4");
                GuardedAtomicBufferBoundsTest.expectOutOfBounds(n, () -> buffer.putBytes(4000, new byte[200]),
                        "putBytes", "4000");
                GuardedAtomicBufferBoundsTest.expectOutOfBounds(n, () -> buffer.putStringAscii(4090, "too long"),
                        "putStringAscii", "4090");
                int calls = GuardedAtomicBufferMethodsTest.outOfBoundsEverywhere(n);
                System.out.println(calls + " out-of-range calls refused or kept inside");
            }
            System.out.println("PROBE OK");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
