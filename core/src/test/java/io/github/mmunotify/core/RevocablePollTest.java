package io.github.mmunotify.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Change notification (kernfs_notify) and poll on {@link Revocable.Handle}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RevocablePollTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void pollReportsChangesSinceTheLastPoll() {
        Revocable r = Revocable.create("sysfs-attr");
        r.notifyChanged(); // before open: not this handle's business
        Revocable.Handle h = r.open(() -> { });
        assertEquals(new Revocable.Events(0, false, false), h.poll(Duration.ZERO));
        r.notifyChanged();
        r.notifyChanged();
        Revocable.Events e = h.poll(Duration.ZERO);
        assertEquals(2, e.changes());
        assertTrue(e.any());
        assertFalse(e.hangUp() || e.error());
        assertEquals(0, h.poll(Duration.ZERO).changes());
        assertEquals(3, r.changeCount());
    }

    @Test
    void aParkedPollerWakesOnNotify() throws Exception {
        Revocable r = Revocable.create("sysfs-attr");
        Revocable.Handle h = r.open(() -> { });
        CountDownLatch polling = new CountDownLatch(1);
        CompletableFuture<Revocable.Events> result = new CompletableFuture<>();
        TestThreads threads = new TestThreads("poller");
        Thread poller = threads.start(() -> {
            polling.countDown();
            result.complete(h.poll(LONG));
        });
        assertTrue(polling.await(30, SECONDS));
        awaitParked(poller);
        long start = System.nanoTime();
        r.notifyChanged();
        Revocable.Events e = result.get(30, SECONDS);
        assertEquals(1, e.changes());
        assertFalse(e.hangUp());
        assertTrue(System.nanoTime() - start < LONG.toNanos() / 2, "poller was not woken by notify");
        threads.close();
    }

    @Test
    void revokeWakesEveryPollerWithHangUpAndError() throws Exception {
        Revocable r = Revocable.create("usb-dev");
        int pollers = 8;
        List<CompletableFuture<Revocable.Events>> results = new ArrayList<>();
        List<Thread> started = new ArrayList<>();
        try (TestThreads threads = new TestThreads("poller")) {
            for (int i = 0; i < pollers; i++) {
                Revocable.Handle h = r.open(() -> { });
                CompletableFuture<Revocable.Events> f = new CompletableFuture<>();
                results.add(f);
                TestThreads.Body poll = () -> f.complete(h.poll(LONG));
                started.add(i % 2 == 0 ? threads.start(poll) : threads.startVirtual(poll));
            }
            for (Thread t : started) {
                awaitParked(t);
            }
            r.revoke();
        }
        for (CompletableFuture<Revocable.Events> f : results) {
            Revocable.Events e = f.get(30, SECONDS);
            assertTrue(e.hangUp() && e.error(), e.toString());
        }
    }

    @Test
    void pollAfterRevocationReturnsHangUpAtOnce() {
        Revocable r = Revocable.create("usb-dev");
        Revocable.Handle h = r.open(() -> { });
        r.revoke();
        Revocable.Events e = h.poll(LONG);
        assertTrue(e.hangUp() && e.error());
    }

    @Test
    void pollRejectsMisuse() {
        Revocable r = Revocable.create("attr");
        Revocable.Handle h = r.open(() -> { });
        assertThrows(IllegalArgumentException.class, () -> h.poll(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> h.poll(null));
        h.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.poll(Duration.ZERO));
        assertTrue(e.getMessage().contains("attr"), e.getMessage());
    }

    @Test
    void pollEndsEarlyOnInterruptAndKeepsTheStatus() {
        Revocable r = Revocable.create("attr");
        Revocable.Handle h = r.open(() -> { });
        Thread.currentThread().interrupt();
        try {
            Revocable.Events e = h.poll(LONG);
            assertFalse(e.any());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void notifyIsSafeFromInsideMethodsAndReleases() {
        Revocable r = Revocable.create("attr");
        Revocable.Handle watcher = r.open(() -> { });
        r.open(r::notifyChanged);
        assertTrue(r.tryEnter());
        r.notifyChanged();
        r.exit();
        r.revoke();
        r.notifyChanged();
        Revocable.Events e = watcher.poll(Duration.ZERO);
        assertEquals(3, e.changes());
        assertTrue(e.hangUp());
    }

    @Test
    void everyNotifyFromManyThreadsIsCountedOnce() throws Exception {
        Revocable r = Revocable.create("attr");
        Revocable.Handle h = r.open(() -> { });
        int threads = 4;
        int each = StressSize.of("notifiesPerThread", 20_000);
        AtomicLong seen = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        TestThreads all = new TestThreads("notify");
        all.start(() -> {
            try {
                while (done.getCount() > 0) {
                    seen.addAndGet(h.poll(Duration.ofMillis(50)).changes());
                }
            } finally {
                seen.addAndGet(h.poll(Duration.ZERO).changes());
            }
        });
        for (int t = 0; t < threads; t++) {
            all.start(() -> {
                for (int i = 0; i < each; i++) {
                    r.notifyChanged();
                }
                done.countDown();
            });
        }
        assertTrue(done.await(30, SECONDS));
        all.close();
        assertEquals((long) threads * each, seen.get());
    }

    /** Waits until {@code t} is parked (in poll), with a bound. */
    static void awaitParked(Thread t) throws InterruptedException {
        RevocableTest.awaitCondition(() -> t.getState() == Thread.State.TIMED_WAITING
                || t.getState() == Thread.State.WAITING);
    }
}
