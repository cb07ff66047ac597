package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;

/** The bounded {@link Revocable#revoke(Duration)}: what it reports when stuck, and that a later revoke finishes. */
class RevocableTimeoutTest {

    private static final Duration SHORT = TestTimeouts.quiet();

    @Test
    void timedRevokeNamesTheThreadStillInsideAndALaterRevokeFinishesTheJob() throws Exception {
        Revocable r = Revocable.create("gpu0");
        AtomicInteger released = new AtomicInteger();
        Revocable.Handle h = r.open(released::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("worker")) {
            Thread worker = threads.start(() -> holdInside(r, inside, leave));
            assertTrue(inside.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));

            TimeoutException e = assertThrows(TimeoutException.class, () -> r.revoke(SHORT));
            String m = e.getMessage();
            assertTrue(m.contains("Revocable[gpu0]") && m.contains(SHORT.toString())
                    && m.contains("1 method still inside") && m.contains("'" + worker.getName() + "'")
                    && m.contains("#" + worker.threadId() + ", alive"), m);
            // Revoked but not complete: entries and opens already fail, the release has not run.
            assertTrue(r.isRevoked());
            assertFalse(r.isRevocationComplete());
            assertFalse(r.tryEnter());
            assertThrows(RevokedException.class, () -> r.open(() -> { }));
            assertEquals(0, released.get());
            assertTrue(h.isOpen());
            // A second timed call is stuck on the same thing.
            assertThrows(TimeoutException.class, () -> r.revoke(Duration.ZERO));

            leave.countDown();
            r.revoke(TestTimeouts.await());
        }
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get());
        assertTrue(h.isReleasedByRevoke());
        r.revoke(Duration.ZERO); // repeated: returns at once
        assertEquals(1, released.get());
    }

    @Test
    void anUnboundedRevokeWaitingConcurrentlyTakesOverFromATimedOutOne() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("takeover")) {
            threads.start(() -> holdInside(r, inside, leave));
            assertTrue(inside.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
            CountDownLatch timedOut = new CountDownLatch(1);
            threads.start(() -> {
                assertThrows(TimeoutException.class, () -> r.revoke(SHORT));
                timedOut.countDown();
            });
            RevocableTest.awaitCondition(r::isRevoked);
            Thread waiter = threads.start(r::revoke);
            assertTrue(timedOut.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
            assertTrue(waiter.isAlive(), "the unbounded revoke returned while a method was inside");
            leave.countDown();
        }
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get());
    }

    @Test
    void revokeAsyncAfterATimedOutRevokeCompletesOnceTheMethodExits() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        assertTrue(r.tryEnter());
        CompletableFuture<Void> f;
        try (TestThreads threads = new TestThreads("async")) {
            threads.start(() -> assertThrows(TimeoutException.class, () -> r.revoke(SHORT)));
        }
        f = r.revokeAsync(); // from inside a method: allowed, completes after exit
        assertFalse(f.isDone());
        r.exit();
        f.get(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS);
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get());
    }

    @Test
    void anOverflowEntryLeftByATerminatedThreadDoesNotHoldUpRevoke() throws Exception {
        Revocable r = Revocable.create("overflowed");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads owners = new TestThreads("cell-owner")) {
            RevocableFaultTest.ownEveryCell(r, owners, leave);
            for (int attempt = 0; attempt < 100 && r.overflowEntries() == 0; attempt++) {
                try (TestThreads careless = new TestThreads("careless")) {
                    careless.start(() -> assertTrue(r.tryEnter())); // dies inside without exit()
                }
            }
            assertEquals(1, r.overflowEntries(), "no careless entry went through an overflow cell");
            leave.countDown();
        }
        r.revoke(TestTimeouts.await());
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get());
    }

    @Test
    void timedRevokeNamesALiveThreadInsideThroughAnOverflowCell() throws Exception {
        Revocable r = Revocable.create("overflowed");
        CountDownLatch leaveOwners = new CountDownLatch(1);
        try (TestThreads owners = new TestThreads("cell-owner")) {
            RevocableFaultTest.ownEveryCell(r, owners, leaveOwners);
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            Thread stuck = null;
            try (TestThreads users = new TestThreads("overflow-user")) {
                for (int attempt = 0; attempt < 100 && stuck == null; attempt++) {
                    CountDownLatch probed = new CountDownLatch(1);
                    boolean[] overflowed = new boolean[1];
                    Thread t = users.start(() -> {
                        assertTrue(r.tryEnter());
                        overflowed[0] = r.overflowEntries() > 0;
                        probed.countDown();
                        if (!overflowed[0]) {
                            r.exit();
                            return;
                        }
                        try {
                            inside.countDown();
                            assertTrue(leave.await(TestTimeouts.join().toSeconds(), TimeUnit.SECONDS));
                        } finally {
                            r.exit();
                        }
                    });
                    assertTrue(probed.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
                    if (overflowed[0]) {
                        stuck = t;
                    }
                }
                assertTrue(stuck != null, "no user went through an overflow cell");
                leaveOwners.countDown();
                TimeoutException e = assertThrows(TimeoutException.class, () -> r.revoke(SHORT));
                String m = e.getMessage();
                assertTrue(m.contains("1 method still inside") && m.contains("'" + stuck.getName() + "'")
                        && m.contains("#" + stuck.threadId() + ", alive"), m);
                leave.countDown();
            }
        }
        r.revoke(TestTimeouts.await());
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void timedRevokeNamesAReleaseThatAConcurrentCloseIsStillRunning() throws Exception {
        Revocable r = Revocable.create("dev");
        CountDownLatch releasing = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Revocable.Handle h = r.open(() -> {
            releasing.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (TestThreads threads = new TestThreads("closer")) {
            Thread closer = threads.start(h::close);
            assertTrue(releasing.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
            TimeoutException e = assertThrows(TimeoutException.class, () -> r.revoke(SHORT));
            assertTrue(e.getMessage().contains("release of") && e.getMessage().contains("'" + closer.getName() + "'"),
                    e.getMessage());
            assertFalse(r.isRevocationComplete());
            finish.countDown();
        }
        r.revoke(TestTimeouts.await());
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void timedRevokeOfAQuietObjectCompletesEvenWithZeroTimeout() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        r.revoke(Duration.ZERO);
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get());
    }

    @Test
    void timedRevokeRejectsBadTimeoutsAndMisuseChangingNothing() {
        Revocable r = Revocable.create("dev");
        NullPointerException npe = assertThrows(NullPointerException.class, () -> r.revoke(null));
        assertTrue(npe.getMessage().contains("timeout"), npe.getMessage());
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> r.revoke(Duration.ofNanos(-1)));
        assertTrue(iae.getMessage().contains("PT-0.000000001S"), iae.getMessage());
        assertTrue(r.tryEnter());
        IllegalStateException ise = assertThrows(IllegalStateException.class, () -> r.revoke(SHORT));
        assertTrue(ise.getMessage().contains("revokeAsync"), ise.getMessage());
        r.exit();
        assertFalse(r.isRevoked());
    }

    @Test
    void timedRevokeFromInsideTheKickOrAReleaseThrowsInsteadOfDeadlocking() throws Exception {
        AtomicInteger misuse = new AtomicInteger();
        Revocable[] self = new Revocable[1];
        Runnable revokeSelf = () -> {
            try {
                self[0].revoke(Duration.ofSeconds(1));
            } catch (IllegalStateException expected) {
                misuse.incrementAndGet();
            } catch (Exception other) {
                throw new AssertionError(other);
            }
        };
        self[0] = Revocable.create("dev", revokeSelf);
        self[0].open(revokeSelf);
        self[0].revoke(TestTimeouts.await());
        assertEquals(2, misuse.get());
        assertTrue(self[0].isRevocationComplete());
    }

    @Test
    void anInterruptedTimedRevokeThrowsClearsTheStatusAndLeavesItForALaterRevoke() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("interrupt")) {
            threads.start(() -> holdInside(r, inside, leave));
            assertTrue(inside.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
            Thread revoker = threads.start(() -> {
                assertThrows(InterruptedException.class, () -> r.revoke(Duration.ofMinutes(10)));
                assertFalse(Thread.currentThread().isInterrupted());
            });
            RevocableTest.awaitCondition(r::isRevoked);
            revoker.interrupt();
            revoker.join(TestTimeouts.await().toMillis());
            assertFalse(r.isRevocationComplete());
            leave.countDown();
        }
        r.revoke(TestTimeouts.await());
        assertEquals(1, released.get());

        Revocable fresh = Revocable.create("fresh");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> fresh.revoke(SHORT));
        assertFalse(Thread.currentThread().isInterrupted());
        assertFalse(fresh.isRevoked(), "an interrupt before the call must change nothing");
    }

    /** Enters {@code r}, counts {@code inside} down, stays until {@code leave}. */
    static void holdInside(Revocable r, CountDownLatch inside, CountDownLatch leave) throws InterruptedException {
        assertTrue(r.tryEnter());
        try {
            inside.countDown();
            assertTrue(leave.await(TestTimeouts.join().toSeconds(), TimeUnit.SECONDS));
        } finally {
            r.exit();
        }
    }
}
