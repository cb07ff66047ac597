package io.github.mmunotify.notifier;

/**
 * What an {@link IntervalNotifier} runs when a change touches its range: the kernel's
 * {@code mmu_interval_notifier_ops.invalidate}.
 *
 * <p>The callback takes the driver's own lock (the one its fault path holds around
 * {@link IntervalNotifier#readRetry}), calls {@link IntervalNotifier#setSequence} with the given
 * sequence, drops its mirror of the range, and releases the lock. Setting the sequence under that
 * lock is what makes a fault that raced the invalidation see {@code readRetry == true} and retry.
 */
@FunctionalInterface
public interface IntervalCallback {

    /**
     * The part of {@code range} that overlaps {@code interval} is about to change.
     *
     * @param interval the interval notifier whose range is touched
     * @param range    the whole invalidation
     * @param sequence the value to pass to {@link IntervalNotifier#setSequence}
     * @return {@code true} to accept; {@code false} to refuse, allowed only when
     *         {@code range.blockable()} is false (the change then fails with
     *         {@link InvalidationOutcome#TRY_AGAIN})
     */
    boolean invalidate(IntervalNotifier interval, InvalidationRange range, long sequence);
}
