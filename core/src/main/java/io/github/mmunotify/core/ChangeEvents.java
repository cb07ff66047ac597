package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * An event count with parked pollers: the kernfs_notify half of {@link Revocable}.
 *
 * <p>{@link #signal()} bumps the count with one atomic add and unparks whoever is parked; it takes
 * no lock and never blocks, so it is safe from any thread, from callbacks and from read sections.
 * A poller adds itself to the queue of parked threads <em>before</em> re-reading the count and the
 * caller's wake-up condition, and a signaller bumps the count (or sets the condition) before
 * scanning the queue; both steps are full fences, so no wake-up is lost. The count sits on its own
 * padded cache lines because it is written while users read the revocation state next to it.
 */
final class ChangeEvents extends ChangeEventsFields {

    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;

    private final ConcurrentLinkedQueue<Thread> parked = new ConcurrentLinkedQueue<>();

    /** The number of signals so far. */
    long count() {
        return count;
    }

    /** Counts one change and wakes every parked poller. Lock-free; never blocks. */
    void signal() {
        /* I: the count is bumped (a full fence) before the parked queue is scanned; pairs with H
         * in await(). */
        COUNT.getAndAdd(this, 1L);
        wakeAll();
    }

    /** Wakes every parked poller so that it re-checks its condition. */
    void wakeAll() {
        if (!parked.isEmpty()) {
            for (Thread t : parked) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Parks the current thread until the count exceeds {@code seen}, {@code hangUp} reports true,
     * the deadline passes or the thread is interrupted, whichever comes first.
     */
    void await(long seen, java.util.function.BooleanSupplier hangUp, long deadlineNanos) {
        Thread me = Thread.currentThread();
        /* H: queued (a CAS, a full fence) before the count and the condition are read; pairs with
         * I in signal() and with the condition's writers that wake all after writing it (J in
         * Revocable.beginRevocation()). Either we see their write or they see us queued. */
        parked.add(me);
        try {
            while (count <= seen && !hangUp.getAsBoolean() && !me.isInterrupted()) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, remaining);
            }
        } finally {
            parked.remove(me);
        }
    }

    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(ChangeEventsFields.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}

/** Padding before the event count. */
abstract class ChangeEventsPadding {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

/** The event count of a {@link ChangeEvents}. */
abstract class ChangeEventsFields extends ChangeEventsPadding {
    volatile long count;
}
