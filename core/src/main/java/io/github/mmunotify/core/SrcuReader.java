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
     * a plain assignment is
     * then a store at least as strong as C's release store and needs no call. The fast path still
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

    SrcuReaderCounts(int tag) {
        this.tag = tag;
    }
}

/** Cache-line padding behind a reader's counters. */
abstract class SrcuReaderRightPadding extends SrcuReaderCounts {
    SrcuReaderRightPadding(int tag) {
        super(tag);
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
 * <p>The owner's operations take the index as 0 or 1 and select the counter arithmetically instead
 * of branching on it: the JIT compiles a branch for the index it has seen so far, so the first
 * flip of a domain that every reader had only seen on one index would deoptimise every reader at
 * once. The extra store goes to the reader's own cache line.
 *
 * <p>Entered minus left on an index is the number of sections this thread holds on it; that is how
 * an unlock with a token that is not outstanding is detected. A token is {@code tag | index}, and
 * the tag is this reader's own (distinct among the domain's readers, see {@code Srcu}): a token of
 * another thread, or of another domain, does not match the caller's reader.
 *
 * <p>Its thread finds it through the domain's {@link SrcuReaderLookup} on every {@code readLock},
 * or holds it in a {@link Srcu.Reader} handle, whose operations write the same counters through
 * the same owner-only methods. Readers are linked into
 * their domain's {@link SrcuReaderRegistry} through {@code next}; the stall mark belongs to the
 * grace-period driver, which only touches it under its lock.
 */
final class SrcuReader extends SrcuReaderRightPadding {
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
        SrcuReader probe = new SrcuReader(Thread.currentThread(), 0);
        for (int index = 0; index <= 1; index++) {
            probe.lock(index);
            probe.holds(index);
            probe.unlockTo(probe.unlocks0 + (index ^ 1), probe.unlocks1 + index);
            probe.appearsActiveOn(index);
        }
        probe.setNext(probe.next());
    }

    /** The thread whose sections these are. */
    final Thread owner;

    /**
     * The next reader in the registry's list; changed only when the registry prunes.
     * Package-private only for the call-free fallback in {@link Srcu#readUnlock(int)}.
     */
    volatile SrcuReader next;

    /** The index on which this reader's current stall was already reported, or -1 (driver-owned). */
    int stallReportedIndex = -1;

    SrcuReader(Thread owner, int tag) {
        super(tag);
        this.owner = owner;
    }

    /**
     * Owner only: enters a section on {@code index}. The caller fences (B in Srcu.readLock() (and Srcu.Reader.lock()))
     * before the section reads. Both stores are the same call at the same depth, so a
     * StackOverflowError cannot fall between them: if the first found stack, so does the second.
     */
    void lock(int index) {
        // Both counters are stored, one of them unchanged: see the class comment for why no branch.
        LOCKS_0.setOpaque(this, locks0 + (index ^ 1));
        LOCKS_1.setOpaque(this, locks1 + index);
    }

    /**
     * Owner only: leaves a section, publishing the unlock counts the caller computed (one more on
     * the section's index, the other unchanged), ordered after everything the section did. The
     * caller completes it with plain volatile writes of the same absolute values (C' in
     * Srcu.readUnlock()) should it throw StackOverflowError: each VarHandle store is a chain of
     * calls when interpreted.
     */
    void unlockTo(long newUnlocks0, long newUnlocks1) {
        /* C: release stores, pairing with A in SrcuReaderRegistry.readersGone() (its acquire loads
         * of the unlock counts) and E/F in SrcuGracePeriods.advance(): every access of the section
         * happens-before a grace period that sees it left. */
        UNLOCKS_0.setRelease(this, newUnlocks0);
        UNLOCKS_1.setRelease(this, newUnlocks1);
    }

    /** Owner only: whether this thread holds at least one section on {@code index}. */
    boolean holds(int index) {
        // Both differences are non-negative, so the sum is zero exactly when the selected one is.
        return (locks0 - unlocks0) * (index ^ 1) + (locks1 - unlocks1) * index != 0;
    }

    /** Owner only: whether this thread holds any section. */
    boolean holdsAny() {
        return locks0 != unlocks0 || locks1 != unlocks1;
    }

    /** Any thread: sections entered on {@code index}, as last published by the owner. */
    long locksOn(int index) {
        return index == 0 ? (long) LOCKS_0.getVolatile(this) : (long) LOCKS_1.getVolatile(this);
    }

    /** Any thread: sections left on {@code index}; an acquire, so later reads see the matching locks. */
    long unlocksOn(int index) {
        return index == 0 ? (long) UNLOCKS_0.getAcquire(this) : (long) UNLOCKS_1.getAcquire(this);
    }

    /** Any thread: whether the owner appears to hold a section on {@code index} right now. */
    boolean appearsActiveOn(int index) {
        long unlocks = unlocksOn(index);
        return locksOn(index) != unlocks;
    }

    /** Any thread: whether the owner appears to hold any section right now. */
    boolean appearsActive() {
        return appearsActiveOn(0) || appearsActiveOn(1);
    }

    SrcuReader next() {
        return (SrcuReader) NEXT.getVolatile(this);
    }

    void setNext(SrcuReader next) {
        NEXT.setVolatile(this, next);
    }

    @Override
    public String toString() {
        return "SrcuReader[" + owner.getName() + " (#" + owner.threadId() + (owner.isAlive() ? "" : ", terminated")
                + "), index0=" + locksOn(0) + "/" + unlocksOn(0)
                + ", index1=" + locksOn(1) + "/" + unlocksOn(1) + "]";
    }
}
