package io.github.mmunotify.notifier;

/**
 * A subscription to one address range of an {@link AddressSpace}, with the sequence number by
 * which a driver faults pages into its mirror without racing an invalidation: the kernel's
 * {@code struct mmu_interval_notifier}. Created by {@link AddressSpace#insert}.
 *
 * <p><b>The driver pattern.</b>
 * <pre>{@code
 * for (;;) {
 *     long seq = interval.readBegin();          // waits out an invalidation of this range
 *     long value = lookUpPageInTheSpace();       // may race a new invalidation: that is fine
 *     synchronized (driverLock) {
 *         if (interval.readRetry(seq)) continue; // an invalidation ran since readBegin: redo
 *         mirror.put(page, value);               // safe: no invalidation can have passed us
 *     }
 *     break;
 * }
 * // and the callback, under the same lock:
 * (interval, range, seq) -> { synchronized (driverLock) { interval.setSequence(seq); mirror.drop(range); } return true; }
 * }</pre>
 *
 * <p><b>Guarantees.</b> An invalidation of the range calls the callback before the change. Its
 * sequence is odd and new; after the callback sets it, every {@code readRetry} with an older value
 * returns {@code true}, and {@code readBegin} waits until the invalidation (and any overlapping
 * one) has ended. After {@link #remove} returns the callback never runs again.
 *
 * <p>Thread-safe. {@code readRetry} and {@code setSequence} are single volatile accesses; the
 * caller's lock, not this class, orders them against each other.
 */
public final class IntervalNotifier implements AutoCloseable {

    private final IntervalNotifiers owner;
    private final long start;
    private final long length;
    final IntervalCallback callback;

    /** Odd; equals the space's sequence while an invalidation that touched this range runs. */
    volatile long sequence;

    // Guarded by the owner's lock.
    IntervalTree.Node<IntervalNotifier> node;
    boolean pendingInsert;
    boolean pendingRemoval;
    boolean removed;

    IntervalNotifier(IntervalNotifiers owner, long start, long length, IntervalCallback callback) {
        this.owner = owner;
        this.start = start;
        this.length = length;
        this.callback = callback;
    }

    /**
     * The first address of the range.
     *
     * @return the {@code start} given to {@link AddressSpace#insert}; not negative
     */
    public long start() {
        return start;
    }

    /**
     * The number of bytes in the range.
     *
     * @return the {@code length} given to {@link AddressSpace#insert}; positive
     */
    public long length() {
        return length;
    }

    /**
     * The address just after the range.
     *
     * @return {@code start() + length()}, the exclusive end; at most 2^63 - 1
     */
    public long end() {
        return start + length;
    }

    /**
     * The address space this notifier watches.
     *
     * @return the space whose {@link AddressSpace#insert} created this notifier
     */
    public AddressSpace addressSpace() {
        return owner.addressSpace();
    }

    /**
     * Starts a read of the range into a mirror. If an invalidation that touched this range is in
     * progress, waits until it has ended. Call before looking up the pages to mirror.
     *
     * @return the sequence to pass to {@link #readRetry} once the mirror is about to be updated
     * @throws IllegalStateException if it would have to wait for an invalidation run by the
     *                               calling thread itself (called from a callback of this space)
     */
    public long readBegin() {
        return owner.readBegin(this);
    }

    /**
     * Whether an invalidation touched the range since {@link #readBegin} returned {@code seq}, so
     * the pages read must be discarded and the read redone. Call under the driver lock that the
     * callback holds around {@link #setSequence}; a {@code false} answer then stays true until the
     * lock is released.
     *
     * @param seq the value {@link #readBegin} returned for this read
     * @return {@code true} if an invalidation touched the range since then (discard and retry),
     *         {@code false} if the pages read are still valid
     */
    public boolean readRetry(long seq) {
        return sequence != seq;
    }

    /**
     * Records the sequence given to the {@link IntervalCallback}; call from the callback, under
     * the driver lock that also guards {@link #readRetry}. A single volatile write.
     *
     * @param seq the {@code sequence} argument the callback was called with
     */
    public void setSequence(long seq) {
        this.sequence = seq;
    }

    /**
     * Removes the notifier. If an invalidation of the space is in progress, waits for it to end;
     * when this returns, the callback is not running and will not run again. Removing an already
     * removed notifier throws.
     *
     * @throws IllegalStateException if called from inside an invalidation of the same address
     *                               space on this thread (it would wait for itself), or if it was
     *                               already removed
     */
    public void remove() {
        owner.remove(this);
    }

    /** Same as {@link #remove}, except that closing a removed notifier does nothing. */
    @Override
    public void close() {
        if (!isRemoved()) {
            remove();
        }
    }

    /**
     * Whether {@link #remove} was called.
     *
     * @return {@code true} once a {@link #remove} (or {@link #close}) has begun removing this
     *         notifier (it may still be waiting for an invalidation to end); stays {@code true}
     */
    public boolean isRemoved() {
        return owner.isRemoved(this);
    }

    @Override
    public String toString() {
        return "IntervalNotifier[" + owner.name() + " 0x" + Long.toHexString(start) + "-0x"
                + Long.toHexString(start + length) + ", seq=" + sequence + (isRemoved() ? ", removed" : "") + "]";
    }
}
