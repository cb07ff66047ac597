package io.github.mmunotify.notifier;

import io.github.mmunotify.core.Srcu;
import java.util.concurrent.atomic.LongAdder;

/**
 * The invalidation walk of one address space (the kernel's mm/mmu_notifier.c
 * {@code __mmu_notifier_invalidate_range_start}/{@code _end}): inside one read section of the
 * {@link Mmu}'s SRCU domain, the interval notifiers' start, the start of every list subscriber in
 * the subscriptions' snapshot, the {@link Change}, the interval end, the list ends. Records each
 * walk as an {@link InvalidationWalkEvent} while a JFR recording enables it, and counts
 * invalidations and retries.
 *
 * <p>It reads the subscriber array ({@link Subscriptions#snapshot}) and calls the interval
 * notifiers; it never changes either, and nothing it calls back into knows of it: a change is
 * handed in as a {@link Change}.
 *
 * <p>Thread-safe: any number of walks run at once.
 */
final class InvalidationWalk {

    /*
     * Implementation notes.
     *
     * invalidate() is one read section of the Mmu's SRCU domain around: interval starts, list
     * starts, the change, interval end, list ends. Every stage that began is ended in a finally
     * block of its own, innermost first, and the read section's unlock is the outermost finally,
     * so a Throwable from any stage (a callback's, which is caught and reported anyway, or one
     * raised by the JVM inside our own code) cannot leave a section open, an interval invalidation
     * active or a subscriber without its end. The walk, the failure reports and the changes use no
     * lambdas and no string concatenation (invokedynamic): a call site whose first linkage fails
     * (a StackOverflowError during the bootstrap) stays broken for the life of the JVM, which would
     * make every later walk or report throw BootstrapMethodError.
     *
     * Refusals (the kernel's mn_hlist_invalidate_range_start since v5.0): once a list subscriber
     * refuses a non-blockable start, the walk still calls the remaining starts, then calls the end
     * of every subscriber whose start accepted (or threw) and none of the refuser's; the change is
     * skipped. The kernel ends "every subscriber with an end" and WARNs if a refuser has one; here
     * the walk remembers who refused, so a refuser simply gets no end, and a refusal by a
     * subscriber that did not declare mayRefuse() is reported (the kernel's WARN) but still counts.
     * The interval tree keeps the kernel's mn_itree_invalidate rule: its first refusal ends the
     * interval invalidation and the list is not walked (intervals have no per-interval end).
     *
     * depth counts, per thread, the walks of this space the thread is inside; the space refuses
     * re-entrant changes with it and the interval notifiers the operations that would wait for the
     * thread's own walk. The space asks the thread's stripe of the readers first
     * (mayBeWalkingOnThisThread(): a walk counts itself there before its first callback and out
     * after its last) and looks the depth up only where a walk may be inside; a walk handed a
     * null depth cell looks it up itself.
     *
     * Intervals. Walks skip the interval tree until the first insert: W1 reads hasIntervals once
     * per walk; enableIntervals() sets it (W2) and waits a grace period, so that every walk that
     * read false has ended before the first interval can be inserted. A protect that found nothing
     * to walk (W1', under the mapping table's lock) is waited for by passing through that lock.
     *
     * Readers of the subscriber array. Each walk counts itself in and out of the subscriptions'
     * SnapshotReaders (after its read lock, before it reads the array; after its last callback),
     * whose stripes also hold the invalidation and retry counts. register and unregister skip the
     * grace period when nobody is inside (see SnapshotReaders): one atomic add per walk more than
     * the LongAdder counters this replaces. Counting in and out are calls, so they sit inside the
     * try whose finally unlocks the read section: a StackOverflowError in either cannot leave the
     * section open. At worst it leaves the count unbalanced, with more in than out, and then
     * register and unregister always wait the grace period: slower, never too little.
     *
     * Observability. A walk is an InvalidationWalkEvent when a JFR recording enables it. The walk
     * asks InvalidationWalkEvent.enabled() once (one read of the type's settings) and, when it is
     * off, runs exactly as before with a null event: nothing allocated, no clock read. The event
     * class is initialised with this class, so that its initialisation cannot first happen (and
     * fail for good) at the bottom of a deep stack inside a walk; like the walk, the recorded path
     * uses no lambda and no string concatenation.
     */

