package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The release of a count-free region's trap, gated on the region becoming unreachable; it also
 * holds the region's slot in the JVM-wide budget of count-free regions.
 *
 * <p>A count-free read (see {@link GuardedMemory}) does not tell the revoke it is in flight: it
 * may have loaded the region's address and be about to load from it while the revoke installs the
 * trap. A load of the trap faults and is answered; a load of an unmapped hole is {@code SIGSEGV},
 * which kills the JVM. So the trap of a count-free region stays until BOTH the quarantine has
 * expired (measured from the revoke, as for every trap) AND a {@link Cleaner} has seen the region
 * unreachable: every count-free read ends with {@code Reference.reachabilityFence(region)}, so an
 * unreachable region has no read in flight and never will again.
 *
 * <p>One instance per count-free region, registered with one shared {@link Cleaner} when the
 * region is made; it holds no reference to the region (that would keep it reachable forever).
 * When the Cleaner runs it, it gives the budget slot back and, if the revoke has installed the
 * trap, hands the trap to {@link TrapMappings}' quarantine queue, where it is released (and from
 * then on evictable) like any other. Until then the trap is "gated": not in that queue, so the
 * early eviction that keeps traps under {@code mmunotify.mmap.maxTraps} can never release it. The
 * number of gated traps is bounded by the budget ({@code mmunotify.mmap.maxCountFreeRegions},
 * default 8192): each needs a count-free region that is still reachable.
 *
 * <p>A count-free region that is never revoked and is collected only gives back its slot: its
 * memory stays mapped, as for any region that is never closed (unchanged from before).
 *
 * <p>Thread-safety: {@link #trapInstalled} (the revoking thread) and {@link #run} (the Cleaner's
 * thread) may race; both take this object's monitor briefly and call nothing under it. The Cleaner
 * thread takes no lock a revoke holds while it waits (the release it may run outside the monitor
 * is an {@code munmap}).
 */
final class CountFreeTrapRelease implements Runnable {
    private static final System.Logger LOG = System.getLogger(CountFreeTrapRelease.class.getName());
    /** The budget: the most count-free regions alive at once. Package-private and mutable for tests. */
    static volatile int maxRegions = Math.max(0, Integer.getInteger("mmunotify.mmap.maxCountFreeRegions", 8192));
    /** Budget slots held: count-free regions made and not yet collected. */
    private static final AtomicInteger ADMITTED = new AtomicInteger();
    /** Traps installed by a revoke and waiting for their region to be collected. */
    private static final AtomicInteger GATED = new AtomicInteger();
    /** How many times the Cleaner has run one of these; for tests that must know no slot came back meanwhile. */
    private static final AtomicLong COLLECTIONS = new AtomicLong();

    /** The Cleaner, made on first use, so that its thread comes from the factory in force then. */
    private static final class Shared {
        static final Cleaner CLEANER = Cleaner.create(MmapThreads.cleanerThreads());
    }

    private final String region;
    // Guarded by this.
    private boolean installed;
    private boolean collected;
    private long trapAddress;
    private long trapLength;
    private long expiresAtNanos;
    /** Set (volatile) by run(), for tests that wait, bounded, for the Cleaner. */
    private volatile boolean ran;

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
     * Records that the revoke replaced the region's memory by a trap at {@code [address, address
     * + length)}; the trap is released once the quarantine ({@code expiresAtNanos}, a
     * {@link System#nanoTime()}) has passed and the region is collected.
     *
     * @return a trap evicted from the quarantine queue, to be released by the caller once it holds no lock
     */
    TrapMappings.Evicted trapInstalled(long address, long length, long expiresAtNanos) {
        boolean alreadyCollected;
        synchronized (this) {
            if (installed) {
                throw new IllegalStateException("the trap of count-free region '" + region + "' was installed twice");
            }
            installed = true;
            trapAddress = address;
            trapLength = length;
            this.expiresAtNanos = expiresAtNanos;
            alreadyCollected = collected;
            if (!alreadyCollected) {
                GATED.incrementAndGet();
            }
        }
        // Collected already: unreachable, so no read can reach the range; queue it as any trap.
        return alreadyCollected ? TrapMappings.enqueue(address, length, expiresAtNanos) : TrapMappings.Evicted.NONE;
    }

    /** The Cleaner's action: the region is unreachable. Never throws (the Cleaner would drop it silently). */
    @Override
    public void run() {
        try {
            boolean queue;
            synchronized (this) {
                collected = true;
                queue = installed;
            }
            ADMITTED.decrementAndGet();
            if (queue) {
                GATED.decrementAndGet();
                TrapMappings.enqueue(trapAddress, trapLength, expiresAtNanos).release();
            }
        } catch (Throwable e) {
            FailureReports.log(LOG, System.Logger.Level.ERROR,
                    () -> "queueing the trap of collected count-free region '" + region + "' failed", e);
        } finally {
            COLLECTIONS.incrementAndGet();
            ran = true;
        }
    }

    /** Whether the Cleaner has run this (the region was found unreachable); for tests. */
    boolean hasRun() {
        return ran;
    }

    /** How many count-free regions the Cleaner has found unreachable so far; for tests. */
    static long collections() {
        return COLLECTIONS.get();
    }

    /** Count-free regions not yet collected. */
    static int admitted() {
        return ADMITTED.get();
    }

    /** Traps of revoked count-free regions not yet collected. */
    static int gated() {
        return GATED.get();
    }

    @Override
    public synchronized String toString() {
        return "CountFreeTrapRelease[region '" + region + "', " + (installed ? "trap installed" : "no trap")
                + (collected ? ", collected" : ", reachable") + "]";
    }
}
