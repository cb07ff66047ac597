package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last line of defence for raw addresses that escaped the library: after a revoke has waited
 * out every access the library knows about, the memory's address range is not simply unmapped
 * (the kernel would soon hand it to someone else, and a stale pointer would then read or corrupt
 * unrelated memory, or crash the JVM with {@code SIGSEGV}). Instead one shared, empty, sealed
 * memory file is mapped over the range with {@code MAP_FIXED}, atomically replacing the old pages.
 * Every access to the range is then beyond the end of that file, which the kernel answers with
 * {@code SIGBUS}; HotSpot turns a {@code SIGBUS} inside an {@code Unsafe} access into an
 * {@link InternalError} instead of crashing, and the library's paths translate that into
 * {@link SigBusException}.
 *
 * <p>A trap costs one kernel VMA and no memory. Each is kept for a quarantine period (system
 * property {@code mmunotify.mmap.trapMillis}, default 1000 ms), then released by a daemon thread:
 * by default unmapped; a {@link MappedArena} instead maps its own file back so the range can be
 * carved again. At most {@code mmunotify.mmap.maxTraps} (default 16384) traps are kept: beyond
 * that the oldest are released early, so the process never runs into {@code vm.max_map_count}.
 *
 * <p>A region with count-free reads (see {@link CountFreeTrapRelease}) gets its trap only once it
 * has been garbage-collected: until then a count-free read may still load from the range, and a
 * load must neither fault (HotSpot recovers from a fault in compiled code only for the load
 * instructions it can decode; C2 folds loads into others, e.g. {@code movslq}, and the JVM then
 * dies) nor meet a hole ({@code SIGSEGV}). Its revoke leaves a blank (zero pages) instead, which is
 * "gated": outside the queue, never evicted, at most {@code mmunotify.mmap.maxCountFreeRegions} of
 * them. Once the region is collected the trap replaces the blank for what is left of the
 * quarantine, measured from the revoke.
 *
 * <p>An early release is not run by {@link #install}: the installing thread usually holds its
 * owner's lock (an arena's), and the evicted trap's release may be another arena's
 * {@code restore}, which takes that arena's lock; two arenas evicting each other's traps would
 * deadlock. {@code install} hands the evicted trap back as an {@link Evicted}, and the caller
 * runs it once it has let go of every lock ({@link Evicted#release()}). The caller thus pays for
 * the release it caused, which keeps the number of traps bounded under any rate of installs.
 *
 * <p>Invariant: the trap file is never grown (it is sealed against growing, shrinking and further
 * sealing), so every page of every trap faults. Thread-safe.
 */
final class TrapMappings {
    private static final System.Logger LOG = System.getLogger(TrapMappings.class.getName());
    /** At most a day, so that {@code nanoTime() + QUARANTINE_NANOS} cannot wrap. */
    private static final long QUARANTINE_NANOS = TimeUnit.MILLISECONDS.toNanos(
            Math.clamp(Long.getLong("mmunotify.mmap.trapMillis", 1000L), 0L, TimeUnit.DAYS.toMillis(1)));
    /** The most traps kept; package-private and mutable only so that tests reach eviction quickly. */
    static volatile int maxTraps = Math.max(1, Integer.getInteger("mmunotify.mmap.maxTraps", 16384));

    /** Puts a trapped range back into use; runs once, on the reaper thread. */
    @FunctionalInterface
    interface Release {
        void release(long address, long length);
    }

    private static final Release UNMAP = Libc::munmap;

    private static final int TRAP_FD = createTrapFile();
    private static final DelayQueue<Trap> PENDING = new DelayQueue<>();
    private static final AtomicLong INSTALLED = new AtomicLong();
    private static final AtomicLong RELEASED = new AtomicLong();

    static {
        MmapThreads.startReaper(); // a platform daemon "mmunotify-trap-reaper", or the MmapThreads factory's
    }

    private TrapMappings() {
    }

    private static int createTrapFile() {
        return Libc.memfdCreate("mmunotify-trap", 0, true);
    }

    /**
     * Replaces the page-aligned range with a trap; it is unmapped after the quarantine period.
     *
     * @return a trap evicted to stay within the limit, which the caller must {@linkplain Evicted#release()
     *         release} once it holds no lock
     */
    static Evicted install(long address, long length) {
        return install(address, length, UNMAP);
    }

    /**
     * Replaces the page-aligned range with a trap; {@code release} puts it back into use later.
     *
     * @return a trap evicted to stay within the limit, which the caller must {@linkplain Evicted#release()
     *         release} once it holds no lock; never null
     */
    static Evicted install(long address, long length, Release release) {
        mapTrap(address, length);
        return enqueue(new Trap(address, length, release, quarantineEnd()));
    }

    /**
     * Replaces the blank left by the revoke of a count-free region, once that region has been
     * collected (see {@link CountFreeTrapRelease}), with a trap that is released at
     * {@code expiresAtNanos} (the quarantine measured from the revoke) or evicted early like any other.
     *
     * @return a trap evicted to stay within the limit, which the caller must release once it holds no lock
     */
    static Evicted installAfterCollection(long address, long length, long expiresAtNanos) {
        mapTrap(address, length);
        return enqueue(new Trap(address, length, UNMAP, expiresAtNanos));
    }

    /** When a trap installed now would end its quarantine, as a {@link System#nanoTime()}. */
    static long quarantineEnd() {
        return System.nanoTime() + QUARANTINE_NANOS;
    }

    private static void mapTrap(long address, long length) {
        Libc.mmap(address, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, TRAP_FD, 0);
        INSTALLED.incrementAndGet();
    }

    private static Evicted enqueue(Trap trap) {
        PENDING.add(trap);
        // Loop: a racing install (or the reaper) may take the same earliest trap first; giving up
        // then would let the queue grow past the limit by one per lost race, and an arena whose
        // extents all sit in quarantine reports itself full. Only queued traps are evicted: the
        // blank of a count-free region is not in the queue (nor a trap) until the region is collected.
        while (PENDING.size() > maxTraps) {
            Trap oldest = PENDING.poll();
            if (oldest == null) {
                // Nothing expired yet: take the earliest anyway (the queue is ordered by expiry).
                oldest = PENDING.stream().min(Trap::compareTo).orElse(null);
                if (oldest == null || !PENDING.remove(oldest)) {
                    continue; // someone else took it and releases it; look again
                }
            }
            return new Evicted(oldest);
        }
        return Evicted.NONE;
    }

    /**
     * A trap taken out of quarantine early by {@link #install}, not yet released. Its release may
     * call into another owner (an arena's {@code restore}, which takes that arena's lock), so it
     * must run with no lock held.
     */
    static final class Evicted {
        static final Evicted NONE = new Evicted(null);

        private final Trap trap;

        private Evicted(Trap trap) {
            this.trap = trap;
        }

        /** Runs the evicted trap's release; a failure is reported, as the reaper reports one. */
        void release() {
            if (trap == null) {
                return;
            }
            try {
                trap.run();
            } catch (Throwable e) {
                FailureReports.log(LOG, System.Logger.Level.ERROR, () -> "releasing an evicted trap mapping failed", e);
            }
        }
    }

    static TrapStats stats() {
        return new TrapStats(INSTALLED.get(), RELEASED.get(), PENDING.size(), CountFreeTrapRelease.gated(),
                CountFreeTrapRelease.admitted());
    }

    /** The daemon's loop; package-private for {@link MmapThreads}, which makes its thread. */
    static void reap() {
        while (true) {
            try {
                PENDING.take().run();
            } catch (InterruptedException e) {
                // Daemon thread: nobody interrupts it on purpose; keep serving.
            } catch (Throwable e) {
                // Reported without throwing: this daemon thread must survive to release the rest.
                FailureReports.log(LOG, System.Logger.Level.ERROR, () -> "releasing a trap mapping failed", e);
            }
        }
    }

    private record Trap(long address, long length, Release release, long expiresAtNanos) implements Delayed {
        void run() {
            release.release(address, length);
            RELEASED.incrementAndGet();
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(expiresAtNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(expiresAtNanos, ((Trap) other).expiresAtNanos);
        }
    }
}
