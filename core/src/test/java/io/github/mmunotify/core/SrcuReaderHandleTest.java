package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link Srcu.Reader}, the thread-bound read-side handle: the same sections, checks and grace
 * periods as {@code readLock()}/{@code readUnlock()}, bound to the thread that registered it.
 */
class SrcuReaderHandleTest {

    @Test
    void handleSectionsAreTheThreadsSectionsAndNestWithReadLockTokens() {
        try (Srcu srcu = Srcu.create("handle-nest")) {
            Srcu.Reader reader = srcu.registerReader();
            assertEquals(1, srcu.registeredReaders(), "registering is the thread's first-section registration");
            int outer = reader.lock();
            int inner = srcu.readLock();
            assertEquals(outer & ~1, inner & ~1, "one thread, one reader record, one tag");
            assertTrue(srcu.isReaderOnCurrentThread());
            assertEquals(1, srcu.stats().readersActive());
            reader.unlock(inner); // a readLock() token, left through the handle
            assertTrue(srcu.isReaderOnCurrentThread(), "the outer section is still held");
            srcu.readUnlock(outer); // a handle token, left through readUnlock()
            assertFalse(srcu.isReaderOnCurrentThread());
            assertEquals(1, srcu.registeredReaders(), "readLock() found the record the handle registered");
            Srcu.Reader again = srcu.registerReader();
            assertSame(reader, again, "the handle is the thread's record: registering again returns it");
            again.unlock(reader.lock());
            assertEquals(1, srcu.registeredReaders(), "registering again registers nothing");
            assertTrue(reader.toString().contains("handle-nest") && reader.toString().contains("outside")
                    && reader.toString().contains("index 0: 3/3") && reader.toString().contains("index 1: 0/0"),
                    reader.toString());
            srcu.synchronize();
        }
    }

