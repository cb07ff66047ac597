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
 * never wrong. A slot is read without a fence: the reader's fields are final, so a thread that
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
        SrcuReader reader = byThreadId[slotOf(current)];
        if (reader != null && reader.owner == current) {
            return reader;
        }
        return local.get();
    }

    /** Records {@code reader}, which belongs to the calling thread. */
    void add(SrcuReader reader) {
        local.set(reader);
        int slot = slotOf(reader.owner);
        SrcuReader occupant = byThreadId[slot];
        if (occupant == null || !occupant.owner.isAlive()) {
            SLOT.compareAndSet(byThreadId, slot, occupant, reader);
        }
    }

    private static int slotOf(Thread thread) {
        return (int) thread.threadId() & (SLOTS - 1);
    }
}
