package io.github.mmunotify.core;

import java.util.concurrent.locks.LockSupport;

/**
 * How a grace-period driver waits for readers: spin briefly (a reader that just left is seen
 * within microseconds), then park for doubling intervals up to a ceiling, so that a long-held
 * read section costs almost no CPU.
 *
 * <p>Parking does not end on an interrupt; it remembers it. An untimed wait cannot be abandoned
 * half way and calls {@link #restoreInterrupt()} once it is over; a timed wait asks
 * {@link #takeInterrupt()} and gives up.
 *
 * <p>Not thread-safe: one instance per wait.
 */
final class SrcuBackoff {
    /** Scans made with only a spin hint between them before parking starts. */
    static final int SPINS = 200;
    static final long FIRST_PARK_NANOS = 10_000;
    static final long MAX_PARK_NANOS = 1_000_000;

    private int attempts;
    private long parkNanos = FIRST_PARK_NANOS;
    private boolean interrupted;

    /** Waits a little, at most {@code maxNanos}, before the next check; returns whether this wait parked. */
    boolean idle(long maxNanos) {
        if (attempts++ < SPINS) {
            Thread.onSpinWait();
            return false;
        }
        LockSupport.parkNanos(this, Math.min(parkNanos, maxNanos));
        parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
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
}
