package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
 * counting itself and reading shared data (on the membarrier side of {@code AsymmetricFence},
 * the scans' membarrier stands in for the reader's fence). Readers never wait for the driver, and the driver only
 * waits for sections that were already counted, so new readers cannot starve it.
 *
 * <h2>Bounded waits</h2>
 * A timed wait that runs out leaves the grace period where it stopped: {@code phase} records
 * whether the flip has happened, and the next driver (timed or not) resumes from there. Both
 * waits are for the index readers are <em>not</em> counting on, so resuming only re-checks a
 * condition that can only have become easier; nothing is undone and no reader is missed.
 *
 * <h2>Expedited grace periods</h2>
 * An expedited waiter records its cookie in {@code expeditedNeeded} (the kernel's
 * {@code srcu_gp_seq_needed_exp}) and wakes the thread driving, if any. While that cookie is not
 * done, every driver waits for readers with {@link Backoff#forExpeditedReaders()} (spin, then fixed 5 us
 * parks) instead of the normal back-off (spin, then parks doubling to 1 ms): the grace period
 * running when the request came, and the next one, end soon after their readers have gone,
 * whoever drives them.
 * The algorithm is the same; only how long the driver sleeps between scans changes. The wake-up
 * is a Dekker pair (X below): the waiter stores the request and then reads {@code driver}; the
 * driver stores {@code driver} and then reads the request before each idle step; all four are
 * volatile, so either the driver sees the request or the waiter sees, and unparks, the driver. A
 * driver unparked spuriously by a late waiter only scans once more; a permit left for a thread
 * that has stopped driving costs its next park one spurious return, which every park loop allows.
 *
 * <h2>Ordering points</h2>
 * Labels pair with the other ends: B in {@code Srcu.readLock()}, C in
 * {@code SrcuReaderCounts.unlockTo()} (C' in {@code Srcu.readUnlock()}),
 * A in {@code SrcuReaderRegistry.readersGone()}. {@code Srcu.getState()} and
 * {@code Srcu.startPoll()} take their cookies through H in {@link #cookie()};
 * {@code Srcu.pollState()} reads the sequence through G in {@link #isDone(long)}.
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
    /** The highest cookie an expedited waiter waits for: while it is not done, drivers park only briefly. */
    private final AtomicLong expeditedNeeded = new AtomicLong();

    /** The thread holding the driver lock while it runs grace periods, else null: whom an expedited request wakes. */
    private volatile Thread driver;

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
        /* H: pairs with F in runOne() and with B in Srcu.readLock() (and Srcu.Reader.lock()).
         * Orders the caller's earlier
         * accesses (e.g. the store that unpublished an object) before the snapshot of the sequence,
         * as the kernel's rcu_seq_snap() starts with smp_mb(): without it a plain store could be
         * reordered after the load, the cookie would come from a sequence whose grace period had
         * already passed the flip, and a reader that still sees the old object would not be waited
         * for. A full fence on both sides (kernel get_state_synchronize_srcu() keeps smp_mb() for
         * SRCU-fast): on the membarrier side its pairing with B is carried by A's membarrier in
         * the scans of the grace period that completes the cookie, which all begin after the
         * sequence this fence orders the store before (see AsymmetricFence). */
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

    /**
     * The latest cookie handed out so far, with no fence: an upper bound for any cookie a caller
     * can hold now (for {@link SrcuCookies#widen}).
     */
    long latestCookie() {
        return (sequence() + 3) & ~1L;
    }

    /**
     * Whether {@code cookie} is done; an acquire of the sequence (G: pairs with F in advance(), so
     * everything the drained readers did happens-before a caller that sees {@code true}).
     */
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

    /** {@link #awaitDone(long, String, boolean)}, not expedited (the callback thread's wait). */
    void awaitDone(long cookie, String waiter) {
        awaitDone(cookie, waiter, false);
    }

    /**
     * Returns once {@code cookie} is done, running grace periods on the calling thread as needed.
     * A caller that finds another thread driving waits for it and then, usually, finds its cookie
     * already done. Interrupts do not end the wait; they are re-asserted afterwards.
     *
     * @param waiter who waits, for {@link GracePeriodEvent}
     * @param expedited whether the grace periods up to {@code cookie} are to be expedited
     */
    void awaitDone(long cookie, String waiter, boolean expedited) {
        if (isDone(cookie)) {
            return;
        }
        GracePeriodEvent event = beginEvent(waiter, expedited);
        if (expedited) {
            expedite(cookie);
        }
        driverLock.lock();
        driver = Thread.currentThread(); // X: pairs with X in expedite(); read in isExpedited()
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
            driver = null;
            driverLock.unlock();
        }
        if (event != null) {
            event.commit(); // ends the event and checks the threshold itself
        }
    }

    /**
     * Asks every driver to stop sleeping between scans until {@code cookie} is done, and wakes the
     * one driving now, so that the grace period already running is expedited too.
     */
    private void expedite(long cookie) {
        expeditedNeeded.accumulateAndGet(cookie, SrcuGracePeriods::later);
        /* X: the request above, then the read of driver below; pairs with X in isExpedited() (the
         * store of driver, then the read of the request). Both sides volatile: one sees the other. */
        Thread running = driver;
        if (running != null) {
            LockSupport.unpark(running);
        }
    }

    /** Whether some expedited waiter's cookie is not done yet (X: pairs with X in expedite()). */
    private boolean isExpedited() {
        return !isDone(expeditedNeeded.get());
    }

    /** The later of two sequence values, wrap-safe. */
    private static long later(long a, long b) {
        return a - b > 0 ? a : b;
    }

    /** A started event if a recording enables it, else null (nothing allocated). */
    private GracePeriodEvent beginEvent(String waiter, boolean expedited) {
        if (!GracePeriodEvent.enabled()) {
            return null;
        }
        GracePeriodEvent event = new GracePeriodEvent();
        event.domain = name;
        event.waiter = waiter;
        event.expedited = expedited;
        event.begin();
        return event;
    }

    /**
     * Like {@link #awaitDone(long, String, boolean)}, but gives up once {@code deadline} (a
     * {@link System#nanoTime()} value) has passed, returning false and leaving the grace period to be resumed by the next
     * driver. A timed-out expedited request keeps the grace period it asked for expedited until it ends.
     *
     * @throws InterruptedException if interrupted while waiting; the grace period is left as on a timeout
     */
    boolean awaitDone(long cookie, long deadline, String waiter, boolean expedited) throws InterruptedException {
        if (isDone(cookie)) {
            return true;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        GracePeriodEvent event = beginEvent(waiter, expedited);
        if (expedited) {
            expedite(cookie);
        }
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

    /** {@link #awaitDone(long, long, String, boolean)} past its checks; fills in {@code event}'s counts if not null. */
    private boolean driveUntil(long cookie, long deadline, GracePeriodEvent event) throws InterruptedException {
        if (!driverLock.tryLock(Math.max(0L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return isDone(cookie);
        }
        driver = Thread.currentThread(); // X: pairs with X in expedite(); read in isExpedited()
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
            driver = null;
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
            /* D: pairs with B in Srcu.readLock() (and Srcu.Reader.lock()). The scan that found the
             * inactive index empty is
             * ordered before the flip, so a reader that fetched the inactive index before the
             * previous flip and counts on it only now is seen by the scan after this flip. A full
             * fence on both sides: on the membarrier side its pairing with B is carried by A's
             * membarrier in the scan before it (kernel srcu_flip() keeps smp_mb() for SRCU-fast
             * too; see AsymmetricFence). */
            VarHandle.fullFence();
            index ^= 1;
            /* E: pairs with B in Srcu.readLock() (and Srcu.Reader.lock()) and C in
             * SrcuReaderCounts.unlockTo() (C' in Srcu.readUnlock()). The flip is ordered before the
             * scans of the old index: a reader that counts itself after those scans
             * began fetched the new index, or sees everything published before this grace period.
             * A full fence on both sides: on the membarrier side its pairing with B is carried by
             * A's membarrier in the scans after it (see AsymmetricFence). */
            VarHandle.fullFence();
            phase = AFTER_FLIP;
        }
        if (!awaitReadersGone(waitedIndex(), deadline, timed)) {
            return false;
        }
        /* F: pairs with C in SrcuReaderCounts.unlockTo() (C' in Srcu.readUnlock() and
         * Srcu.Reader.unlock()) (through A's acquire loads) and with G in isDone()
         * (Srcu.pollState(), synchronize*()) and H in cookie() (Srcu.getState(), startPoll()).
         * Everything the drained readers did happens-before the end of the grace period that an
         * updater observes. */
        VarHandle.fullFence();
        phase = IDLE;
        SEQUENCE.setVolatile(this, sequence() + 1);
        return true;
    }

    /**
     * Waits until no reader holds {@code waitedIndex}. Untimed: ignores interrupts and re-asserts
     * them afterwards. Timed: returns false at the deadline, throws when interrupted. Sleeps between
     * scans with the normal back-off, or, while an expedited grace period is asked for, with
     * {@link Backoff#forExpeditedReaders()}.
     */
    private boolean awaitReadersGone(int waitedIndex, long deadline, boolean timed) throws InterruptedException {
        Backoff backoff = null;
        Backoff expedited = null;
        try {
            while (!scan(waitedIndex)) {
                if (backoff == null) {
                    backoff = Backoff.forReaders();
                    countReadersWaitedFor(waitedIndex);
                }
                long left = timed ? deadline - System.nanoTime() : Long.MAX_VALUE;
                if (left <= 0) {
                    return false;
                }
                boolean checkStalls;
                if (isExpedited()) {
                    if (expedited == null) {
                        expedited = Backoff.forExpeditedReaders();
                    }
                    checkStalls = expedited.idle(left);
                } else {
                    checkStalls = backoff.idle(left);
                }
                if (checkStalls) {
                    stalls.check(waitedIndex, startNanos);
                }
                if (timed && (backoff.takeInterrupt() | (expedited != null && expedited.takeInterrupt()))) {
                    throw new InterruptedException();
                }
            }
            stalls.clear(waitedIndex);
            return true;
        } finally {
            if (!timed) {
                if (backoff != null) {
                    backoff.restoreInterrupt();
                }
                if (expedited != null) {
                    expedited.restoreInterrupt();
                }
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
        // The striped sections (virtual threads, shared sections) count as one reader each.
        readersWaitedFor += registry.stripes().activeOn(waitedIndex);
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
