package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Cache-line padding in front of a reader's counters, so that no other object's hot fields share
 * their line.
 */
abstract class SrcuReaderLeftPadding {
    long p00, p01, p02, p03, p04, p05, p06, p07;
    long p08, p09, p10, p11, p12, p13, p14, p15;
}

/**
 * The four counters of one reader thread: read sections entered and left on each of the two
 * indices. Only the owning thread writes them; a grace period reads them all.
 */
abstract class SrcuReaderCounts extends SrcuReaderLeftPadding {
    static final VarHandle LOCKS_0;
    static final VarHandle LOCKS_1;
    static final VarHandle UNLOCKS_0;
    static final VarHandle UNLOCKS_1;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            LOCKS_0 = lookup.findVarHandle(SrcuReaderCounts.class, "locks0", long.class);
            LOCKS_1 = lookup.findVarHandle(SrcuReaderCounts.class, "locks1", long.class);
            UNLOCKS_0 = lookup.findVarHandle(SrcuReaderCounts.class, "unlocks0", long.class);
            UNLOCKS_1 = lookup.findVarHandle(SrcuReaderCounts.class, "unlocks1", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long locks0;
    /**
     * Volatile only for the stack-overflow path (C' in Srcu.readUnlock() and Srcu.Reader.unlock()):
     * a plain assignment is then a store at least as strong as C's release store and needs no call. The fast path still
     * writes it through C (a release store, no trailing fence); its reads by the owner become
     * volatile loads, which on x86 are plain loads.
     */
    volatile long unlocks0;
    long locks1;
    /** Volatile for the same reason as {@link #unlocks0}. */
    volatile long unlocks1;
    /**
     * Even; what this reader's tokens carry above the index bit. Final and on the owner's own
     * line, so that checking a token reads nothing another thread writes.
     */
    final int tag;
    /** The thread whose sections these are. Final and on the owner's line, as {@link #tag}. */
    final Thread owner;
    /**
     * The domain and its grace periods, for {@link Srcu.Reader}'s calls: on the owner's line, so
     * that a handle's section reads one object. Null only on the class initialiser's probe.
     */
    final Srcu domain;
    /** See {@link #domain}. */
    final SrcuGracePeriods gracePeriods;

    SrcuReaderCounts(Srcu domain, SrcuGracePeriods gracePeriods, Thread owner, int tag) {
        this.domain = domain;
        this.gracePeriods = gracePeriods;
        this.owner = owner;
        this.tag = tag;
    }

    /**
     * Owner only: enters a section on {@code index}, one opaque store. The caller fences (B in
     * Srcu.readLock() and Srcu.Reader.lock()) before the section reads.
     */
    final void lockOn(int index) {
        if (index == 0) { // a branch, not arithmetic: see SrcuReader's class comment
            LOCKS_0.setOpaque(this, locks0 + 1);
        } else {
            LOCKS_1.setOpaque(this, locks1 + 1);
        }
    }

    /**
     * Owner only: leaves a section on {@code index}, publishing the unlock count the caller
     * computed (one more than it read), ordered after everything the section did. The caller
     * completes it with a plain volatile write of the same absolute value (C' in
     * Srcu.readUnlock() and Srcu.Reader.unlock()) should it throw StackOverflowError: a VarHandle
     * store is a chain of calls when interpreted.
     */
    final void unlockTo(int index, long newUnlocks) {
        /* C: a release store, pairing with A in SrcuReaderRegistry.readersGone() (its acquire loads
         * of the unlock counts) and E/F in SrcuGracePeriods.advance(): every access of the section
         * happens-before a grace period that sees it left. */
        if (index == 0) {
            UNLOCKS_0.setRelease(this, newUnlocks);
        } else {
            UNLOCKS_1.setRelease(this, newUnlocks);
        }
    }

    /** Owner only: whether this thread holds any section. */
    final boolean holdsAny() {
        return locks0 != unlocks0 || locks1 != unlocks1;
    }

    /** Any thread: sections entered on {@code index}, as last published by the owner. */
    final long locksOn(int index) {
        return index == 0 ? (long) LOCKS_0.getVolatile(this) : (long) LOCKS_1.getVolatile(this);
    }

    /** Any thread: sections left on {@code index}; an acquire, so later reads see the matching locks. */
    final long unlocksOn(int index) {
        return index == 0 ? (long) UNLOCKS_0.getAcquire(this) : (long) UNLOCKS_1.getAcquire(this);
    }

    /** Any thread: whether the owner appears to hold a section on {@code index} right now. */
    final boolean appearsActiveOn(int index) {
        long unlocks = unlocksOn(index);
        return locksOn(index) != unlocks;
    }

    /** Any thread: whether the owner appears to hold any section right now. */
    final boolean appearsActive() {
        return appearsActiveOn(0) || appearsActiveOn(1);
    }
}

/** Cache-line padding behind a reader's counters. */
abstract class SrcuReaderRightPadding extends SrcuReaderCounts {
    SrcuReaderRightPadding(Srcu domain, SrcuGracePeriods gracePeriods, Thread owner, int tag) {
        super(domain, gracePeriods, owner, tag);
    }

