package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Teardown: runs once under racing callers, others wait, re-entry throws, give-up and resume. */
class TeardownTest {

    private static final long SECONDS = TestTimeouts.await().toSeconds();

    @Test
    void exactlyOneOfManyRacingCallersRunsItAndNoneReturnsBeforeItIsDone() throws Exception {
        int threads = 4;
        int rounds = StressSize.of("teardown.rounds", 2_000);
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Teardown> current = new AtomicReference<>();
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger returnedEarly = new AtomicInteger();
        CyclicBarrier next = new CyclicBarrier(threads, () -> current.set(new Teardown("round")));
        current.set(new Teardown("round"));
        try (TestThreads pool = new TestThreads("teardown-race")) {
            for (int t = 0; t < threads; t++) {
                pool.start(() -> {
                    for (int r = 0; r < rounds; r++) {
                        start.await(SECONDS, TimeUnit.SECONDS);
                        Teardown teardown = current.get();
                        teardown.run(() -> {
                            ran.incrementAndGet();
                            Thread.onSpinWait();
                        });
                        if (!teardown.isDone()) {
                            returnedEarly.incrementAndGet();
                        }
                        next.await(SECONDS, TimeUnit.SECONDS);
                    }
                });
            }
            pool.join();
            assertTrue(pool.failures().isEmpty(), pool.failures().toString());
        }
        assertEquals(rounds, ran.get());
        assertEquals(0, returnedEarly.get());
    }

    @Test
    void aWaiterReturnsOnlyOnceTheFirstCallerHasFinishedAndSeesItsEffects() throws Exception {
        Teardown teardown = new Teardown("slow");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        int[] effect = new int[1];
        try (TestThreads pool = new TestThreads("teardown-wait")) {
            pool.start(() -> teardown.run(() -> {
                inside.countDown();
                await(letGo);
                effect[0] = 42;
            }));
            assertTrue(inside.await(SECONDS, TimeUnit.SECONDS));
            CountDownLatch waiterReturned = new CountDownLatch(1);
            AtomicBoolean waiterRan = new AtomicBoolean();
            AtomicInteger seen = new AtomicInteger();
            pool.start(() -> {
                waiterRan.set(teardown.run(() -> { }));
                seen.set(effect[0]);
                waiterReturned.countDown();
            });
            assertFalse(waiterReturned.await(100, TimeUnit.MILLISECONDS), "the waiter returned before the teardown was done");
            letGo.countDown();
            assertTrue(waiterReturned.await(SECONDS, TimeUnit.SECONDS));
            pool.join();
            assertFalse(waiterRan.get());
            assertEquals(42, seen.get());
        }
        assertTrue(teardown.isDone());
    }

    @Test
    void aReentrantCallFromInsideTheTeardownThrowsNamingTheObject() {
        Teardown teardown = new Teardown("Thing[x]");
        AtomicReference<Throwable> inner = new AtomicReference<>();
        teardown.run(() -> {
            inner.set(assertThrows(IllegalStateException.class, () -> teardown.run(() -> { })));
            assertThrows(IllegalStateException.class, teardown::tryBegin);
            assertThrows(IllegalStateException.class, teardown::await);
            assertTrue(teardown.isOwnedByCurrentThread());
        });
        assertTrue(inner.get().getMessage().contains("Thing[x]"), inner.get().getMessage());
        assertTrue(teardown.isDone());
        assertNull(teardown.failure());
    }

