package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One stripe of a {@link StripedUseCount}: a count of methods in flight and the thread that owns
 * the stripe, padded on both sides to a cache line pair so that two cells never share a line and
 * the owner's increments do not slow down anyone else.
 *
 * <p>Only the owner thread changes {@code count} (the revoker only reads it); the owner changes
 * only from null (a fresh or freed overflow cell) or from a thread that has terminated, by CAS,
 * and back to null when an overflow cell's owner frees it. Package-private: the layout trick is
 * an implementation detail.
 */
final class UseCell extends UseCellFields {

    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    /**
     * The next overflow cell of a {@link StripedUseCount}'s list; written once, before the CAS that
     * publishes this cell, so any reader that reached this cell through the list sees it.
     */
    UseCell nextOverflow;

    UseCell(Thread owner) {
        this.owner = owner;
    }

    /** Adds {@code delta} with a full fence; returns the count before. */
    long getAndAdd(long delta) {
        return (long) COUNT.getAndAdd(this, delta);
    }

    /**
     * Starts a claimed cell at one entry with a full fence, whatever count a terminated previous
     * owner left (nothing counts a dead owner's entries, so that count means nothing).
     */
    void startCount() {
        COUNT.getAndSet(this, 1L);
    }

    /**
     * Counts the owner out: a release store, no atomic read-modify-write, because only the owner
     * writes the count. Whoever reads the count with a volatile read afterwards sees everything the
     * owner did inside. Call only from the owner, with a positive count.
     */
    void ownerDecrement() {
        /* K: release store: everything the owner did inside happens-before a volatile read that
         * sees the lower count; pairs with C in Revocable.awaitUsersGone() (through sum()). */
        COUNT.setRelease(this, count - 1);
    }

    long count() {
        return count;
    }

    Thread owner() {
        return owner;
    }

    /** The owner, read with acquire semantics (for threads other than the owner). */
    Thread ownerAcquire() {
        return (Thread) OWNER.getAcquire(this);
    }

    /** Takes over a cell whose previous owner has terminated, or that was freed. */
    boolean claim(Thread expected, Thread newOwner) {
        return OWNER.compareAndSet(this, expected, newOwner);
    }

    /**
     * Gives an overflow cell up; the owner calls it with a zero count. The release store orders
     * the count's zero before it, so a claimer that sees no owner also sees no entry.
     */
    void free() {
        OWNER.setRelease(this, null);
    }

    private static final VarHandle COUNT;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            COUNT = lookup.findVarHandle(UseCellFields.class, "count", long.class);
            OWNER = lookup.findVarHandle(UseCellFields.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** Padding before the hot fields (HotSpot lays out superclass fields first). */
abstract class UseCellPadding {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The hot fields of a {@link UseCell}. */
abstract class UseCellFields extends UseCellPadding {
    volatile long count;
    /** Read plainly on the fast path: only its own thread ever sets it to itself. */
    Thread owner;
}