    @Test
    void aGracePeriodWaitsForAHandleSectionAndNamesItsThread() throws Exception {
        try (Srcu srcu = Srcu.create("handle-grace")) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch leave = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("handle-grace")) {
                Thread holder = threads.start(() -> {
                    Srcu.Reader reader = srcu.registerReader();
                    int token = reader.lock();
                    inside.countDown();
                    assertTrue(leave.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                    reader.unlock(token);
                });
                assertTrue(inside.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                TimeoutException held = assertThrows(TimeoutException.class,
                        () -> srcu.synchronize(TestTimeouts.quiet()));
                assertTrue(held.getMessage().contains(holder.getName()), held.getMessage());
                leave.countDown();
                srcu.synchronize(TestTimeouts.await()); // completes once the handle's section is left
            }
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void anotherThreadCannotUseTheHandleAndChangesNothing() throws Exception {
        try (Srcu srcu = Srcu.create("handle-foreign")) {
            Srcu.Reader mine = srcu.registerReader();
            int token = mine.lock();
            String owner = Thread.currentThread().getName();
            try (TestThreads threads = new TestThreads("handle-foreign")) {
                threads.start(() -> {
                    WrongThreadException locking = assertThrows(WrongThreadException.class, mine::lock);
                    assertTrue(locking.getMessage().contains("lock()"), locking.getMessage());
                    assertTrue(locking.getMessage().contains(owner), locking.getMessage());
                    assertTrue(locking.getMessage().contains(Thread.currentThread().getName()), locking.getMessage());
                    WrongThreadException unlocking = assertThrows(WrongThreadException.class,
                            () -> mine.unlock(token));
                    assertTrue(unlocking.getMessage().contains("unlock(" + token + ")"), unlocking.getMessage());
                    assertFalse(srcu.isReaderOnCurrentThread(), "the refused lock counted nothing here");
                });
                threads.startVirtual(() -> assertThrows(WrongThreadException.class, () -> mine.unlock(token)));
            }
            assertTrue(srcu.isReaderOnCurrentThread(), "the owner's section survived the foreign unlock");
            assertEquals(1, srcu.stats().readersActive());
            mine.unlock(token);
            assertFalse(srcu.isReaderOnCurrentThread());
            srcu.synchronize();
        }
    }

    @Test
    void tokensThatAreNotOutstandingHereAreRejectedAndChangeNothing() throws Exception {
        try (Srcu srcu = Srcu.create("handle-tokens"); Srcu other = Srcu.create("handle-other")) {
            Srcu.Reader reader = srcu.registerReader();
            int left = reader.lock();
            reader.unlock(left);
            // (Only once no section of its index is held: two sections of one thread on one index
            // have the same token, so either token leaves either section, as with readUnlock().)
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> reader.unlock(left));
            assertTrue(twice.getMessage().contains("already unlocked"), twice.getMessage());
            int held = reader.lock();
            int foreignDomain = other.readLock();
            IllegalArgumentException domain = assertThrows(IllegalArgumentException.class,
                    () -> reader.unlock(foreignDomain));
            assertTrue(domain.getMessage().contains("not returned by readLock() of this domain"), domain.getMessage());
            assertThrows(IllegalArgumentException.class, () -> reader.unlock(held ^ 0x1000)); // made up
            assertThrows(IllegalArgumentException.class, () -> reader.unlock(held | 2)); // a virtual thread's shape
            AtomicReference<Integer> theirs = new AtomicReference<>();
            CountDownLatch handedOver = new CountDownLatch(1);
            CountDownLatch tried = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("handle-tokens")) {
                threads.start(() -> {
                    Srcu.Reader own = srcu.registerReader();
                    int token = own.lock();
                    theirs.set(token);
                    handedOver.countDown();
                    assertTrue(tried.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                    own.unlock(token); // still outstanding: the owner's attempt below changed nothing
                });
                assertTrue(handedOver.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                IllegalArgumentException thread = assertThrows(IllegalArgumentException.class,
                        () -> reader.unlock(theirs.get()));
                assertTrue(thread.getMessage().contains("it was returned to thread 'handle-tokens-0'"),
                        thread.getMessage());
                tried.countDown();
            }
            assertTrue(srcu.isReaderOnCurrentThread(), "the held section survived every refusal");
            reader.unlock(held);
            other.readUnlock(foreignDomain);
            assertFalse(srcu.isReaderOnCurrentThread());
            assertEquals(0, srcu.stats().readersActive());
            srcu.synchronize(); // every count is balanced
        }
    }

    /**
     * Each call touches only its index's counters (a branch on the index): a section held on one
     * index must not make a double unlock on the other look outstanding, through the handle or
     * readUnlock(), and each section is left on its own index.
     */
    @Test
    void sectionsOnTheTwoIndicesAreCountedApart() throws Exception {
        try (Srcu srcu = Srcu.create("handle-indices")) {
            Srcu.Reader reader = srcu.registerReader();
            int before = reader.lock();
            try (TestThreads threads = new TestThreads("handle-indices")) {
                // The grace period flips the index first, then waits for `before` to be left.
                threads.start(() -> srcu.synchronize(TestTimeouts.await()));
                long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
                int after;
                while (((after = reader.lock()) & 1) == (before & 1)) {
                    reader.unlock(after);
                    assertTrue(System.nanoTime() - deadline < 0, "the grace period never flipped the index");
                    Thread.onSpinWait();
                }
                int flipped = after;
                int viaReadLock = srcu.readLock();
                assertEquals(flipped, viaReadLock, "readLock() counts on the same, flipped, index");
                srcu.readUnlock(viaReadLock);
                reader.unlock(flipped);
                IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                        () -> reader.unlock(flipped));
                assertTrue(twice.getMessage().contains("already unlocked"), twice.getMessage());
                IllegalArgumentException viaReadUnlock = assertThrows(IllegalArgumentException.class,
                        () -> srcu.readUnlock(flipped));
                assertTrue(viaReadUnlock.getMessage().contains("already unlocked"), viaReadUnlock.getMessage());
                assertTrue(srcu.isReaderOnCurrentThread(), "the section on the first index is still held");
                assertEquals(1, srcu.stats().readersActive());
                reader.unlock(before); // lets the grace period end
            }
            assertFalse(srcu.isReaderOnCurrentThread());
            assertEquals(0, srcu.stats().readersActive());
            srcu.synchronize(); // both indices balanced
        }
    }

    @Test
    void waitingForAGracePeriodInsideAHandleSectionIsRefused() {
        try (Srcu srcu = Srcu.create("handle-self-wait")) {
            Srcu.Reader reader = srcu.registerReader();
            int token = reader.lock();
            IllegalStateException e = assertThrows(IllegalStateException.class, srcu::synchronize);
            assertTrue(e.getMessage().contains("inside a read section"), e.getMessage());
            assertThrows(IllegalStateException.class, srcu::close);
            reader.unlock(token);
        }
    }

    @Test
    void aClosedDomainRefusesRegistrationAndSectionsAndLeavesNothingCounted() {
        Srcu srcu = Srcu.create("handle-closed");
        Srcu.Reader reader = srcu.registerReader();
        reader.unlock(reader.lock());
        srcu.close();
        IllegalStateException locking = assertThrows(IllegalStateException.class, reader::lock);
        assertTrue(locking.getMessage().contains("Srcu.Reader.lock()") && locking.getMessage().contains("closed"),
                locking.getMessage());
        assertFalse(srcu.isReaderOnCurrentThread(), "the refused lock was undone");
        assertEquals(0, srcu.stats().readersActive());
        IllegalStateException registering = assertThrows(IllegalStateException.class, srcu::registerReader);
        assertTrue(registering.getMessage().contains("registerReader()"), registering.getMessage());
    }

    @Test
    void virtualThreadsAreRefusedAHandle() throws Exception {
        try (Srcu srcu = Srcu.create("handle-virtual")) {
            try (TestThreads threads = new TestThreads("handle-virtual")) {
                threads.startVirtual(() -> {
                    IllegalStateException e = assertThrows(IllegalStateException.class, srcu::registerReader);
                    assertTrue(e.getMessage().contains("virtual"), e.getMessage());
                    assertTrue(e.getMessage().contains("readLock()"), e.getMessage());
                    srcu.readUnlock(srcu.readLock()); // the virtual read side still works
                });
            }
            assertEquals(0, srcu.registeredReaders(), "the refused registration left no record behind");
        }
    }

    @Test
    void enteringAndLeavingThroughTheHandleAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Srcu srcu = Srcu.create("handle-no-allocation")) {
            Srcu.Reader reader = srcu.registerReader();
            for (int i = 0; i < 20_000; i++) {
                reader.unlock(reader.lock());
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                int outer = reader.lock();
                reader.unlock(reader.lock());
                reader.unlock(outer);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 4_096, "the handle's read side allocated " + allocated + " bytes");
        }
    }

    /**
     * As {@code SrcuFaultTest}'s overflow test, through the handle: unlock may throw
     * StackOverflowError only on its own entry or in Thread.currentThread(); deeper, the store is
     * completed without a call, so no section is left half-open and every failed unlock's token
     * stays valid.
     */
    @Test
    void aStackOverflowThroughNestedHandleSectionsLeavesNoneHalfOpen() {
        int rounds = StressSize.of("srcuOverflowRounds", 50);
        try (Srcu srcu = Srcu.create("handle-overflow")) {
            Srcu.Reader reader = srcu.registerReader();
            for (int round = 0; round < rounds; round++) {
                int[] unlockFailed = new int[64];
                StackOverflowError[] errors = new StackOverflowError[64];
                int[] failures = {0};
                assertThrows(StackOverflowError.class, () -> readRecursively(reader, unlockFailed, errors, failures));
                for (int i = 0; i < failures[0]; i++) {
                    UnlockOverflows.assertThrownAtTheCall(errors[i], SrcuReaderHandleTest.class, Srcu.Reader.class,
                            "unlock");
                    reader.unlock(unlockFailed[i]); // still outstanding: the failed unlock changed nothing
                }
                assertFalse(srcu.isReaderOnCurrentThread(), "round " + round + ": a section is counted whose"
                        + " lock() never returned its token (" + failures[0] + " unlocks had failed)");
            }
            srcu.synchronize();
        }
    }

    private static int readRecursively(Srcu.Reader reader, int[] unlockFailed, StackOverflowError[] errors,
                                       int[] failures) {
        int token = reader.lock();
        try {
            return readRecursively(reader, unlockFailed, errors, failures) + 1;
        } finally {
            try {
                reader.unlock(token);
            } catch (StackOverflowError noStackToLeave) {
                // no allocation here: the stack is exhausted
                errors[failures[0]] = noStackToLeave;
                unlockFailed[failures[0]++] = token;
            }
        }
    }
}
