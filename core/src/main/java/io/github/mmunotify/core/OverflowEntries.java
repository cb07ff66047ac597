package io.github.mmunotify.core;

import java.util.Arrays;

/**
 * The calling thread's overflow cells: for each {@link StripedUseCount} it is inside through an
 * overflow cell (because both of its own array cells belonged to other live threads), which cell.
 * One instance per thread (a single {@code ThreadLocal} for every count), holding a tiny array
 * map from count to cell; the depth of nesting is the cell's own count.
 *
 * <p>Only the slow path touches it, so the common case pays nothing for it; it is what lets a
 * count answer "is the current thread inside?" exactly, whichever cell its entries went to. An
 * entry is removed when the thread's last overflow entry into that count exits, so a finished
 * count is not kept reachable from a long-lived thread. Confined to its thread: no
 * synchronisation. Every change is a single step once {@link #reserve} has made room, so a
 * {@code Throwable} never leaves it half-changed.
 */
final class OverflowEntries {

    private static final ThreadLocal<OverflowEntries> CURRENT = ThreadLocal.withInitial(OverflowEntries::new);

    private StripedUseCount[] counts = new StripedUseCount[4];
    private UseCell[] cells = new UseCell[4];
    private int size;

    static OverflowEntries current() {
        return CURRENT.get();
    }

    /** The thread's overflow cell in {@code count}, or null. */
    UseCell cell(StripedUseCount count) {
        int i = indexOf(count);
        return i < 0 ? null : cells[i];
    }

    /**
     * Makes room for one more entry, so that {@link #put} cannot fail for want of memory. An
     * OutOfMemoryError here changes nothing: both arrays are replaced together, or neither.
     */
    void reserve(StripedUseCount count) {
        if (size == counts.length && indexOf(count) < 0) {
            StripedUseCount[] biggerCounts = Arrays.copyOf(counts, size * 2);
            UseCell[] biggerCells = Arrays.copyOf(cells, size * 2);
            counts = biggerCounts;
            cells = biggerCells;
        }
    }

    /** Records {@code cell} as the thread's overflow cell in {@code count}; call {@link #reserve} first. */
    void put(StripedUseCount count, UseCell cell) {
        int i = size;
        counts[i] = count;
        cells[i] = cell;
        size = i + 1;
    }

    /** Forgets the thread's overflow cell in {@code count}, if any. */
    void remove(StripedUseCount count) {
        int i = indexOf(count);
        if (i < 0) {
            return;
        }
        int last = size - 1;
        counts[i] = counts[last];
        cells[i] = cells[last];
        counts[last] = null;
        cells[last] = null;
        size = last;
    }

    private int indexOf(StripedUseCount count) {
        for (int i = 0; i < size; i++) {
            if (counts[i] == count) {
                return i;
            }
        }
        return -1;
    }
}
