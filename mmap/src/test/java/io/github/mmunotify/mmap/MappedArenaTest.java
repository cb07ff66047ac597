package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MappedArenaTest {
    @TempDir
    Path dir;

    @Test
    void regionsAreCarvedZeroedAndDisjoint() {
        try (MappedArena arena = MappedArena.anonymous("carve", 1 << 20)) {
            Region a = arena.allocate("a", 100);
            Region b = arena.allocate("b", 5000);
            assertEquals(100, a.length());
            a.putLong(92, -1);
            b.putLong(0, 2);
            assertEquals(-1, a.getLong(92));
            assertEquals(0, b.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> a.getLong(100));
            MappedArena.Stats stats = arena.stats();
            assertEquals(2, stats.liveRegions());
            assertEquals(4096 + 8192, stats.allocatedBytes());
            assertEquals((1 << 20) - 4096 - 8192, stats.freeBytes());
            assertTrue(arena.toString().contains("carve"), arena.toString());
        }
    }

    @Test
    void aFreedRegionIsRevokedAndItsExtentIsReusedZeroedAfterQuarantine() throws Exception {
        try (MappedArena arena = MappedArena.anonymous("reuse", 4 * 4096)) {
            List<Region> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Region region = arena.allocate("r" + i, 4096);
                region.putLong(0, 100 + i);
                all.add(region);
            }
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> arena.allocate("too-many", 1));
            assertTrue(full.getMessage().contains("full"), full.getMessage());
            arena.free(all.get(1));
            assertThrows(SigBusException.class, () -> all.get(1).getLong(0));
            assertEquals(4096, arena.stats().quarantinedBytes());
            // Quarantine is mmunotify.mmap.trapMillis (default 1 s); poll for the extent to come back.
            Region reused = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reused == null && System.nanoTime() < deadline) {
                try {
                    reused = arena.allocate("again", 4096);
                } catch (IllegalStateException notYet) {
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
            assertTrue(reused != null, "extent never came back from quarantine");
            assertEquals(0, reused.getLong(0), "reused extent is zeroed");
            assertEquals(102, all.get(2).getLong(0));
            assertThrows(IllegalArgumentException.class, () -> arena.free(Region.allocate("stranger", 8)));
        }
    }

    @Test
    void closeRevokesEveryRegionWithArenaClosedAndRefusesAllocation() {
        MappedArena arena = MappedArena.anonymous("closing", 1 << 20);
        List<Region> regions = new ArrayList<>();
        AtomicInteger told = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            Region region = arena.allocate("r" + i, 4096);
            region.putLong(0, i);
            Mapping mapping = region.map(0, 4096);
            mapping.addListener((m, cause) -> {
                assertEquals(UnmapCause.ARENA_CLOSED, cause);
                assertEquals(m.region().getLong(0), m.getLong(0));
                told.incrementAndGet();
            });
            regions.add(region);
        }
        arena.close();
        arena.close();
        assertTrue(arena.isClosed());
        assertEquals(10, told.get());
        for (Region region : regions) {
            SigBusException e = assertThrows(SigBusException.class, () -> region.getLong(0));
            assertTrue(e.reason().contains("arena 'closing' closed"), e.reason());
            assertTrue(region.isRevoked());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> arena.allocate("late", 8));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    /** Before Teardown the listener's close() joined the future its own close was to complete: a hang. */
    @Test
    void aCloseFromAListenerThatTheCloseRunsThrowsInsteadOfWaitingForItself() {
        MappedArena arena = MappedArena.anonymous("reentrant", 1 << 20);
        Region region = arena.allocate("r", 4096);
        Mapping mapping = region.map(0, 4096);
        AtomicReference<Throwable> inner = new AtomicReference<>();
        mapping.addListener((m, cause) -> {
            try {
                arena.close();
            } catch (Throwable t) {
                inner.set(t);
            }
        });
        arena.close();
        assertTrue(inner.get() instanceof IllegalStateException, String.valueOf(inner.get()));
        assertTrue(inner.get().getMessage().contains("arena 'reentrant'"), inner.get().getMessage());
        assertTrue(arena.isClosed());
        assertThrows(SigBusException.class, () -> region.getLong(0));
        arena.close(); // done: returns at once
    }

    @Test
    void closeWaitsForReadersOfAllRegionsAndRefusesFromAPinHolder() throws Exception {
        MappedArena arena = MappedArena.anonymous("readers", 1 << 20);
        Region region = arena.allocate("pinned", 4096);
        try (Pin pin = region.pin()) {
            assertThrows(IllegalStateException.class, arena::close);
            assertFalse(arena.isClosed());
            pin.putLong(0, 1);
        }
        CountDownLatch pinned = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("arena-reader")) {
            threads.start(() -> {
                try (Pin pin = region.pin()) {
                    pinned.countDown();
                    while (!pin.revokeRequested()) {
                        Thread.onSpinWait();
                    }
                    assertEquals(1, pin.getLong(0));
                }
            });
            assertTrue(pinned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            arena.close();
        }
        assertThrows(SigBusException.class, () -> region.getLong(0));
    }

    @Test
    void aFileBackedArenaKeepsItsDataAfterClose() throws Exception {
        Path file = dir.resolve("arena.bin");
        MappedArena arena = MappedArena.mapFile(file, 8 * 4096);
        Region first = arena.allocate("first", 4096);
        Region second = arena.allocate("second", 4096);
        first.putLong(0, 11);
        second.putLong(8, 22);
        arena.close();
        ByteBuffer onDisk = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        assertEquals(11, onDisk.getLong(0));
        assertEquals(22, onDisk.getLong(4096 + 8));
        assertNotEquals(0, Files.size(file));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> MappedArena.anonymous("zero", 0));
        try (MappedArena arena = MappedArena.anonymous("args", 4096)) {
            assertThrows(IllegalArgumentException.class, () -> arena.allocate("none", 0));
            assertThrows(NullPointerException.class, () -> arena.allocate(null, 8));
        }
    }

    /**
     * A regression: with the default limit, the 16,385th trap alive at once (16,384 frees within
     * one quarantine second) evicted the oldest trap and ran its release, another arena's restore,
     * under the freeing arena's lock; two arenas doing that to each other deadlocked. The limit is
     * lowered here so that every free evicts.
     */
    @Test
    void twoArenasEvictingEachOthersTrapsDoNotDeadlock() {
        int rounds = StressSize.of("arenaEvictRounds", 20_000);
        int previous = TrapMappings.maxTraps;
        TrapMappings.maxTraps = 4;
        MappedArena left = MappedArena.anonymous("evict-left", 1 << 20);
        MappedArena right = MappedArena.anonymous("evict-right", 1 << 20);
        try (TestThreads threads = new TestThreads("arena-evict", TestTimeouts.scaled(Duration.ofSeconds(20)))) {
            for (MappedArena arena : List.of(left, right)) {
                // Daemons: on the bug they stay deadlocked, and must not keep the test JVM alive.
                threads.startDaemon(() -> {
                    for (int i = 0; i < rounds; i++) {
                        arena.free(arena.allocate("r" + i, 4096));
                    }
                });
            }
        } finally {
            TrapMappings.maxTraps = previous;
        }
        // Not in a finally: after a deadlock, close would block on the lock the stuck thread holds.
        left.close();
        right.close();
    }

    /**
     * A regression: allocate zeroed a file-backed extent after publishing the region and
     * without entering its guard, so a concurrent close trapped the memory under the write: a raw
     * InternalError in the allocating thread (or a write into reused memory).
     */
    @Test
    void closeRacingTheZeroingOfAFileBackedAllocationWaitsForIt() throws Exception {
        int rounds = StressSize.of("arenaZeroRaceRounds", 30);
        for (int round = 0; round < rounds; round++) {
            MappedArena arena = MappedArena.mapFile(dir.resolve("zero-race-" + round + ".bin"), 32 << 20);
            CountDownLatch allocating = new CountDownLatch(1);
            int spins = round * 2000;
            try (TestThreads threads = new TestThreads("zero-race")) {
                threads.start(() -> {
                    allocating.countDown();
                    try {
                        Region region = arena.allocate("big", 16 << 20);
                        region.getLong(0); // a live or revoked region: either works or is SigBus
                    } catch (SigBusException revoked) { // an IllegalStateException: caught first
                        assertTrue(revoked.reason().contains("closed"), revoked.reason());
                    } catch (IllegalStateException closed) {
                        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
                    }
                });
                assertTrue(allocating.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait(); // jitter only: the outcome is asserted either way
                }
                arena.close();
            }
        }
    }
}
