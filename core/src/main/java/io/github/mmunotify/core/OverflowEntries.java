package io.github.mmunotify.core;

import java.util.Arrays;

/**
 * The calling thread's entries into {@link StripedUseCount}s that went through the shared overflow
 * cell because the thread's own stripe belonged to another live thread. One instance per thread
 * (a single {@code ThreadLocal} for every count), holding a tiny array map from count to depth.
 *
 * <p>Only the slow path touches it, so the common case pays nothing for it; it is what lets a
 * count answer "is the current thread inside?" exactly, whichever cell its entries went to.
 * Confined to its thread: no synchronisation.
 */
final class OverflowEntries {

    private static final ThreadLocal<OverflowEntries> CURRENT = ThreadLocal.withInitial(OverflowEntries::new);

    private StripedUseCount[] counts = new StripedUseCount[4];
    private int[] depths = new int[4];
    private int size;

    static OverflowEntries current() {
        return CURRENT.get();
    }

    int depth(StripedUseCount count) {
        int i = indexOf(count);
        return i < 0 ? 0 : depths[i];
    }

    /**
     * Makes room for an entry into {@code count}, so that the following {@link #increment} cannot
     * fail for want of memory. Changes nothing visible; an OutOfMemoryError here leaves the
     * arrays as they were (both replaced together, or neither).
     */
    void reserve(StripedUseCount count) {
        if (size == counts.length && indexOf(count) < 0) {
            StripedUseCount[] biggerCounts = Arrays.copyOf(counts, size * 2);
            int[] biggerDepths = Arrays.copyOf(depths, size * 2);
            counts = biggerCounts;
            depths = biggerDepths;
        }
    }

    /** Records one more entry into {@code count}; call {@link #reserve} first. Allocation-free then. */
    void increment(StripedUseCount count) {
        int i = indexOf(count);
        if (i < 0) {
            i = size;
            counts[i] = count;
            depths[i] = 1;
            size = i + 1;
            return;
        }
        depths[i]++;
    }

    /** Returns false, changing nothing, when the thread has no overflow entry into {@code count}. */
    boolean decrement(StripedUseCount count) {
        int i = indexOf(count);
        if (i < 0) {
            return false;
        }
        if (--depths[i] == 0) {
            // Drop the entry so a finished count is not kept reachable from a long-lived thread.
            int last = --size;
            counts[i] = counts[last];
            depths[i] = depths[last];
            counts[last] = null;
        }
        return true;
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
