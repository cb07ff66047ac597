package io.github.mmunotify.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Races of {@link Revocable} with many threads. Counts are {@link StressSize}s, for long runs:
 * {@code -Dmmunotify.test.closeRevokeRaces=10000000 -Dmmunotify.test.revokeRounds=20000}.
 */
@Tag("stress")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RevocableStressTest {

    private static final int CLOSE_REVOKE_RACES = StressSize.of("closeRevokeRaces", 100_000);
    private static final int REVOKE_ROUNDS = StressSize.of("revokeRounds", 200);
    /** Objects raced per barrier round, so the number of races is not bounded by barrier latency. */
    private static final int BATCH = 64;

    /** A release that counts its runs and marks itself finished only after a little work. */
    private static final class Release implements Runnable {
        final AtomicInteger runs = new AtomicInteger();
        volatile boolean finished;

        @Override
        public void run() {
            runs.incrementAndGet();
            for (int i = 0; i < 8; i++) {
                Thread.onSpinWait();
            }
            finished = true;
        }
    }

    @Test
    void closeAndRevokeRaceReleasesExactlyOnce() throws Exception {
        int rounds = Math.max(1, (CLOSE_REVOKE_RACES + BATCH - 1) / BATCH);
        Revocable[] objects = new Revocable[BATCH];
        Revocable.Handle[] handles = new Revocable.Handle[BATCH];
        Release[] releases = new Release[BATCH];
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong races = new AtomicLong();
        AtomicLong closeWon = new AtomicLong();
        AtomicLong revokeWon = new AtomicLong();
        Runnable prepare = () -> {
            for (int i = 0; i < BATCH; i++) {
                objects[i] = Revocable.create("race-" + i);
                releases[i] = new Release();
                handles[i] = objects[i].open(releases[i]);
            }
        };
        // Runs while both racers wait at the barrier: checks the batch they just raced on, then
        // prepares the next one.
        Runnable checkAndPrepare = () -> {
            for (int i = 0; i < BATCH; i++) {
                int runs = releases[i].runs.get();
                if (runs != 1) {
                    failure.compareAndSet(null, "release ran " + runs + " times");
                }
                if (objects[i].openHandles() != 0 || !objects[i].isRevocationComplete()) {
                    failure.compareAndSet(null, "left behind: " + objects[i]);
                }
            }
            for (Revocable.Handle h : handles) {
                (h.isReleasedByRevoke() ? revokeWon : closeWon).incrementAndGet();
            }
            races.addAndGet(BATCH);
            prepare.run();
        };
        prepare.run();
        CyclicBarrier barrier = new CyclicBarrier(2, checkAndPrepare);
        TestThreads racers = new TestThreads("close-revoke", Duration.ofSeconds(110));
        racers.start(() -> race(rounds, barrier, failure, () -> {
            for (int i = 0; i < BATCH; i++) {
                handles[i].close();
                if (!releases[i].finished) {
                    failure.compareAndSet(null, "close() returned before the release finished");
                }
            }
        }));
        racers.start(() -> race(rounds, barrier, failure, () -> {
            for (int i = 0; i < BATCH; i++) {
                objects[i].revoke();
                if (!releases[i].finished) {
                    failure.compareAndSet(null, "revoke() returned before the release finished");
                }
            }
        }));
        racers.close();
        assertNull(failure.get());
        assertEquals((long) rounds * BATCH, races.get());
        // Both sides must have won sometimes, or the test raced nothing.
        assertTrue(closeWon.get() > 0 && revokeWon.get() > 0,
                "close won " + closeWon + ", revoke won " + revokeWon);
        System.out.println("close won " + closeWon + ", revoke won " + revokeWon);
    }

    private static void race(int rounds, CyclicBarrier barrier, AtomicReference<String> failure, Runnable batch) {
        try {
            for (int r = 0; r < rounds && failure.get() == null; r++) {
                batch.run();
                barrier.await(60, SECONDS);
            }
        } catch (Exception e) {
            failure.compareAndSet(null, e.toString());
            barrier.reset();
        }
    }

    /**
     * Users on platform and virtual threads hammer tryEnter/exit while revoke runs: no method may
     * be running when revoke returns, and no tryEnter that starts after it may succeed. Odd rounds
     * revoke with a timeout of microseconds, retried until it completes, while every fourth round
     * also has an unbounded revoke waiting concurrently: the timed-out attempts hand the drain over
     * and whichever call finishes it, both must return only after the last method left.
     */
    @Test
    void noMethodRunsOrStartsAfterRevokeReturns() throws Exception {
        int users = 6;
        AtomicReference<String> failure = new AtomicReference<>();
        long successes = 0;
        long timeouts = 0;
        for (int round = 0; round < REVOKE_ROUNDS && failure.get() == null; round++) {
            Revocable r = Revocable.create("round-" + round);
            AtomicInteger released = new AtomicInteger();
            r.open(released::incrementAndGet);
            AtomicInteger entries = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(users);
            CountDownLatch stopped = new CountDownLatch(users);
            AtomicBoolean revokeReturned = new AtomicBoolean();
            TestThreads threads = new TestThreads("user-" + round);
            for (int u = 0; u < users; u++) {
                TestThreads.Body body = () -> {
                    started.countDown();
                    try {
                        for (int spin = 1; ; spin++) {
                            if ((spin & 63) == 0 && Thread.currentThread().isVirtual()) {
                                // Unmount now and then: a yielding virtual thread can keep its
                                // carrier and starve a virtual user not yet started.
                                LockSupport.parkNanos(1_000);
                            }
                            boolean after = revokeReturned.get();
                            if (r.tryEnter()) {
                                try {
                                    if (after) {
                                        failure.compareAndSet(null, "tryEnter() succeeded after revoke() returned");
                                    }
                                    entries.incrementAndGet();
                                    if (released.get() != 0) {
                                        failure.compareAndSet(null, "a release ran while a method was in flight");
                                    }
                                } finally {
                                    if (revokeReturned.get()) {
                                        failure.compareAndSet(null, "a method was running when revoke() returned");
                                    }
                                    r.exit();
                                }
                            } else if (after) {
                                return;
                            }
                        }
                    } finally {
                        stopped.countDown();
                    }
                };
                if (u % 2 == 0) {
                    threads.start(body);
                } else {
                    threads.startVirtual(body);
                }
            }
            assertTrue(started.await(30, SECONDS));
            if (round % 4 == 1) {
                threads.start(() -> {
                    r.revoke();
                    if (released.get() != 1) {
                        failure.compareAndSet(null, "the concurrent revoke() returned before the release ran");
                    }
                });
            }
            if (round % 2 == 1) {
                while (true) {
                    try {
                        r.revoke(Duration.ofNanos(20_000));
                        break;
                    } catch (TimeoutException stillInside) {
                        timeouts++;
                    }
                }
            } else {
                r.revoke();
            }
            revokeReturned.set(true);
            assertEquals(1, released.get());
            assertTrue(stopped.await(60, SECONDS), "users did not stop");
            threads.close();
            assertEquals(0, r.usersInFlight());
            successes += entries.get();
        }
        assertNull(failure.get());
        assertTrue(successes > 0, "users never got in; the test tested nothing");
        System.out.println("entries " + successes + ", timed revokes that timed out and were retried " + timeouts);
    }

    /** More threads than cells: the overflow path must count and detect exactly like the fast one. */
    @Test
    void manyThreadsInsideAtOnceAreAllCountedAndDetected() throws Exception {
        int threads = StressSize.of("crowdThreads", 80);
        Revocable r = Revocable.create("crowd");
        Revocable other = Revocable.create("other");
        CyclicBarrier allInside = new CyclicBarrier(threads + 1);
        CyclicBarrier leave = new CyclicBarrier(threads + 1);
        AtomicReference<String> failure = new AtomicReference<>();
        TestThreads crowd = new TestThreads("crowd");
        for (int i = 0; i < threads; i++) {
            crowd.start(() -> {
                try {
                    assertTrue(r.tryEnter());
                    assertTrue(r.tryEnter());
                    r.exit();
                    if (!r.isInsideOnCurrentThread() || other.isInsideOnCurrentThread()) {
                        failure.compareAndSet(null, "inside detection wrong on " + Thread.currentThread());
                    }
                    try {
                        r.revoke();
                        failure.compareAndSet(null, "revoke from inside did not throw");
                    } catch (IllegalStateException expected) {
                        // the documented answer
                    }
                    allInside.await(60, SECONDS);
                    leave.await(60, SECONDS);
                    r.exit();
                    if (r.isInsideOnCurrentThread()) {
                        failure.compareAndSet(null, "still inside after exit on " + Thread.currentThread());
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            });
        }
        allInside.await(60, SECONDS);
        assertEquals(threads, r.usersInFlight());
        leave.await(60, SECONDS);
        crowd.close();
        assertNull(failure.get());
        assertEquals(0, r.usersInFlight());
        r.revoke();
    }
}
