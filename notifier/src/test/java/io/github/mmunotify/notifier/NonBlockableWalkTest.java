package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.Pin;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel's rule for a refused non-blockable invalidation (mn_hlist_invalidate_range_start):
 * every start is called, every subscriber that accepted is ended, the refuser is not, nothing
 * changes, TRY_AGAIN; a refuser that did not declare {@link MmuNotifier#mayRefuse} is reported.
 */
class NonBlockableWalkTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /** Refuses every non-blockable start; declares it or not. */
    private MmuNotifier refuser(String name, boolean declares) {
        return new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                log.add(name + ":start:" + range.event());
                return range.blockable();
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add(name + ":end:" + range.event());
            }

            @Override
            public boolean mayRefuse() {
                return declares;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void theMiddleRefusesEveryStartIsCalledTheOthersAreEndedNothingChanges() {
        space.register(new Recorder("first", log));
        space.register(refuser("middle", true));
        space.register(new Recorder("third", log));
        Mapping mapping = space.map(region, 0, 4096);

        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertEquals(List.of("first:start:UNMAP", "middle:start:UNMAP", "third:start:UNMAP",
                "first:end:UNMAP", "third:end:UNMAP"), log);
        assertFalse(mapping.isUnmapped(), "the change was skipped");
        assertSame(mapping, space.find(mapping.address()));

        log.clear();
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryProtect(mapping.address(), 4096, false));
        assertEquals(List.of("first:start:PROTECTION_CHANGE", "middle:start:PROTECTION_CHANGE",
                "third:start:PROTECTION_CHANGE", "first:end:PROTECTION_CHANGE", "third:end:PROTECTION_CHANGE"), log);
        assertTrue(mapping.isWritable(), "the change was skipped");

        assertEquals(2, space.stats().retries());
        assertEquals(0, space.stats().invalidations());
        assertTrue(failures.reported.isEmpty(), "a declared refusal is no misuse: " + failures.reported);
    }

    @Test
    void aRefuserAtEitherEndStillLetsEveryOtherStartAndEndRun() {
        space.register(refuser("head", true));
        space.register(new Recorder("mid", log));
        space.register(refuser("tail", true));
        Mapping mapping = space.map(region, 0, 4096);
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertEquals(List.of("head:start:UNMAP", "mid:start:UNMAP", "tail:start:UNMAP", "mid:end:UNMAP"), log);
        assertFalse(mapping.isUnmapped());
    }

    @Test
    void refusersInDifferentLeavesAmongEmptySlotsGetNoEndEveryOtherStartedSubscriberDoes() {
        // 150 slots span three 64-slot leaves; refusers in the first and the second leaf; every
        // tenth subscriber removed (empty slots, fewer than half: no compaction).
        List<String> expectedStarts = new ArrayList<>();
        List<String> expectedEnds = new ArrayList<>();
        List<MmuNotifier> removed = new ArrayList<>();
        for (int slot = 0; slot < 150; slot++) {
            String name = "s" + slot;
            boolean refuses = slot == 5 || slot == 100;
            MmuNotifier subscriber = refuses ? refuser(name, true) : new Recorder(name, log);
            space.register(subscriber);
            if (slot % 10 == 3) {
                removed.add(subscriber);
                continue;
            }
            expectedStarts.add(name + ":start:UNMAP");
            if (!refuses) {
                expectedEnds.add(name + ":end:UNMAP");
            }
        }
        for (MmuNotifier subscriber : removed) {
            space.unregister(subscriber);
        }
        log.clear(); // the removed recorders' releases
        Mapping mapping = space.map(region, 0, 4096);

        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        List<String> expected = new ArrayList<>(expectedStarts);
        expected.addAll(expectedEnds);
        assertEquals(expected, log);
        assertFalse(mapping.isUnmapped(), "the change was skipped");

        log.clear();
        assertEquals(1, space.unmap(mapping.address(), 4096), "a blockable unmap is not refused");
        assertEquals(2 * expectedStarts.size(), log.size(), "every subscriber started and ended: " + log);
        assertTrue(mapping.isUnmapped());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void anUndeclaredRefusalIsReportedAsMisuseAndStillCounts() {
        space.register(new Recorder("first", log));
        space.register(refuser("sneaky", false));
        Mapping mapping = space.map(region, 0, 4096);
        long before = space.stats().callbackFailures();

        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertFalse(mapping.isUnmapped(), "the refusal counts");
        assertEquals(List.of("first:start:UNMAP", "sneaky:start:UNMAP", "first:end:UNMAP"), log);
        assertEquals(1, failures.reported.size());
        String message = failures.reported.getFirst().getMessage();
        assertTrue(message.contains("sneaky") && message.contains("mayRefuse"), message);
        assertEquals(before + 1, space.stats().callbackFailures());
    }

    @Test
    void aMayRefuseThatThrowsIsReportedAndTheRefusalStillCounts() {
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                return false;
            }

            @Override
            public boolean mayRefuse() {
                throw new IllegalStateException("boom");
            }
        });
        Mapping mapping = space.map(region, 0, 4096);
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertFalse(mapping.isUnmapped());
        assertEquals(2, failures.reported.size(), "mayRefuse threw, and the undeclared refusal");
    }

    // ---------------------------------------------------------------------------------------------
    // A non-blockable change never waits on a drain

    /** Awaits {@code latch} within the scaled bound, failing the test instead of hanging. */
    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(TestTimeouts.await().toNanos(), TimeUnit.NANOSECONDS), what);
    }

    @Test
    void aTryUnmapDoesNotWaitForARegionRevokeHeldByAPin() throws Exception {
        Mapping mapping = space.map(region, 0, 4096);
        CountDownLatch pinned = new CountDownLatch(1);
        CountDownLatch revoking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // Added after the space's own listener: when it runs, the space has let the mapping go.
        mapping.addListener((m, cause) -> revoking.countDown());
        try (TestThreads threads = new TestThreads("revoke held by a pin")) {
            threads.start(() -> {
                try (Pin pin = region.pin()) {
                    pinned.countDown();
                    await(release, "the test releases the pin");
                    assertTrue(pin.isOpen(), "the pin holds the region until the test releases it");
                }
            });
            await(pinned, "the reader pinned the region");
            threads.start(region::revoke); // drains the pin: blocks until release
            await(revoking, "the revoke reached the mapping");
            AtomicReference<InvalidationOutcome> outcome = new AtomicReference<>();
            try {
                Bounded.completes("tryUnmap during a revoke's drain",
                        () -> outcome.set(space.tryUnmap(mapping.address(), 4096)));
            } finally {
                release.countDown();
            }
            assertEquals(InvalidationOutcome.DONE, outcome.get(), "the revoke owns the mapping: nothing left here");
        }
        assertTrue(mapping.isUnmapped());
    }

    @Test
    void aTryUnmapDoesNotWaitForABlockableUnmapHeldInsideItsWalk() throws Exception {
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                if (range.blockable()) {
                    inStart.countDown();
                    try {
                        await(release, "the test releases the blocking start");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return true;
            }
        });
        Mapping mapping = space.map(region, 0, 4096);
        int[] unmappedByBlocking = {-1};
        try (TestThreads threads = new TestThreads("blockable unmap held in its start")) {
            threads.start(() -> unmappedByBlocking[0] = space.unmap(mapping.address(), 4096));
            await(inStart, "the blockable unmap is inside its start");
            AtomicReference<InvalidationOutcome> outcome = new AtomicReference<>();
            try {
                Bounded.completes("tryUnmap while a blockable unmap's walk is held",
                        () -> outcome.set(space.tryUnmap(mapping.address(), 4096)));
            } finally {
                release.countDown();
            }
            assertEquals(InvalidationOutcome.DONE, outcome.get());
            assertTrue(mapping.isUnmapped(), "the tryUnmap made the change without waiting");
        }
        assertEquals(0, unmappedByBlocking[0], "the tryUnmap claimed the mapping first");
    }
}
