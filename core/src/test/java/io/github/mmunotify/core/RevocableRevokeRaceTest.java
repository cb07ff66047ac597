package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Racing revoke(), revoke(Duration) and revokeAsync() on one object: one of them begins the drain,
 * the others wait for it, every release runs once. Before the drain's Teardown was begun ahead of
 * the state change, a loser could begin it in between and the winner failed in adopt().
 */
class RevocableRevokeRaceTest {

    @Test
    void racingRevokesAllCompleteAndEachReleaseRunsOnce() throws Exception {
        int rounds = StressSize.of("revocable.revokeRace.rounds", 2_000);
        long seconds = TestTimeouts.await().toSeconds();
        AtomicReference<Revocable> current = new AtomicReference<>();
        AtomicInteger kicks = new AtomicInteger();
        AtomicInteger releases = new AtomicInteger();
        Runnable newRound = () -> {
            Revocable r = Revocable.create("race", kicks::incrementAndGet);
            r.open(releases::incrementAndGet);
            r.open(releases::incrementAndGet);
            current.set(r);
        };
        newRound.run();
        CyclicBarrier start = new CyclicBarrier(3);
        CyclicBarrier end = new CyclicBarrier(3, newRound);
        try (TestThreads pool = new TestThreads("revoke-race")) {
            pool.start(() -> {
                for (int i = 0; i < rounds; i++) {
                    start.await(seconds, TimeUnit.SECONDS);
                    current.get().revoke();
                    assertTrue(current.get().isRevocationComplete());
                    end.await(seconds, TimeUnit.SECONDS);
                }
            });
            pool.start(() -> {
                for (int i = 0; i < rounds; i++) {
                    start.await(seconds, TimeUnit.SECONDS);
                    current.get().revoke(Duration.ofSeconds(seconds));
                    assertTrue(current.get().isRevocationComplete());
                    end.await(seconds, TimeUnit.SECONDS);
                }
            });
            pool.start(() -> {
                for (int i = 0; i < rounds; i++) {
                    start.await(seconds, TimeUnit.SECONDS);
                    current.get().revokeAsync().get(seconds, TimeUnit.SECONDS);
                    assertTrue(current.get().isRevocationComplete());
                    end.await(seconds, TimeUnit.SECONDS);
                }
            });
            pool.join();
        }
        assertEquals(rounds, kicks.get());
        assertEquals(2 * rounds, releases.get());
    }

    /**
     * Deterministic form of the race above: the winner is held between beginning the drain and
     * changing the state, and a second revoke() arrives then. It must wait for the winner, not
     * take the drain over (before the fix it did, and the winner then threw from adopt()).
     */
    @Test
    void aRevokeArrivingWhileTheWinnerIsBetweenItsTwoStepsWaitsForIt() throws Exception {
        long seconds = TestTimeouts.await().toSeconds();
        AtomicInteger releases = new AtomicInteger();
        Revocable r = Revocable.create("held-winner");
        r.open(releases::incrementAndGet);
        CountDownLatch winnerHeld = new CountDownLatch(1);
        CountDownLatch letWinnerGo = new CountDownLatch(1);
        r.betweenBeginSteps = () -> {
            winnerHeld.countDown();
            try {
                assertTrue(letWinnerGo.await(seconds, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        };
        try (TestThreads pool = new TestThreads("held-winner")) {
            pool.start(r::revoke);
            assertTrue(winnerHeld.await(seconds, TimeUnit.SECONDS));
            r.betweenBeginSteps = null;
            CountDownLatch loserReturned = new CountDownLatch(1);
            pool.start(() -> {
                r.revoke();
                loserReturned.countDown();
            });
            assertFalse(loserReturned.await(100, TimeUnit.MILLISECONDS),
                    "the second revoke returned while the first was still between its steps");
            assertEquals(0, releases.get());
            letWinnerGo.countDown();
            assertTrue(loserReturned.await(seconds, TimeUnit.SECONDS));
            pool.join();
        }
        assertTrue(r.isRevocationComplete());
        assertEquals(1, releases.get());
    }
}
