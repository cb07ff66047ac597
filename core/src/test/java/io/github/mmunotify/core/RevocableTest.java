package io.github.mmunotify.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Single-object behaviour of {@link Revocable}: entering, handles, revoke, misuse. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RevocableTest {

    @Test
    void createRejectsBadArguments() {
        assertThrows(NullPointerException.class, () -> Revocable.create(null));
        assertThrows(IllegalArgumentException.class, () -> Revocable.create("  "));
        assertThrows(NullPointerException.class, () -> Revocable.create("dev", null));
    }

    @Test
    void tryEnterSucceedsAndNestsUntilRevoked() {
        Revocable r = Revocable.create("dev");
        assertTrue(r.tryEnter());
        assertTrue(r.tryEnter());
        assertTrue(r.isInsideOnCurrentThread());
        assertEquals(2, r.usersInFlight());
        r.exit();
        r.exit();
        assertFalse(r.isInsideOnCurrentThread());
        assertEquals(0, r.usersInFlight());
        r.revoke();
        assertFalse(r.tryEnter());
        assertTrue(r.isRevoked());
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void exitWithoutEnterThrowsAndChangesNothing() {
        Revocable r = Revocable.create("dev");
        assertThrows(IllegalStateException.class, r::exit);
        assertTrue(r.tryEnter());
        r.exit();
        IllegalStateException e = assertThrows(IllegalStateException.class, r::exit);
        assertTrue(e.getMessage().contains("exit()"), e.getMessage());
        assertEquals(0, r.usersInFlight());
        r.revoke(); // would hang if the count had gone wrong
    }

    @Test
    void exitOnAnotherThreadThanEnterIsRefused() throws Exception {
        Revocable r = Revocable.create("dev");
        assertTrue(r.tryEnter());
        try (TestThreads other = new TestThreads("other")) {
            other.start(() -> assertThrows(IllegalStateException.class, r::exit));
        }
        assertEquals(1, r.usersInFlight());
        r.exit();
    }

    @Test
    void closeRunsReleaseExactlyOnce() {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        Revocable.Handle h = r.open(released::incrementAndGet);
        assertTrue(h.isOpen());
        assertEquals(1, r.openHandles());
        h.close();
        h.close();
        assertEquals(1, released.get());
        assertFalse(h.isOpen());
        assertEquals(0, r.openHandles());
        r.revoke();
        assertEquals(1, released.get());
    }

    @Test
    void revokeReleasesEveryOpenHandleOnceAndRefusesOpen() {
        Revocable r = Revocable.create("dev");
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        AtomicInteger c = new AtomicInteger();
        r.open(a::incrementAndGet);
        Revocable.Handle hb = r.open(b::incrementAndGet);
        Revocable.Handle hc = r.open(c::incrementAndGet);
        hc.close();
        r.revoke();
        r.revoke();
        assertEquals(1, a.get());
        assertEquals(1, b.get());
        assertEquals(1, c.get());
        hb.close();
        assertEquals(1, b.get());
        RevokedException e = assertThrows(RevokedException.class, () -> r.open(() -> { }));
        assertEquals("dev", e.objectName());
        assertTrue(e.getMessage().contains("dev"), e.getMessage());
        assertEquals(0, r.openHandles());
    }

    @Test
    void releaseThatThrowsIsReportedAfterEveryOtherReleaseRan() {
        Revocable r = Revocable.create("dev");
        AtomicInteger others = new AtomicInteger();
        r.open(others::incrementAndGet);
        r.open(() -> {
            throw new IllegalArgumentException("release failed");
        });
        r.open(others::incrementAndGet);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::revoke);
        assertEquals("release failed", e.getMessage());
        assertEquals(2, others.get());
        assertTrue(r.isRevocationComplete());
        r.revoke(); // a second call neither reruns nor rethrows
    }

    @Test
    void revokeWaitsForMethodsInFlight() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        TestThreads user = new TestThreads("user");
        user.start(() -> RevocableTimeoutTest.holdInside(r, entered, leave));
        assertTrue(entered.await(30, SECONDS));
        CompletableFuture<Void> revoking = CompletableFuture.runAsync(r::revoke, Thread::startVirtualThread);
        awaitCondition(r::isRevoked);
        assertFalse(r.tryEnter());
        assertThrows(TimeoutException.class, () -> revoking.get(200, TimeUnit.MILLISECONDS));
        assertEquals(0, released.get(), "release ran while a method was in flight");
        assertTrue(r.toString().contains("revoking"), r.toString());
        assertTrue(r.toString().contains("usersInFlight=1"), r.toString());
        leave.countDown();
        revoking.get(30, SECONDS);
        user.close();
        assertEquals(1, released.get());
        assertTrue(r.toString().contains("revoked"), r.toString());
    }

    @Test
    void kickWakesABlockedMethod() throws Exception {
        CountDownLatch kicked = new CountDownLatch(1);
        Revocable r = Revocable.create("tty", kicked::countDown);
        CountDownLatch entered = new CountDownLatch(1);
        try (TestThreads reader = new TestThreads("reader")) {
            reader.start(() -> {
                assertTrue(r.tryEnter());
                try {
                    entered.countDown();
                    // A read that waits for data indefinitely; only the kick ends it.
                    assertTrue(kicked.await(60, SECONDS), "not woken by the kick");
                } finally {
                    r.exit();
                }
            });
            assertTrue(entered.await(30, SECONDS));
            r.revoke();
        }
    }

    @Test
    void kickRunsOnceEvenWithConcurrentRevokes() throws Exception {
        AtomicInteger kicks = new AtomicInteger();
        Revocable r = Revocable.create("dev", kicks::incrementAndGet);
        try (TestThreads revokers = new TestThreads("revoker")) {
            for (int i = 0; i < 8; i++) {
                revokers.start(r::revoke);
            }
        }
        assertEquals(1, kicks.get());
    }

    @Test
    void revokeFromInsideThrowsAndChangesNothing() {
        Revocable r = Revocable.create("dev");
        assertTrue(r.tryEnter());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::revoke);
        assertTrue(e.getMessage().contains("revokeAsync"), e.getMessage());
        assertFalse(r.isRevoked());
        assertTrue(r.tryEnter());
        r.exit();
        r.exit();
        r.revoke();
    }

    @Test
    void revokeAsyncFromInsideCompletesAfterExit() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        assertTrue(r.tryEnter());
        CompletableFuture<Void> f = r.revokeAsync();
        assertTrue(r.isRevoked());
        assertFalse(r.tryEnter());
        assertThrows(RevokedException.class, () -> r.open(() -> { }));
        assertThrows(TimeoutException.class, () -> f.get(100, TimeUnit.MILLISECONDS));
        assertEquals(0, released.get());
        r.exit();
        f.get(30, SECONDS);
        assertEquals(1, released.get());
        assertTrue(r.isRevocationComplete());
        r.revokeAsync().get(30, SECONDS);
    }

    @Test
    void revokeFromInsideKickOrReleaseThrowsInsteadOfDeadlocking() {
        AtomicReference<Revocable> self = new AtomicReference<>();
        AtomicReference<Throwable> fromKick = new AtomicReference<>();
        Revocable r = Revocable.create("dev", () -> {
            try {
                self.get().revoke();
            } catch (Throwable t) {
                fromKick.set(t);
            }
        });
        self.set(r);
        AtomicReference<Throwable> fromRelease = new AtomicReference<>();
        r.open(() -> {
            try {
                r.revoke();
            } catch (Throwable t) {
                fromRelease.set(t);
            }
        });
        r.revoke();
        assertTrue(fromKick.get() instanceof IllegalStateException, String.valueOf(fromKick.get()));
        assertTrue(fromRelease.get() instanceof IllegalStateException, String.valueOf(fromRelease.get()));
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void closeFromInsideItsOwnReleaseReturns() {
        Revocable r = Revocable.create("dev");
        AtomicReference<Revocable.Handle> self = new AtomicReference<>();
        AtomicInteger released = new AtomicInteger();
        self.set(r.open(() -> {
            released.incrementAndGet();
            self.get().close();
        }));
        r.revoke();
        assertEquals(1, released.get());
    }

    @Test
    void revokeFromTheReleaseOfAClosingHandleCompletes() {
        Revocable r = Revocable.create("dev");
        AtomicInteger otherReleased = new AtomicInteger();
        r.open(otherReleased::incrementAndGet);
        Revocable.Handle h = r.open(r::revoke);
        h.close();
        assertTrue(r.isRevocationComplete());
        assertEquals(1, otherReleased.get());
    }

    @Test
    void revokeFromACloseReleaseWhileAnotherRevokeWaitsForItThrowsInsteadOfDeadlocking() throws Exception {
        Revocable r = Revocable.create("dev");
        CountDownLatch releasing = new CountDownLatch(1);
        CountDownLatch revokeUnderWay = new CountDownLatch(1);
        AtomicReference<Throwable> fromRelease = new AtomicReference<>();
        Revocable.Handle h = r.open(() -> {
            releasing.countDown();
            try {
                assertTrue(revokeUnderWay.await(30, SECONDS));
                r.revoke();
            } catch (Throwable t) {
                fromRelease.set(t);
            }
        });
        AtomicInteger other = new AtomicInteger();
        r.open(other::incrementAndGet);
        try (TestThreads threads = new TestThreads("close-vs-revoke")) {
            threads.start(h::close);
            assertTrue(releasing.await(30, SECONDS));
            threads.start(r::revoke);
            awaitCondition(r::isRevoked);
            revokeUnderWay.countDown();
        }
        assertTrue(fromRelease.get() instanceof IllegalStateException, String.valueOf(fromRelease.get()));
        assertTrue(fromRelease.get().getMessage().contains("revokeAsync"), fromRelease.get().getMessage());
        assertTrue(r.isRevocationComplete());
        assertEquals(1, other.get());
    }

    @Test
    void concurrentRevokesReturnOnlyAfterTheFirstCompletes() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        r.open(released::incrementAndGet);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        TestThreads user = new TestThreads("user");
        user.start(() -> RevocableTimeoutTest.holdInside(r, entered, leave));
        assertTrue(entered.await(30, SECONDS));
        List<CompletableFuture<Integer>> revokers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            revokers.add(CompletableFuture.supplyAsync(() -> {
                r.revoke();
                return released.get();
            }, Thread::startVirtualThread));
        }
        awaitCondition(r::isRevoked);
        for (CompletableFuture<Integer> f : revokers) {
            assertFalse(f.isDone());
        }
        leave.countDown();
        for (CompletableFuture<Integer> f : revokers) {
            assertEquals(1, f.get(30, SECONDS), "a revoke returned before the release ran");
        }
        user.close();
    }

    @Test
    void revokeIgnoresAnEntryLeftByATerminatedThread() throws Exception {
        Revocable r = Revocable.create("dev");
        try (TestThreads careless = new TestThreads("careless")) {
            careless.start(() -> assertTrue(r.tryEnter()));   // enters and dies without exit()
        }
        CompletableFuture.runAsync(r::revoke, Thread::startVirtualThread).get(30, SECONDS);
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void revokeKeepsTheInterruptStatus() throws Exception {
        Revocable r = Revocable.create("dev");
        r.open(() -> { });
        Thread.currentThread().interrupt();
        try {
            r.revoke();
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void toStringNamesStateUsersAndHandles() {
        Revocable r = Revocable.create("gpu0");
        Revocable.Handle h = r.open(() -> { });
        assertTrue(r.tryEnter());
        String s = r.toString();
        assertTrue(s.contains("gpu0") && s.contains("open") && s.contains("usersInFlight=1")
                && s.contains("openHandles=1"), s);
        r.exit();
        assertTrue(h.toString().contains("gpu0") && h.toString().contains("open"), h.toString());
        r.revoke();
        assertTrue(h.toString().contains("released by revoke"), h.toString());
        assertSame(r, h.revocable());
    }

    static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Duration bound = TestTimeouts.await();
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within " + bound);
            }
            Thread.sleep(1); // polling a condition with a deadline, not standing in for ordering
        }
    }
}
