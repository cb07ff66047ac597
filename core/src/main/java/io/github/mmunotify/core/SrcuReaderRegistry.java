package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * Every {@link SrcuReader} of one domain, in a singly linked list that only grows at its head.
 *
 * <p>A thread registers once, the first time it enters a read section of the domain, by pushing
 * its reader onto the head with a CAS. Readers of threads that have terminated with no section
 * held are unlinked by {@link #pruneTerminated()}, which only the grace-period driver calls, under
 * its lock and never during a scan; it never unlinks the head, so it cannot race a push. Between
 * prunes the list only grows, so a later traversal sees a superset of an earlier one: that is what
 * {@link #readersGone(int)} relies on.
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

    @SuppressWarnings("unused") // accessed through HEAD
    private volatile SrcuReader head;

    /** Links {@code reader} in; from now on every grace period counts its sections. */
    void add(SrcuReader reader) {
        SrcuReader first;
        do {
            first = head();
            reader.setNext(first);
        } while (!HEAD.compareAndSet(this, first, reader));
    }

    /**
     * Whether no section is held on {@code index} by any reader whose lock was visible at the time
     * of the scan (kernel {@code srcu_readers_active_idx_check}).
     *
     * <p>Sums the unlocks first, then, after a full fence, the locks. Per reader the lock count read
     * second is at least the one that preceded the unlock count read first, so the two sums are
     * equal only if no reader held a section on the index when its unlock count was read. A reader
     * whose lock is not yet visible fenced after it, so it will see everything published before the
     * scan; it is one that began after the grace period and need not be waited for.
     */
    boolean readersGone(int index) {
        long unlocks = 0;
        for (SrcuReader r = head(); r != null; r = r.next()) {
            unlocks += r.unlocksOn(index);
        }
        VarHandle.fullFence();
        long locks = 0;
        for (SrcuReader r = head(); r != null; r = r.next()) {
            locks += r.locksOn(index);
        }
        return locks == unlocks;
    }

    /** Grace-period driver only: unlinks the readers of terminated threads that hold no section. */
    void pruneTerminated() {
        SrcuReader previous = head();
        if (previous == null) {
            return;
        }
        for (SrcuReader r = previous.next(); r != null; r = r.next()) {
            if (!r.owner.isAlive() && !r.appearsActive()) {
                previous.setNext(r.next());
            } else {
                previous = r;
            }
        }
    }

    /** Calls {@code action} for every reader that appears to hold a section on {@code index}. */
    void forEachActiveOn(int index, Consumer<SrcuReader> action) {
        for (SrcuReader r = head(); r != null; r = r.next()) {
            if (r.appearsActiveOn(index)) {
                action.accept(r);
            }
        }
    }

    /** Calls {@code action} for every registered reader. */
    void forEach(Consumer<SrcuReader> action) {
        for (SrcuReader r = head(); r != null; r = r.next()) {
            action.accept(r);
        }
    }

    /** How many threads appear to be inside a read section right now (a racy snapshot). */
    int activeReaders() {
        int active = 0;
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

    private SrcuReader head() {
        return (SrcuReader) HEAD.getVolatile(this);
    }
}
