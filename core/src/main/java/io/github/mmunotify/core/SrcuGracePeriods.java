package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
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
 * <h2>Bounded waits</h2>
 * A timed wait that runs out leaves the grace period where it stopped: {@code phase} records
 * whether the flip has happened, and the next driver (timed or not) resumes from there. Both
 * waits are for the index readers are <em>not</em> counting on, so resuming only re-checks a
 * condition that can only have become easier; nothing is undone and no reader is missed.
 *
 * <h2>Ordering points</h2>
 * Labels pair with the other ends: B in {@code Srcu.readLock()}, C in
 * {@code SrcuReader.unlockTo()} (C' in {@code Srcu.readUnlock()}),
 * A in {@code SrcuReaderRegistry.readersGone()}.
 *
 * <h2>Observability</h2>
 * Each wait that gets past the done check is a {@link GracePeriodEvent} when a JFR recording
 * enables it. The driver counts its reader scans always (a plain increment under the driver
 * lock) and the readers it waits for only while the event is enabled (a walk of the readers, on
 * the first scan of an index that finds one inside); a waiter reports the difference of both
 * counts across its hold of the lock. Disabled, a wait allocates and times nothing more.
 *
 * <p>Thread-safe. The driver lock is only held while grace periods run; nothing the domain calls
 * out to (callbacks, handlers other than the stall handler) runs under it.
 */
final class SrcuGracePeriods {
    private static final VarHandle SEQUENCE;
    /** No grace period in progress. */
    private static final int IDLE = 0;
    /** Started; waiting for the inactive index to drain before the flip. */
    private static final int BEFORE_FLIP = 1;
    /** Flipped; waiting for the old index (now the inactive one) to drain. */
    private static final int AFTER_FLIP = 2;

    static {
        try {
            SEQUENCE = MethodHandles.lookup().findVarHandle(SrcuGracePeriods.class, "sequence", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final SrcuReaderRegistry registry;
    private final SrcuStallDetector stalls;
    private final ReentrantLock driverLock = new ReentrantLock();
    /** The highest cookie handed out by {@link #requestCookie()}: polled grace periods owed. */
    private final AtomicLong requested = new AtomicLong();

    /** The index new readers count on, 0 or 1. */
    private volatile int index;
    @SuppressWarnings("unused") // accessed through SEQUENCE
    private volatile long sequence;
    /** Driver lock held: where the running grace period stands. */
    private int phase = IDLE;
    /** Driver lock held: when the running grace period started, for stall reports. */
    private long startNanos;
    /** Driver lock held: reader scans so far, for {@link GracePeriodEvent}. */
    private long scans;
    /** Driver lock held: readers found holding up a grace period, counted only while the event is enabled. */
    private long readersWaitedFor;

    SrcuGracePeriods(String name, SrcuReaderRegistry registry, SrcuStallDetector stalls) {
        this.name = name;
        this.registry = registry;
        this.stalls = stalls;
    }

    /** The index a reader entering now counts itself on. */
    int currentIndex() {
        return index;
    }

    /** The index a running grace period waits to drain (the one readers are not counting on). */
    int waitedIndex() {
        return index ^ 1;
    }

    /** The cookie that becomes done after a full grace period from now. */
    long cookie() {
        /* H: pairs with F in runOne() and with B in Srcu.readLock(). Orders the caller's earlier
         * accesses (e.g. the store that unpublished an object) before the snapshot of the sequence,
         * as the kernel's rcu_seq_snap() starts with smp_mb(): without it a plain store could be
         * reordered after the load, the cookie would come from a sequence whose grace period had
         * already passed the flip, and a reader that still sees the old object would not be waited
         * for. */
        VarHandle.fullFence();
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

    /** Whether {@code cookie} is done; an acquire of the sequence (G: pairs with F in runOne()). */
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
     * Prunes the readers of terminated threads now if no grace period is being driven (a reader
     * calls this on registration, when the list has grown a lot since the last prune); otherwise
     * the running grace period prunes at its next start.
     */
    void pruneIfIdle() {
        if (driverLock.tryLock()) {
            try {
                registry.pruneTerminated();
            } finally {
                driverLock.unlock();
            }
        }
    }

    /**
     * Returns once {@code cookie} is done, running grace periods on the calling thread as needed.
     * A caller that finds another thread driving waits for it and then, usually, finds its cookie
     * already done. Interrupts do not end the wait; they are re-asserted afterwards.
     *
     * @param waiter who waits, for {@link GracePeriodEvent}
     */
    void awaitDone(long cookie, String waiter) {
        if (isDone(cookie)) {
            return;
        }
        GracePeriodEvent event = beginEvent(waiter);
        driverLock.lock();
        long completedBefore = completed();
        long scansBefore = scans;
        long readersBefore = readersWaitedFor;
        try {
            while (!isDone(cookie)) {
                advance(0L, false);
            }
        } catch (InterruptedException impossible) {
            throw new AssertionError("an untimed grace period does not throw InterruptedException", impossible);
        } finally {
            if (event != null) {
                event.gracePeriodsDriven = (int) (completed() - completedBefore);
                event.scans = scans - scansBefore;
                event.readersWaitedFor = (int) (readersWaitedFor - readersBefore);
                event.completed = isDone(cookie);
            }
            driverLock.unlock();
        }
        if (event != null) {
            event.commit(); // ends the event and checks the threshold itself
        }
    }

    /** A started event if a recording enables it, else null (nothing allocated). */
    private GracePeriodEvent beginEvent(String waiter) {
        if (!GracePeriodEvent.enabled()) {
            return null;
        }
        GracePeriodEvent event = new GracePeriodEvent();
        event.domain = name;
        event.waiter = waiter;
        event.begin();
        return event;
    }

    /**
     * Like {@link #awaitDone(long, String)}, but gives up once {@code deadline} (a {@link System#nanoTime()}
     * value) has passed, returning false and leaving the grace period to be resumed by the next
     * driver.
     *
     * @throws InterruptedException if interrupted while waiting; the grace period is left as on a timeout
     */
    boolean awaitDone(long cookie, long deadline, String waiter) throws InterruptedException {
        if (isDone(cookie)) {
            return true;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        GracePeriodEvent event = beginEvent(waiter);
        try {
            return driveUntil(cookie, deadline, event);
        } finally {
            if (event != null) {
                event.completed = isDone(cookie);
            }
            if (event != null) {
                event.commit();
            }
        }
    }

    /** {@link #awaitDone(long, long, String)} past its checks; fills in {@code event}'s counts if not null. */
    private boolean driveUntil(long cookie, long deadline, GracePeriodEvent event) throws InterruptedException {
        if (!driverLock.tryLock(Math.max(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return isDone(cookie);
        }
        long completedBefore = completed();
        long scansBefore = scans;
        long readersBefore = readersWaitedFor;
        try {
            while (!isDone(cookie)) {
                if (!advance(deadline, true)) {
                    return false;
                }
            }
            return true;
        } finally {
            if (event != null) {
                event.gracePeriodsDriven = (int) (completed() - completedBefore);
                event.scans = scans - scansBefore;
                event.readersWaitedFor = (int) (readersWaitedFor - readersBefore);
            }
            driverLock.unlock();
        }
    }

    /**
     * Driver lock held: runs the current grace period (starting one if none runs) to its end.
     * Returns false, with the grace period left resumable, if {@code timed} and the deadline passed.
     */
    private boolean advance(long deadline, boolean timed) throws InterruptedException {
        if (phase == IDLE) {
            startNanos = System.nanoTime();
            SEQUENCE.setVolatile(this, sequence() + 1);
            registry.pruneTerminated();
            phase = BEFORE_FLIP;
        }
        if (phase == BEFORE_FLIP) {
            if (!awaitReadersGone(waitedIndex(), deadline, timed)) {
                return false;
            }
            /* D: pairs with B in Srcu.readLock(). The scan that found the inactive index empty is
             * ordered before the flip, so a reader that fetched the inactive index before the
             * previous flip and counts on it only now is seen by the scan after this flip. */
            VarHandle.fullFence();
            index ^= 1;
            /* E: pairs with B in Srcu.readLock() and C in SrcuReader.unlockTo() (C' in
             * Srcu.readUnlock()). The flip is ordered
             * before the scans of the old index: a reader that counts itself after those scans
             * began fetched the new index, or sees everything published before this grace period. */
            VarHandle.fullFence();
            phase = AFTER_FLIP;
        }
        if (!awaitReadersGone(waitedIndex(), deadline, timed)) {
            return false;
        }
        /* F: pairs with C in SrcuReader.unlockTo() (C' in Srcu.readUnlock()) (through A's
         * acquire loads) and with G in
         * isDone() and H in cookie(). Everything the drained readers did happens-before the end
         * of the grace period that an updater observes. */
        VarHandle.fullFence();
        phase = IDLE;
        SEQUENCE.setVolatile(this, sequence() + 1);
        return true;
    }

    /**
     * Waits until no reader holds {@code waitedIndex}. Untimed: ignores interrupts and re-asserts
     * them afterwards. Timed: returns false at the deadline, throws when interrupted.
     */
    private boolean awaitReadersGone(int waitedIndex, long deadline, boolean timed) throws InterruptedException {
        Backoff backoff = null;
        try {
            while (!scan(waitedIndex)) {
                if (backoff == null) {
                    backoff = Backoff.forReaders();
                    countReadersWaitedFor(waitedIndex);
                }
                if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    if (backoff.idle(left)) {
                        stalls.check(waitedIndex, startNanos);
                    }
                    if (backoff.takeInterrupt()) {
                        throw new InterruptedException();
                    }
                } else if (backoff.idle(Long.MAX_VALUE)) {
                    stalls.check(waitedIndex, startNanos);
                }
            }
            stalls.clear(waitedIndex);
            return true;
        } finally {
            if (backoff != null && !timed) {
                backoff.restoreInterrupt();
            }
        }
    }

    /** Driver lock held: one scan of the readers, counted. */
    private boolean scan(int waitedIndex) {
        scans++;
        return registry.readersGone(waitedIndex);
    }

    /**
     * Driver lock held: adds the readers inside a section on {@code waitedIndex} to the count the
     * {@link GracePeriodEvent} reports; walks the readers only while a recording enables it.
     */
    private void countReadersWaitedFor(int waitedIndex) {
        if (!GracePeriodEvent.enabled()) {
            return;
        }
        // A plain loop, no lambda: see SrcuReaderRegistry.head().
        for (SrcuReader reader = registry.head(); reader != null; reader = reader.next()) {
            if (reader.appearsActiveOn(waitedIndex)) {
                readersWaitedFor++;
            }
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
