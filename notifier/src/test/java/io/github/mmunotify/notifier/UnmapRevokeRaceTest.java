package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, defect 7 at the notifier level: {@code Mapping.unmap()} racing {@code Region.revoke()}
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

    private static void assertSawInvalidation(String when, AtomicInteger starts, AtomicInteger ends) {
        assertEquals(1, starts.get(), when + ": invalidate start not (or not once) seen");
        assertEquals(1, ends.get(), when + ": invalidate end not (or not once) seen");
    }
}
