package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The callbacks of one domain waiting for their grace period: an intrusive multi-producer,
 * single-consumer linked queue (Vyukov's) whose entries the producer allocates <em>before</em> it
 * commits to anything. {@link #entry} may throw {@link OutOfMemoryError}; {@link #append} cannot
 * fail, allocates nothing and never waits, which is what lets {@code callSrcu} count a callback and
 * queue it with no failure possible in between.
 *
 * <p>The consumer takes batches without allocating either: it notes the last entry linked so far
 * ({@link #lastLinked()}), and later takes entries up to that one ({@link #take}). A producer links
 * in two steps (swap the tail, then point its predecessor at it); between them the queue is
 * {@linkplain #isEmpty() not empty} although {@code lastLinked()} cannot reach the new entry yet,
 * so the consumer keeps polling rather than sleeping.
 *
 * <p>Ordering: a producer's plain writes to its entry happen-before the consumer reads the entry,
 * through the release store of the link and the consumer's acquire load of it.
 */
final class SrcuCallbackQueue {
    private static final VarHandle TAIL;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(SrcuCallbackQueue.class, "tail", Entry.class);
            NEXT = lookup.findVarHandle(Entry.class, "next", Entry.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One queued callback. */
    static final class Entry {
        /** Cleared once taken, so the consumer's current head keeps nothing alive. */
        private Runnable callback;
        @SuppressWarnings("unused") // accessed through NEXT
        private volatile Entry next;

        private Entry(Runnable callback) {
            this.callback = callback;
        }
    }

    /** Consumer only: the last entry taken (a spent placeholder whose callback is null). */
    private Entry head;
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Entry tail;

    SrcuCallbackQueue() {
        Entry placeholder = new Entry(null);
        head = placeholder;
        tail = placeholder;
    }

    /** Any thread: a new, unlinked entry for {@code callback}. May throw OutOfMemoryError. */
    static Entry entry(Runnable callback) {
        return new Entry(callback);
    }

    /** Any thread: links {@code entry} at the tail. Allocates nothing, cannot fail, never waits. */
    void append(Entry entry) {
        Entry previous = (Entry) TAIL.getAndSet(this, entry);
        NEXT.setRelease(previous, entry);
    }

    /** Consumer only: whether nothing is queued, counting an entry whose link is still in progress. */
    boolean isEmpty() {
        return TAIL.getVolatile(this) == head;
    }

    /** Consumer only: the last entry reachable now, or null if none is. */
    Entry lastLinked() {
        Entry last = null;
        for (Entry e = next(head); e != null; e = next(e)) {
            last = e;
        }
        return last;
    }

    /** Consumer only: takes the next entry's callback (there must be one: see {@link #lastLinked()}). */
    Runnable take() {
        Entry taken = next(head);
        head = taken;
        Runnable callback = taken.callback;
        taken.callback = null;
        return callback;
    }

    /** Consumer only: whether {@link #take()} has just taken {@code last}. */
    boolean tookUpTo(Entry last) {
        return head == last;
    }

    private static Entry next(Entry entry) {
        return (Entry) NEXT.getAcquire(entry);
    }
}
