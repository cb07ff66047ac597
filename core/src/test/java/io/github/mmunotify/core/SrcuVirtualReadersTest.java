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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The striped read side of virtual threads: grace periods wait for their sections, nesting and
 * out-of-order unlocks work, and every misuse check that virtual threads keep still refuses and
 * changes nothing.
 */
class SrcuVirtualReadersTest {

    @Test
    void aVirtualThreadsSectionHoldsUpSynchronizeUntilItIsLeft() throws Exception {
        try (Srcu srcu = Srcu.create("virtual-holds")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofVirtual().name("held-virtual"));
            reader.awaitInside();
            assertEquals(0, srcu.registeredReaders(), "a virtual thread registers no per-thread reader");
            assertEquals(1, srcu.stats().readersActive());
            CountDownLatch returned = new CountDownLatch(1);
            try (TestThreads updater = new TestThreads("updater")) {
                updater.start(() -> {
                    srcu.synchronize();
                    assertTrue(reader.leaving.get(), "synchronize() returned while the virtual reader was inside");
                    returned.countDown();
                });
                assertFalse(returned.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS),
                        "synchronize() did not wait for the virtual thread's section");
                reader.releaseAndJoin();
            }
            assertEquals(0, returned.getCount());
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void aTimedSynchronizeNamesTheStripedSectionsItWaitsFor() throws Exception {
        try (Srcu srcu = Srcu.create("virtual-timeout")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofVirtual().name("held-virtual"));
            reader.awaitInside();
            TimeoutException e = assertThrows(TimeoutException.class, () -> srcu.synchronize(Duration.ofMillis(20)));
            assertTrue(e.getMessage().contains("1 read section(s) of virtual threads or shared sections"),
                    e.getMessage());
            IllegalStateException refused = assertThrows(IllegalStateException.class, srcu::close);
            assertTrue(refused.getMessage().contains("virtual threads or shared sections"), refused.getMessage());
            reader.releaseAndJoin();
            srcu.synchronize(); // resumes the timed-out grace period
        }
    }

    @Test
    void nestedAndOutOfOrderSectionsHoldUntilTheLastIsLeft() throws Exception {
        try (Srcu srcu = Srcu.create("virtual-nesting");
             TestThreads threads = new TestThreads("nesting")) {
            CountDownLatch outerLeft = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<Boolean> leftLast = new AtomicReference<>(false);
            threads.startVirtual(() -> {
                int outer = srcu.readLock();
                int inner = srcu.readLock();
                srcu.readUnlock(outer); // not LIFO: the inner section outlives the outer one
                assertTrue(srcu.isReaderOnCurrentThread(), "the inner section is still held");
                outerLeft.countDown();
                assertTrue(release.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                leftLast.set(true);
                srcu.readUnlock(inner);
                assertFalse(srcu.isReaderOnCurrentThread());
            });
            assertTrue(outerLeft.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            assertFalse(completesWithin(srcu, TestTimeouts.quiet()), "synchronize() ignored the inner section");
            release.countDown();
            threads.join();
            srcu.synchronize();
            assertTrue(leftLast.get());
        }
    }

    @Test
    void sectionsOnBothIndicesAreCountedWhereTheOutermostBegan() throws Exception {
        try (Srcu srcu = Srcu.create("virtual-flip");
             TestThreads threads = new TestThreads("flip")) {
            CountDownLatch firstIn = new CountDownLatch(1);
            CountDownLatch flipped = new CountDownLatch(1);
            CountDownLatch afterFlip = new CountDownLatch(1);
            threads.startVirtual(() -> {
                int first = srcu.readLock();
                firstIn.countDown();
                afterFlip.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                int second = srcu.readLock(); // on the other index: the timed grace period flipped
                flipped.countDown();
                assertTrue((first & 1) != (second & 1), "no flip between the two sections");
                srcu.readUnlock(first);
                assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(first),
                        "a token of an index the thread holds nothing on any more");
                assertTrue(srcu.isReaderOnCurrentThread(), "the refused unlock left the second section");
                srcu.readUnlock(second);
                assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(second), "already left");
            });
            assertTrue(firstIn.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            // A timed grace period gets past the flip and stops, waiting for the first section.
            assertThrows(TimeoutException.class, () -> srcu.synchronize(Duration.ofMillis(20)));
            afterFlip.countDown();
            assertTrue(flipped.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            threads.join();
            srcu.synchronize();
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void misusedTokensAreRefusedOnVirtualThreadsAndChangeNothing() throws Exception {
        try (Srcu srcu = Srcu.create("virtual-misuse"); Srcu other = Srcu.create("other");
             TestThreads holder = new TestThreads("holder"); TestThreads checker = new TestThreads("checker")) {
            int platformToken = srcu.readLock(); // the test thread is a platform thread
            CountDownLatch theirsTaken = new CountDownLatch(1);
            CountDownLatch checked = new CountDownLatch(1);
            int[] theirs = new int[1];
            holder.startVirtual(() -> {
                theirs[0] = srcu.readLock();
                theirsTaken.countDown();
                assertTrue(checked.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                srcu.readUnlock(theirs[0]);
            });
            assertTrue(theirsTaken.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            checker.startVirtual(() -> {
                int mine = srcu.readLock();
                int otherDomains = other.readLock();
                IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                        () -> srcu.readUnlock(theirs[0]));
                assertTrue(foreign.getMessage().contains("readLockShared()"), foreign.getMessage());
                assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(platformToken));
                assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(otherDomains));
                assertThrows(IllegalArgumentException.class, () -> other.readUnlock(mine));
                assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(mine ^ 0x1000));
                assertThrows(IllegalStateException.class, srcu::synchronize, "it would wait for itself");
                assertTrue(srcu.isReaderOnCurrentThread());
                srcu.readUnlock(mine);
                IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                        () -> srcu.readUnlock(mine));
                assertTrue(twice.getMessage().contains("already unlocked"), twice.getMessage());
                assertFalse(srcu.isReaderOnCurrentThread());
                other.readUnlock(otherDomains);
            });
            checker.join(); // the holder still holds its section
            assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(theirs[0]),
                    "a virtual thread's token on a platform thread");
            assertEquals(2, srcu.stats().readersActive(), "the refused unlocks left every section held");
            srcu.readUnlock(platformToken);
            assertEquals(1, srcu.stats().readersActive());
            assertFalse(completesWithin(srcu, Duration.ZERO), "the refused unlocks ended the holder's section");
            checked.countDown();
            holder.join();
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void aClosedDomainRefusesVirtualReadersAndAClosingOneLetsNoneIn() throws Exception {
        Srcu srcu = Srcu.create("virtual-closed");
        try (TestThreads threads = new TestThreads("closed")) {
            threads.startVirtual(() -> srcu.readUnlock(srcu.readLock())); // registers its bookkeeping
        }
        srcu.close();
        try (TestThreads threads = new TestThreads("closed")) {
            threads.startVirtual(() -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, srcu::readLock);
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                assertFalse(srcu.isReaderOnCurrentThread());
            });
        }
        assertEquals(0, srcu.stats().readersActive());
    }

    /**
     * A stack overflow through nested sections on a virtual thread, as {@code SrcuFaultTest} does on
     * a platform thread: a readLock that throws counted nothing; a readUnlock that throws left its
     * section held and its token valid (a virtual thread cannot complete the stripe's atomic add
     * without a call, so it does not swallow the error), and a shallower frame leaves it. In the
     * end no section is counted and grace periods complete.
     */
    @Test
    void aStackOverflowThroughNestedSectionsOnAVirtualThreadLeavesNoneHalfOpen() throws Exception {
        int rounds = io.github.mmunotify.testing.StressSize.of("srcuOverflowRounds", 50);
        try (Srcu srcu = Srcu.create("virtual-overflow");
             TestThreads threads = new TestThreads("overflow")) {
            threads.startVirtual(() -> {
                for (int round = 0; round < rounds; round++) {
                    int[] unlockFailed = new int[64];
                    int[] failures = {0};
                    assertThrows(StackOverflowError.class, () -> readRecursively(srcu, unlockFailed, failures));
                    for (int i = 0; i < failures[0]; i++) {
                        srcu.readUnlock(unlockFailed[i]); // still outstanding: the failed unlock changed nothing
                    }
                    assertFalse(srcu.isReaderOnCurrentThread(), "round " + round + ": a section is held whose"
                            + " readLock never returned its token (" + failures[0] + " unlocks had failed)");
                    assertEquals(0, srcu.stats().readersActive(), "round " + round);
                }
            });
            threads.join();
            assertTrue(completesWithin(srcu, TestTimeouts.await()), "a section was left counted on a stripe");
        }
    }

    private static int readRecursively(Srcu srcu, int[] unlockFailed, int[] failures) {
        int token = srcu.readLock();
        try {
            return readRecursively(srcu, unlockFailed, failures) + 1;
        } finally {
            try {
                srcu.readUnlock(token);
            } catch (StackOverflowError noStackToLeave) {
                if (failures[0] < unlockFailed.length) { // no allocation here: the stack is exhausted
                    unlockFailed[failures[0]++] = token;
                }
            }
        }
    }

    /** Whether a grace period completes within {@code bound} (timed synchronize). */
    static boolean completesWithin(Srcu srcu, Duration bound) throws InterruptedException {
        try {
            srcu.synchronize(bound);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
