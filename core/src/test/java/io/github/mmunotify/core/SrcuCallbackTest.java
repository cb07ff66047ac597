package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** callSrcu and barrier: when and where callbacks run, failures, and calls that would deadlock. */
class SrcuCallbackTest {

    private static final long SECONDS = 60;

    @Test
    void aCallbackRunsOnTheDomainThreadAfterAGracePeriod() throws Exception {
        try (Srcu srcu = Srcu.create("cb")) {
            CountDownLatch ran = new CountDownLatch(1);
            AtomicReference<Thread> runner = new AtomicReference<>();
            AtomicReference<Boolean> onCallbackThread = new AtomicReference<>();
            long before = srcu.stats().gracePeriodsCompleted();
            srcu.callSrcu(() -> {
                runner.set(Thread.currentThread());
                onCallbackThread.set(srcu.isCallbackThread());
                ran.countDown();
            });
            assertTrue(ran.await(SECONDS, TimeUnit.SECONDS));
            assertNotSame(Thread.currentThread(), runner.get());
            assertTrue(runner.get().isDaemon());
            assertTrue(runner.get().getName().contains("cb"), runner.get().getName());
            assertTrue(onCallbackThread.get());
            assertFalse(srcu.isCallbackThread());
            assertTrue(srcu.stats().gracePeriodsCompleted() > before);
        }
    }

