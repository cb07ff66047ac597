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

    void increment(StripedUseCount count) {
        int i = indexOf(count);
        if (i < 0) {
            if (size == counts.length) {
                counts = Arrays.copyOf(counts, size * 2);
                depths = Arrays.copyOf(depths, size * 2);
            }
            i = size++;
            counts[i] = count;
            depths[i] = 0;
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
