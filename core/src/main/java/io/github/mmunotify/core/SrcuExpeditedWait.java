package io.github.mmunotify.core;

import java.util.concurrent.locks.LockSupport;

/**
 * How a grace-period driver waits for readers while an expedited grace period is asked for: spin,
 * then yield the processor between scans, so that a reader that leaves is seen within about a
 * scheduler quantum instead of after a park of up to {@link SrcuBackoff#MAX_PARK_NANOS}. The price
 * is a processor kept busy (or offered to other threads) for as long as the readers take. Past
 * {@link #YIELD_NANOS} of yielding it parks for {@link #PARK_NANOS} at a time, a fixed short
 * interval, so that a reader that holds its section for seconds does not cost a whole processor.
 *
 * <p>Spinning and yielding ignore interrupts and leave the interrupt status alone; the parks
 * remember and clear it like {@link SrcuBackoff}'s, and the caller asks {@link #takeInterrupt()}
 * or {@link #restoreInterrupt()} the same way.
 *
 * <p>Not thread-safe: one instance per wait.
 */
final class SrcuExpeditedWait {
    /** Scans with only a spin hint between them before yielding starts. */
    static final int SPINS = 1_000;
    /** How long to yield between scans before parking. */
    static final long YIELD_NANOS = 1_000_000;
    /** The park between scans after that: fixed, short. */
    static final long PARK_NANOS = 20_000;
    /** How many yields between two stall checks (a yield can return at once on an idle processor). */
    private static final int YIELDS_PER_CHECK = 256;

    private int attempts;
    private long yieldingSince;
    private boolean interrupted;

    /**
     * Waits a little, at most {@code maxNanos}, before the next scan; returns whether the caller
     * should check for stalls now (after each park, and every {@link #YIELDS_PER_CHECK} yields).
     */
    boolean idle(long maxNanos) {
        int attempt = attempts++;
        if (attempt < SPINS) {
            Thread.onSpinWait();
            return false;
        }
        if (attempt == SPINS) {
            yieldingSince = System.nanoTime();
        }
        if (System.nanoTime() - yieldingSince < YIELD_NANOS) {
            Thread.yield();
            return (attempt - SPINS) % YIELDS_PER_CHECK == YIELDS_PER_CHECK - 1;
        }
        LockSupport.parkNanos(this, Math.min(PARK_NANOS, maxNanos));
        if (Thread.interrupted()) {
            interrupted = true;
        }
        return true;
    }

    /** Whether an interrupt arrived while parked, or is pending now; forgets it. */
    boolean takeInterrupt() {
        boolean was = interrupted || Thread.interrupted();
        interrupted = false;
        return was;
    }

    /** Re-asserts an interrupt that a park consumed. */
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
