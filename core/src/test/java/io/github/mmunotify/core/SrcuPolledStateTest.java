package io.github.mmunotify.core;

import static io.github.mmunotify.core.CoreArgumentsTest.assertThrowsNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kernel's polled grace periods: {@code getState()} (a cookie that starts nothing),
 * {@code completedState()} (a cookie always done) and {@code pollState()} on any cookie of the domain.
 */
class SrcuPolledStateTest {

    @Test
    void getStateStartsNoGracePeriod() throws Exception {
        try (Srcu srcu = Srcu.create("get-state-idle")) {
            long before = srcu.stats().gracePeriodsCompleted();
            long cookie = srcu.getState();
            // Nothing drives a grace period: the cookie stays pending however long we look.
            long deadline = System.nanoTime() + TestTimeouts.quiet().toNanos();
            while (System.nanoTime() - deadline < 0) {
                assertFalse(srcu.pollState(cookie), "a getState() cookie completed with no grace period driven");
                Thread.onSpinWait();
            }
            assertEquals(before, srcu.stats().gracePeriodsCompleted(), "getState()/pollState() ran a grace period");
            srcu.synchronize(); // someone else's grace period serves it
            assertTrue(srcu.pollState(cookie));
        }
    }

    @Test
    void aCookieTakenWhileAReaderIsInsidePollsFalseUntilThatReaderLeaves() throws Exception {
        try (Srcu srcu = Srcu.create("get-state-reader")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("get-state-reader"));
            reader.awaitInside();
            long cookie = srcu.getState();
            // Grace periods are driven, but cannot end under the reader.
            srcu.startPoll();
            long deadline = System.nanoTime() + TestTimeouts.quiet().toNanos();
            while (System.nanoTime() - deadline < 0) {
                assertFalse(srcu.pollState(cookie), "pollState() true while a section that began before the"
                        + " cookie was inside");
            }
            reader.releaseAndJoin();
            srcu.synchronize();
            assertTrue(srcu.pollState(cookie));
        }
    }

    @Test
    void aCookieTakenInsideTheCallersOwnSectionCompletesOnlyAfterItIsLeft() throws Exception {
        try (Srcu srcu = Srcu.create("get-state-own")) {
            int token = srcu.readLock();
            long cookie = srcu.getState(); // legal inside: it does not wait
            CountDownLatch driven = new CountDownLatch(1);
            long polled = srcu.startPoll(); // the domain's thread drives, and waits for us
            assertFalse(srcu.pollState(cookie));
            assertFalse(srcu.pollState(polled));
            srcu.callSrcu(driven::countDown);
            assertFalse(driven.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS));
            assertFalse(srcu.pollState(cookie), "a cookie completed under the section it was taken in");
            srcu.readUnlock(token);
            assertTrue(driven.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            assertTrue(srcu.pollState(cookie));
            assertTrue(srcu.pollState(polled));
        }
    }

    @Test
    void completedStateIsAlwaysDoneEvenUnderAReader() throws Exception {
        try (Srcu srcu = Srcu.create("completed")) {
            long completed = srcu.completedState();
            assertTrue(srcu.pollState(completed));
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            assertTrue(srcu.pollState(completed), "completedState() polled false under a reader");
            assertEquals(completed, srcu.completedState(), "completedState() changed");
            assertNotEquals(completed, srcu.getState());
            reader.releaseAndJoin();
            srcu.synchronize();
            assertTrue(srcu.pollState(completed));
        }
    }

    @Test
    void cookiesOfAnotherDomainAreRefusedNamingTheCookie() {
        try (Srcu mine = Srcu.create("cookie-mine"); Srcu theirs = Srcu.create("cookie-theirs")) {
            long[] foreign = {theirs.getState(), theirs.startPoll(), theirs.completedState()};
            for (long cookie : foreign) {
                assertThrowsNaming(IllegalArgumentException.class, () -> mine.pollState(cookie),
                        String.valueOf(cookie), "'cookie-mine'", "another domain");
            }
            assertTrue(theirs.pollState(theirs.completedState()));
        }
    }

    @Test
    void forgedCookiesAreRefusedAndTheRealOnesStillWork() {
        try (Srcu srcu = Srcu.create("cookie-forged")) {
            long cookie = srcu.getState();
            long completed = srcu.completedState();
            for (long forged : new long[] {cookie + 1, cookie + 2 * 1_000_000, completed + 2, completed - 1,
                    cookie ^ (1L << 62), 0, 1, -1, Long.MIN_VALUE}) {
                assertThrowsNaming(IllegalArgumentException.class, () -> srcu.pollState(forged),
                        "cookie " + forged, "cookie-forged");
            }
            srcu.synchronize();
            assertTrue(srcu.pollState(cookie));
            assertTrue(srcu.pollState(completed));
        }
    }

    @Test
    void cookiesArePositiveAndCarryTheDomainsTag() {
        try (Srcu srcu = Srcu.create("cookie-shape")) {
            long a = srcu.getState();
            long b = srcu.startPoll();
            long c = srcu.completedState();
            assertTrue(a > 0 && b > 0 && c > 0, a + " " + b + " " + c);
            assertEquals(a >>> SrcuCookies.SEQUENCE_BITS, c >>> SrcuCookies.SEQUENCE_BITS);
            assertEquals(b >>> SrcuCookies.SEQUENCE_BITS, c >>> SrcuCookies.SEQUENCE_BITS);
        }
    }

    @Test
    void afterCloseGetStateAndPollStateThrowAndCompletedStateStillAnswers() {
        Srcu srcu = Srcu.create("cookie-closed");
        long cookie = srcu.getState();
        long completed = srcu.completedState();
        srcu.close();
        assertThrowsNaming(IllegalStateException.class, srcu::getState, "getState()", "cookie-closed", "closed");
        assertThrowsNaming(IllegalStateException.class, () -> srcu.pollState(cookie), "pollState()", "closed");
        assertEquals(completed, srcu.completedState());
    }

    // ---- counter wrap, on the encoding itself (40 bits of sequence in a cookie) ----

    private static final long WRAP = 1L << SrcuCookies.SEQUENCE_BITS;

    @Test
    void aCookieIsWidenedExactlyAcrossTheWrapOfItsSequenceBits() {
        SrcuCookies cookies = new SrcuCookies("wrap");
        for (long full : new long[] {2, 4, WRAP - 4, WRAP - 2, WRAP, WRAP + 2, 5 * WRAP - 2, 5 * WRAP + 6}) {
            long cookie = cookies.encode(full);
            // Polled right away (snap = the cookie itself) and up to half the window later.
            for (long later : new long[] {0, 2, 1_000, WRAP / 2 - 2}) {
                assertEquals(full, cookies.widen(cookie, full + later), "cookie for " + full + ", " + later
                        + " later");
            }
        }
    }

    @Test
    void aCookieHeldAcrossAWholeWindowAliasesAFreshOneAndIsNeverDoneEarly() {
        SrcuCookies cookies = new SrcuCookies("alias");
        long full = 3 * WRAP + 10;
        long cookie = cookies.encode(full);
        // Exactly one window later the domain's latest cookie has the same low bits: read as that
        // fresh cookie, the old one is reported not done (until that grace period ends), never done early.
        assertEquals(full + WRAP, cookies.widen(cookie, full + WRAP));
        // A little later it is read as done again (the aliased grace period ended).
        assertEquals(full + WRAP, cookies.widen(cookie, full + WRAP + 4));
    }

    @Test
    void aCookieAheadOfEveryCookieHandedOutIsRefusedWhileTheDomainIsYoung() {
        SrcuCookies cookies = new SrcuCookies("future");
        long snap = 1_000;
        assertThrowsNaming(IllegalArgumentException.class, () -> cookies.widen(cookies.encode(snap + 2), snap),
                "ahead of every cookie");
        assertThrowsNaming(IllegalArgumentException.class, () -> cookies.widen(cookies.encode(0), snap),
                "ahead of every cookie");
        assertEquals(SrcuCookies.ALWAYS_DONE, cookies.widen(cookies.completed(), snap));
    }
}
