package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.testing.StressSize;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Registration, unregistration and the interval sequence protocol racing invalidations. */
@Tag("stress")
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)
class NotifierRaceTest {

    /** Register/unregister rounds; raise with -Dmmunotify.test.raceRounds=... */
    private static final int RACE_ROUNDS = StressSize.of("raceRounds", 2_000);
    /** Unmap/remap rounds of the mirror test; raise with -Dmmunotify.test.mirrorRounds=... */
    private static final int MIRROR_ROUNDS = StressSize.of("mirrorRounds", 3_000);

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("race", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        mmu.close();
        region.close();
    }

    /**
     * A subscriber that checks, on every callback, that it is not called after it was declared
     * dead, and that every start it accepted gets exactly one end.
     */
    private static final class CheckingSubscriber implements MmuNotifier {
        final Set<InvalidationRange> open = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
        final AtomicInteger running = new AtomicInteger();
        final List<String> problems;
        volatile boolean dead;

        CheckingSubscriber(List<String> problems) {
            this.problems = problems;
        }

        private void enter(String what) {
            running.incrementAndGet();
            if (dead) {
                problems.add(what + " called after unregister returned");
            }
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            enter("start");
            if (!open.add(range)) {
                problems.add("start twice for " + range);
            }
            running.decrementAndGet();
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            enter("end");
            if (!open.remove(range)) {
                problems.add("end without start (half a walk) for " + range);
            }
            running.decrementAndGet();
        }

        @Override
        public void release(AddressSpace released) {
            enter("release");
            running.decrementAndGet();
        }
    }

    @Test
    void registerAndUnregisterRacingInvalidationsNeverSeeHalfAWalkOrALateCallback() throws Exception {
        registerAndUnregisterRacingInvalidations(threads);
    }

