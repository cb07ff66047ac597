package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Finds the calling thread's {@link SrcuReader} in one domain: first in a small table indexed by
 * the thread's id, then, on a miss, in the domain's {@link ThreadLocal}, which is the authority.
 *
 * <p>Why not the thread-local alone: its lookup hashes into the thread's map of every thread-local
 * it has, and a collision there turns every read section into a walk of that map; a thread that
 * uses many domains or libraries pays it on every section. The table needs one load and one
 * comparison of the owner against the current thread.
 *
 * <p>A slot is written only when a thread registers and the slot is free or held by a terminated
 * thread, so readers of the table never write it and no cache line of it bounces between them.
 * Threads whose slot is taken by a live thread use the thread-local every time; that is slower,
 * never wrong. When a grace period prunes a reader, its slot is cleared ({@link #forget}), so that
 * the table does not keep a dead thread (and the chain of readers it once linked to) reachable.
 * A slot is read without a fence: the reader's fields are final, so a thread that
 * sees a reader through a racy read sees its owner, and only the owner can match.
 *
 * <p>Thread-safe.
 */
final class SrcuReaderLookup {
    private static final int SLOTS = 128;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(SrcuReader[].class);

    private final SrcuReader[] byThreadId = new SrcuReader[SLOTS];
    private final ThreadLocal<SrcuReader> local = new ThreadLocal<>();

    /** The calling thread's reader, or null if it never registered. */
    SrcuReader find() {
        Thread current = Thread.currentThread();
        SrcuReader reader = findInTable(current);
        return reader != null ? reader : local.get();
    }

    /**
     * {@code current}'s reader if the table holds it, else null (then ask {@link #find()}). One
     * load and one comparison: the read side's fast path, which a thread that never registered
     * (a virtual thread counting on the stripes) always misses.
     */
    SrcuReader findInTable(Thread current) {
        SrcuReader reader = byThreadId[slotOf(current)];
        return reader != null && reader.owner == current ? reader : null;
    }

    /** Records {@code reader}, which belongs to the calling thread. */
    void add(SrcuReader reader) {
        local.set(reader);
        int slot = slotOf(reader.owner);
        SrcuReader occupant = byThreadId[slot];
        while (occupant == null || !occupant.owner.isAlive()) {
            SrcuReader witness = (SrcuReader) SLOT.compareAndExchange(byThreadId, slot, occupant, reader);
            if (witness == occupant) {
                return;
            }
            occupant = witness; // a prune cleared it, or another thread took it
        }
    }

    /** Drops {@code reader}, which was just pruned, from its slot if it still holds it. */
    void forget(SrcuReader reader) {
        SLOT.compareAndSet(byThreadId, slotOf(reader.owner), reader, null);
    }

    private static int slotOf(Thread thread) {
        return (int) thread.threadId() & (SLOTS - 1);
    }
}
