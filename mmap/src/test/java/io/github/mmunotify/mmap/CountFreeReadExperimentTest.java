package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The correctness experiment for count-free guarded reads: a guarded read that does not count in and out
 * of the region's guard (the prototype {@link #countFreeGetLong}, also measured as
 * {@code countFreeGetLong} in {@code RegionAccessBenchmark}) raced against the real
 * {@link Region#revoke()}, which replaces the memory with the trap in one {@code mmap(MAP_FIXED)}.
 * Every read must return the value stored at its offset or throw {@link SigBusException}; once
 * {@code revoke()} has returned every read must throw; no {@link InternalError} may escape a read
 * (HotSpot raises the fault of a trapped load asynchronously, at a later poll, so an escape would
 * surface in the reader's loop outside the read); the JVM must not crash. Half the regions are
 * carved from an arena, whose revoke lays the trap straight over the pages; the others have a
 * mapping of their own, whose pages are first moved aside (the range stays mapped throughout).
 *
 * <p>The prototype is not the library's access path (see the evaluation of count-free reads in
 * docs/benchmarks.md): this test pins down the properties of the trap and of fault delivery that
 * such a design relies on. One it cannot rely on today: the reaper unmaps a region's trap after the
 * quarantine (1 s), leaving a hole, and a read of a hole is {@code SIGSEGV}, which HotSpot does not
 * translate. A reader here stops reading a region as soon as it is refused, and the arena is
 * closed only after the readers are joined.
 */
@Tag("stress")
class CountFreeReadExperimentTest {
    private static final int ROUNDS = StressSize.of("countFreeRounds", 200);
    private static final int READERS = StressSize.of("countFreeReaders", 3);
    private static final int LONGS = 4 * 4096 / Long.BYTES; // four pages
    private static final int REGION_BYTES = LONGS * Long.BYTES;

    /**
     * The prototype: bounds check, the load, then the region's revoked flag. The flag is set (with
     * a full fence: a volatile write) before the revoke installs the trap, so a load that met the
     * trap finds it set; only then is the {@link InternalError} that HotSpot left pending drained
     * (a non-critical downcall) and turned into a {@link SigBusException}. A load that did not
     * fault read the region's own page: the kernel frees the old page only after the TLB shootdown
     * of the {@code mmap(MAP_FIXED)}. The reachability fence keeps the region reachable until the
     * load is done, the rule on which a release of the trap's range could be based (a Cleaner).
     */
    static long countFreeGetLong(Region region, long offset) {
        long address = region.address(offset, Long.BYTES);
        try {
            long value = Memory.getLong(address);
            /* F: the load above is done (read the page or faulted on the trap) before the flag is
             * read below; pairs with the volatile write of the revocation in Region.beginRevoke(),
             * which precedes the trap's mmap(MAP_FIXED). A compiler barrier on x86. */
            VarHandle.acquireFence();
            if (region.isRevoked()) {
                Libc.deliverPendingFaults(); // a faulted load left an InternalError pending: here it surfaces
                throw region.revoked(offset);
            }
            return value;
        } catch (InternalError fault) {
            throw region.faulted(offset, fault);
        } finally {
            Reference.reachabilityFence(region);
        }
    }

    private static long expected(long generation, long index) {
        return generation * 1_000_003L + index + 1;
    }

    /** One incarnation of the region; {@code revokeReturned} is set once {@code revoke()} has returned. */
    private static final class Generation {
        final long number;
        final Region region;
        final AtomicBoolean revokeReturned = new AtomicBoolean();

        Generation(long number, Region region) {
            this.number = number;
            this.region = region;
        }
    }

    @Test
    void everyCountFreeReadReturnsTheStoredValueOrThrowsSigBusWhileRevokeInstallsTheTrap() throws Exception {
        AtomicReference<Generation> current = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong refusedByFlag = new AtomicLong();
        AtomicLong faultedOnTrap = new AtomicLong();
        AtomicLong readsThisRound = new AtomicLong();
        TestThreads readers = new TestThreads("count-free-reader");
        for (int r = 0; r < READERS; r++) {
            int seed = r;
            readers.start(() -> read(seed, current, stop, succeeded, refusedByFlag, faultedOnTrap, readsThisRound));
        }
        MappedArena arena = MappedArena.anonymous("count-free-arena", (ROUNDS / 2 + 2L) * REGION_BYTES);
        try {
            for (long round = 1; round <= ROUNDS && readers.failures().isEmpty(); round++) {
                // Both ways a revoke installs the trap: a region of its own (pages moved aside, then
                // the trap), and a region of an arena (the trap straight over the pages).
                Region region = round % 2 == 0 && arena.stats().freeBytes() >= REGION_BYTES
                        ? arena.allocate("count-free-" + round, REGION_BYTES)
                        : Region.allocate("count-free-" + round, REGION_BYTES);
                for (int i = 0; i < LONGS; i++) {
                    region.putLong(i * 8L, expected(round, i));
                }
                Generation generation = new Generation(round, region);
                readsThisRound.set(0);
                current.set(generation);
                // Let the readers in before revoking, bounded so that a stuck reader cannot hang the test.
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
                while (readsThisRound.get() < 100 && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                region.revoke();
                generation.revokeReturned.set(true);
                // A read now meets the trap for certain: its fault must come back as the cause.
                SigBusException after = assertThrows(SigBusException.class, () -> countFreeGetLong(region, 8));
                assertEquals(region.name(), after.regionName());
                assertTrue(after.getCause() instanceof InternalError, () -> "a read of the trap was refused without"
                        + " its fault, which is then left pending: " + after);
            }
        } finally {
            stop.set(true);
            try {
                readers.join(); // rethrows a reader's failure, e.g. an InternalError that escaped a read
            } finally {
                arena.close(); // only once no reader can hold an address into it
            }
        }
        System.out.printf("count-free read race: %d rounds, %d readers, %d reads returned, %d refused by the flag,"
                + " %d faulted on the trap%n", ROUNDS, READERS, succeeded.get(), refusedByFlag.get(), faultedOnTrap.get());
        assertTrue(succeeded.get() > 0, "no read ever succeeded: the test exercised nothing");
        // How many refusals fault on the trap depends on scheduling (a reader running throughout
        // sees the flag before the trap lands); the read after each revoke above always does.
        assertTrue(refusedByFlag.get() + faultedOnTrap.get() > 0, "no reader was ever refused: no race happened");
    }

    /**
     * Reuse of the range is harmless to a count-free read as long as the range stays mapped: a
     * stale read that lands on the next region's page finds its own region's flag set and throws
     * away what it read. Here an arena of one extent hands the same pages to a new region once the
     * quarantine is over; a read through the old region must throw, never return the new data.
     */
    @Test
    void aStaleCountFreeReadOfAReusedRangeIsRefusedNotAnswered() {
        try (MappedArena arena = MappedArena.anonymous("count-free-reuse", 4096)) {
            Region old = arena.allocate("old", 4096);
            old.putLong(8, 11);
            assertEquals(11, countFreeGetLong(old, 8));
            old.revoke();
            // The quarantine (mmunotify.mmap.trapMillis, 1 s by default) is a timer, not an event:
            // poll, bounded, for the extent to come back.
            Region reused = null;
            long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
            while (reused == null && System.nanoTime() < deadline) {
                try {
                    reused = arena.allocate("reused", 4096);
                } catch (IllegalStateException full) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            assertTrue(reused != null, "the extent never came back from quarantine: " + arena.stats());
            assertEquals(old.base, reused.base, "an arena of one extent reuses its pages");
            reused.putLong(8, 22);
            SigBusException stale = assertThrows(SigBusException.class, () -> countFreeGetLong(old, 8));
            assertEquals("old", stale.regionName());
            assertEquals(22, countFreeGetLong(reused, 8));
        }
    }

    private static void read(int seed, AtomicReference<Generation> current, AtomicBoolean stop, AtomicLong succeeded,
                             AtomicLong refusedByFlag, AtomicLong faultedOnTrap, AtomicLong readsThisRound) {
        long index = seed * 61L;
        Generation done = null;
        while (!stop.get()) {
            Generation g = current.get();
            if (g == null || g == done) {
                Thread.onSpinWait(); // a loop with a poll: an InternalError left pending would surface here
                continue;
            }
            index = (index + 67) % LONGS; // a stride that visits every page
            boolean revokedBefore = g.revokeReturned.get();
            try {
                long value = countFreeGetLong(g.region, index * 8);
                if (revokedBefore) {
                    throw new AssertionError("a read that began after revoke() returned read " + value);
                }
                if (value != expected(g.number, index)) {
                    throw new AssertionError("read " + value + " at index " + index + " of generation " + g.number
                            + ", expected " + expected(g.number, index));
                }
                succeeded.incrementAndGet();
                readsThisRound.incrementAndGet();
            } catch (SigBusException e) {
                if (!g.region.isRevoked()) {
                    throw new AssertionError("SigBusException before the revoke began", e);
                }
                (e.getCause() instanceof InternalError ? faultedOnTrap : refusedByFlag).incrementAndGet();
                done = g;
            }
        }
    }
}