    static {
        InvalidationWalkEvent.enabled(); // initialises the event class now: see the notes above
    }

    private final String space;
    private final Srcu srcu;
    private final Subscriptions subscriptions;
    private final IntervalNotifiers intervals;
    private final WalkDepth depth;
    private final CallbackFailures failures;
    /** Only for {@link MappingTable#awaitUnwatchedChanges()}: its protects with no walk read {@link #nothingToWalk()}. */
    private final MappingTable table;
    private final Object intervalsEnabling = new Object();

    /** Read by walks: whether the interval notifiers must be visited at all. */
    private volatile boolean hasIntervals;
    /** Set once every walk that could have missed {@code hasIntervals} has ended. */
    private volatile boolean intervalsEnabled;

    /** Counts walks in and out (and their outcomes) for register and unregister; the subscriptions' own. */
    private final SnapshotReaders readers;
    /** TRY_AGAIN outcomes that did not come from a walk (a busy mapping table). */
    private final LongAdder tableBusy = new LongAdder();

    InvalidationWalk(String space, Srcu srcu, Subscriptions subscriptions, IntervalNotifiers intervals,
                     WalkDepth depth, CallbackFailures failures, MappingTable table) {
        this.space = space;
        this.table = table;
        this.srcu = srcu;
        this.subscriptions = subscriptions;
        this.intervals = intervals;
        this.depth = depth;
        this.failures = failures;
        this.readers = subscriptions.readers();
    }

    /**
     * Whether the current thread may be inside a walk of this space: {@code false} means that it
     * is not. Asked before the walk-depth thread-local, which costs more (see SnapshotReaders).
     */
    boolean mayBeWalkingOnThisThread() {
        return readers.mayBeInsideOnThisThread();
    }

    /**
     * Whether a walk starting now would call nobody and record nothing (the kernel's
     * {@code mm_has_notifiers()} false): no interval notifier, the empty subscriber array, and no
     * JFR recording of the walk event. Three loads, no store. Asked by the mapping table under its
     * lock, whose protects then make their change with no walk; whoever makes somebody watch
     * passes through that lock after publishing (see {@link #enableIntervals()} and
     * {@code Subscriptions.awaitCallbacks()}).
     */
    boolean nothingToWalk() {
        /* W1': pairs with W2 in enableIntervals(), which then passes through the table's lock */
        return !hasIntervals && subscriptions.snapshot() == SubscriberArray.EMPTY && !InvalidationWalkEvent.enabled();
    }

    /**
     * Runs one invalidation around {@code change}, inside one SRCU read section: intervals start,
     * list start, change, intervals end, list end. On a refusal of a non-blockable range every list
     * subscriber's start is still called, every one that accepted gets its end, the refuser none,
     * the change is skipped and the outcome is TRY_AGAIN (the kernel's rule; an interval refusal,
     * as in the kernel's mn_itree_invalidate, stops before the list). See the implementation notes
     * for why every stage ends in a finally block of its own.
     */
    InvalidationOutcome invalidate(InvalidationRange range, Change change) {
        return invalidate(range, change, null);
    }

