package io.github.mmunotify.core;

import static io.github.mmunotify.core.CoreArgumentsTest.assertThrowsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.JfrCapture;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/** {@code synchronizeExpedited()}: synchronize()'s guarantee and misuse rules, driven without sleeping. */
class SrcuExpeditedTest {

    @Test
    void withNoReadersItCompletesAGracePeriod() {
        try (Srcu srcu = Srcu.create("exp-idle")) {
            long before = srcu.stats().gracePeriodsCompleted();
            srcu.synchronizeExpedited();
            assertTrue(srcu.stats().gracePeriodsCompleted() > before);
        }
    }

    @Test
    void itWaitsForAReaderThatBeganBefore() throws Exception {
        waitsForReader(false);
    }

    @Test
    void itWaitsForAReaderThatBeganBeforeWhenTimed() throws Exception {
        waitsForReader(true);
    }

    private static void waitsForReader(boolean timed) throws Exception {
        try (Srcu srcu = Srcu.create("exp-waits"); TestThreads updater = new TestThreads("exp-updater")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("exp-reader"));
            reader.awaitInside();
            CountDownLatch returned = new CountDownLatch(1);
            AtomicBoolean readerWasLeaving = new AtomicBoolean();
            updater.start(() -> {
                if (timed) {
                    srcu.synchronizeExpedited(TestTimeouts.join());
                } else {
                    srcu.synchronizeExpedited();
                }
                readerWasLeaving.set(reader.leaving.get());
                returned.countDown();
            });
            assertFalse(returned.await(TestTimeouts.quiet().toMillis() * 4, TimeUnit.MILLISECONDS),
                    "synchronizeExpedited() returned while a reader that began before it was inside");
            reader.releaseAndJoin();
            assertTrue(returned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS),
                    "synchronizeExpedited() never returned");
            assertTrue(readerWasLeaving.get(), "returned before the reader's section ended");
        }
    }

    @Test
    void itExpeditesTheGracePeriodAnotherThreadIsAlreadyDriving() throws Exception {
        // A plain synchronize() drives and sleeps in its back-off; an expedited caller joins it.
        // Both must return once the reader leaves (the expedited one woke the sleeping driver).
        try (Srcu srcu = Srcu.create("exp-join"); TestThreads threads = new TestThreads("exp-join")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            CountDownLatch both = new CountDownLatch(2);
            threads.start(() -> {
                srcu.synchronize();
                both.countDown();
            });
            threads.start(() -> {
                srcu.synchronizeExpedited();
                both.countDown();
            });
            assertFalse(both.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(2, both.getCount(), "a grace period ended under the reader");
            reader.releaseAndJoin();
            assertTrue(both.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void itCompletesOutstandingCookies() {
        try (Srcu srcu = Srcu.create("exp-cookies")) {
            long state = srcu.getState();
            long polled = srcu.startPoll();
            srcu.synchronizeExpedited();
            assertTrue(srcu.pollState(state));
            assertTrue(srcu.pollState(polled));
        }
    }

    @Test
    void insideAReadSectionItThrowsInsteadOfDeadlocking() {
        try (Srcu srcu = Srcu.create("exp-self")) {
            int token = srcu.readLock();
            try {
                assertThrowsNaming(IllegalStateException.class, srcu::synchronizeExpedited,
                        "synchronizeExpedited()", "inside a read section", "'exp-self'");
                assertThrowsNaming(IllegalStateException.class,
                        () -> srcu.synchronizeExpedited(Duration.ofSeconds(1)),
                        "synchronizeExpedited(Duration)", "inside a read section");
            } finally {
                srcu.readUnlock(token);
            }
            srcu.synchronizeExpedited(); // nothing was left half-done
        }
    }

    @Test
    void fromTheStallHandlerItThrows() throws Exception {
        CountDownLatch handled = new CountDownLatch(1);
        AtomicReference<Srcu> domain = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Srcu srcu = Srcu.builder("exp-stall").stallThreshold(Duration.ofMillis(1)).stallHandler(stall -> {
            try {
                domain.get().synchronizeExpedited();
            } catch (Throwable t) {
                thrown.set(t);
            } finally {
                handled.countDown();
            }
        }).build();
        domain.set(srcu);
        try {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            // This thread drives the grace period, so the stall handler runs here, inside the wait.
            assertThrows(TimeoutException.class, () -> srcu.synchronizeExpedited(TestTimeouts.quiet().multipliedBy(4)));
            assertTrue(handled.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS), "no stall reported");
            assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
            assertTrue(thrown.get().getMessage().contains("stall handler"), thrown.get().getMessage());
            reader.releaseAndJoin();
        } finally {
            srcu.close();
        }
    }

    @Test
    void timedOutItNamesTheReaderAndALaterSynchronizeCompletes() throws Exception {
        try (Srcu srcu = Srcu.create("exp-timeout")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("exp-stuck-reader"));
            reader.awaitInside();
            assertThrowsNaming(TimeoutException.class, () -> srcu.synchronizeExpedited(Duration.ofMillis(20)),
                    "synchronizeExpedited(PT0.02S)", "exp-timeout", "exp-stuck-reader");
            reader.releaseAndJoin();
            srcu.synchronize();
        }
    }

    @Test
    void aTimedWaitIsEndedByAnInterrupt() throws Exception {
        try (Srcu srcu = Srcu.create("exp-interrupt"); TestThreads threads = new TestThreads("exp-interrupt")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            CountDownLatch interrupted = new CountDownLatch(1);
            Thread waiter = threads.start(() -> {
                assertThrows(InterruptedException.class, () -> srcu.synchronizeExpedited(TestTimeouts.join()));
                assertFalse(Thread.currentThread().isInterrupted(), "interrupt status not cleared");
                interrupted.countDown();
            });
            // The waiter may not have reached its wait yet: the interrupt is then pending and ends
            // the wait at its start (the reader is inside, so the grace period is not done).
            waiter.interrupt();
            assertTrue(interrupted.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            reader.releaseAndJoin();
        }
    }

    @Test
    void afterCloseItThrowsAsSynchronizeDoes() {
        Srcu srcu = Srcu.create("exp-closed");
        srcu.close();
        assertThrowsNaming(IllegalStateException.class, srcu::synchronizeExpedited, "synchronizeExpedited()",
                "exp-closed", "closed");
        assertThrowsNaming(IllegalStateException.class, () -> srcu.synchronizeExpedited(Duration.ZERO),
                "synchronizeExpedited(Duration)", "closed");
    }

    @Test
    void argumentsAreChecked() {
        try (Srcu srcu = Srcu.create("exp-args")) {
            assertThrows(NullPointerException.class, () -> srcu.synchronizeExpedited(null));
            assertThrowsNaming(IllegalArgumentException.class, () -> srcu.synchronizeExpedited(Duration.ofNanos(-1)),
                    "negative");
        }
    }

    @Test
    void theJfrEventSaysExpedited() throws Throwable {
        try (Srcu srcu = Srcu.create("exp-jfr")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            List<RecordedEvent> events = JfrCapture.enabled(List.of(GracePeriodEvent.NAME), () -> {
                assertThrows(TimeoutException.class, () -> srcu.synchronizeExpedited(Duration.ZERO));
                assertThrows(TimeoutException.class, () -> srcu.synchronize(Duration.ZERO));
                reader.releaseAndJoin();
            });
            events = events.stream().filter(e -> "exp-jfr".equals(e.getString("domain"))).toList();
            assertEquals(2, events.size(), events.toString());
            assertEquals("synchronizeExpedited(Duration)", events.get(0).getString("waiter"));
            assertTrue(events.get(0).getBoolean("expedited"));
            assertEquals("synchronize(Duration)", events.get(1).getString("waiter"));
            assertFalse(events.get(1).getBoolean("expedited"));
        }
    }
}
