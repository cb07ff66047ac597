package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Polled grace periods: startPoll() / pollState(cookie). */
class SrcuPollTest {

    private static final long SECONDS = 60;

    /** Polls until the cookie is done or the deadline passes; returns whether it became done. */
    private static boolean awaitPolled(Srcu srcu, long cookie, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!srcu.pollState(cookie)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }

    @Test
    void aPolledGracePeriodCompletesWithoutAnyoneSynchronizing() {
        try (Srcu srcu = Srcu.create("poll")) {
            long cookie = srcu.startPoll();
            assertTrue(awaitPolled(srcu, cookie, SECONDS, TimeUnit.SECONDS));
            assertTrue(srcu.stats().gracePeriodsCompleted() >= 1);
        }
    }

    @Test
    void aPolledGracePeriodWaitsForAReaderThatBeganBefore() throws Exception {
        try (Srcu srcu = Srcu.create("poll-reader")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofVirtual());
            reader.awaitInside();
            long cookie = srcu.startPoll();
            assertFalse(awaitPolled(srcu, cookie, 200, TimeUnit.MILLISECONDS),
                    "the polled grace period ended while a prior reader was inside");
            reader.releaseAndJoin();
            assertTrue(awaitPolled(srcu, cookie, SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void synchronizeAlsoCompletesOutstandingCookies() {
        try (Srcu srcu = Srcu.create("poll-sync")) {
            long cookie = srcu.startPoll();
            srcu.synchronize();
            assertTrue(srcu.pollState(cookie));
        }
    }

    @Test
    void concurrentPollsShareOneCookie() {
        try (Srcu srcu = Srcu.create("poll-share")) {
            int token = srcu.readLock(); // holds the grace period, so both requests see the same state
            long first = srcu.startPoll();
            long second = srcu.startPoll();
            assertTrue(second - first <= 2, "cookies " + first + " and " + second);
            srcu.readUnlock(token);
            srcu.synchronize();
            assertTrue(srcu.pollState(first));
            assertTrue(srcu.pollState(second));
        }
    }

    @Test
    void aCookieThatWasNeverIssuedIsRejected() {
        try (Srcu srcu = Srcu.create("poll-bad")) {
            long cookie = srcu.startPoll();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> srcu.pollState(cookie + 1_000));
            assertTrue(e.getMessage().contains("startPoll"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> srcu.pollState(cookie + 1));
            assertThrows(IllegalArgumentException.class, () -> srcu.pollState(-2));
            assertEquals(true, awaitPolled(srcu, cookie, SECONDS, TimeUnit.SECONDS));
        }
    }
}