    @Test
    void aTeardownThatThrowsIsDoneAndRethrownToItsCallerOnly() {
        Teardown teardown = new Teardown("failing");
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> teardown.run(() -> {
            throw boom;
        })));
        assertTrue(teardown.isDone());
        assertSame(boom, teardown.failure());
        AtomicBoolean rerun = new AtomicBoolean();
        assertFalse(teardown.run(() -> rerun.set(true)));
        assertFalse(rerun.get());
    }

    @Test
    void aTimedWaitTimesOutNamingTheOwnerAndALaterCallTakesOverAnAbandonedTeardown() throws Exception {
        Teardown teardown = new Teardown("Region[r]");
        CountDownLatch begun = new CountDownLatch(1);
        CountDownLatch giveUp = new CountDownLatch(1);
        try (TestThreads pool = new TestThreads("teardown-abandon")) {
            pool.start(() -> {
                assertTrue(teardown.tryBegin());
                begun.countDown();
                await(giveUp);
                teardown.abandon();
            });
            assertTrue(begun.await(SECONDS, TimeUnit.SECONDS));
            TimeoutException timedOut = assertThrows(TimeoutException.class,
                    () -> teardown.beginOrAwait(20, TimeUnit.MILLISECONDS));
            assertTrue(timedOut.getMessage().contains("Region[r]"), timedOut.getMessage());
            assertTrue(timedOut.getMessage().contains("teardown-abandon"), timedOut.getMessage());
            assertFalse(teardown.await(Duration.ofMillis(20)));
            giveUp.countDown();
            // The waiter takes over once the owner gives up, then completes it.
            assertTrue(teardown.beginOrAwait(SECONDS, TimeUnit.SECONDS));
            assertTrue(teardown.isOwnedByCurrentThread());
            teardown.complete();
            pool.join();
        }
        assertTrue(teardown.isDone());
        assertTrue(teardown.await(Duration.ZERO));
        assertFalse(teardown.beginOrAwait(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void anInterruptEndsATimedWaitButNotAnUntimedOne() throws Exception {
        Teardown teardown = new Teardown("interrupted");
        CountDownLatch begun = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        try (TestThreads pool = new TestThreads("teardown-interrupt")) {
            pool.start(() -> teardown.run(() -> {
                begun.countDown();
                await(finish);
            }));
            assertTrue(begun.await(SECONDS, TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> teardown.beginOrAwait(SECONDS, TimeUnit.SECONDS));
            assertFalse(Thread.currentThread().isInterrupted());
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> teardown.await(Duration.ofSeconds(SECONDS)));

            CountDownLatch waiting = new CountDownLatch(1);
            AtomicBoolean keptInterrupt = new AtomicBoolean();
            Thread untimed = pool.start(() -> {
                waiting.countDown();
                teardown.await();
                keptInterrupt.set(Thread.currentThread().isInterrupted());
            });
            assertTrue(waiting.await(SECONDS, TimeUnit.SECONDS));
            untimed.interrupt();
            finish.countDown();
            pool.join();
            assertTrue(keptInterrupt.get());
        }
    }

    @Test
    void misuseByANonOwnerThrowsAndChangesNothing() {
        Teardown teardown = new Teardown("misused");
        assertThrows(IllegalStateException.class, teardown::complete);
        assertThrows(IllegalStateException.class, teardown::abandon);
        assertThrows(IllegalStateException.class, teardown::handOff);
        assertThrows(IllegalStateException.class, teardown::adopt);
        assertFalse(teardown.hasBegun());
        assertThrows(IllegalArgumentException.class, () -> new Teardown(" "));
        assertThrows(NullPointerException.class, () -> new Teardown(null));
        assertThrows(NullPointerException.class, () -> teardown.run(null));
        assertThrows(IllegalArgumentException.class, () -> teardown.await(Duration.ofNanos(-1)));
        assertTrue(teardown.tryBegin());
        assertThrows(IllegalStateException.class, teardown::adopt); // owned, not handed off
        assertTrue(teardown.toString().contains("misused"), teardown.toString());
        assertTrue(teardown.toString().contains("running on"), teardown.toString());
    }

    @Test
    void aHandedOffTeardownIsAdoptedAndCompletedByAnotherThreadWhileCallersWait() throws Exception {
        Teardown teardown = new Teardown("async");
        assertTrue(teardown.tryBegin());
        teardown.handOff();
        assertFalse(teardown.isOwnedByCurrentThread());
        assertFalse(teardown.tryBegin());
        try (TestThreads pool = new TestThreads("teardown-adopt")) {
            pool.start(() -> {
                teardown.adopt();
                teardown.complete();
            });
            assertFalse(teardown.beginOrAwait());
            pool.join();
            assertTrue(pool.failures().isEmpty(), pool.failures().toString());
            // One adopt per hand-off: a second (or one after completion) throws.
            assertThrows(IllegalStateException.class, teardown::adopt);
        }
        assertTrue(teardown.isDone());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released in time");
            }
        } catch (InterruptedException e) {
            throw new AssertionError("interrupted", e);
        }
    }
}
