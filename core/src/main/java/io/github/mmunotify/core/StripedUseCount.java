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
 * thread, one atomic add. A cell whose owner has terminated may be claimed by the next thread
 * that hashes to it, whatever count the dead owner left (its entries count for nothing), so
 * short-lived threads, even ones that die inside, do not use up the cells.
 *
 * <p>A thread whose home and alternate cells are both owned by other live threads takes an
 * <em>overflow cell</em> instead: a cell of its own, for as long as it is inside, from a
 * push-only list of overflow cells (reusing one that is free, or whose owner terminated,
 * before adding a new one); the thread's {@link OverflowEntries} remembers which.
 * When its last overflow entry exits it frees the cell (count zero, then owner null). So every
 * entry, overflow or not, is in a cell owned by the thread that made it: a timeout can name the
 * thread, and an entry left by a thread that terminated inside is ignored wherever it is. The
 * list only grows to the largest number of threads inside through overflow at once.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At any moment all of one thread's entries into this count sit in one cell: the array cell
 *       it owns (home or alternate) if it owns one, else its overflow cell. A thread claims an
 *       array cell only while it has no overflow entry here and owns neither of its cells, and
 *       never loses a cell while it is alive; so it owns at most one array cell, and holds an
 *       overflow cell only while it owns none.</li>
 *   <li>A cell's count is only written by its owner (a claimer becomes the owner first, then
 *       restarts the count at one), so the owner can check "am I inside?" and "is this exit balanced?" with plain reads,
 *       and no misuse can drive the sum below the true number of threads inside.</li>
 *   <li>{@link #sum()} ignores cells whose owner has terminated, and free overflow cells: a dead
 *       thread runs no method, so an entry it never exited cannot hold a revoker forever.</li>
 * </ul>
 * Counting in is a full-fence atomic add (or the CAS that publishes a new overflow cell already
 * counting one), so a caller that counts itself in and then reads a volatile flag, against a
 * writer that sets the flag and then reads {@link #sum()}, is a Dekker pair: at least one of them
 * sees the other. {@link Revocable} relies on exactly that (A, B and C there). Counting out is a
 * plain release store (only the owner writes the count): the sum can only see the exit after
 * everything the thread did inside, which is all a revoker needs; a waiter that misses a wake-up
 * because of the store's delay finds the zero on its next bounded re-check.
 */
final class StripedUseCount {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final int MIN_CELLS = 16;
    private static final int MAX_CELLS = 256;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(UseCell[].class);
    private static final VarHandle OVERFLOW_CELLS;

    static {
        try {
            OVERFLOW_CELLS = MethodHandles.lookup().findVarHandle(StripedUseCount.class, "overflowCells",
                    UseCell.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UseCell[] cells;
    private final int shift;
    /** Head of the push-only list of overflow cells, linked by {@link UseCell#nextOverflow}. */
    private volatile UseCell overflowCells;

    StripedUseCount() {
        // Cells are created lazily, so a wide array costs one reference per slot; it keeps the
        // chance that two threads in the same object share a home cell low.
        int wanted = Math.min(MAX_CELLS, Math.max(MIN_CELLS, Runtime.getRuntime().availableProcessors() * 8));
        int n = Integer.highestOneBit(wanted - 1) << 1;
        this.cells = new UseCell[n];
        this.shift = Long.SIZE - Integer.numberOfTrailingZeros(n);
    }

    /** Counts {@code thread} (the current thread) in; if it throws, nothing was counted. */
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
        if (cell == null) {
            cell = OverflowEntries.current().cell(this);
        }
        return cell != null && cell.count() > 0;
    }

    /** The number of entries not yet exited by live threads; exact when no thread is changing it. */
    long sum() {
        long total = 0;
        for (int i = 0; i < cells.length; i++) {
            UseCell cell = (UseCell) CELLS.getVolatile(cells, i);
            if (cell != null) {
                total += liveCount(cell);
            }
        }
        for (UseCell cell = overflowCells; cell != null; cell = cell.nextOverflow) {
            total += liveCount(cell);
        }
        return total;
    }

    /** The cell's count if its owner is alive, else zero (a dead owner runs nothing; a free cell holds nothing). */
    private static long liveCount(UseCell cell) {
        // Count before owner: a count that includes a new owner's entry is then read together
        // with that owner (set before it counted in), never with the one it replaced. The other
        // way round (a dead owner's stale count read with its live successor) only over-counts
        // until the next read, which a revoker's re-check absorbs.
        long count = cell.count();
        Thread owner = cell.ownerAcquire();
        return owner != null && owner.isAlive() ? count : 0;
    }

    /**
     * Who holds the entries {@link #sum()} counts, for a timeout message: every live thread with
     * entries (name, id, alive). A snapshot; threads may enter and leave while it is taken.
     */
    String describeInside() {
        StringBuilder threads = new StringBuilder();
        int[] attributed = {0};
        for (int i = 0; i < cells.length; i++) {
            describeInto((UseCell) CELLS.getVolatile(cells, i), threads, attributed);
        }
        for (UseCell cell = overflowCells; cell != null; cell = cell.nextOverflow) {
            describeInto(cell, threads, attributed);
        }
        if (attributed[0] == 0) {
            return "no method inside any more (the last one left as the wait ended)";
        }
        return attributed[0] + (attributed[0] == 1 ? " method" : " methods") + " still inside: " + threads;
    }

    private static void describeInto(UseCell cell, StringBuilder threads, int[] attributed) {
        if (cell == null) {
            return;
        }
        long count = cell.count();
        Thread owner = cell.ownerAcquire();
        if (count > 0 && owner != null && owner.isAlive()) {
            threads.append(attributed[0]++ == 0 ? "" : ", ").append(describe(owner));
            if (count > 1) {
                threads.append(" with ").append(count).append(" nested entries");
            }
        }
    }

    /** {@code thread 'name' (#id, alive)} or {@code (#id, terminated)}. */
    static String describe(Thread thread) {
        return "thread '" + thread.getName() + "' (#" + thread.threadId() + ", "
                + (thread.isAlive() ? "alive" : "terminated") + ")";
    }

    /** Entries currently counted in overflow cells, whoever owns them (for tests and monitoring). */
    long overflowCount() {
        long total = 0;
        for (UseCell cell = overflowCells; cell != null; cell = cell.nextOverflow) {
            total += cell.count();
        }
        return total;
    }

    /** The number of overflow cells ever created (tests: they are reused, not piled up). */
    int overflowCellsCreated() {
        int n = 0;
        for (UseCell cell = overflowCells; cell != null; cell = cell.nextOverflow) {
            n++;
        }
        return n;
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
        UseCell own = mine.cell(this);
        if (own != null) {
            // Already inside through overflow (or left a zero count there): nest in the same cell.
            own.getAndAdd(1);
            return;
        }
        if (tryClaimCell(thread, home) || tryClaimCell(thread, alternate(home))) {
            return;
        }
        mine.reserve(this);
        /* A (overflow path): the claim's atomic add, or the CAS publishing a new cell at one, is
         * the full fence of the count-in; pairs with B and C in Revocable. */
        UseCell cell = claimOverflowCell(thread);
        // Counted from here: the thread's record must follow, or the entry is taken back,
        // whatever is thrown (a StackOverflowError at a call); the undo runs in this frame.
        try {
            mine.put(this, cell);
        } catch (Throwable t) {
            cell.ownerDecrement();
            cell.free();
            throw t;
        }
    }

    /**
     * Makes {@code thread} the owner of cell {@code i} and counts it in there, if the cell is free
     * or its owner has terminated (with or without entries left: those count for nothing).
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
        if (owner != null && !owner.isAlive() && cell.claim(owner, thread)) {
            cell.startCount();
            return true;
        }
        return false;
    }

    /**
     * Returns an overflow cell owned by {@code thread} and counting one entry: a free one, one it
     * left owned, or one whose owner terminated (inside or not); else a new one pushed on the list.
     */
    private UseCell claimOverflowCell(Thread thread) {
        UseCell head = overflowCells;
        for (UseCell cell = head; cell != null; cell = cell.nextOverflow) {
            Thread owner = cell.ownerAcquire();
            boolean claimable = owner == thread
                    || (owner == null && cell.claim(null, thread))
                    || (owner != null && !owner.isAlive() && cell.claim(owner, thread));
            if (claimable) {
                cell.startCount();
                return cell;
            }
        }
        UseCell fresh = new UseCell(thread);
        fresh.getAndAdd(1);
        while (true) {
            fresh.nextOverflow = head;
            if (OVERFLOW_CELLS.compareAndSet(this, head, fresh)) {
                return fresh;
            }
            head = overflowCells;
        }
    }

    private void exitSlow(Thread thread) {
        OverflowEntries mine = OverflowEntries.current();
        UseCell own = mine.cell(this);
        if (own == null || own.count() == 0) {
            throw new IllegalStateException("exit() without a matching successful tryEnter() on "
                    + thread);
        }
        own.ownerDecrement();
        if (own.count() == 0) {
            // The last overflow entry: forget the cell, then free it for any thread. A throwable
            // between the two leaves a zero-count cell still owned, which the next entry of this
            // thread finds again (in its record, or on the list as its own).
            mine.remove(this);
            own.free();
        }
    }
}
