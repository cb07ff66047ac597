package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * At the notifier level: {@code Mapping.unmap()} racing {@code Region.revoke()}
 * on a mapping of an address space. Whichever call returns, every subscriber has seen the
 * invalidation start and end, and both ran while the memory was still mapped (a device mirror never
 * outlives the memory). Before the fix, a revoke that lost the mapping to the unmap released the
 * memory while the unmap's listener was still running the invalidation.
 */
class UnmapRevokeRaceTest {

    @Test
    void subscribersSeeStartAndEndOnMappedMemoryBeforeEitherCallReturns() throws Exception {
        int rounds = StressSize.of("notifierUnmapRevokeRounds", 300);
        Failures failures = new Failures();
        try (Mmu mmu = Mmu.create("unmap-revoke", failures)) {
            AddressSpace space = mmu.createAddressSpace("space");
            for (int round = 0; round < rounds; round++) {
                Region region = Region.allocate("race-" + round, 4096);
                Mapping mapping = space.map(region, 0, 4096);
                long value = 1000 + round;
                mapping.putLong(0, value);
                AtomicInteger starts = new AtomicInteger();
                AtomicInteger ends = new AtomicInteger();
                AtomicInteger mappedInStart = new AtomicInteger();
                AtomicInteger mappedInEnd = new AtomicInteger();
                MmuNotifier mirror = new MmuNotifier() {
                    @Override
                    public boolean invalidateRangeStart(InvalidationRange range) {
                        if (range.contains(mapping.address())) {
                            // A device copying its mirror back: many reads widen the race window.
                            for (int i = 0; i < 1000; i++) {
                                if (mapping.getLong(0) != value) {
                                    return true;
                                }
                            }
                            mappedInStart.incrementAndGet();
                            starts.incrementAndGet();
                        }
                        return true;
                    }

                    @Override
                    public void invalidateRangeEnd(InvalidationRange range) {
                        if (range.contains(mapping.address())) {
                            if (region.getLong(0) == value) {
                                mappedInEnd.incrementAndGet();
                            }
                            ends.incrementAndGet();
                        }
                    }
                };
                space.register(mirror);
                CyclicBarrier start = new CyclicBarrier(2);
                String context = "round " + round;
                try (TestThreads threads = new TestThreads("unmap-revoke")) {
                    threads.start(() -> {
                        start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        mapping.unmap();
                        assertSawInvalidation(context + ", after Mapping.unmap()", starts, ends);
                    });
                    threads.start(() -> {
                        start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        region.revoke();
                        assertSawInvalidation(context + ", after Region.revoke()", starts, ends);
                    });
                }
                space.unregister(mirror);
                assertEquals(1, mappedInStart.get(), context + ": the start did not see the memory mapped");
                assertEquals(1, mappedInEnd.get(), context + ": the end did not see the memory mapped");
            }
            assertTrue(failures.reported.isEmpty(), () -> "callback failures: " + failures.reported);
        }
    }

