package io.github.mmunotify.notifier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The interval notifiers of one address space and the invalidation sequence that protects them:
 * the kernel's {@code mmu_notifier_subscriptions} interval-tree half.
 *
 * <p><b>Sequence.</b> {@code sequence} is even while no invalidation that touches an interval is
 * in progress, and odd while one is. An invalidation takes the lock, counts itself in
 * {@code activeInvalidations} and, if any interval overlaps its range, makes the sequence odd;
 * it then calls each overlapping interval's callback with that odd value, which the callback
 * stores as the interval's own sequence. When the last active invalidation ends, the sequence
 * becomes even again and waiters wake. So {@code interval.sequence == sequence} means "an
 * invalidation that touched this interval is in progress" ({@code readBegin} waits), and an
 * interval's sequence changes exactly when an invalidation touches it ({@code readRetry}).
 *
 * <p><b>Stable tree.</b> While the sequence is odd the tree is not modified: callbacks are called
 * by walking it without the lock, so inserts and removals that arrive meanwhile are deferred and
 * applied by the invalidation that makes the sequence even again. A walker exists only while the
 * sequence is odd, so an even sequence means the tree may be changed directly.
 *
 * <p><b>Waiting.</b> {@code insert} during an invalidation waits until the sequence changes (its
 * deferred insertion has then been applied); {@code remove} likewise waits until its deferred
 * removal has been applied, after which no walk can find the interval. Both, and a
 * {@code readBegin} that would wait, throw on a thread that is itself inside an invalidation of
 * this space, which would otherwise wait for itself. (Insert or remove always throw there, even
 * when no wait would be needed, so that misuse fails deterministically.)
 *
 * <p><b>Failures.</b> A callback's Throwable is caught and reported. Should the walk itself throw
 * (the JVM raising an Error inside it), {@code invalidateStart} ends the invalidation before
 * rethrowing, and {@code invalidateEnd} wakes waiters in a finally block: no failure leaves
 * {@code activeInvalidations} counted or the sequence odd, which would block every later
 * {@code readBegin}, insert and remove of an overlapping interval.
 *
 * <p><b>Dependencies.</b> It knows nothing of the walk that calls {@code invalidateStart} and
 * {@code invalidateEnd}: it asks {@link WalkDepth} whether this thread is walking, and reports
 * failures to {@link CallbackFailures}. The {@link AddressSpace} it holds is only handed back by
 * {@link IntervalNotifier#addressSpace()}, never called.
 */
final class IntervalNotifiers {

    /** Initial sequence: even, and odd - 1 for a new interval is distinct from any later value. */
    private static final long INITIAL_SEQUENCE = 2;

    private final AddressSpace addressSpace;
    private final String name;
    private final WalkDepth walking;
    private final CallbackFailures failures;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition sequenceChanged = lock.newCondition();
    private final IntervalTree<IntervalNotifier> tree = new IntervalTree<>();
    private final List<IntervalNotifier> deferred = new ArrayList<>();

    private volatile long sequence = INITIAL_SEQUENCE;
    private int activeInvalidations;
    private int count;
    private boolean closed;

    // addressSpace: only returned by addressSpace() (IntervalNotifier.addressSpace()), never called.
    IntervalNotifiers(AddressSpace addressSpace, String name, WalkDepth walking, CallbackFailures failures) {
        this.addressSpace = addressSpace;
        this.name = name;
        this.walking = walking;
        this.failures = failures;
    }

    AddressSpace addressSpace() {
        return addressSpace;
    }

    /** The space's name, for messages. */
    String name() {
        return name;
    }

    int size() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    private boolean isInvalidatingOnThisThread() {
        return walking.onThisThread();
    }

    IntervalNotifier insert(long start, long length, IntervalCallback callback) {
        if (isInvalidatingOnThisThread()) {
            throw new IllegalStateException("insert into " + name
                    + " called from inside one of its invalidations; it would wait for itself");
        }
        IntervalNotifier interval = new IntervalNotifier(this, start, length, callback);
        long waitWhile;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("address space " + name + " is closed");
            }
            if (activeInvalidations > 0) {
                if ((sequence & 1) != 0) {
                    interval.pendingInsert = true;
                    deferred.add(interval);
                } else {
                    // An invalidation that found no interval is running: it will not walk, but a
                    // read of the new interval must not begin before it ends.
                    sequence |= 1;
                    interval.node = tree.insert(start, start + length - 1, interval);
                }
                interval.sequence = sequence;
                waitWhile = sequence;
            } else {
                interval.sequence = sequence - 1;
                interval.node = tree.insert(start, start + length - 1, interval);
                waitWhile = 0;
            }
            count++;
            if (waitWhile != 0) {
                awaitSequenceChange(waitWhile);
            }
        } finally {
            lock.unlock();
        }
        return interval;
    }

    void remove(IntervalNotifier interval) {
        if (isInvalidatingOnThisThread()) {
            throw new IllegalStateException("remove of " + interval
                    + " called from inside an invalidation of its address space; it would wait for itself");
        }
        lock.lock();
        try {
            if (interval.removed) {
                throw new IllegalStateException(interval + " was already removed");
            }
            interval.removed = true;
            count--;
            if ((sequence & 1) == 0) {
                tree.remove(interval.node);
                interval.node = null;
            } else if (interval.pendingInsert) {
                interval.pendingInsert = false;
                deferred.remove(interval);
            } else {
                interval.pendingRemoval = true;
                deferred.add(interval);
                awaitSequenceChange(sequence);
            }
        } finally {
            lock.unlock();
        }
    }

    boolean isRemoved(IntervalNotifier interval) {
        lock.lock();
        try {
            return interval.removed;
        } finally {
            lock.unlock();
        }
    }

    long readBegin(IntervalNotifier interval) {
        long seq = interval.sequence;
        /* I2: an odd value equal to the interval's means its invalidation is running; pairs with I1
         * in invalidateStart() and I3 in invalidateEnd() */
        if (seq != sequence) {
            return seq;
        }
        if (isInvalidatingOnThisThread()) {
            throw new IllegalStateException("readBegin of " + interval
                    + " called inside an invalidation of its address space by this thread; it would wait for itself");
        }
        lock.lock();
        try {
            awaitSequenceChange(seq);
        } finally {
            lock.unlock();
        }
        return seq;
    }

    /** Waits, holding the lock, until the sequence is no longer {@code seq}. Not interruptible. */
    private void awaitSequenceChange(long seq) {
        boolean interrupted = false;
        while (sequence == seq) {
            try {
                sequenceChanged.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts an invalidation: calls the callback of every interval overlapping the range.
     *
     * @return {@code false} if a callback refused a non-blockable range; the invalidation has then
     *         already been ended and the caller must not call {@link #invalidateEnd}
     */
    boolean invalidateStart(InvalidationRange range) {
        long last = range.end() - 1; // end > start >= 0: no wrap
        long seq;
        lock.lock();
        try {
            if (!tree.anyOverlapping(range.start(), last)) {
                activeInvalidations++;
                return true;
            }
            /* I1: the odd sequence is published before any callback runs; pairs with I2 in readBegin() */
            sequence |= 1;
            seq = sequence;
            activeInvalidations++;
        } finally {
            lock.unlock();
        }
        // The sequence is odd until this invalidation ends: the tree cannot change under the walk.
        boolean accepted = false;
        try {
            accepted = tree.visitOverlapping(range.start(), last, new Invoker(range, seq));
        } finally {
            if (!accepted) {
                invalidateEnd();
            }
        }
        return accepted;
    }

    /** Calls the callback of each visited interval (a class, not a lambda: see InvalidationWalk's notes). */
    private final class Invoker implements IntervalTree.Visitor<IntervalNotifier> {
        private final InvalidationRange range;
        private final long seq;

        Invoker(InvalidationRange range, long seq) {
            this.range = range;
            this.seq = seq;
        }

        @Override
        public boolean visit(IntervalNotifier interval) {
            return invoke(interval, range, seq);
        }
    }

    private boolean invoke(IntervalNotifier interval, InvalidationRange range, long seq) {
        boolean accepted;
        try {
            accepted = interval.callback.invalidate(interval, range, seq);
        } catch (Throwable failure) {
            failures.report("invalidate", interval, failure);
            return true;
        }
        if (!accepted && range.blockable()) {
            failures.report("invalidate (refused a blockable range, treated as accepted)",
                    interval, null);
            return true;
        }
        return accepted;
    }

    /** Ends an invalidation started by {@link #invalidateStart} that returned {@code true}. */
    void invalidateEnd() {
        lock.lock();
        try {
            if (--activeInvalidations > 0 || (sequence & 1) == 0) {
                return;
            }
            /* I3: even again; pairs with I2 in readBegin() and the waits in insert() and remove() */
            sequence++;
            try {
                applyDeferred();
            } finally {
                sequenceChanged.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void applyDeferred() {
        for (IntervalNotifier interval : deferred) {
            if (interval.pendingInsert) {
                interval.pendingInsert = false;
                interval.node = tree.insert(interval.start(), interval.end() - 1, interval);
            } else if (interval.pendingRemoval) {
                interval.pendingRemoval = false;
                tree.remove(interval.node);
                interval.node = null;
            }
        }
        deferred.clear();
    }

    /** Refuses further inserts; the intervals stay until their owners remove them. */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    long sequence() {
        return sequence;
    }

    @Override
    public String toString() {
        return "IntervalNotifiers[" + name + ", count=" + size() + ", sequence=" + sequence + "]";
    }
}
