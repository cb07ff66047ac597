package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.Teardown;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * How long a revoke may wait: forever ({@link #FOREVER}, the unbounded {@code revoke()}: waits are
 * not interruptible) or until a point in time ({@link #after}, {@code revoke(Duration)}: waits
 * throw {@link TimeoutException} naming what they are stuck on, and {@link InterruptedException}).
 * Every wait of one revoke draws on the same deadline. Immutable.
 */
final class Deadline {
    static final Deadline FOREVER = new Deadline(null, 0);

    private final Duration timeout;
    private final long deadlineNanos;

    private Deadline(Duration timeout, long deadlineNanos) {
        this.timeout = timeout;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * A deadline {@code timeout} from now.
     *
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    static Deadline after(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        long nanos;
        try {
            nanos = Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE / 4; // centuries: the same as forever, without wrapping below
        }
        return new Deadline(timeout, System.nanoTime() + nanos);
    }

    private boolean bounded() {
        return timeout != null;
    }

    private long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    /** Revokes {@code guard} and waits for its accesses in flight until the deadline. */
    void revoke(Revocable guard) throws InterruptedException, TimeoutException {
        if (bounded()) {
            guard.revoke(Duration.ofNanos(remainingNanos()));
        } else {
            guard.revoke();
        }
    }

    /** Waits until {@code teardown} is done, until the deadline; {@code stuck} describes what it waits for. */
    void await(Teardown teardown, Supplier<String> stuck) throws InterruptedException, TimeoutException {
        if (!bounded()) {
            teardown.await();
        } else if (!teardown.await(Duration.ofNanos(remainingNanos()))) {
            throw new TimeoutException(stuck.get());
        }
    }

    /**
     * Takes {@code teardown} over (not begun, or abandoned by a caller that gave up) or waits until
     * it is done, until the deadline; {@code stuck} describes its owner.
     *
     * @return whether this caller now owns it; false once it is done
     */
    boolean begin(Teardown teardown, Supplier<String> stuck) throws InterruptedException, TimeoutException {
        if (!bounded()) {
            return teardown.beginOrAwait();
        }
        try {
            return teardown.beginOrAwait(remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException(stuck.get());
        }
    }
}
