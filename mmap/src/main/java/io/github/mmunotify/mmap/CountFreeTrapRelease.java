package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trap of a count-free region, installed only once the region is unreachable; it also holds
 * the region's slot in the JVM-wide budget of count-free regions.
 *
 * <p>A count-free read (see {@link GuardedMemory}) does not tell the revoke it is in flight: it
 * may have loaded the region's address and be about to load from it while the revoke replaces the
 * memory. That load must not meet an unmapped hole ({@code SIGSEGV}: the JVM dies), and must not
 * fault at all: HotSpot survives a fault of an {@code Unsafe} or FFM load in compiled code only if
 * it can decode the faulting instruction to skip it, and C2 folds loads into instructions it cannot
 * decode (a {@code getInt} widened to {@code long} becomes {@code movslq}: the JVM aborts in
 * {@code Assembler::locate_operand}). So the revoke of a count-free region replaces its pages with
 * a blank, fresh zero pages ({@link MappedMemory#releaseIntoBlank}), which a racing read reads as
 * zero and discards when it sees the revoked flag. The blank stays until a {@link Cleaner} has seen
 * the region unreachable (every count-free read ends with {@code Reference.reachabilityFence},
 * so an unreachable region has no read in flight and never will again); then the trap replaces the
 * blank for what is left of the quarantine (measured from the revoke), and the range is released
 * like any other ({@link TrapMappings#installAfterCollection}).
 *
 * <p>One instance per count-free region, registered with one shared {@link Cleaner} when the
 * region is made; it holds no reference to the region (that would keep it reachable forever).
 * Until the Cleaner runs, the blank is "gated": it is not in the trap queue, so the early eviction
 * that keeps traps under {@code mmunotify.mmap.maxTraps} can never release it. The number of gated
 * blanks is bounded by the budget ({@code mmunotify.mmap.maxCountFreeRegions}, default 8192): each
 * needs a count-free region that is still reachable. A stale raw address into a gated blank (one
 * that escaped the library) reads zeros, and its writes land in private zero pages, instead of
 * faulting as a trap would; once the region is collected the trap stands there as for any region.
 *
 * <p>A count-free region that is never revoked and is collected only gives back its slot: its
 * memory stays mapped, as for any region that is never closed (unchanged from before).
 *
 * <p>Thread-safety: {@link #blanked} (the revoking thread) and {@link #run} (the Cleaner's thread)
 * may race; both take this object's monitor briefly and call nothing under it. The Cleaner thread
 * takes no lock a revoke holds while it waits (it maps the trap and may run an evicted trap's
 * release, an {@code munmap} or an arena's restore, with no lock of its own held).
 */
final class CountFreeTrapRelease implements Runnable {
    private static final System.Logger LOG = System.getLogger(CountFreeTrapRelease.class.getName());
    /** The budget: the most count-free regions alive at once. Package-private and mutable for tests. */
    static volatile int maxRegions = Math.max(0, Integer.getInteger("mmunotify.mmap.maxCountFreeRegions", 8192));
    /** Budget slots held: count-free regions made and not yet collected. */
    private static final AtomicInteger ADMITTED = new AtomicInteger();
    /** Blanks left by a revoke and waiting for their region to be collected. */
    private static final AtomicInteger GATED = new AtomicInteger();
    /** How many times the Cleaner has run one of these; for tests that must know no slot came back meanwhile. */
    private static final AtomicLong COLLECTIONS = new AtomicLong();

    /** The Cleaner, made on first use, so that its thread comes from the factory in force then. */
    private static final class Shared {
        static final Cleaner CLEANER = Cleaner.create(MmapThreads.cleanerThreads());
    }

    private final String region;
    // Guarded by this.
    private boolean revokedIntoBlank;
    private boolean collected;
    private long trapAddress;
    private long trapLength;
    private long expiresAtNanos;
    /** Set (volatile) by run(), for tests that wait, bounded, for the Cleaner. */
    private volatile boolean ran;
    /** Set once the trap has replaced the blank; for tests. */
    private volatile boolean trapped;

    private CountFreeTrapRelease(String region) {
        this.region = region;
    }

    /**
     * A slot for a new count-free region, or null if the budget is spent (the region then counts
     * its accesses, as a file-backed one does).
     */
    static CountFreeTrapRelease admit(String region) {
        int limit = maxRegions;
        for (int held = ADMITTED.get(); held < limit; held = ADMITTED.get()) {
            if (ADMITTED.compareAndSet(held, held + 1)) {
                return new CountFreeTrapRelease(region);
            }
        }
        return null;
    }

    /** Starts watching {@code owner}, the region this slot was admitted for; runs once it is unreachable. */
    void watch(Region owner) {
        Shared.CLEANER.register(owner, this);
    }

    /** Gives the slot back for a region that was never made (its construction failed). */
    void abandon() {
        ADMITTED.decrementAndGet();
    }

    /**
     * Records that the revoke replaced the region's memory by a blank at {@code [address, address
     * + length)}; the trap replaces it once the region is collected, for the rest of a quarantine
     * that starts now.
     */
    void blanked(long address, long length) {
        long expires = TrapMappings.quarantineEnd();
        boolean alreadyCollected;
        synchronized (this) {
            if (revokedIntoBlank) {
                throw new IllegalStateException("count-free region '" + region + "' was blanked twice");
            }
            revokedIntoBlank = true;
            trapAddress = address;
            trapLength = length;
            expiresAtNanos = expires;
            alreadyCollected = collected;
            if (!alreadyCollected) {
                GATED.incrementAndGet();
            }
        }
        if (alreadyCollected) { // unreachable already: no read can reach the range; trap it now
            trap(address, length, expires);
        }
    }

    /** The Cleaner's action: the region is unreachable. Never throws (the Cleaner would drop it silently). */
    @Override
    public void run() {
        try {
            boolean queue;
            synchronized (this) {
                collected = true;
                queue = revokedIntoBlank;
            }
            ADMITTED.decrementAndGet();
            if (queue) {
                GATED.decrementAndGet();
                trap(trapAddress, trapLength, expiresAtNanos);
            }
        } catch (Throwable e) {
            FailureReports.log(LOG, System.Logger.Level.ERROR,
                    () -> "trapping the range of collected count-free region '" + region + "' failed", e);
        } finally {
            COLLECTIONS.incrementAndGet();
            ran = true;
        }
    }

    /**
     * Replaces the blank by the trap for the rest of its quarantine; the region is unreachable, so
     * no read can still load from the range. Runs once: after the blank and the collection, on
     * whichever thread saw the second of the two.
     */
    private void trap(long address, long length, long expires) {
        TrapMappings.Evicted evicted = TrapMappings.installAfterCollection(address, length, expires);
        trapped = true;
        evicted.release(); // holds no lock here
    }

    /** Whether the Cleaner has run this (the region was found unreachable); for tests. */
    boolean hasRun() {
        return ran;
    }

    /** Whether the trap has replaced the blank (the region was revoked, then collected); for tests. */
    boolean hasTrapped() {
        return trapped;
    }

    /** How many count-free regions the Cleaner has found unreachable so far; for tests. */
    static long collections() {
        return COLLECTIONS.get();
    }

    /** Count-free regions not yet collected. */
    static int admitted() {
        return ADMITTED.get();
    }

    /** Blanks of revoked count-free regions not yet collected. */
    static int gated() {
        return GATED.get();
    }

    @Override
    public synchronized String toString() {
        return "CountFreeTrapRelease[region '" + region + "', " + (revokedIntoBlank ? "revoked, blank" : "not revoked")
                + (collected ? ", collected" : ", reachable") + "]";
    }
}
