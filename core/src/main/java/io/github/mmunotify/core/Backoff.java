package io.github.mmunotify.core;

import java.util.concurrent.locks.LockSupport;

/**
 * How the library waits for a count to drop (readers of a grace period, users of a revocation):
 * spin briefly (a reader that just left is seen within microseconds), then park for doubling
 * intervals up to a ceiling, so that a long-held section costs almost no CPU. The one back-off of
 * the library: {@link SrcuGracePeriods} and {@link Revocable} each use it with their own bounds.
 *
 * <p>An expedited grace period ({@link #forExpeditedReaders()}) spins longer and then parks for a
 * short <em>fixed</em> interval: a reader that leaves is seen within about 5 us plus the timer's
 * slack, where the normal bounds may oversleep it by up to a millisecond; the price is a wake-up
 * and a scan every 5 us while a reader lingers. It parks rather than yields: measured on a loaded
 * 2-core machine, a yielding driver stays runnable and competes with the very reader it waits for
 * (milliseconds instead of a 20 us section).
 *
 * <p>The spin phase is bounded in time as well as in count ({@code spinBudgetNanos}): a scan that
 * is itself slow (a grace period over many platform readers) must not turn 200 spins into
 * milliseconds of a processor, so once the budget is spent the next {@link #idle} parks, however
 * few spins were made: a reader that stays inside must not make the updater burn CPU
 * rescanning.
 *
 * <p>Parking does not end on an interrupt; it remembers it. An untimed wait cannot be abandoned
 * half way and calls {@link #restoreInterrupt()} once it is over; a timed wait asks
 * {@link #takeInterrupt()} and gives up.
 *
 * <p>Not thread-safe: one instance per wait.
 */
final class Backoff {
    /** Grace periods: scans made with only a spin hint between them before parking starts. */
    static final int READER_SPINS = 200;
    static final long READER_FIRST_PARK_NANOS = 10_000;
    static final long READER_MAX_PARK_NANOS = 1_000_000;
    /** Grace periods: at most this long spinning (scans included) before parking. */
    static final long READER_SPIN_BUDGET_NANOS = 50_000;

    /** Revocations: methods in flight usually leave within microseconds; an exit() also unparks. */
    static final int USER_SPINS = 256;
    static final long USER_FIRST_PARK_NANOS = 10_000;
    static final long USER_MAX_PARK_NANOS = 250_000;

    /** Expedited grace periods: a longer spin, then short fixed parks. */
    static final int EXPEDITED_SPINS = 1_000;
    static final long EXPEDITED_PARK_NANOS = 5_000;
    /** Expedited grace periods: at most this long spinning before the fixed parks. */
    static final long EXPEDITED_SPIN_BUDGET_NANOS = 250_000;

    private final int spins;
    private final long spinBudgetNanos;
    private final long maxParkNanos;
    /** When the first spin began; valid once {@code spinning} (any long is a valid nanoTime). */
    private long spinStart;
    private boolean spinning;
    private int attempts;
    private long parkNanos;
    private boolean interrupted;

    private Backoff(int spins, long spinBudgetNanos, long firstParkNanos, long maxParkNanos) {
        this.spins = spins;
        this.spinBudgetNanos = spinBudgetNanos;
        this.parkNanos = firstParkNanos;
        this.maxParkNanos = maxParkNanos;
    }

    /** For a grace period waiting for readers (srcu's readers_active_check loop). */
    static Backoff forReaders() {
        return new Backoff(READER_SPINS, READER_SPIN_BUDGET_NANOS, READER_FIRST_PARK_NANOS, READER_MAX_PARK_NANOS);
    }

    /** For an expedited grace period waiting for readers: fixed 5 us parks, no doubling. */
    static Backoff forExpeditedReaders() {
        return new Backoff(EXPEDITED_SPINS, EXPEDITED_SPIN_BUDGET_NANOS, EXPEDITED_PARK_NANOS, EXPEDITED_PARK_NANOS);
    }

    /** For a revocation waiting for the methods in flight to exit. */
    static Backoff forUsers() {
        return new Backoff(USER_SPINS, Long.MAX_VALUE, USER_FIRST_PARK_NANOS, USER_MAX_PARK_NANOS);
    }

    /** Waits a little, at most {@code maxNanos}, before the next check; returns whether this wait parked. */
    boolean idle(long maxNanos) {
        if (attempts < spins) {
            attempts++;
            if (withinSpinBudget()) {
                Thread.onSpinWait();
                return false;
            }
            attempts = spins; // the budget is spent: park from now on
        }
        LockSupport.parkNanos(this, Math.min(parkNanos, maxNanos));
        parkNanos = Math.min(parkNanos * 2, maxParkNanos);
        if (Thread.interrupted()) {
            interrupted = true;
        }
        return true;
    }

    /** Whether the spin phase, begun at the first spin, is still within its time budget. */
    private boolean withinSpinBudget() {
        if (spinBudgetNanos == Long.MAX_VALUE) {
            return true;
        }
        long now = System.nanoTime();
        if (!spinning) {
            spinning = true;
            spinStart = now;
        }
        return now - spinStart < spinBudgetNanos;
    }

    /** Whether the spins are used up: the next {@link #idle} parks. */
    boolean spinsDone() {
        return attempts >= spins;
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