    @Test
    void callSrcuDoesNotBlockWhileAReaderHoldsTheGracePeriod() throws Exception {
        try (Srcu srcu = Srcu.create("nonblocking")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            CountDownLatch ran = new CountDownLatch(100);
            for (int i = 0; i < 100; i++) {
                srcu.callSrcu(ran::countDown); // returns although no grace period can end
            }
            assertFalse(ran.await(200, TimeUnit.MILLISECONDS), "a callback ran while a prior reader was inside");
            reader.releaseAndJoin();
            assertTrue(ran.await(SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void callbacksQueuedTogetherShareAGracePeriodAndRunInOrder() throws Exception {
        try (Srcu srcu = Srcu.create("batch")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            long before = srcu.stats().gracePeriodsCompleted();
            int count = 1_000;
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                srcu.callSrcu(() -> order.add(n)); // only the callback thread touches the list
            }
            reader.releaseAndJoin();
            srcu.barrier();
            long used = srcu.stats().gracePeriodsCompleted() - before;
            // The first drain may catch only a prefix; everything after it waits in one more batch.
            assertTrue(used <= 3, count + " callbacks used " + used + " grace periods");
            assertEquals(count, order.size());
            for (int i = 0; i < count; i++) {
                assertEquals(i, order.get(i));
            }
        }
    }

    @Test
    void aThrowingCallbackIsReportedAndTheOthersStillRun() throws Exception {
        ConcurrentLinkedQueue<Throwable> reported = new ConcurrentLinkedQueue<>();
        try (Srcu srcu = Srcu.builder("failing").callbackErrorHandler(reported::add).build()) {
            AtomicInteger ran = new AtomicInteger();
            srcu.callSrcu(ran::incrementAndGet);
            srcu.callSrcu(() -> {
                throw new IllegalStateException("boom");
            });
            srcu.callSrcu(() -> {
                throw new AssertionError("an Error too");
            });
            srcu.callSrcu(ran::incrementAndGet);
            srcu.barrier();
            assertEquals(2, ran.get());
            assertEquals(2, reported.size());
            assertEquals("boom", reported.peek().getMessage());
            Srcu.Stats stats = srcu.stats();
            assertEquals(4, stats.callbacksQueued());
            assertEquals(4, stats.callbacksRun());
            assertEquals(2, stats.callbacksFailed());
            assertEquals(0, stats.callbacksPending());
        }
    }

    @Test
    void aThrowingErrorHandlerDoesNotStopTheCallbacks() throws Exception {
        try (Srcu srcu = Srcu.builder("bad-handler").callbackErrorHandler(t -> {
            throw new RuntimeException("handler broke");
        }).build()) {
            AtomicInteger ran = new AtomicInteger();
            srcu.callSrcu(() -> {
                throw new RuntimeException("callback broke");
            });
            srcu.callSrcu(ran::incrementAndGet);
            srcu.barrier();
            assertEquals(1, ran.get());
            assertEquals(1, srcu.stats().callbacksFailed());
        }
    }

    @Test
    void barrierWaitsForEveryCallbackQueuedBeforeIt() throws Exception {
        try (Srcu srcu = Srcu.create("barrier")) {
            for (int round = 0; round < StressSize.of("srcuRounds", 50); round++) {
                AtomicInteger ran = new AtomicInteger();
                int queued = 1 + round % 7;
                for (int i = 0; i < queued; i++) {
                    srcu.callSrcu(ran::incrementAndGet);
                }
                srcu.barrier();
                assertEquals(queued, ran.get(), "round " + round);
            }
        }
    }

    @Test
    void barrierWithNothingQueuedReturns() {
        try (Srcu srcu = Srcu.create("empty-barrier")) {
            srcu.barrier();
            assertEquals(0, srcu.stats().callbacksQueued());
        }
    }

    @Test
    void barrierAndCloseFromACallbackThrowButSynchronizeWorks() throws Exception {
        try (Srcu srcu = Srcu.create("from-callback")) {
            CompletableFuture<List<Object>> outcome = new CompletableFuture<>();
            srcu.callSrcu(() -> {
                List<Object> results = new ArrayList<>();
                results.add(attempt(srcu::barrier));
                results.add(attempt(srcu::close));
                results.add(attempt(srcu::synchronize));
                results.add(attempt(() -> srcu.callSrcu(() -> { })));
                outcome.complete(results);
            });
            List<Object> results = outcome.get(SECONDS, TimeUnit.SECONDS);
            assertTrue(results.get(0) instanceof IllegalStateException e
                    && e.getMessage().contains("from a callback"), String.valueOf(results.get(0)));
            assertTrue(results.get(1) instanceof IllegalStateException e
                    && e.getMessage().contains("from a callback"), String.valueOf(results.get(1)));
            assertEquals("ok", results.get(2));
            assertEquals("ok", results.get(3));
            srcu.barrier();
        }
    }

    @Test
    void barrierInsideAReadSectionThrows() {
        try (Srcu srcu = Srcu.create("barrier-in-section")) {
            srcu.callSrcu(() -> { });
            int token = srcu.readLock();
            IllegalStateException e = assertThrows(IllegalStateException.class, srcu::barrier);
            assertTrue(e.getMessage().contains("inside a read section"), e.getMessage());
            srcu.readUnlock(token);
            srcu.barrier();
        }
    }

    @Test
    void callSrcuRejectsNull() {
        try (Srcu srcu = Srcu.create("null")) {
            assertThrows(NullPointerException.class, () -> srcu.callSrcu(null));
            assertEquals(0, srcu.stats().callbacksQueued());
        }
    }

    @Test
    void manyThreadsQueueingConcurrentlyLoseNothing() throws Exception {
        int threads = 4;
        int each = StressSize.of("srcuCallbacks", 20_000);
        try (Srcu srcu = Srcu.create("mpsc")) {
            AtomicInteger ran = new AtomicInteger();
            try (TestThreads producers = new TestThreads("mpsc-producer")) {
                for (int t = 0; t < threads; t++) {
                    producers.start(() -> {
                        for (int i = 0; i < each; i++) {
                            srcu.callSrcu(ran::incrementAndGet);
                        }
                    });
                }
            }
            srcu.barrier();
            assertEquals(threads * each, ran.get());
            assertEquals(0L, srcu.stats().callbacksPending());
        }
    }

    private static Object attempt(Runnable action) {
        try {
            action.run();
            return "ok";
        } catch (RuntimeException e) {
            return e;
        }
    }
}
