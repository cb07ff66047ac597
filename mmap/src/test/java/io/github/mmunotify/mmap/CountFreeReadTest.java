package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.GarbageCollections;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Count-free reads ({@link Region#hasCountFreeReads()}): the reads of a standalone anonymous
 * region skip the guard, so {@code revoke()} does not wait for them; a racing read returns what
 * the memory held or throws {@link SigBusException}. The revoke replaces the memory by a blank
 * (zero pages), not the trap, until the region is unreachable: a count-free load must neither meet
 * an unmapped hole ({@code SIGSEGV}) nor fault (HotSpot cannot skip every load form C2 emits; a
 * {@code movslq} on the trap aborted the JVM in {@code Assembler::locate_operand}). The budget, the eviction rule and the regions that still count are
 * checked too.
 */
@Tag("stress")
class CountFreeReadTest {
    private static final int ROUNDS = StressSize.of("countFreeRounds", 200);
    private static final int READERS = StressSize.of("countFreeReaders", 3);
    private static final int LONGS = 4 * 4096 / Long.BYTES; // four pages
    private static final int REGION_BYTES = LONGS * Long.BYTES;

    private static long expected(long generation, long index) {
        return generation * 1_000_003L + index + 1;
    }

    /** One incarnation of the region; {@code revokeReturned} is set once {@code revoke()} has returned. */
    private record Generation(long number, Region region, AtomicBoolean revokeReturned) {
    }

    /**
     * Readers race real revokes, each read through one of the count-free accessors (one of them an
     * int widened to long, which C2 compiles to {@code movslq}). Every read returns the value stored
     * or throws {@link SigBusException}; one begun after {@code revoke()} returned always throws;
     * no read faults. Readers keep reading the generations they have seen revoked, so a range
     * released or trapped under them would crash the JVM. With the trap in place of the blank the
     * JVM aborted (hs_err: {@code locate_operand}, in this reader); without the flag check a read
     * after the revoke returned a value.
     */
    @Test
    void everyReadReturnsTheStoredValueOrThrowsSigBusWhileRevokesReplaceTheMemory() throws Exception {
        AtomicReference<Generation> current = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong refusedByFlag = new AtomicLong();
        AtomicLong faultedOnTrap = new AtomicLong();
        AtomicLong readsThisRound = new AtomicLong();
        List<CountFreeTrapRelease> gates = new ArrayList<>();
        TestThreads readers = new TestThreads("count-free-reader");
        for (int r = 0; r < READERS; r++) {
            int seed = r;
            readers.start(() -> read(seed, current, stop, succeeded, refusedByFlag, faultedOnTrap, readsThisRound));
        }
        try {
            for (long round = 1; round <= ROUNDS && readers.failures().isEmpty(); round++) {
                gates.add(raceOneRevoke(round, current, readsThisRound));
            }
        } finally {
            stop.set(true);
            readers.join(); // rethrows a reader's failure, e.g. an InternalError that escaped a read
        }
        System.out.printf("count-free read race: %d rounds, %d readers, %d reads returned, %d refused by the flag,"
                + " %d faulted on the trap%n", ROUNDS, READERS, succeeded.get(), refusedByFlag.get(), faultedOnTrap.get());
        assertTrue(succeeded.get() > 0, "no read ever succeeded: the test exercised nothing");
        assertTrue(refusedByFlag.get() > 0, "no reader was ever refused: no race happened");
        assertEquals(0, faultedOnTrap.get(), "a count-free read faulted: it met a trap, not the blank");
        // Now nothing holds the regions: the Cleaner finds each, and only then are their traps queued.
        current.set(null);
        awaitCollected(gates);
    }

    /** One round: a fresh region the readers read, revoked under them; returns its gate. */
    private static CountFreeTrapRelease raceOneRevoke(long round, AtomicReference<Generation> current,
                                                      AtomicLong readsThisRound) {
        Region region = Region.allocate("count-free-" + round, REGION_BYTES);
        assertTrue(region.hasCountFreeReads(), region::toString);
        for (int i = 0; i < LONGS; i++) {
            region.putLong(i * 8L, expected(round, i));
        }
        Generation generation = new Generation(round, region, new AtomicBoolean());
        readsThisRound.set(0);
        current.set(generation);
        // Let the readers in before revoking, bounded so that a stuck reader cannot hang the test.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        while (readsThisRound.get() < 100 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        region.revoke();
        generation.revokeReturned().set(true);
        // A read now reads the blank and is refused by the flag: the revoke's exception, no fault.
        SigBusException after = assertThrows(SigBusException.class, () -> region.getLong(8));
        assertEquals(region.name(), after.regionName());
        assertTrue(after.revokedAt().isPresent(), after::toString);
        assertEquals(null, after.getCause(), after::toString);
        return region.countFreeRelease();
    }

    private static void read(int seed, AtomicReference<Generation> current, AtomicBoolean stop, AtomicLong succeeded,
                             AtomicLong refusedByFlag, AtomicLong faultedOnTrap, AtomicLong readsThisRound) {
        long index = seed * 61L;
        Generation done = null;
        while (!stop.get()) {
            Generation g = current.get();
            if (g == null) {
                Thread.onSpinWait(); // a loop with a poll: an InternalError left pending would surface here
                continue;
            }
            index = (index + 67) % LONGS; // a stride that visits every page
            boolean revokedBefore = g.revokeReturned().get();
            try {
                long value = readOne(g.region(), index, (int) (index % 4));
                if (revokedBefore || g == done) {
                    throw new AssertionError("a read that began after revoke() returned read " + value);
                }
                if (value != expected(g.number(), index)) {
                    throw new AssertionError("read " + value + " at index " + index + " of generation " + g.number()
                            + ", expected " + expected(g.number(), index));
                }
                succeeded.incrementAndGet();
                readsThisRound.incrementAndGet();
            } catch (SigBusException e) {
                if (!g.region().isRevoked()) {
                    throw new AssertionError("SigBusException before the revoke began", e);
                }
                if (g != done) {
                    (e.getCause() != null ? faultedOnTrap : refusedByFlag).incrementAndGet();
                }
                done = g; // and keep reading it: a stale read must keep meeting the trap, never a hole
            }
        }
    }

    /** One read of the long at {@code index} through a plain, volatile or acquire accessor. */
    private static long readOne(Region region, long index, int how) {
        long offset = index * 8;
        return switch (how) {
            case 0 -> region.getLong(offset);
            case 1 -> region.getLongVolatile(offset);
            case 2 -> region.getLongAcquire(offset);
            default -> (region.getInt(offset) & 0xFFFF_FFFFL) | ((long) region.getIntVolatile(offset + 4) << 32);
        };
    }

    /**
     * A revoked region that is still reachable keeps its blank past the quarantine: the range stays
     * mapped, is not a trap, and a read throws {@link SigBusException} without a fault, never
     * {@code SIGSEGV}. Only once the region is collected does the trap replace the blank (and go
     * after the quarantine). Without the gate (the trap queued at the revoke like any other) the
     * reaper unmapped the range after the quarantine: "released: null".
     */
    @Test
    void aReachableRevokedRegionKeepsItsBlankPastTheQuarantineAndIsTrappedOnlyOnceCollected() {
        // Held through a reference the test clears, not a local (an interpreted frame may keep a
        // dead local reachable).
        AtomicReference<Region> kept = new AtomicReference<>(Region.allocate("kept", 8192));
        assertTrue(kept.get().hasCountFreeReads(), kept.get()::toString);
        kept.get().putLong(4096, 7);
        long base = kept.get().base;
        CountFreeTrapRelease gate = kept.get().countFreeRelease();
        int gatedBefore = Region.trapStats().gated();
        kept.get().revoke();
        awaitQuarantineOver();
        assertNotNull(mapsAt(base), "the blank of a reachable revoked region was released: null");
        assertFalse(isTrap(base), "a reachable count-free region's range is a trap: " + mapsAt(base));
        assertEquals(gatedBefore + 1, Region.trapStats().gated(), Region.trapStats().toString());
        for (int i = 0; i < 1000; i++) {
            SigBusException refused = assertThrows(SigBusException.class, () -> kept.get().getLong(4096));
            assertEquals(null, refused.getCause(), refused::toString);
        }
        System.gc();
        assertFalse(gate.hasRun(), "the Cleaner ran while the region was reachable: " + gate);
        assertNotNull(mapsAt(base), "the blank of a reachable revoked region was released: null");
        kept.set(null);
        dropAndAwaitCollected(gate);
        assertTrue(gate.hasTrapped(), "the trap did not replace the blank of a collected region: " + gate);
        // Other tests' gated regions may be collected too: at least this one is gone from the count.
        assertTrue(Region.trapStats().gated() <= gatedBefore, Region.trapStats().toString());
    }

    /**
     * A count-free read is refused from the moment a counted one is: when the guard is revoked,
     * after the mapping listeners have run. A listener may still read through the region. With
     * the revoke's record ({@code isRevoked()}) as the flag, as first designed, the listener's read
     * threw (and UnmapRevokeRaceTest's invalidate end never saw the memory).
     */
    @Test
    void aMappingListenerStillReadsThroughTheCountFreeRegionDuringItsRevoke() {
        Region region = Region.allocate("listened", 4096);
        assertTrue(region.hasCountFreeReads(), region::toString);
        region.putLong(8, 9);
        Mapping mapping = region.map(0, 4096);
        AtomicLong seen = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        mapping.addListener((m, cause) -> {
            try {
                seen.set(region.getLong(8));
            } catch (RuntimeException e) {
                failed.set(e);
            }
        });
        region.revoke();
        assertEquals(null, failed.get(), "the listener's read through the region was refused");
        assertEquals(9, seen.get());
        assertThrows(SigBusException.class, () -> region.getLong(8));
    }

    /**
     * Early eviction (more traps than {@code maxTraps}) releases only queued traps: a gated blank
     * stays while its region is reachable. Without the rule the count-free region's range was
     * unmapped by the second arena revoke.
     */
    @Test
    void evictionNeverReleasesTheTrapOfAReachableCountFreeRegion() {
        int maxTraps = TrapMappings.maxTraps;
        Region region = Region.allocate("gated", 4096);
        assertTrue(region.hasCountFreeReads(), region::toString);
        try (MappedArena arena = MappedArena.anonymous("evicting", 16 * 4096L)) {
            region.revoke();
            TrapMappings.maxTraps = 1;
            for (int i = 0; i < 8; i++) {
                Region counted = arena.allocate("counted-" + i, 4096);
                counted.revoke(); // its trap is queued; beyond one, the oldest queued is evicted at once
            }
            assertNotNull(mapsAt(region.base), "eviction released a gated blank: null");
            assertFalse(isTrap(region.base), "a reachable count-free region's range is a trap: " + mapsAt(region.base));
            SigBusException refused = assertThrows(SigBusException.class, () -> region.getLongVolatile(0));
            assertEquals(null, refused.getCause(), refused::toString);
        } finally {
            TrapMappings.maxTraps = maxTraps;
        }
    }

    /**
     * The budget: past {@code maxCountFreeRegions} live count-free regions a new region counts;
     * a collected region gives its slot back. (Other tests' regions may be collected meanwhile;
     * then the check is repeated, bounded.)
     */
    @Test
    void theBudgetAdmitsUpToItsLimitAndCollectedRegionsGiveTheirSlotsBack() throws Exception {
        int limit = CountFreeTrapRelease.maxRegions;
        try {
            for (int attempt = 1; ; attempt++) {
                long collections = CountFreeTrapRelease.collections();
                int held = CountFreeTrapRelease.admitted();
                CountFreeTrapRelease.maxRegions = held + 2;
                Region first = Region.allocate("budget-1", 4096);
                Region second = Region.allocate("budget-2", 4096);
                Region past = Region.allocate("budget-3", 4096);
                if (CountFreeTrapRelease.collections() != collections && attempt < 5) {
                    List.of(first, second, past).forEach(Region::close);
                    continue; // a slot came back meanwhile: the count is not exact, try again
                }
                assertTrue(first.hasCountFreeReads() && second.hasCountFreeReads(), first + ", " + second);
                assertFalse(past.hasCountFreeReads(), "the region past the budget is count-free: " + past);
                assertEquals(held + 2, Region.trapStats().countFreeRegions(), Region.trapStats().toString());
                past.putLong(0, 3);
                assertEquals(3, past.getLong(0)); // a counted region reads like any other
                past.close();
                CountFreeTrapRelease slot = first.countFreeRelease();
                first.close();
                first = null; // unreachable from here: its slot comes back once the Cleaner has seen it
                dropAndAwaitCollected(slot);
                Region again = Region.allocate("budget-4", 4096);
                assertTrue(again.hasCountFreeReads(), "a collected region did not give its slot back: " + again);
                second.close();
                again.close();
                return;
            }
        } finally {
            CountFreeTrapRelease.maxRegions = limit;
        }
    }

    /**
     * File-backed regions and regions of an arena count every read: a reader's entries show in
     * the guard's {@code usersInFlight()}. A count-free region's never do.
     */
    @Test
    void fileBackedAndArenaRegionsStillCountTheirReads(@TempDir Path dir) throws Exception {
        try (MappedArena arena = MappedArena.anonymous("counting", 4096);
             Region file = Region.mapFile(dir.resolve("data.bin"), 0, 4096, true);
             Region carved = arena.allocate("carved", 4096);
             Region free = Region.allocate("free", 4096)) {
            assertFalse(file.hasCountFreeReads(), file::toString);
            assertFalse(carved.hasCountFreeReads(), carved::toString);
            assertTrue(free.hasCountFreeReads(), free::toString);
            long bound = TestTimeouts.await().toMillis();
            assertTrue(sawReadInFlight(file, bound), "no read of a file-backed region was ever in flight in its guard");
            assertTrue(sawReadInFlight(carved, bound), "no read of an arena's region was ever in flight in its guard");
            assertFalse(sawReadInFlight(free, 300), "a count-free read entered the guard");
        }
    }

    /** Whether sampling the guard while another thread reads in a loop ever sees a read inside it (bounded). */
    private static boolean sawReadInFlight(Region region, long samplingMillis) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sink = new AtomicLong();
        try (TestThreads reader = new TestThreads("reader-of-" + region.name())) {
            reader.start(() -> {
                long sum = 0;
                while (!stop.get()) {
                    for (int i = 0; i < 512; i++) {
                        sum += region.getLong(i * 8L);
                    }
                }
                sink.set(sum);
            });
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(samplingMillis);
            boolean seen = false;
            while (!seen && System.nanoTime() < until) {
                seen = region.guard.usersInFlight() > 0;
            }
            stop.set(true);
            reader.join();
            return seen;
        }
    }

    // -------------------------------------------------------------------------------------------

    /**
     * Waits, bounded, until a trap installed now has passed its quarantine: an arena's region
     * revoked now gets its extent back only then ({@code mmunotify.mmap.trapMillis} is a timer).
     */
    private static void awaitQuarantineOver() {
        try (MappedArena arena = MappedArena.anonymous("quarantine-clock", 4096)) {
            arena.allocate("tick", 4096).revoke();
            AtomicReference<Region> back = new AtomicReference<>();
            await(() -> {
                try {
                    back.set(arena.allocate("tock", 4096));
                    return true;
                } catch (IllegalStateException full) {
                    return false;
                }
            }, () -> "the arena's extent never came back from quarantine: " + arena.stats());
        }
    }

    /** Forces collections until the Cleaner has run {@code gate} (its region must be unreachable), bounded. */
    private static void dropAndAwaitCollected(CountFreeTrapRelease gate) {
        awaitCollected(List.of(gate));
    }

    private static void awaitCollected(List<CountFreeTrapRelease> gates) {
        assertTrue(GarbageCollections.collectUntil(() -> gates.stream().allMatch(CountFreeTrapRelease::hasRun)),
                () -> "the Cleaner never ran for " + gates.stream().filter(g -> !g.hasRun()).toList());
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> failure) {
        long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** Whether the page at {@code address} is mapped to the trap file, from {@code /proc/self/maps}. */
    private static boolean isTrap(long address) {
        String line = mapsAt(address);
        return line != null && line.contains("mmunotify-trap");
    }

    /** The line of {@code /proc/self/maps} whose range holds {@code address}, or null if it is a hole. */
    private static String mapsAt(long address) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                    return line;
                }
            }
            return null;
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/maps", e);
        }
    }

    @Test
    void mapsAtFindsAMappedPageAndNoHole() {
        try (Region region = Region.allocate("probe", 4096)) {
            assertNotNull(mapsAt(region.base), "a live region's page is not in /proc/self/maps");
            assertFalse(isTrap(region.base), mapsAt(region.base));
        }
    }
}
