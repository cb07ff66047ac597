package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MmuTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("mmu-test", failures);
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    @Test
    void barrierWaitsForEveryQueuedFreeFromEverySpace() {
        AtomicInteger freed = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            mmu.callSrcu(freed::incrementAndGet);
        }
        mmu.barrier();
        assertEquals(100, freed.get());
        assertEquals(0, mmu.stats().freesPending());
        assertTrue(mmu.stats().gracePeriods() > 0);
    }

    /** The pre-0.1.0 name still works: it is the same barrier, and it refuses the same misuse. */
    @Test
    @SuppressWarnings("removal")
    void deprecatedSynchronizeIsTheBarrier() throws Exception {
        AtomicInteger freed = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            mmu.callSrcu(freed::incrementAndGet);
        }
        mmu.synchronize();
        assertEquals(100, freed.get());
        CompletableFuture<Throwable> inside = new CompletableFuture<>();
        mmu.callSrcu(() -> inside.complete(MmuNotifierTest.catchThrowable(mmu::synchronize)));
        assertTrue(inside.get(30, TimeUnit.SECONDS) instanceof IllegalStateException);
    }

    @Test
    void callsThatWouldWaitForTheQueueThrowInsideAQueuedFree() throws Exception {
        CompletableFuture<Throwable> fromBarrier = new CompletableFuture<>();
        CompletableFuture<Throwable> fromClose = new CompletableFuture<>();
        mmu.callSrcu(() -> {
            fromBarrier.complete(MmuNotifierTest.catchThrowable(mmu::barrier));
            fromClose.complete(MmuNotifierTest.catchThrowable(mmu::close));
        });
        assertTrue(fromBarrier.get(30, TimeUnit.SECONDS) instanceof IllegalStateException);
        assertTrue(fromClose.get(30, TimeUnit.SECONDS) instanceof IllegalStateException);
        assertFalse(mmu.isClosed());
        assertThrows(NullPointerException.class, () -> mmu.callSrcu(null));
    }

    @Test
    void statsAndToStringShowWhatIsInside() {
        AddressSpace first = mmu.createAddressSpace("first");
        AddressSpace second = mmu.createAddressSpace("second");
        Mapping mapping = first.map(region, 0, 4096);
        first.register(new Recorder("r"));
        first.insert(mapping.address(), 4096, (self, range, seq) -> {
            self.setSequence(seq);
            return true;
        });
        first.protect(mapping.address(), 4096, false);
        assertEquals(InvalidationOutcome.DONE, first.tryProtect(mapping.address(), 4096, true));
        AddressSpace.Stats stats = first.stats();
        assertEquals(1, stats.mappings());
        assertEquals(1, stats.subscribers());
        assertEquals(1, stats.intervals());
        assertEquals(2, stats.invalidations());
        assertEquals(0, stats.retries());
        assertEquals(0, stats.intervalSequence() & 1, "no invalidation in progress");
        Mmu.Stats total = mmu.stats();
        assertEquals(2, total.addressSpaces());
        assertEquals(2, total.invalidations());
        assertEquals(List.of("first", "second"), mmu.addressSpaces().stream().map(AddressSpace::name).sorted().toList());
        assertTrue(first.toString().contains("first") && first.toString().contains("subscribers=1"), first.toString());
        assertTrue(mmu.toString().contains("mmu-test"), mmu.toString());
        second.close();
        assertEquals(1, mmu.stats().addressSpaces());
        assertTrue(failures.reported.isEmpty());
    }

    @Test
    void closingTheMmuClosesEverySpaceAndUnmapsTheirMappings() {
        AddressSpace space = mmu.createAddressSpace("space");
        Mapping mapping = space.map(region, 0, 4096);
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        mmu.close();
        assertTrue(space.isClosed());
        assertTrue(mapping.isUnmapped());
        assertEquals(1, recorder.releases.size());
        space.unregister(recorder);
        mmu.close();
        assertTrue(mmu.isClosed());
    }
}
