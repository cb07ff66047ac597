package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The read-side counters that virtual threads and shared (handed-off) sections of one domain count
 * on: a small fixed set of stripes, each with its own lock and unlock count per index on a cache
 * line of its own (the kernel's per-CPU {@code srcu_data}, with a stripe in place of a CPU).
 *
 * <p>Why: a per-thread {@link SrcuReader} costs every grace period one scan step and about 300
 * bytes for as long as its thread lives; with a million parked virtual threads that read once,
 * a grace period walked a million readers. Stripes cost a grace period {@code 4 * stripes()}
 * loads whatever the number of threads, and nothing per thread. The price is that a stripe is
 * shared: counting is an atomic read-modify-write (contended only by threads that hash to the same
 * stripe and run at the same moment), and a stripe cannot say which thread is inside.
 *
 * <h2>Implementation notes</h2>
 * One {@code long[]}: stripe {@code s} owns the 16 longs from {@code (s + 1) * 16}, of which it uses
 * the first four (locks on index 0 and 1, unlocks on index 0 and 1); the first 16 longs are left
 * empty so that stripe 0 does not share a line with the array's header. The counters only grow,
 * which is what lets {@link SrcuReaderRegistry#readersGone(int)} sum the unlocks first and the
 * locks after a fence, exactly as it does for per-thread readers, and which makes it irrelevant on
 * which stripe a section is left: only the sums matter. Sections are left on the stripe they were
 * counted on anyway (the caller remembers it), so a stripe's own difference is the number of
 * sections it holds, which is what the misuse check of shared sections and the reports read.
 *
 * <p>Ordering: {@link #lockAndFence} and {@link #unlock} are volatile read-modify-writes (a
 * {@code lock}-prefixed add on x86, a fully ordered atomic on AArch64). {@code lockAndFence} still
 * fences (B') after its add: the Java memory model promises the store-load order only to a fence,
 * and on x86 it costs one more locked instruction per outermost section. {@code unlock} (C'') is
 * at least a release, so everything the section did happens-before a grace period whose acquire
 * loads ({@link #unlocksOn}) see it. Neither needs the updater's membarrier: a reader that
 * fences for itself needs no one to fence it.
 *
 * <p>Thread-safe.
 */
final class SrcuStripes {
    /** Longs per stripe: 128 bytes, two cache lines on x86 (the adjacent-line prefetcher pairs them). */
    private static final int STRIDE = 16;
    private static final int LOCKS = 0;
    private static final int UNLOCKS = 2;
    private static final int MIN_STRIPES = 8;
    private static final int MAX_STRIPES = 64;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        // Link every call site of the counting path now, not in a read section at the bottom of
        // a deep stack (see SrcuReader.linkTheOwnersPath()).
        SrcuStripes probe = new SrcuStripes(MIN_STRIPES);
        for (int index = 0; index <= 1; index++) {
            probe.lockAndFence(0, index);
            probe.unlock(0, index);
            probe.locksOn(index);
            probe.unlocksOn(index);
        }
    }

    private final long[] counts;
    private final int mask;

    /** Four stripes per processor, rounded up to a power of two, between 8 and 64. */
    SrcuStripes() {
        this(Integer.highestOneBit(Math.max(MIN_STRIPES - 1,
                Math.min(MAX_STRIPES, Runtime.getRuntime().availableProcessors() * 4) - 1)) << 1);
    }

    private SrcuStripes(int stripes) {
        this.counts = new long[(stripes + 1) * STRIDE];
        this.mask = stripes - 1;
    }

    /** How many stripes there are (a power of two). */
    int stripes() {
        return mask + 1;
    }

    /** The stripe {@code thread} counts on: its id, mixed, so that consecutive ids spread out. */
    int stripeOf(Thread thread) {
        long mixed = thread.threadId() * GOLDEN_GAMMA;
        return (int) (mixed >>> 32) & mask;
    }

    /**
     * Counts a section in on {@code stripe} and {@code index}, then fences, so that the section's
     * reads come after the count. The fence's call chain (when interpreted) is shallower than the
     * add's, which already found stack at this depth, so a StackOverflowError cannot fall between
     * them: it either strikes before the add (nothing counted) or not at all.
     */
    void lockAndFence(int stripe, int index) {
        COUNT.getAndAdd(counts, slot(stripe, LOCKS + index), 1L);
        /* B': pairs with A in SrcuReaderRegistry.readersGone(), D/E in SrcuGracePeriods.advance()
         * and H in SrcuGracePeriods.cookie(), as B in Srcu.readLock() does for platform threads
         * (kernel: smp_mb() B in __srcu_read_lock, or smp_mb__after_atomic() in the nmi-safe
         * flavour): either the grace period sees this count, or the section sees everything
         * published before the grace period began. Also pairs with I in Srcu.close(). */
        VarHandle.fullFence();
    }

    /**
     * Counts a section out on {@code stripe} and {@code index}. The add is the last step of its
     * call chain, so a StackOverflowError thrown out of this method means that nothing was counted.
     */
    void unlock(int stripe, int index) {
        /* C'': a volatile add, at least a release; pairs with A in SrcuReaderRegistry.readersGone()
         * (its acquire loads through unlocksOn()) and E/F in SrcuGracePeriods.advance(): every
         * access of the section happens-before a grace period that sees it left. */
        COUNT.getAndAdd(counts, slot(stripe, UNLOCKS + index), 1L);
    }

    /** Any thread: sections ever entered on {@code index}, summed over the stripes. */
    long locksOn(int index) {
        long sum = 0;
        for (int s = 0; s <= mask; s++) {
            sum += (long) COUNT.getVolatile(counts, slot(s, LOCKS + index));
        }
        return sum;
    }

    /** Any thread: sections ever left on {@code index}; acquires, so later loads see the matching locks. */
    long unlocksOn(int index) {
        long sum = 0;
        for (int s = 0; s <= mask; s++) {
            sum += (long) COUNT.getAcquire(counts, slot(s, UNLOCKS + index));
        }
        return sum;
    }

    /** Sections that appear to be held on {@code index} right now (a racy snapshot, for reports). */
    long activeOn(int index) {
        long unlocks = unlocksOn(index);
        return Math.max(0L, locksOn(index) - unlocks);
    }

    /** Sections that appear to be held on either index right now (a racy snapshot, for reports). */
    long active() {
        return activeOn(0) + activeOn(1);
    }

    private static int slot(int stripe, int counter) {
        return (stripe + 1) * STRIDE + counter;
    }

    @Override
    public String toString() {
        return "SrcuStripes[" + stripes() + " stripes, index0=" + locksOn(0) + "/" + unlocksOn(0)
                + ", index1=" + locksOn(1) + "/" + unlocksOn(1) + "]";
    }
}
