package io.github.mmunotify.core;

/**
 * One virtual thread's read-side bookkeeping in one domain: how many sections it holds on each
 * index, and where its outermost section is counted. Kept in the domain's {@link ThreadLocal}
 * only: no grace period, registry or table ever sees it, so it costs grace periods nothing and
 * becomes garbage with its thread.
 *
 * <p>A virtual thread counts only its outermost section on the domain's {@link SrcuStripes}; the
 * sections it nests inside it are covered by it (a grace period that must wait for a nested
 * section began after the outer one did, so it waits for the outer one, which ends last). The
 * stripe count is released when the thread's last section ends, whichever token ends it, on the
 * stripe and index it was counted on: the thread's reading time is one section from its first
 * lock to the unlock that leaves it holding none.
 *
 * <p>Only the owning thread reads or writes the counts, so they are plain fields. The per-index
 * depths are what detect an unlock with a token that is not outstanding, as {@link SrcuReader}'s
 * per-index differences do for platform threads.
 *
 * <p>Not thread-safe: owner only (except {@link #toString()}, which may read stale values).
 */
final class SrcuVirtualReader {
    /** What this thread's tokens carry above the index bit: bit 1 set (a virtual token), then the tag. */
    final int tag;
    /** The stripe this thread counts on (a function of its id). */
    final int stripe;
    /** Sections held that were entered on index 0 and on index 1. */
    int depth0;
    int depth1;
    /** The index the outermost section is counted on; meaningful while a section is held. */
    int countedIndex;

    SrcuVirtualReader(int tag, int stripe) {
        this.tag = tag;
        this.stripe = stripe;
    }

    /** Whether the owner holds any section. */
    boolean holdsAny() {
        return (depth0 | depth1) != 0;
    }

    @Override
    public String toString() {
        return "SrcuVirtualReader[stripe " + stripe + ", held on index0=" + depth0 + ", index1=" + depth1 + "]";
    }
}
