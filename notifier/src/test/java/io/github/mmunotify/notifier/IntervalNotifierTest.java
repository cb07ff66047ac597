package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IntervalNotifierTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        mmu.close();
        region.close();
    }

    /** The callback of the kernel pattern: set the sequence under the driver lock, log the range. */
    private static IntervalCallback logging(Object lock, List<String> log, String name) {
        return (interval, range, seq) -> {
            synchronized (lock) {
                interval.setSequence(seq);
                log.add(name + ":" + range.event() + ":" + (seq % 2 == 1 ? "odd" : "even"));
            }
            return true;
        };
    }

    @Test
    void onlyOverlappingIntervalsAreInvalidatedAndBeforeListSubscribers() {
        List<String> log = new CopyOnWriteArrayList<>();
        Object lock = new Object();
        Mapping a = space.mapAt(0x100000, region, 0, 4096);
        Mapping b = space.mapAt(0x200000, region, 4096, 4096);
        space.register(new Recorder("list", log));
        IntervalNotifier overA = space.insert(0x100000, 4096, logging(lock, log, "overA"));
        space.insert(0x0ff000, 0x2000, logging(lock, log, "straddlingA"));
        space.insert(0x200000, 4096, logging(lock, log, "overB"));
        space.insert(0x101000, 4096, logging(lock, log, "justAfterA"));
        space.unmap(a.address(), a.length());
        assertEquals(List.of("straddlingA:UNMAP:odd", "overA:UNMAP:odd", "list:start:UNMAP", "list:end:UNMAP"), log);
        assertEquals(0x100000, overA.start());
        assertEquals(0x101000, overA.end());
        assertEquals(4, space.stats().intervals());
        assertFalse(b.isUnmapped());
    }

    @Test
    void readRetrySeesEveryInvalidationOfTheRangeAndNoOther() {
        Object lock = new Object();
        List<String> log = new CopyOnWriteArrayList<>();
        space.mapAt(0x100000, region, 0, 4096);
        Mapping elsewhere = space.mapAt(0x300000, region, 0, 4096);
        IntervalNotifier interval = space.insert(0x100000, 4096, logging(lock, log, "i"));
        long seq = interval.readBegin();
        assertEquals(1, seq & 1, "sequences handed out are odd");
        assertFalse(interval.readRetry(seq));
        space.protect(0x300000, 4096, false);
        assertFalse(interval.readRetry(seq), "an invalidation elsewhere does not disturb the read");
        space.protect(0x100000, 4096, false);
        assertTrue(interval.readRetry(seq), "an invalidation of the range forces a retry");
        long next = interval.readBegin();
        assertNotEquals(seq, next);
        assertFalse(interval.readRetry(next));
        assertEquals(1, log.size());
        assertFalse(elsewhere.isWritable());
    }

    @Test
    void readBeginWaitsForAnInvalidationOfTheRangeInProgress() throws Exception {
        space.mapAt(0x100000, region, 0, 4096);
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        IntervalNotifier interval = space.insert(0x100000, 4096, (self, range, seq) -> {
            self.setSequence(seq);
            inCallback.countDown();
            await(letGo);
            return true;
        });
        CompletableFuture<Integer> unmap = CompletableFuture.supplyAsync(() -> space.unmap(0x100000, 4096), threads);
        assertTrue(inCallback.await(30, SECONDS));
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(interval::readBegin, threads);
        awaitWaiting(reader, "readBegin");
        assertFalse(reader.isDone(), "readBegin must wait while the range is being invalidated");
        letGo.countDown();
        assertEquals(1, unmap.get(30, SECONDS));
        long seq = reader.get(30, SECONDS);
        assertFalse(interval.readRetry(seq));
    }

    @Test
    void insertDuringAnInvalidationWaitsForItsEndAndThenTakesPart() throws Exception {
        space.mapAt(0x100000, region, 0, 4096);
        space.mapAt(0x200000, region, 0, 4096);
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        space.insert(0x100000, 4096, (self, range, seq) -> {
            self.setSequence(seq);
            inCallback.countDown();
            await(letGo);
            return true;
        });
        CompletableFuture<Integer> unmap = CompletableFuture.supplyAsync(() -> space.unmap(0x100000, 4096), threads);
        assertTrue(inCallback.await(30, SECONDS));
        List<String> log = new CopyOnWriteArrayList<>();
        CompletableFuture<IntervalNotifier> insert = CompletableFuture.supplyAsync(
                () -> space.insert(0x200000, 4096, logging(new Object(), log, "late")), threads);
        awaitWaiting(insert, "insert");
        assertFalse(insert.isDone(), "insert must wait while an invalidation is in progress");
        letGo.countDown();
        IntervalNotifier late = insert.get(30, SECONDS);
        assertEquals(1, unmap.get(30, SECONDS));
        long seq = late.readBegin();
        space.unmap(0x200000, 4096);
        assertEquals(List.of("late:UNMAP:odd"), log);
        assertTrue(late.readRetry(seq));
    }

    @Test
    void removeWaitsForAnInvalidationInProgressAndThenTheCallbackNeverRuns() throws Exception {
        space.mapAt(0x100000, region, 0, 4096);
        space.mapAt(0x200000, region, 0, 4096);
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        boolean[] callbackReturned = {false};
        List<String> calls = new CopyOnWriteArrayList<>();
        IntervalNotifier interval = space.insert(0x100000, 0x101000, (self, range, seq) -> {
            calls.add(range.toString());
            self.setSequence(seq);
            inCallback.countDown();
            await(letGo);
            callbackReturned[0] = true;
            return true;
        });
        CompletableFuture<Integer> unmap = CompletableFuture.supplyAsync(() -> space.unmap(0x100000, 4096), threads);
        assertTrue(inCallback.await(30, SECONDS));
        CompletableFuture<Boolean> remove = CompletableFuture.supplyAsync(() -> {
            interval.remove();
            return callbackReturned[0];
        }, threads);
        awaitWaiting(remove, "remove");
        assertFalse(remove.isDone(), "remove must wait for the invalidation in progress");
        letGo.countDown();
        assertTrue(remove.get(30, SECONDS), "remove returned only after the callback had returned");
        unmap.get(30, SECONDS);
        space.unmap(0x200000, 4096);
        assertEquals(1, calls.size(), "no callback after remove");
        assertTrue(interval.isRemoved());
        assertEquals(0, space.stats().intervals());
    }

    @Test
    void misuseFromInsideAnInvalidationThrowsAndChangesNothing() {
        space.mapAt(0x100000, region, 0, 4096);
        AtomicReference<Throwable> fromRemove = new AtomicReference<>();
        AtomicReference<Throwable> fromInsert = new AtomicReference<>();
        AtomicReference<Throwable> fromReadBegin = new AtomicReference<>();
        IntervalNotifier interval = space.insert(0x100000, 4096, (self, range, seq) -> {
            self.setSequence(seq);
            fromRemove.set(MmuNotifierTest.catchThrowable(self::remove));
            fromInsert.set(MmuNotifierTest.catchThrowable(() -> space.insert(0x500000, 10, (i, r, s) -> true)));
            fromReadBegin.set(MmuNotifierTest.catchThrowable(self::readBegin));
            return true;
        });
        space.unmap(0x100000, 4096);
        for (AtomicReference<Throwable> thrown : List.of(fromRemove, fromInsert, fromReadBegin)) {
            assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
            assertTrue(thrown.get().getMessage().contains("wait for itself"), thrown.get().getMessage());
        }
        assertFalse(interval.isRemoved());
        assertEquals(1, space.stats().intervals());
    }

    @Test
    void aNonBlockableRefusalByAnIntervalMeansTryAgainAndListSubscribersAreNotCalled() {
        Mapping mapping = space.mapAt(0x100000, region, 0, 4096);
        Recorder list = new Recorder("list");
        space.register(list);
        IntervalNotifier interval = space.insert(0x100000, 4096, (self, range, seq) -> range.blockable());
        long seq = interval.readBegin();
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(0x100000, 4096));
        assertFalse(mapping.isUnmapped());
        assertTrue(list.log.isEmpty());
        assertEquals(seq, interval.readBegin(), "the refused invalidation left no waiter behind");
        assertEquals(1, space.unmap(0x100000, 4096));
        assertTrue(failures.reported.isEmpty());
    }

    @Test
    void insertAndRemoveMisuseIsRejected() {
        IntervalCallback ignore = (self, range, seq) -> true;
        assertThrows(IllegalArgumentException.class, () -> space.insert(0, 0, ignore));
        assertThrows(IllegalArgumentException.class, () -> space.insert(-1, 10, ignore));
        assertThrows(IllegalArgumentException.class, () -> space.insert(Long.MAX_VALUE - 5, 10, ignore));
        assertThrows(NullPointerException.class, () -> space.insert(0, 10, null));
        IntervalNotifier interval = space.insert(0, 10, ignore);
        interval.remove();
        IllegalStateException twice = assertThrows(IllegalStateException.class, interval::remove);
        assertTrue(twice.getMessage().contains("already removed"), twice.getMessage());
        interval.close();
        space.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> space.insert(0, 10, ignore));
        assertTrue(closed.getMessage().contains("closing"), closed.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, SECONDS)) {
                throw new AssertionError("latch not released within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * Waits (bounded) until some pool thread is parked inside the given operation, or the
     * operation finished (which the caller's assertion then reports as not having waited).
     */
    static void awaitWaiting(CompletableFuture<?> operation, String method) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(30);
        while (!operation.isDone() && System.nanoTime() < deadline) {
            for (var entry : Thread.getAllStackTraces().entrySet()) {
                Thread.State state = entry.getKey().getState();
                if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
                    continue;
                }
                for (StackTraceElement frame : entry.getValue()) {
                    if (frame.getMethodName().equals(method) && frame.getClassName().startsWith("io.github.mmunotify.notifier")) {
                        return;
                    }
                }
            }
            Thread.onSpinWait();
        }
    }
}
