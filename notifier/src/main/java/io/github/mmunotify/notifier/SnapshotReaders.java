package io.github.mmunotify.notifier;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Who may be using a version of one address space's subscriber array right now: its invalidation
 * walks, counted in and out in a few padded stripes. {@code register} and {@code unregister} ask {@link #noneInside()} after
 * publishing a new version: when nobody is inside, no walk can still hold the old version, and
 * the SRCU grace period they would otherwise wait for can be skipped (the kernel's cheap case of
 * {@code synchronize_srcu}, for the one address space). Also the space's walk counters.
 *
 * <p>Thread-safe; counting in and out is two atomic adds on the calling thread's stripe.
 */
final class SnapshotReaders {

    /*
     * Implementation notes.
     *
     * Each stripe holds three counters on its own 128 bytes: ENTERED (a walk began), and how it
     * left: DONE and RETRY (its outcome, which are the space's invalidation and retry
     * statistics). A release called by unregister is not counted: an unregister that did not run
     * the release itself waits a full grace period instead (Subscriptions.unregister). A caller counts
     * in and out on the same stripe, so on every stripe entered >= left at all times, and
     * "entered == left on every stripe" means nobody was inside when that stripe was read.
     *
     * R1 (enter) is a volatile read-modify-write followed, in the walk, by S2 (the volatile read of
     * the array); S1 (publishing a new array) is followed by R2 (volatile reads of every stripe,
     * quiet()) in noneInside(). Both pairs are synchronization actions in program order, so this
     * is a Dekker pair: either the walk's S2 sees the new array, or R2 sees its ENTERED. A walk
     * seen as entered and not left makes noneInside() false. A walk seen as left counted out with
     * a volatile add after its last callback (R3), which R2 reads: everything its callbacks did
     * happens-before noneInside() returns true. Reading a stripe's left counters before its
     * ENTERED, each monotonic, can only see more entries than exits, never fewer.
     *
     * Stripes are chosen by thread id: two threads walking one space at once mostly hit different
     * cache lines, like the LongAdders the counters replace (one add per walk more than before).
     *
     * A thread's own walks count in and out on its own stripe, so mayBeInsideOnThisThread() reads
     * that stripe alone, in R2's order: a thread always sees its own adds, and a walk of another
     * thread sharing the stripe whose exit R2 counts had its entry counted before that exit, so
     * the read of ENTERED (after the left counters) sees that entry too. Other threads can thus
     * only add a false "maybe", never hide the thread's own walk. The protects with no walk ask
     * this before they look up the walk-depth thread-local (a ThreadLocal.get() was a sixth of an
     * unwatched protect's cost), which they then need only on a stripe where a walk is inside.
     */

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Longs per stripe: 128 bytes, so that two stripes never share a cache line (or a pair of them). */
    private static final int STRIDE = 16;
    private static final int ENTERED = 0;
    private static final int DONE = 1;
    private static final int RETRY = 2;

    /** A stripe value meaning "not counted in" (enter() never returns it). */
    static final int NOT_ENTERED = -1;

    private final long[] counts;
    private final int mask;

    SnapshotReaders() {
        int stripes = Integer.highestOneBit(Math.max(2, Math.min(16, Runtime.getRuntime().availableProcessors())));
        this.mask = stripes - 1;
        // One stride of padding before the first stripe, away from the array header and whatever
        // was allocated before it.
        this.counts = new long[(stripes + 1) * STRIDE];
    }

    /** The current thread's stripe: the index of its ENTERED counter. */
    private int stripe() {
        long id = Thread.currentThread().threadId();
        int hash = (int) (id ^ (id >>> 32)) * 0x9E3779B9;
        return ((hash >>> 16) & mask) * STRIDE + STRIDE;
    }

    /**
     * Counts a walk in; call it before reading the subscriber array.
     *
     * @return the stripe to count out on
     */
    int enter() {
        int stripe = stripe();
        /* R1: pairs with R2 in quiet(): entered before the walk's S2 read of the array */
        COUNTS.getAndAdd(counts, stripe + ENTERED, 1L);
        return stripe;
    }

    /** Counts a walk out: its change was made. */
    void leaveDone(int stripe) {
        /* R3: after the walk's last callback; pairs with R2 in quiet() */
        COUNTS.getAndAdd(counts, stripe + DONE, 1L);
    }

    /** Counts a walk out: refused (TRY_AGAIN) or thrown through. */
    void leaveRetry(int stripe) {
        /* R3: after the walk's last callback; pairs with R2 in quiet() */
        COUNTS.getAndAdd(counts, stripe + RETRY, 1L);
    }

    /**
     * Whether no walk counted here is inside: called after publishing a new
     * array, {@code true} means every walk that could hold an older one has ended, and everything
     * its callbacks did happens-before this returns.
     */
    boolean noneInside() {
        for (int stripe = STRIDE; stripe < counts.length; stripe += STRIDE) {
            if (!quiet(stripe)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the current thread may be inside a walk counted here: {@code false} means that it
     * is not; {@code true} that it may be, or that another thread counting on its stripe is.
     */
    boolean mayBeInsideOnThisThread() {
        return !quiet(stripe());
    }

    /** Whether every walk counted in on {@code stripe} had counted out when it was read. */
    private boolean quiet(int stripe) {
        /* R2: pairs with R1 in enter() and R3 in the leave methods; left counters first */
        long left = (long) COUNTS.getVolatile(counts, stripe + DONE)
                + (long) COUNTS.getVolatile(counts, stripe + RETRY);
        return (long) COUNTS.getVolatile(counts, stripe + ENTERED) == left;
    }

    /** Walks whose change was made, over the space's life. */
    long done() {
        return sum(DONE);
    }

    /** Walks that were refused or threw, over the space's life. */
    long retries() {
        return sum(RETRY);
    }

    private long sum(int counter) {
        long sum = 0;
        for (int stripe = STRIDE; stripe < counts.length; stripe += STRIDE) {
            sum += (long) COUNTS.getVolatile(counts, stripe + counter);
        }
        return sum;
    }

    @Override
    public String toString() {
        return "SnapshotReaders[" + (sum(ENTERED) - sum(DONE) - sum(RETRY)) + " inside]";
    }
}