    /**
     * {@code AddressSpace.unmap()} has claimed two mappings and is inside the unmap of the first
     * (held there by a listener) when {@code Region.revoke()} of the second's region wins that
     * mapping. The revoke must not release the memory, nor return, before the unmap's invalidate
     * end has run on mapped memory. Before the fix the space's listener returned at once (the
     * range was already claimed), so the revoke ran to completion with the end still to come.
     */
    @Test
    void aRevokeOfAMappingAnUnmapHasClaimedWaitsForThatUnmapsEnd() throws Exception {
        Failures failures = new Failures();
        try (Mmu mmu = Mmu.create("claimed-then-revoked", failures)) {
            AddressSpace space = mmu.createAddressSpace("space");
            Region first = Region.allocate("first", 4096);
            Region second = Region.allocate("second", 4096);
            Mapping held = space.map(first, 0, 4096);
            Mapping revoked = space.map(second, 0, 4096);
            assertTrue(held.address() < revoked.address(), "the unmap must reach 'held' first");
            second.putLong(0, 42);
            AtomicInteger ends = new AtomicInteger();
            AtomicInteger mappedInEnd = new AtomicInteger();
            space.register(new MmuNotifier() {
                @Override
                public void invalidateRangeEnd(InvalidationRange range) {
                    if (range.contains(revoked.address())) {
                        if (second.getLong(0) == 42) { // throws SigBusException once revoked
                            mappedInEnd.incrementAndGet();
                        }
                        ends.incrementAndGet();
                    }
                }
            });
            CountDownLatch revokePastTheSpace = new CountDownLatch(1);
            CountDownLatch revokeReturned = new CountDownLatch(1);
            AtomicLong endsWhenTheRevokeReturned = new AtomicLong(-1);
            // Added after the space's own listener, so called after it: the revoke got past the space.
            revoked.addListener((m, cause) -> revokePastTheSpace.countDown());
            try (TestThreads threads = new TestThreads("claimed-then-revoked")) {
                held.addListener((m, cause) -> {
                    // On the unmap's thread, both mappings claimed, before its invalidate end.
                    threads.start(() -> {
                        second.revoke();
                        endsWhenTheRevokeReturned.set(ends.get());
                        revokeReturned.countDown();
                    });
                    try {
                        if (revokePastTheSpace.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS)) {
                            // The revoke did not wait for this unmap: let it finish, to see it return early.
                            revokeReturned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertEquals(2, space.unmap(held.address(), revoked.address() + 4096 - held.address()));
                assertTrue(revokeReturned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            }
            assertEquals(1, endsWhenTheRevokeReturned.get(), "Region.revoke() returned before the unmap's invalidate end");
            assertEquals(1, mappedInEnd.get(), "the unmap's invalidate end ran after the memory was released");
            assertTrue(second.isRevoked());
            assertTrue(failures.reported.isEmpty(), () -> "callback failures: " + failures.reported);
        }
    }

    /**
     * {@code AddressSpace.unmap()} racing {@code Region.revoke()} of the same mapping, repeated: both
     * return (the revoke's wait for a claiming unmap never deadlocks with that unmap's wait for the
     * revoke's listeners), and every start a subscriber saw got its end.
     */
    @Test
    void aSpaceUnmapRacingARegionRevokeNeverDeadlocksAndEndsEveryStart() throws Exception {
        int rounds = StressSize.of("notifierSpaceUnmapRevokeRounds", 300);
        Failures failures = new Failures();
        try (Mmu mmu = Mmu.create("space-unmap-revoke", failures)) {
            AddressSpace space = mmu.createAddressSpace("space");
            AtomicInteger starts = new AtomicInteger();
            AtomicInteger ends = new AtomicInteger();
            space.register(new MmuNotifier() {
                @Override
                public boolean invalidateRangeStart(InvalidationRange range) {
                    starts.incrementAndGet();
                    return true;
                }

                @Override
                public void invalidateRangeEnd(InvalidationRange range) {
                    ends.incrementAndGet();
                }
            });
            for (int round = 0; round < rounds; round++) {
                Region region = Region.allocate("space-race-" + round, 4096);
                Mapping mapping = space.map(region, 0, 4096);
                CyclicBarrier start = new CyclicBarrier(2);
                try (TestThreads threads = new TestThreads("space-unmap-revoke-" + round)) {
                    threads.start(() -> {
                        start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        space.unmap(mapping.address(), 4096);
                    });
                    threads.start(() -> {
                        start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                        region.revoke();
                    });
                }
                assertTrue(mapping.isUnmapped());
                assertTrue(space.mappings().isEmpty(), "round " + round);
                assertEquals(starts.get(), ends.get(), "round " + round + ": a start without its end");
            }
            assertTrue(failures.reported.isEmpty(), () -> "callback failures: " + failures.reported);
        }
    }

    private static void assertSawInvalidation(String when, AtomicInteger starts, AtomicInteger ends) {
        assertEquals(1, starts.get(), when + ": invalidate start not (or not once) seen");
        assertEquals(1, ends.get(), when + ": invalidate end not (or not once) seen");
    }
}
