package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TeardownTest {

    /** Rounds of the concurrent seed scenario; raise with -Dmmunotify.test.seedRounds=... */
    private static final int SEED_ROUNDS = StressSize.of("seedRounds", 200);

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    @Test
    void closeInvalidatesIntervalsFirstReleasesOnceUnmapsAndRefusesNewWork() {
        AddressSpace space = mmu.createAddressSpace("space");
        Mapping mapping = space.map(region, 0, 4096);
        mapping.putLong(0, 5);
        List<String> log = new CopyOnWriteArrayList<>();
        space.insert(mapping.address(), 4096, (self, range, seq) -> {
            self.setSequence(seq);
            log.add("interval:" + range.event() + ":" + range.start() + "-" + range.end());
            return true;
        });
        space.register(new Recorder("list", log) {
            @Override
            public void release(AddressSpace released) {
                super.release(released);
                log.add("mapping readable in release: " + mapping.getLong(0));
            }
        });
        space.close();
        assertEquals(List.of("interval:RELEASE:0-" + Long.MAX_VALUE, "list:start:RELEASE", "list:release",
                "mapping readable in release: 5", "list:end:RELEASE"), log);
        assertThrows(SigBusException.class, () -> mapping.getLong(0));
        assertTrue(space.mappings().isEmpty());
        assertThrows(IllegalStateException.class, () -> space.register(new Recorder("late")));
        assertThrows(IllegalStateException.class, () -> space.insert(0, 10, (i, r, s) -> true));
        assertThrows(IllegalStateException.class, () -> space.map(region, 0, 10));
        space.close();
        assertEquals(5, log.size(), "a second close does nothing");
        assertFalse(mmu.addressSpaces().contains(space));
    }

    @Test
    void aThrowingCallbackDoesNotStopTheTeardown() {
        AddressSpace space = mmu.createAddressSpace("space");
        Mapping mapping = space.map(region, 0, 4096);
        List<String> log = new CopyOnWriteArrayList<>();
        space.register(new MmuNotifier() {
            @Override
            public void release(AddressSpace released) {
                throw new IllegalStateException("release failed");
            }

            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                throw new IllegalStateException("start failed");
            }
        });
        space.register(new Recorder("second", log));
        space.close();
        assertEquals(List.of("second:start:RELEASE", "second:release", "second:end:RELEASE"), log);
        assertTrue(mapping.isUnmapped());
        assertTrue(space.isClosed());
        assertEquals(2, failures.reported.size());
    }

    @Test
    void unregisterRacingCloseReleasesExactlyOnce() throws Exception {
        for (int round = 0; round < 50; round++) {
            AddressSpace space = mmu.createAddressSpace("space-" + round);
            AtomicInteger releases = new AtomicInteger();
            MmuNotifier subscriber = new MmuNotifier() {
                @Override
                public void release(AddressSpace released) {
                    releases.incrementAndGet();
                }
            };
            space.register(subscriber);
            CountDownLatch go = new CountDownLatch(1);
            try (TestThreads unregistering = new TestThreads("unregister-vs-close-" + round)) {
                unregistering.start(() -> {
                    awaitQuietly(go);
                    space.unregister(subscriber);
                });
                go.countDown();
                space.close();
            }
            assertEquals(1, releases.get(), "round " + round);
        }
    }

    /**
     * The seed's scenario (mmu_notifier_call_srcu): a driver bound to the address space's lifetime
     * unregisters itself without release inside release and frees itself through callSrcu; after
     * Mmu.barrier() the free has run, and no callback of the driver ran after the free.
     */
    @Test
    void seedScenarioReleaseUnregistersWithoutReleaseAndFreesThroughCallSrcu() {
        AddressSpace space = mmu.createAddressSpace("space");
        Driver driver = new Driver(mmu);
        space.register(driver);
        Mapping mapping = space.map(region, 0, 4096);
        space.protect(mapping.address(), 4096, false);
        space.close();
        assertTrue(driver.released);
        assertFalse(space.isRegistered(driver), "release unregistered the driver");
        mmu.barrier();
        assertTrue(driver.freed, "Mmu.barrier returned before the queued free ran");
        assertEquals(0, driver.callbacksAfterFree.get());
        assertTrue(driver.callbacks.get() >= 3, "the driver saw the protection change and the release");
    }

    @Test
    void seedScenarioUnderConcurrentInvalidations() throws Exception {
        List<String> problems = new CopyOnWriteArrayList<>();
        for (int round = 0; round < SEED_ROUNDS; round++) {
            AddressSpace space = mmu.createAddressSpace("space-" + round);
            List<Mapping> mappings = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                mappings.add(space.map(region, i * 4096L, 4096));
            }
            Driver driver = new Driver(mmu);
            space.register(driver);
            CountDownLatch started = new CountDownLatch(2);
            TestThreads invalidators = new TestThreads("invalidators-" + round);
            for (Mapping mapping : mappings) {
                invalidators.start(() -> {
                    started.countDown();
                    boolean writable = false;
                    while (!space.isClosed()) {
                        try {
                            space.protect(mapping.address(), 4096, writable);
                            writable = !writable;
                        } catch (IllegalArgumentException unmappedByClose) {
                            return;
                        }
                    }
                });
            }
            assertTrue(started.await(TestTimeouts.await().toMillis(), MILLISECONDS));
            space.close();
            mmu.barrier();
            if (!driver.freed) {
                problems.add("round " + round + ": free had not run when barrier returned");
            }
            invalidators.close();
            if (driver.callbacksAfterFree.get() != 0) {
                problems.add("round " + round + ": " + driver.callbacksAfterFree.get() + " callbacks after the free");
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    /** A driver whose object is "freed" (poisoned) by an SRCU callback queued from release. */
    private static final class Driver implements MmuNotifier {
        private final Mmu mmu;
        volatile boolean released;
        volatile boolean freed;
        final AtomicLong callbacks = new AtomicLong();
        final AtomicLong callbacksAfterFree = new AtomicLong();

        Driver(Mmu mmu) {
            this.mmu = mmu;
        }

        private void touch() {
            callbacks.incrementAndGet();
            if (freed) {
                callbacksAfterFree.incrementAndGet();
            }
        }

        @Override
        public void release(AddressSpace space) {
            touch();
            released = true;
            space.unregisterNoRelease(this);
            mmu.callSrcu(this::free);
        }

        private void free() {
            freed = true;
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            touch();
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            touch();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(TestTimeouts.await().toMillis(), MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
