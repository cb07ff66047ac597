package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every {@link SrcuReader} of one domain, in a singly linked list that only grows at its head.
 *
 * <p>A thread registers once, the first time it enters a read section of the domain, by pushing
 * its reader onto the head with a CAS. Readers of threads that have terminated with no section
 * held are unlinked by {@link #pruneTerminated()}, which only the grace-period driver calls, under
 * its lock and never during a scan. It unlinks the head with a CAS too, so a racing push either
 * lands first (and the old head is unlinked as an inner node) or sees the new head. Between
 * prunes the list only grows, so a later traversal sees a superset of an earlier one: that is what
 * {@link #readersGone(int)} relies on. Dropping a pruned reader changes no sum, since its lock
 * and unlock counts are equal on both indices.
 *
 * <p>A pruned reader must become unreachable, or every thread that ever read would stay in
 * memory: its lookup slot is cleared ({@link SrcuReaderLookup#forget}), its thread-local died with
 * its thread, and nothing in the list points to it any more. Its own {@code next} is left alone,
 * because a traversal may be standing on it; it only keeps alive what the list keeps alive anyway
 * or other pruned readers.
 *
 * <p>Thread-safe: pushes and traversals may run concurrently from any threads.
 */
final class SrcuReaderRegistry {
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SrcuReaderRegistry.class, "head", SrcuReader.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Prune on registration once the list has grown by this much, even without grace periods. */
    private static final int PRUNE_SLACK = 1_024;

    private final SrcuReaderLookup lookup;
    /** Where virtual threads and shared sections count: summed with the readers by every scan. */
    private final SrcuStripes stripes;
    /** Readers linked in, minus those pruned. */
    private final AtomicInteger size = new AtomicInteger();
    /** Driver only: the size right after the last prune. */
    private volatile int sizeAfterPrune;

    /** Package-private only for the call-free fallback in {@link Srcu#readUnlock(int)}. */
    @SuppressWarnings("unused") // accessed through HEAD
    volatile SrcuReader head;

    SrcuReaderRegistry(SrcuReaderLookup lookup, SrcuStripes stripes) {
        this.lookup = lookup;
        this.stripes = stripes;
    }

    /** The domain's stripes (virtual threads and shared sections). */
    SrcuStripes stripes() {
        return stripes;
    }

    /** Links {@code reader} in; from now on every grace period counts its sections. */
    void add(SrcuReader reader) {
        SrcuReader first;
        do {
            first = head();
            reader.setNext(first);
        } while (!HEAD.compareAndSet(this, first, reader));
        size.incrementAndGet();
    }

    /**
     * Whether the list has doubled (plus some slack) since the last prune: a domain whose threads
     * read once and die, and which never runs a grace period, must not grow without bound.
     */
    boolean grownSincePrune() {
        int after = sizeAfterPrune;
        return size.get() - after > Math.max(after, PRUNE_SLACK);
    }

    /**
     * Whether no section is held on {@code index} by any reader whose lock was visible at the time
     * of the scan (kernel {@code srcu_readers_active_idx_check}).
     *
     * <p>Sums the unlocks first, then, after A, the locks. Per reader the lock count read
     * second is at least the one that preceded the unlock count read first, so the two sums are
     * equal only if no reader held a section on the index when its unlock count was read. A reader
     * whose lock is not yet visible executed B after it, so it will see everything published before
     * the scan; it is one that began after the grace period and need not be waited for.
     *
     * <p>On the membarrier side A is a system call; a scan that a reader still inside holds up
     * does not make it: the sums are first compared across a full fence, and an answer of "still
     * held" needs no ordering (the caller scans again). Only a scan that would answer "gone" reads
     * the lock sum again across the membarrier, and that second comparison is the answer.
     */
    boolean readersGone(int index) {
        long unlocks = unlockSum(index);
        if (AsymmetricFence.MEMBARRIER) {
            /* A0: an unpaired filter, not an ordering point: a mismatch across a plain full fence
             * proves a section still held (each reader's lock count only grows), a match proves
             * nothing until confirmed across A below. Spares a reader inside a long section the
             * driver's interprocessor interrupts, and the driver the syscalls, while it waits. */
            VarHandle.fullFence();
            if (lockSum(index) != unlocks) {
                return false;
            }
        }
        /* A: pairs with B in Srcu.readLock() (and Srcu.Reader.lock()) and C in
         * SrcuReaderCounts.unlockTo() (C' in Srcu.readUnlock()) (kernel: smp_mb() A in srcu_readers_active_idx_check; a
         * synchronize_rcu() there for SRCU-fast readers), and with B' and C'' in SrcuStripes.
         * The stripes are summed with the readers: their counters only grow too, so the argument
         * holds for them unchanged, and their B' is a real full fence on either side. The unlock
         * sum is read before the lock sum, so per reader the lock count read is at least the one
         * its counted unlocks matched.
         * A full fence on the fenced side, a membarrier on the membarrier side: see
         * AsymmetricFence. */
        AsymmetricFence.updater();
        return lockSum(index) == unlocks;
    }

    private long unlockSum(int index) {
        long unlocks = stripes.unlocksOn(index);
        for (SrcuReader r = head(); r != null; r = r.next()) {
            unlocks += r.unlocksOn(index);
        }
        return unlocks;
    }

    private long lockSum(int index) {
        long locks = stripes.locksOn(index);
        for (SrcuReader r = head(); r != null; r = r.next()) {
            locks += r.locksOn(index);
        }
        return locks;
    }

    /** Grace-period driver only: unlinks the readers of terminated threads that hold no section. */
    void pruneTerminated() {
        SrcuReader previous;
        while (true) {
            previous = head();
            if (previous == null) {
                sizeAfterPrune = size.get();
                return;
            }
            if (!isPrunable(previous)) {
                break;
            }
            if (HEAD.compareAndSet(this, previous, previous.next())) {
                pruned(previous);
            }
            // else a push won: look again at the new head, the old one is now an inner node
        }
        for (SrcuReader r = previous.next(); r != null; r = r.next()) {
            if (isPrunable(r)) {
                previous.setNext(r.next());
                pruned(r);
            } else {
                previous = r;
            }
        }
        sizeAfterPrune = size.get();
    }

    private void pruned(SrcuReader reader) {
        lookup.forget(reader);
        size.decrementAndGet();
    }

    private static boolean isPrunable(SrcuReader reader) {
        return !reader.owner.isAlive() && !reader.appearsActive();
    }

    /** The registered reader whose tokens carry {@code tag}, or null (a racy lookup, for messages). */
    SrcuReader withTag(int tag) {
        for (SrcuReader r = head(); r != null; r = r.next()) {
            if (r.tag == tag) {
                return r;
            }
        }
        return null;
    }

    /**
     * How many platform threads appear to be inside a read section right now, plus the virtual
     * threads inside one and the shared sections outstanding (a racy snapshot).
     */
    int activeReaders() {
        int active = (int) Math.min(Integer.MAX_VALUE / 2, stripes.active());
        for (SrcuReader r = head(); r != null; r = r.next()) {
            if (r.appearsActive()) {
                active++;
            }
        }
        return active;
    }

    /** How many readers are registered (threads that ever entered, minus those pruned). */
    int registered() {
        int count = 0;
        for (SrcuReader r = head(); r != null; r = r.next()) {
            count++;
        }
        return count;
    }

    /**
     * The first reader; walk on with {@link SrcuReader#next()}. Callers on failure and report
     * paths (stall reports, timeout and close messages) loop over it plainly rather than pass a
     * lambda: a lambda's call site links on first use, which may happen with little stack left.
     */
    SrcuReader head() {
        return (SrcuReader) HEAD.getVolatile(this);
    }
}