    @Test
    void registerAndUnregisterRacingInvalidationsOnVirtualThreads() throws Exception {
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            registerAndUnregisterRacingInvalidations(virtual);
        }
    }

    private void registerAndUnregisterRacingInvalidations(ExecutorService invalidatorThreads) throws Exception {
        List<Mapping> mappings = List.of(space.map(region, 0, PAGE), space.map(region, PAGE, PAGE));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong invalidations = new AtomicLong();
        List<CompletableFuture<Void>> invalidators = new ArrayList<>();
        for (Mapping mapping : mappings) {
            invalidators.add(CompletableFuture.runAsync(() -> {
                boolean writable = false;
                while (!stop.get()) {
                    space.protect(mapping.address(), PAGE, writable);
                    writable = !writable;
                    invalidations.incrementAndGet();
                }
            }, invalidatorThreads));
        }
        List<String> problems = new CopyOnWriteArrayList<>();
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                CheckingSubscriber subscriber = new CheckingSubscriber(problems);
                space.register(subscriber);
                if (round % 2 == 0) {
                    space.unregister(subscriber);
                } else {
                    // The seed's path: no release, no wait; the SRCU barrier stands in for the wait.
                    CountDownLatch freed = new CountDownLatch(1);
                    space.unregisterNoRelease(subscriber);
                    mmu.callSrcu(freed::countDown);
                    mmu.barrier();
                    assertEquals(0, freed.getCount());
                }
                if (subscriber.running.get() != 0) {
                    problems.add("round " + round + ": unregister returned while a callback was running");
                }
                if (!subscriber.open.isEmpty()) {
                    problems.add("round " + round + ": start without end for " + subscriber.open);
                }
                subscriber.dead = true;
                if (problems.size() > 10) {
                    break;
                }
            }
        } finally {
            stop.set(true);
        }
        for (CompletableFuture<Void> invalidator : invalidators) {
            invalidator.get(30, SECONDS);
        }
        assertEquals(List.of(), problems);
        assertTrue(invalidations.get() > 0);
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void unregisterDoesNotReturnWhileACallbackOfItsSubscriberRuns() throws Exception {
        Mapping mapping = space.map(region, 0, PAGE);
        BlockingSubscriber slow = new BlockingSubscriber();
        space.register(slow);
        CompletableFuture<Integer> unmap = CompletableFuture.supplyAsync(() -> space.unmap(mapping.address(), PAGE), threads);
        assertTrue(slow.awaitInStart());
        CompletableFuture<Boolean> unregister = CompletableFuture.supplyAsync(() -> {
            space.unregister(slow);
            return slow.ended();
        }, threads);
        IntervalNotifierTest.awaitWaiting(unregister, "unregister");
        assertFalse(unregister.isDone(), "unregister returned while the subscriber's callback was blocked");
        slow.letGo();
        assertTrue(unregister.get(30, SECONDS), "unregister returned before the subscriber's end callback");
        assertEquals(1, unmap.get(30, SECONDS));
    }

    /**
     * A device mirrors one page of the space with the readBegin/readRetry pattern while another
     * thread unmaps and remaps the page. The device checks, under its lock, that its mirror never
     * holds a mapping that has been unmapped; the changer checks after every unmap that the mirror
     * no longer holds the old mapping.
     */
    @Test
    void theSequenceRetryPatternNeverLetsAMirrorKeepAnInvalidatedPage() throws Exception {
        sequenceRetryMirror(threads);
    }

    @Test
    void theSequenceRetryPatternHoldsForADeviceOnAVirtualThread() throws Exception {
        try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            sequenceRetryMirror(virtual);
        }
    }

    private void sequenceRetryMirror(ExecutorService deviceThreads) throws Exception {
        long address = 0x100000;
        Object deviceLock = new Object();
        Mapping[] mirror = new Mapping[1];
        long[] mirroredValue = new long[1];
        AtomicLong faults = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        List<String> problems = new CopyOnWriteArrayList<>();
        IntervalNotifier interval = space.insert(address, PAGE, (self, range, seq) -> {
            synchronized (deviceLock) {
                self.setSequence(seq);
                mirror[0] = null;
            }
            return true;
        });
        Mapping first = space.mapAt(address, region, 0, PAGE);
        first.putLong(0, 0);
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> device = CompletableFuture.runAsync(() -> {
            while (!stop.get()) {
                long seq = interval.readBegin();
                Mapping current = space.find(address);
                if (current == null) {
                    Thread.onSpinWait();
                    continue;
                }
                long value;
                try {
                    value = current.getLong(0);
                } catch (SigBusException unmappedUnderUs) {
                    continue;
                }
                synchronized (deviceLock) {
                    if (interval.readRetry(seq)) {
                        retries.incrementAndGet();
                        continue;
                    }
                    mirror[0] = current;
                    mirroredValue[0] = value;
                    faults.incrementAndGet();
                    // "DMA": the device reads its mirror, which must still be mapped.
                    if (mirror[0].isUnmapped()) {
                        problems.add("device mirrors an unmapped page " + mirror[0]);
                    }
                }
            }
        }, deviceThreads);
        try {
            Mapping current = first;
            for (int round = 1; round <= MIRROR_ROUNDS && problems.isEmpty(); round++) {
                if (round % 2 == 0) {
                    long before = faults.get();
                    long deadline = System.nanoTime() + SECONDS.toNanos(10);
                    while (faults.get() == before && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
                space.unmap(address, PAGE);
                synchronized (deviceLock) {
                    if (mirror[0] == current) {
                        problems.add("round " + round + ": mirror kept the unmapped page " + current);
                    }
                }
                current = space.mapAt(address, region, 0, PAGE);
                current.putLong(0, round);
            }
        } finally {
            stop.set(true);
        }
        device.get(30, SECONDS);
        assertEquals(List.of(), problems);
        assertTrue(faults.get() >= MIRROR_ROUNDS / 2, "the device faulted the page in at least every other round");
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void insertAndRemoveRacingInvalidationsNeverCallARemovedInterval() throws Exception {
        Mapping mapping = space.map(region, 0, PAGE);
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> invalidator = CompletableFuture.runAsync(() -> {
            boolean writable = false;
            while (!stop.get()) {
                space.protect(mapping.address(), PAGE, writable);
                writable = !writable;
            }
        }, threads);
        List<String> problems = new CopyOnWriteArrayList<>();
        try {
            for (int round = 0; round < RACE_ROUNDS && problems.isEmpty(); round++) {
                AtomicBoolean removed = new AtomicBoolean();
                int r = round;
                IntervalNotifier interval = space.insert(mapping.address(), PAGE, (self, range, seq) -> {
                    self.setSequence(seq);
                    if (removed.get()) {
                        problems.add("round " + r + ": callback after remove returned");
                    }
                    return true;
                });
                long seq = interval.readBegin();
                interval.readRetry(seq);
                interval.remove();
                removed.set(true);
            }
        } finally {
            stop.set(true);
        }
        invalidator.get(30, SECONDS);
        assertEquals(List.of(), problems);
        assertEquals(0, space.stats().intervals());
    }
}
