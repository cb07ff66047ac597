package io.github.mmunotify.core;

import java.util.concurrent.locks.LockSupport;

/**
 * How a grace-period driver waits for readers while an expedited grace period is asked for: spin
 * longer than the normal back-off does, then park for a short <em>fixed</em> interval between
 * scans instead of one that doubles up to a millisecond. A reader that
 * leaves is then seen within about {@link #PARK_NANOS} plus the timer's slack (tens of
 * microseconds on Linux), where the back-off may oversleep it by up to a millisecond. The price
 * is a wake-up and a scan of every registered reader every {@code PARK_NANOS} for as long as a
 * reader holds the grace period up, and the spin phase's processor time.
 *
 * <p>Why not yield between scans: measured on a loaded 2-core machine, a driver that yields stays
 * runnable and competes with the very reader it waits for; the grace period took milliseconds
 * instead of the section's 20 us. A park gives the processor up.
 *
 * <p>Parking does not end on an interrupt; it remembers it and clears it, like
 * the normal back-off; the caller asks {@link #takeInterrupt()} or {@link #restoreInterrupt()}
 * the same way.
 *
 * <p>Not thread-safe: one instance per wait.
 */
final class SrcuExpeditedWait {
    /** Scans with only a spin hint between them before parking starts. */
    static final int SPINS = 1_000;
    /** The park between scans after that: fixed and short. */
    static final long PARK_NANOS = 5_000;

    private int attempts;
    private boolean interrupted;

    /** Waits a little, at most {@code maxNanos}, before the next scan; returns whether this wait parked. */
    boolean idle(long maxNanos) {
        if (attempts++ < SPINS) {
            Thread.onSpinWait();
            return false;
        }
        LockSupport.parkNanos(this, Math.min(PARK_NANOS, maxNanos));
        if (Thread.interrupted()) {
            interrupted = true;
        }
        return true;
    }

    /** Whether an interrupt arrived while waiting; forgets it (the caller throws InterruptedException). */
    boolean takeInterrupt() {
        boolean was = interrupted;
        interrupted = false;
        return was;
    }

    /** Re-asserts an interrupt that arrived while waiting. */
    void restoreInterrupt() {
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "expedited wait after " + attempts + " scans";
    }
}
