package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;

/**
 * Throwables through {@link Revocable}: a {@code StackOverflowError} at any point inside
 * {@code tryEnter()}/{@code exit()}, and {@code Error}s thrown by the kick and by releases, leave
 * nothing counted, no handle half-released and no revoke hanging.
 */
class RevocableFaultTest {

    private static final int SWEEPS = StressSize.of("stackOverflowSweeps", 8);
    private static final long SMALL_STACK = 512 * 1024;

    /** Per sweep: entries that succeeded, tryEnter/exit calls that threw. */
    private static final class Tally {
        long entered;
        long exited;
        long thrown;
    }

    @Test
    void aStackOverflowAnywhereInTryEnterOrExitOfAnOwnCellLeavesTheCountExact() throws Exception {
        Revocable r = Revocable.create("own-cell");
        sweepOnNewThread(r, false);
    }

    @Test
    void aStackOverflowAnywhereInTryEnterOrExitThroughTheOverflowCellLeavesTheCountExact() throws Exception {
        Revocable r = Revocable.create("overflow-cell");
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads owners = new TestThreads("cell-owner")) {
            ownEveryCell(r, owners, leave);
            sweepOnNewThread(r, true);
            leave.countDown();
        }
        r.revoke(TestTimeouts.await());
        assertTrue(r.isRevocationComplete());
    }

    /**
     * Recurses until the stack overflows and, on the way back, tries tryEnter() (then exit()) once
     * per frame, so that the overflow strikes at every call depth inside them; then checks that the
     * count matches exactly the calls that returned normally.
     */
    private static void sweepOnNewThread(Revocable r, boolean expectOverflowPath) throws Exception {
        for (int attempt = 0; ; attempt++) {
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().name("sweeper-" + attempt).stackSize(SMALL_STACK).start(() -> {
                try {
                    result.complete(sweep(r, expectOverflowPath));
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
            boolean swept = result.get(TestTimeouts.join().toSeconds(), TimeUnit.SECONDS);
            t.join(TestTimeouts.await().toMillis());
            if (swept) {
                return;
            }
            assertTrue(attempt < 50, "no sweeper thread ever landed in the overflow cell");
        }
    }

    /** Returns false, having done nothing, if the thread's entries do not take the path wanted. */
    private static boolean sweep(Revocable r, boolean expectOverflowPath) {
        assertTrue(r.tryEnter());
        boolean overflowPath = r.overflowEntries() > 0;
        r.exit();
        if (overflowPath != expectOverflowPath) {
            return false;
        }
        long overflowed = 0;
        for (int round = 0; round < SWEEPS; round++) {
            Tally enters = new Tally();
            enterAtEveryDepth(r, enters);
            assertEquals(enters.entered, r.usersInFlight(), "entries counted vs tryEnter() calls that returned true ("
                    + enters.thrown + " threw)");
            Tally exits = new Tally();
            exitAtEveryDepth(r, exits, enters.entered);
            assertEquals(enters.entered - exits.exited, r.usersInFlight(), "entries left vs exit() calls that returned ("
                    + exits.thrown + " threw)");
            for (long i = exits.exited; i < enters.entered; i++) {
                r.exit();
            }
            assertEquals(0, r.usersInFlight());
            assertFalse(r.isInsideOnCurrentThread());
            assertThrows(IllegalStateException.class, r::exit);
            assertEquals(0, r.usersInFlight(), "an unbalanced exit() changed the count");
            overflowed += enters.thrown + exits.thrown;
        }
        assertTrue(overflowed > 0, "the stack never overflowed at a tryEnter() or exit()");
        return true;
    }

    private static void enterAtEveryDepth(Revocable r, Tally tally) {
        try {
            enterAtEveryDepth(r, tally);
        } catch (StackOverflowError deepest) {
            // the bottom: unwind, trying at each frame
        }
        try {
            if (r.tryEnter()) {
                tally.entered++;
            }
        } catch (StackOverflowError e) {
            tally.thrown++;
        }
    }

    private static void exitAtEveryDepth(Revocable r, Tally tally, long budget) {
        try {
            exitAtEveryDepth(r, tally, budget);
        } catch (StackOverflowError deepest) {
            // the bottom: unwind, trying at each frame
        }
        if (tally.exited < budget) {
            try {
                r.exit();
                tally.exited++;
            } catch (StackOverflowError e) {
                tally.thrown++;
            }
        }
    }

    /** Starts live threads that each own a cell of {@code r}, until no cell is left; they stay until {@code leave}. */
    static void ownEveryCell(Revocable r, TestThreads owners, CountDownLatch leave) throws InterruptedException {
        int owning = 1024;
        CountDownLatch owned = new CountDownLatch(owning);
        for (int i = 0; i < owning; i++) {
            owners.startVirtual(() -> {
                assertTrue(r.tryEnter());
                r.exit();
                owned.countDown();
                assertTrue(leave.await(TestTimeouts.join().toSeconds(), TimeUnit.SECONDS));
            });
        }
        assertTrue(owned.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------------------------------
    // Errors thrown by foreign code: the kick and the releases.

    @Test
    void releasesThatThrowErrorsAreAllRunMarkedReleasedAndTheFirstIsRethrownWithTheOthersSuppressed() {
        AtomicInteger kicked = new AtomicInteger();
        Revocable r = Revocable.create("dev", () -> {
            kicked.incrementAndGet();
            throw new OutOfMemoryError("kick: simulated");
        });
        AtomicInteger ran = new AtomicInteger();
        List<Revocable.Handle> handles = new ArrayList<>();
        handles.add(r.open(ran::incrementAndGet));
        handles.add(r.open(() -> {
            ran.incrementAndGet();
            throw new StackOverflowError("release: simulated");
        }));
        handles.add(r.open(() -> {
            ran.incrementAndGet();
            recurseForever(0);
        }));
        handles.add(r.open(ran::incrementAndGet));
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, r::revoke);
        assertEquals("kick: simulated", e.getMessage());
        assertEquals(2, e.getSuppressed().length);
        assertInstanceOf(StackOverflowError.class, e.getSuppressed()[0]);
        assertInstanceOf(StackOverflowError.class, e.getSuppressed()[1]);
        assertEquals(1, kicked.get());
        assertEquals(4, ran.get());
        for (Revocable.Handle h : handles) {
            assertTrue(h.isReleasedByRevoke(), h.toString());
        }
        assertTrue(r.isRevocationComplete());
        assertEquals(0, r.openHandles());
        r.revoke(); // neither reruns nor rethrows
        assertEquals(4, ran.get());
    }

    @Test
    void aTimedRevokeRethrowsAReleaseErrorAfterCompleting() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger ran = new AtomicInteger();
        r.open(() -> {
            throw new AssertionError("release: simulated");
        });
        r.open(ran::incrementAndGet);
        assertThrows(AssertionError.class, () -> r.revoke(TestTimeouts.await()));
        assertEquals(1, ran.get());
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void closeWhoseReleaseThrowsAnErrorStillReleasesAndDetachesTheHandle() {
        Revocable r = Revocable.create("dev");
        OutOfMemoryError oom = new OutOfMemoryError("release: simulated");
        Revocable.Handle h = r.open(() -> {
            throw oom;
        });
        assertSame(oom, assertThrows(OutOfMemoryError.class, h::close));
        assertFalse(h.isOpen());
        assertEquals(0, r.openHandles());
        h.close(); // idempotent, does not rethrow
        r.revoke();
        assertFalse(h.isReleasedByRevoke());
    }

    @Test
    void closeFromInsideAMethodWhileARevokeWaitsForThatMethodRunsTheReleaseWithoutDeadlock() throws Exception {
        Revocable r = Revocable.create("dev");
        AtomicInteger released = new AtomicInteger();
        Revocable.Handle h = r.open(released::incrementAndGet);
        assertTrue(r.tryEnter());
        try (TestThreads threads = new TestThreads("revoker")) {
            threads.start(() -> r.revoke(TestTimeouts.join()));
            RevocableTest.awaitCondition(r::isRevoked);
            h.close(); // the revoke is draining, waiting for this thread: the release runs here
            assertEquals(1, released.get());
            r.exit();
        }
        assertTrue(r.isRevocationComplete());
        assertFalse(h.isReleasedByRevoke());
        assertEquals(1, released.get());
    }

    private static int recurseForever(int depth) {
        return recurseForever(depth + 1) + 1;
    }

    @Test
    void aPollerSurvivesAnInterruptAndRevokeStillCompletes() throws Exception {
        Revocable r = Revocable.create("dev");
        Revocable.Handle h = r.open(() -> { });
        try (TestThreads threads = new TestThreads("poller")) {
            Thread poller = threads.start(() -> {
                Revocable.Events e = h.poll(Duration.ofMinutes(10));
                assertTrue(Thread.currentThread().isInterrupted());
                assertFalse(e.hangUp());
            });
            RevocablePollTest.awaitParked(poller);
            poller.interrupt();
        }
        r.revoke(TestTimeouts.await());
        assertTrue(h.poll(Duration.ZERO).hangUp());
    }
}
