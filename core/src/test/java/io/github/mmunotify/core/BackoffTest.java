package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one back-off: how many times it spins before it parks. */
class BackoffTest {

    /** A scan that takes this long: a grace period over many platform readers. */
    private static final long SLOW_SCAN_NANOS = 10_000;

    /**
     * A reader that stays inside must not make the updater burn a processor rescanning.
     * With scans of 10 us, the 200 spins the count allows would be 2 ms of spinning; the time
     * budget stops them after {@value Backoff#READER_SPIN_BUDGET_NANOS} ns, i.e. within 6 scans
     * (time only makes it fewer: a preempted spin has used up more of the budget). Without the
     * budget this counted 200.
     */
    @Test
    void aGracePeriodParksOnceItsSpinBudgetIsSpentHoweverFewScansThatWas() {
        Backoff backoff = Backoff.forReaders();
        int spins = 0;
        while (!backoff.idle(Long.MAX_VALUE)) {
            spins++;
            busyFor(SLOW_SCAN_NANOS);
        }
        long most = Backoff.READER_SPIN_BUDGET_NANOS / SLOW_SCAN_NANOS + 1;
        assertTrue(spins <= most, spins + " spins of " + SLOW_SCAN_NANOS + " ns scans before parking; at most "
                + most + " fit the budget");
        assertTrue(backoff.spinsDone());
    }

    /** Revocations keep a count-only spin phase: their waits are short and unpark on exit. */
    @Test
    void aRevocationSpinsItsFullCountBeforeParking() {
        Backoff backoff = Backoff.forUsers();
        int spins = 0;
        while (!backoff.idle(1_000)) {
            spins++;
        }
        assertEquals(Backoff.USER_SPINS, spins);
    }

    private static void busyFor(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }
}