    /**
     * {@link #invalidate(InvalidationRange, Change)} for a caller that may already hold the current
     * thread's walk-depth cell ({@link WalkDepth#cell()}, looked up for its re-entrancy check), or
     * {@code null} if it did not need it.
     */
    InvalidationOutcome invalidate(InvalidationRange range, Change change, int[] knownWalking) {
        int[] walking = knownWalking != null ? knownWalking : depth.cell();
        if (InvalidationWalkEvent.enabled()) {
            return invalidateRecorded(range, change, walking);
        }
        // The body is invalidateRecorded's without the event, kept apart on purpose: one more
        // frame on this path costs the JIT the inlining that lets escape analysis remove the
        // range and change objects (88 bytes per walk in NotifierWalkBenchmark with -prof gc).
        int token = srcu.readLock();
        walking[0]++;
        int stripe = SnapshotReaders.NOT_ENTERED;
        InvalidationOutcome outcome = null;
        try {
            stripe = readers.enter();
            outcome = walk(range, change);
            return outcome;
        } finally {
            walking[0]--;
            try {
                leave(stripe, outcome);
            } finally {
                srcu.readUnlock(token);
            }
        }
    }

    /** {@link #invalidate(InvalidationRange, Change, int[])} recorded as an {@link InvalidationWalkEvent}. */
    private InvalidationOutcome invalidateRecorded(InvalidationRange range, Change change, int[] walking) {
        InvalidationWalkEvent event = new InvalidationWalkEvent();
        event.addressSpace = space;
        event.start = range.start();
        event.end = range.end();
        event.cause = range.event().name();
        event.blockable = range.blockable();
        event.intervalNotifiers = hasIntervals ? intervals.size() : 0;
        event.outcome = "THREW"; // replaced below unless the walk throws
        event.begin();
        try {
            int token = srcu.readLock();
            walking[0]++;
            int stripe = SnapshotReaders.NOT_ENTERED;
            InvalidationOutcome outcome = null;
            try {
                stripe = readers.enter();
                event.subscribers = subscriptions.snapshot().count; // the walk takes its own snapshot next
                outcome = walk(range, change);
                event.outcome = outcome.name();
                return outcome;
            } finally {
                walking[0]--;
                try {
                    leave(stripe, outcome);
                } finally {
                    srcu.readUnlock(token);
                }
            }
        } finally {
            event.commit();
        }
    }

    /**
     * Counts the walk out of the readers of the subscriber array: DONE, or a retry (also when it
     * threw); nothing if it was never counted in.
     */
    private void leave(int stripe, InvalidationOutcome outcome) {
        if (stripe == SnapshotReaders.NOT_ENTERED) {
            return;
        }
        if (outcome == InvalidationOutcome.DONE) {
            readers.leaveDone(stripe);
        } else {
            readers.leaveRetry(stripe);
        }
    }

    /** The walk itself; runs inside the read section taken by {@link #invalidate}. */
    private InvalidationOutcome walk(InvalidationRange range, Change change) {
        /* W1: read once per walk; pairs with W2 in enableIntervals() (the grace period after it) */
        if (hasIntervals) {
            if (!intervals.invalidateStart(range)) {
                return InvalidationOutcome.TRY_AGAIN; // the refusal already ended the interval invalidation
            }
            try {
                return walkList(range, change);
            } finally {
                intervals.invalidateEnd();
            }
        }
        return walkList(range, change);
    }

    private InvalidationOutcome walkList(InvalidationRange range, Change change) {
        SubscriberArray list = subscriptions.snapshot();
        // The kernel's rule (mn_hlist_invalidate_range_start): every start is called even after a
        // refusal; a refuser gets no end, every other started subscriber gets its end. refused[i]
        // marks the refusers and exists only once someone refuses, so the common path allocates
        // nothing and its loop does no bookkeeping per subscriber but the count of started slots.
        // Slots are visited in order; an empty slot (a removed subscriber) is skipped by both loops.
        int slots = list.slots;
        boolean[] refused = null;
        int started = 0; // slots whose subscriber's start was called (a prefix of the slots)
        boolean done = false;
        try {
            for (int base = 0; base < slots; base += SubscriberArray.WIDTH) {
                for (MmuNotifier subscriber : list.leafAt(base)) {
                    if (subscriber != null && !start(subscriber, range)) {
                        if (refused == null) {
                            refused = new boolean[slots];
                        }
                        refused[started] = true;
                    }
                    started++;
                }
            }
            if (refused == null) {
                change.run();
                done = true;
            }
        } finally {
            endStarted(list, started, refused, range);
        }
        return done ? InvalidationOutcome.DONE : InvalidationOutcome.TRY_AGAIN;
    }

