package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A count of methods in flight that different threads can change without writing one shared word:
 * the start_using/stop_using counter behind {@link Revocable}.
 *
 * <h2>Algorithm</h2>
 * The count is spread over a power-of-two array of padded {@link UseCell}s, created lazily. A
 * thread hashes its id to a home cell and has one alternate (the home index with its top bit
 * flipped). A cell is <em>owned</em> by the first thread that uses it, and only its owner counts
 * itself in and out there, so the fast path is: read the cell, compare its owner with the current
 * thread, one atomic add. A thread whose home and alternate cells are both owned by other live
 * threads counts itself in the shared overflow cell instead and records the entry in its
 * {@link OverflowEntries}; with two choices per thread, two threads never end up
 * there. A cell whose owner has terminated with a zero count may be claimed by the next thread
 * that hashes to it, so short-lived threads do not use up the cells.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At any moment all of one thread's entries into this count sit in one place:
 *       the one cell it owns (home or alternate) if it owns one, else the overflow cell. A thread
 *       claims a cell only while it has no overflow entry here and owns neither of its cells, and
 *       never loses a cell while it is alive; so it owns at most one.</li>
 *   <li>A cell's count is only written by its owner, so the owner can check "am I inside?" and
 *       "is this exit balanced?" with plain reads, and no misuse can drive the sum below the true
 *       number of threads inside.</li>
 *   <li>{@link #sum()} ignores cells whose owner has terminated: a dead thread runs no method, so
 *       an entry it never exited cannot hold a revoker forever.</li>
 * </ul>
 * Counting in is a full-fence atomic add, so a caller that counts itself in and then reads a
 * volatile flag, against a writer that sets the flag and then reads {@link #sum()}, is a Dekker
 * pair: at least one of them sees the other. {@link Revocable} relies on exactly that. Counting
 * out of an owned cell is a plain release store (only the owner writes it): the sum can only see
 * the exit after everything the thread did inside, which is all a revoker needs; a waiter that
 * misses a wake-up because of the store's delay finds the zero on its next bounded re-check.
 */
final class StripedUseCount {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final int MIN_CELLS = 16;
    private static final int MAX_CELLS = 256;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(UseCell[].class);

    private final UseCell[] cells;
    private final int shift;
    private final UseCell overflow = new UseCell(null);

    StripedUseCount() {
        // Cells are created lazily, so a wide array costs one reference per slot; it keeps the
        // chance that two threads in the same object share a home cell low.
        int wanted = Math.min(MAX_CELLS, Math.max(MIN_CELLS, Runtime.getRuntime().availableProcessors() * 8));
        int n = Integer.highestOneBit(wanted - 1) << 1;
        this.cells = new UseCell[n];
        this.shift = Long.SIZE - Integer.numberOfTrailingZeros(n);
    }

    /** Counts {@code thread} (the current thread) in. */
    void enter(Thread thread) {
        int home = index(thread);
        UseCell cell = cells[home];
        if (cell != null && cell.owner == thread) {
            cell.getAndAdd(1);
            return;
        }
        cell = cells[alternate(home)];
        if (cell != null && cell.owner == thread) {
            cell.getAndAdd(1);
            return;
        }
        enterSlow(thread, home);
    }

    /**
     * Counts {@code thread} (the current thread) out.
     *
     * @throws IllegalStateException if the thread is not counted in, and then changes nothing
     */
    void exit(Thread thread) {
        int home = index(thread);
        UseCell cell = cells[home];
        if (cell == null || cell.owner != thread) {
            cell = cells[alternate(home)];
        }
        if (cell != null && cell.owner == thread && cell.count() > 0) {
            cell.ownerDecrement();
        } else {
            exitSlow(thread);
        }
    }

    /** Whether {@code thread} (the current thread) is counted in. */
    boolean isInside(Thread thread) {
        UseCell cell = ownedCell(thread);
        if (cell != null) {
            return cell.count() > 0;
        }
        return OverflowEntries.current().depth(this) > 0;
    }

    /** The number of entries not yet exited by live threads; exact when no thread is changing it. */
    long sum() {
        long total = overflow.count();
        for (int i = 0; i < cells.length; i++) {
            UseCell cell = (UseCell) CELLS.getVolatile(cells, i);
            if (cell != null) {
                // Count before owner: a count that includes a new owner's entry is then read
                // together with that owner, never with the dead one it replaced.
                long count = cell.count();
                Thread owner = cell.ownerAcquire();
                if (owner == null || owner.isAlive()) {
                    total += count;
                }
            }
        }
        return total;
    }

    /**
     * Who holds the entries {@link #sum()} counts, for a timeout message: every live thread with
     * entries in its own cell (name, id, alive), then the shared overflow cell's count, which no
     * thread can be named for. A snapshot; threads may enter and leave while it is taken.
     */
    String describeInside() {
        StringBuilder threads = new StringBuilder();
        int attributed = 0;
        for (int i = 0; i < cells.length; i++) {
            UseCell cell = (UseCell) CELLS.getVolatile(cells, i);
            if (cell == null) {
                continue;
            }
            long count = cell.count();
            Thread owner = cell.ownerAcquire();
            if (count > 0 && owner != null && owner.isAlive()) {
                threads.append(attributed++ == 0 ? "" : ", ").append(describe(owner));
                if (count > 1) {
                    threads.append(" with ").append(count).append(" nested entries");
                }
            }
        }
        long shared = overflow.count();
        StringBuilder out = new StringBuilder();
        if (attributed > 0) {
            out.append(attributed).append(attributed == 1 ? " method" : " methods").append(" still inside: ")
                    .append(threads);
        }
        if (shared > 0) {
            out.append(attributed > 0 ? "; " : "").append(shared)
                    .append(shared == 1 ? " entry" : " entries")
                    .append(" through the shared overflow cell, not attributable to a thread"
                            + " (an entry whose thread terminated without exit() stays there)");
        }
        if (out.isEmpty()) {
            out.append("no method inside any more (the last one left as the wait ended)");
        }
        return out.toString();
    }

    /** {@code thread 'name' (#id, alive)} or {@code (#id, terminated)}. */
    static String describe(Thread thread) {
        return "thread '" + thread.getName() + "' (#" + thread.threadId() + ", "
                + (thread.isAlive() ? "alive" : "terminated") + ")";
    }

    /** Entries currently counted in the shared overflow cell (for tests and monitoring). */
    long overflowCount() {
        return overflow.count();
    }

    private int index(Thread thread) {
        return (int) ((thread.threadId() * GOLDEN_GAMMA) >>> shift);
    }

    /** The second cell a thread may own when another live thread owns its home cell. */
    private int alternate(int home) {
        return home ^ (cells.length >>> 1);
    }

    private UseCell ownedCell(Thread thread) {
        int home = index(thread);
        UseCell cell = (UseCell) CELLS.getVolatile(cells, home);
        if (cell != null && cell.owner() == thread) {
            return cell;
        }
        cell = (UseCell) CELLS.getVolatile(cells, alternate(home));
        return cell != null && cell.owner() == thread ? cell : null;
    }

    private void enterSlow(Thread thread, int home) {
        OverflowEntries mine = OverflowEntries.current();
        if (mine.depth(this) == 0 && (tryClaimCell(thread, home) || tryClaimCell(thread, alternate(home)))) {
            return;
        }
        mine.reserve(this);
        /* A (overflow path): the full fence of the count-in; pairs with B and C in Revocable. */
        overflow.getAndAdd(1);
        // From here the entry is counted; the thread's record must follow it or the count must be
        // taken back, whatever is thrown (a StackOverflowError at a call): never one without the
        // other. The undo runs in this frame, at the depth the add just succeeded at.
        try {
            mine.increment(this);
        } catch (Throwable t) {
            overflow.getAndAdd(-1);
            throw t;
        }
    }

    /**
     * Makes {@code thread} the owner of cell {@code i} and counts it in there, if the cell is free
     * or its owner has terminated with nothing left inside.
     */
    private boolean tryClaimCell(Thread thread, int i) {
        UseCell cell = (UseCell) CELLS.getVolatile(cells, i);
        if (cell == null) {
            UseCell fresh = new UseCell(thread);
            fresh.getAndAdd(1);
            if (CELLS.compareAndSet(cells, i, null, fresh)) {
                return true;
            }
            cell = (UseCell) CELLS.getVolatile(cells, i);
        }
        Thread owner = cell.owner();
        if (owner == thread) {
            cell.getAndAdd(1);
            return true;
        }
        if (owner != null && !owner.isAlive() && cell.count() == 0 && cell.claim(owner, thread)) {
            cell.getAndAdd(1);
            return true;
        }
        return false;
    }

    private void exitSlow(Thread thread) {
        OverflowEntries mine = OverflowEntries.current();
        if (mine.depth(this) == 0) {
            throw new IllegalStateException("exit() without a matching successful tryEnter() on "
                    + thread);
        }
        overflow.getAndAdd(-1);
        // As in enterSlow: the record follows the count, or the count is restored.
        try {
            mine.decrement(this);
        } catch (Throwable t) {
            overflow.getAndAdd(1);
            throw t;
        }
    }
}
