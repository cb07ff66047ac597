package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * synchronize(Duration) and barrier(Duration): they return exactly when the unbounded forms would,
 * and otherwise throw a TimeoutException naming the threads that hold the grace period up,
 * leaving nothing that a later call cannot finish.
 */
class SrcuTimedWaitTest {

    private static final Duration SHORT = Duration.ofMillis(100);

    @Test
    void withNoReaderBothReturnAtOnce() throws Exception {
        try (Srcu srcu = Srcu.create("timed-idle")) {
            long before = srcu.stats().gracePeriodsCompleted();
            srcu.synchronize(Duration.ZERO);
            assertTrue(srcu.stats().gracePeriodsCompleted() > before);
            AtomicInteger ran = new AtomicInteger();
            srcu.callSrcu(ran::incrementAndGet);
            srcu.barrier(TestTimeouts.await());
            assertEquals(1, ran.get());
        }
    }

    @Test
    void aThreadThatDiedInsideASectionIsNamedAndALaterCallCannotComplete() throws Exception {
        Srcu srcu = Srcu.create("died-inside");
        Thread leaker = Thread.ofPlatform().name("died-inside-reader").start(srcu::readLock); // never unlocks
        leaker.join();
        TimeoutException e = assertThrows(TimeoutException.class, () -> srcu.synchronize(SHORT));
        assertMentions(e, "'died-inside'", "PT0.1S", "died-inside-reader", "#" + leaker.threadId(), "terminated");
        assertEquals(0, srcu.stats().gracePeriodsCompleted());
        AtomicInteger ran = new AtomicInteger();
        srcu.callSrcu(ran::incrementAndGet);
        TimeoutException b = assertThrows(TimeoutException.class, () -> srcu.barrier(SHORT));
        assertMentions(b, "'died-inside'", "1 callback", "died-inside-reader", "terminated");
        assertEquals(0, ran.get());
        assertThrows(IllegalStateException.class, srcu::close, "a leaked section keeps the domain open");
    }

    @Test
    void aTimedOutGracePeriodIsResumedAndCompletedByTheNextCall() throws Exception {
        try (Srcu srcu = Srcu.create("resumed")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("slow-reader"));
            reader.awaitInside();
            TimeoutException e = assertThrows(TimeoutException.class, () -> srcu.synchronize(SHORT));
            assertMentions(e, "slow-reader", "alive", "1 reader");
            AtomicInteger ran = new AtomicInteger();
            srcu.callSrcu(ran::incrementAndGet);
            assertThrows(TimeoutException.class, () -> srcu.barrier(SHORT));
            assertEquals(0, ran.get(), "the callback must wait for the reader");
            CountDownLatch returned = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("resumed")) {
                threads.start(() -> {
                    srcu.synchronize(TestTimeouts.join());
                    assertTrue(reader.leaving.get(), "synchronize returned while the reader was inside");
                    returned.countDown();
                });
                assertFalse(returned.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS));
                reader.releaseAndJoin();
            }
            srcu.barrier(TestTimeouts.await());
            assertEquals(1, ran.get());
            srcu.synchronize(); // the unbounded form works after timed ones
        }
    }

    @Test
    void barrierNamesACallbackThatIsStillRunning() throws Exception {
        try (Srcu srcu = Srcu.create("slow-callback")) {
            CountDownLatch inCallback = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            srcu.callSrcu(() -> {
                inCallback.countDown();
                try {
                    release.await(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(inCallback.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            TimeoutException e = assertThrows(TimeoutException.class, () -> srcu.barrier(SHORT));
            assertMentions(e, "still running", "srcu-slow-callback-callbacks", "alive");
            release.countDown();
            srcu.barrier(TestTimeouts.await());
        }
    }

    @Test
    void interruptedWhileWaitingThrowsAndClearsTheStatus() throws Exception {
        try (Srcu srcu = Srcu.create("interrupted")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("holding-reader"));
            reader.awaitInside();
            srcu.callSrcu(() -> { });
            for (boolean barrier : new boolean[] {false, true}) {
                Thread.currentThread().interrupt();
                assertThrows(InterruptedException.class, () -> {
                    if (barrier) {
                        srcu.barrier(TestTimeouts.join());
                    } else {
                        srcu.synchronize(TestTimeouts.join());
                    }
                });
                assertFalse(Thread.interrupted(), "the interrupt status is cleared");
            }
            try (TestThreads threads = new TestThreads("interrupter")) {
                CountDownLatch waiting = new CountDownLatch(1);
                Thread waiter = threads.start(() -> {
                    waiting.countDown();
                    assertThrows(InterruptedException.class, () -> srcu.synchronize(TestTimeouts.join()));
                    assertFalse(Thread.currentThread().isInterrupted());
                });
                assertTrue(waiting.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                waiter.interrupt();
            }
            reader.releaseAndJoin();
            srcu.synchronize(TestTimeouts.await());
            srcu.barrier(TestTimeouts.await());
        }
    }

    @Test
    void badTimeoutsAndMisuseThrowAsTheUnboundedForms() {
        try (Srcu srcu = Srcu.create("timed-misuse")) {
            NullPointerException npe = assertThrows(NullPointerException.class, () -> srcu.synchronize(null));
            assertTrue(npe.getMessage().contains("timeout"), npe.getMessage());
            assertThrows(NullPointerException.class, () -> srcu.barrier(null));
            IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                    () -> srcu.synchronize(Duration.ofMillis(-1)));
            assertTrue(iae.getMessage().contains("timeout") && iae.getMessage().contains("PT-0.001S"), iae.getMessage());
            assertThrows(IllegalArgumentException.class, () -> srcu.barrier(Duration.ofSeconds(-1)));
            int token = srcu.readLock();
            IllegalStateException ise = assertThrows(IllegalStateException.class, () -> srcu.synchronize(SHORT));
            assertTrue(ise.getMessage().contains("inside a read section"), ise.getMessage());
            assertThrows(IllegalStateException.class, () -> srcu.barrier(SHORT));
            srcu.readUnlock(token);
            assertDoesNotThrowChecked(() -> srcu.synchronize(Duration.ofSeconds(Long.MAX_VALUE))); // saturates
        }
        Srcu closed = Srcu.create("timed-closed");
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.synchronize(SHORT));
        assertThrows(IllegalStateException.class, () -> closed.barrier(SHORT));
    }

    private interface Checked {
        void run() throws Exception;
    }

    private static void assertDoesNotThrowChecked(Checked action) {
        try {
            action.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
