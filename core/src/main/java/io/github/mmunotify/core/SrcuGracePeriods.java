package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The grace-period engine of one domain: the reader index, the grace-period sequence, and the
 * driver that flips the index and waits for the old one to drain (kernel {@code srcutree.c}).
 *
 * <h2>Sequence and cookies</h2>
 * {@code sequence} is even while no grace period runs and odd while one does; each grace period
 * adds one at its start and one at its end, so {@code sequence / 2} grace periods have completed.
 * A cookie is the sequence value at which a full grace period will have elapsed since the cookie
 * was taken: the end of the next grace period if none is running, otherwise the end of the one
 * after the running one (kernel {@code rcu_seq_snap}). A cookie is done once the sequence has
 * reached it. Callers that take cookies concurrently get the same value and are all satisfied by
 * the same grace period: that is how concurrent requests share work.
 *
 * <h2>One grace period</h2>
 * Under the driver lock: (1) wait until no reader holds the inactive index, which catches a reader
 * that fetched that index before the previous flip but incremented it only after it; (2) flip the
 * index, so that new readers count on the other one; (3) wait until no reader holds the old
 * index. Full fences separate the steps, pairing with the fence each reader executes between
 * counting itself and reading shared data. Readers never wait for the driver, and the driver only
 * waits for sections that were already counted, so new readers cannot starve it.
 *
 * <p>Thread-safe. The driver lock is only held while grace periods run; nothing the domain calls
 * out to (callbacks, handlers other than the stall handler) runs under it.
 */
final class SrcuGracePeriods {
    private static final VarHandle SEQUENCE;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(SrcuGracePeriods.class, "sequence", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SrcuReaderRegistry registry;
    private final SrcuStallDetector stalls;
    private final ReentrantLock driverLock = new ReentrantLock();
    /** The highest cookie handed out by {@link #requestCookie()}: polled grace periods owed. */
    private final AtomicLong requested = new AtomicLong();

    /** The index new readers count on, 0 or 1. */
    private volatile int index;
    @SuppressWarnings("unused") // accessed through SEQUENCE
    private volatile long sequence;

    SrcuGracePeriods(SrcuReaderRegistry registry, SrcuStallDetector stalls) {
        this.registry = registry;
        this.stalls = stalls;
    }

    /** The index a reader entering now counts itself on. */
    int currentIndex() {
        return index;
    }

    /** The cookie that becomes done after a full grace period from now. */
    long cookie() {
        return (sequence() + 3) & ~1L;
    }

    /** Takes a cookie and records that a grace period must be driven to reach it. */
    long requestCookie() {
        long cookie = cookie();
        requested.accumulateAndGet(cookie, Math::max);
        return cookie;
    }

    /** The highest cookie requested through {@link #requestCookie()}. */
    long highestRequested() {
        return requested.get();
    }

    /** Whether some requested cookie is not done yet. */
    boolean hasUnservedRequest() {
        return !isDone(requested.get());
    }

    boolean isDone(long cookie) {
        return sequence() - cookie >= 0;
    }

    long completed() {
        return sequence() >>> 1;
    }

    /** Whether the calling thread is running a grace period right now. */
    boolean isDrivenByCurrentThread() {
        return driverLock.isHeldByCurrentThread();
    }

    /**
     * Returns once {@code cookie} is done, running grace periods on the calling thread as needed.
     * A caller that finds another thread driving waits for it and then, usually, finds its cookie
     * already done.
     */
    void awaitDone(long cookie) {
        if (isDone(cookie)) {
            return;
        }
        driverLock.lock();
        try {
            while (!isDone(cookie)) {
                runOne();
            }
        } finally {
            driverLock.unlock();
        }
    }

    /** Driver lock held: runs one complete grace period. */
    private void runOne() {
        long start = System.nanoTime();
        SEQUENCE.setVolatile(this, sequence() + 1);
        registry.pruneTerminated();
        int current = index;
        awaitReadersGone(current ^ 1, start);
        VarHandle.fullFence();
        index = current ^ 1;
        VarHandle.fullFence();
        awaitReadersGone(current, start);
        VarHandle.fullFence();
        SEQUENCE.setVolatile(this, sequence() + 1);
    }

    private void awaitReadersGone(int waitedIndex, long gracePeriodStart) {
        SrcuBackoff backoff = null;
        while (!registry.readersGone(waitedIndex)) {
            if (backoff == null) {
                backoff = new SrcuBackoff();
            }
            if (backoff.idle()) {
                stalls.check(waitedIndex, gracePeriodStart);
            }
        }
        stalls.clear(waitedIndex);
        if (backoff != null) {
            backoff.restoreInterrupt();
        }
    }

    private long sequence() {
        return (long) SEQUENCE.getVolatile(this);
    }

    @Override
    public String toString() {
        return "grace periods completed=" + completed() + (((sequence() & 1) != 0) ? ", one running" : "")
                + ", index=" + index;
    }
}