    private boolean start(MmuNotifier subscriber, InvalidationRange range) {
        boolean accepted;
        try {
            accepted = subscriber.invalidateRangeStart(range);
        } catch (Throwable failure) {
            failures.report("invalidateRangeStart", subscriber, failure);
            return true;
        }
        if (accepted) {
            return true;
        }
        if (range.blockable()) {
            failures.report("invalidateRangeStart (refused a blockable range, treated as accepted)",
                    subscriber, null);
            return true;
        }
        if (!declaresRefusal(subscriber)) {
            failures.report("invalidateRangeStart (refused a non-blockable range without declaring "
                    + "mayRefuse(); the refusal counts)", subscriber, null);
        }
        return false;
    }

    /** {@link MmuNotifier#mayRefuse()}, which is foreign code: one that throws is reported and counts as false. */
    private boolean declaresRefusal(MmuNotifier subscriber) {
        try {
            return subscriber.mayRefuse();
        } catch (Throwable failure) {
            failures.report("mayRefuse", subscriber, failure);
            return false;
        }
    }

    /**
     * Calls the end of the subscribers in the first {@code count} slots, skipping empty slots and
     * the refusers ({@code refused[slot]}; {@code refused == null}: nobody refused), which get no
     * end; one that throws does not stop the rest.
     */
    private void endStarted(SubscriberArray list, int count, boolean[] refused, InvalidationRange range) {
        for (int base = 0; base < count; base += SubscriberArray.WIDTH) {
            MmuNotifier[] leaf = list.leafAt(base);
            int n = Math.min(leaf.length, count - base);
            for (int i = 0; i < n; i++) {
                MmuNotifier subscriber = leaf[i];
                if (subscriber != null && (refused == null || !refused[base + i])) {
                    end(subscriber, range);
                }
            }
        }
    }

    private void end(MmuNotifier subscriber, InvalidationRange range) {
        try {
            subscriber.invalidateRangeEnd(range);
        } catch (Throwable failure) {
            failures.report("invalidateRangeEnd", subscriber, failure);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Intervals

    /** Whether walks visit the interval tree (every walk that could have missed it has ended). */
    boolean intervalsEnabled() {
        return intervalsEnabled;
    }

    /**
     * Makes walks visit the interval tree. Walks that read {@code hasIntervals == false} may still
     * be running and would miss a new interval, so the first insert waits for them.
     */
    void enableIntervals() {
        synchronized (intervalsEnabling) {
            if (intervalsEnabled) {
                return;
            }
            subscriptions.requireOutsideCallbacks("the first insert");
            /* W2: walks that start later visit the tree; pairs with W1 in walk(), the grace period
             * below waiting out the walks that read false */
            hasIntervals = true;
            srcu.synchronize();
            table.awaitUnwatchedChanges(); // and the protects that read it under the table's lock (W1')
            intervalsEnabled = true;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Counters

    /** Counts a TRY_AGAIN that did not come from a walk (a busy mapping table). */
    void countRetry() {
        tableBusy.increment();
    }

    /** Invalidations whose change was made, over the space's life. */
    long invalidations() {
        return readers.done();
    }

    /** TRY_AGAIN outcomes, over the space's life. */
    long retries() {
        return readers.retries() + tableBusy.sum();
    }

    @Override
    public String toString() {
        return "InvalidationWalk[" + space + ", invalidations=" + invalidations() + ", retries="
                + retries() + (hasIntervals ? ", intervals]" : "]");
    }
}