    long q00, q01, q02, q03, q04, q05, q06, q07;
    long q08, q09, q10, q11, q12, q13, q14, q15;
}

/**
 * One thread's read-side state in one {@link Srcu} domain: how many read sections it has entered
 * and left on each of the domain's two indices.
 *
 * <p>The owning thread is the only writer, so an increment is a plain read followed by an opaque
 * (untorn, unfenced) store: no atomic instruction and no cache line shared with another reader.
 * Leaving a section is a release store, so everything the section read happens-before a grace
 * period that observes the new count. The counters only grow (64 bits never wrap in practice),
 * which is what lets a grace period compare sums taken at two different moments.
 *
 * <p>The owner's operations branch on the index (0 or 1) and touch only that index's counters:
 * entering is one load and one store, leaving two loads, a compare and one store. The JIT compiles
 * such a branch from what it has seen, so code that has only ever met one index has the other
 * compiled as a trap, and the first grace period that flips the index deoptimises it once (per
 * compiled method that inlined the read side, once per JVM; the recompiled code has both sides,
 * and later flips cost nothing). An earlier version selected the counter arithmetically and stored
 * both counters on every call to avoid that one-off: it cost about 1.5 ns on every section (a
 * handle's lock and unlock, same run: 230 against 399 operations per microsecond).
 *
 * <p>Entered minus left on an index is the number of sections this thread holds on it; that is how
 * an unlock with a token that is not outstanding is detected. A token is {@code tag | index}, and
 * the tag is this reader's own (distinct among the domain's readers, see {@code Srcu}): a token of
 * another thread, or of another domain, does not match the caller's reader.
 *
 * <p>Its thread finds it through the domain's {@link SrcuReaderLookup} on every {@code readLock},
 * or holds it as the {@link Srcu.Reader} handle that it is (this class is that sealed type's one
 * implementation, so a handle's calls read the counters' own object and nothing else). Readers
 * are linked into their domain's {@link SrcuReaderRegistry} through {@code next}; the stall mark belongs to the
 * grace-period driver, which only touches it under its lock.
 */
final class SrcuReader extends Srcu.Reader {
    private static final VarHandle NEXT;

    static {
        try {
            NEXT = MethodHandles.lookup().findVarHandle(SrcuReader.class, "next", SrcuReader.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        linkTheOwnersPath();
    }

    /**
     * Runs every VarHandle call site of the owner's operations once, on a throwaway reader. A
     * call site is linked the first time it runs, and linking is deep (method types are interned,
     * invokers spun); left for later, it could first happen in a {@code readUnlock} at the bottom
     * of a deep recursion and throw StackOverflowError before the section is left. Linked here,
     * that failure needs only a few frames' worth of stack, not the linker's.
     */
    private static void linkTheOwnersPath() {
        SrcuReader probe = new SrcuReader(null, null, Thread.currentThread(), 0);
        for (int index = 0; index <= 1; index++) {
            probe.lockOn(index);
            probe.unlockTo(index, index == 0 ? probe.unlocks0 + 1 : probe.unlocks1 + 1);
            probe.appearsActiveOn(index);
        }
        probe.setNext(probe.next());
    }

    /**
     * The next reader in the registry's list; changed only when the registry prunes.
     * Package-private only for the call-free fallback in {@link Srcu#readUnlock(int)}.
     */
    volatile SrcuReader next;

    /** The index on which this reader's current stall was already reported, or -1 (driver-owned). */
    int stallReportedIndex = -1;

    SrcuReader(Srcu domain, SrcuGracePeriods gracePeriods, Thread owner, int tag) {
        super(domain, gracePeriods, owner, tag);
    }

    SrcuReader next() {
        return (SrcuReader) NEXT.getVolatile(this);
    }

    void setNext(SrcuReader next) {
        NEXT.setVolatile(this, next);
    }
}
