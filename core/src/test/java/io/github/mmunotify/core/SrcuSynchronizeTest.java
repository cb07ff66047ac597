package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Grace periods: who synchronize() waits for, sharing, and calls that would deadlock. */
class SrcuSynchronizeTest {

    private static final long SECONDS = 60;

    @Test
    void withNoReadersSynchronizeCompletesAGracePeriod() {
        try (Srcu srcu = Srcu.create("idle")) {
            long before = srcu.stats().gracePeriodsCompleted();
            srcu.synchronize();
            assertTrue(srcu.stats().gracePeriodsCompleted() > before);
        }
    }

    @Test
    void synchronizeWaitsForAPlatformReaderThatBeganBefore() throws Exception {
        waitsForReader(Thread.ofPlatform().name("platform-reader"));
    }

    @Test
    void synchronizeWaitsForABlockedVirtualReaderThatBeganBefore() throws Exception {
        waitsForReader(Thread.ofVirtual().name("virtual-reader"));
    }

    private static void waitsForReader(Thread.Builder builder) throws Exception {
        try (Srcu srcu = Srcu.create("waits")) {
            HeldReader reader = new HeldReader(srcu, builder);
            reader.awaitInside();
            CountDownLatch synchronized_ = new CountDownLatch(1);
            AtomicBoolean readerWasDone = new AtomicBoolean();
            TestThreads updater = new TestThreads("updater");
            updater.start(() -> {
                srcu.synchronize();
                readerWasDone.set(reader.leaving.get());
                synchronized_.countDown();
            });
            assertFalse(synchronized_.await(200, TimeUnit.MILLISECONDS),
                    "synchronize() returned while a reader that began before it was inside");
            reader.releaseAndJoin();
            assertTrue(synchronized_.await(SECONDS, TimeUnit.SECONDS), "synchronize() never returned");
            assertTrue(readerWasDone.get());
            updater.join();
        }
    }

    @Test
    void synchronizeDoesNotWaitForReadersOfAnotherDomain() throws Exception {
        try (Srcu waited = Srcu.create("waited"); Srcu other = Srcu.create("other")) {
            HeldReader reader = new HeldReader(other, Thread.ofPlatform());
            reader.awaitInside();
            waited.synchronize();
            reader.releaseAndJoin();
        }
    }

    @Test
    void concurrentSynchronizeCallsShareGracePeriods() throws Exception {
        int callers = 8;
        try (Srcu srcu = Srcu.create("shared")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            long before = srcu.stats().gracePeriodsCompleted();
            CyclicBarrier start = new CyclicBarrier(callers + 1);
            CountDownLatch done = new CountDownLatch(callers);
            TestThreads threads = new TestThreads("sharing-synchronize");
            for (int i = 0; i < callers; i++) {
                threads.start(() -> {
                    start.await(SECONDS, TimeUnit.SECONDS);
                    srcu.synchronize();
                    done.countDown();
                });
            }
            start.await(SECONDS, TimeUnit.SECONDS);
            // All callers are blocked behind the one reader: none can finish before it leaves.
            assertFalse(done.await(200, TimeUnit.MILLISECONDS));
            reader.releaseAndJoin();
            assertTrue(done.await(SECONDS, TimeUnit.SECONDS));
            threads.join();
            long used = srcu.stats().gracePeriodsCompleted() - before;
            // The grace period blocked by the reader, plus at most one more for every caller that
            // arrived while it ran; one each would be 8.
            assertTrue(used >= 1 && used <= 2, "8 concurrent synchronize() calls used " + used + " grace periods");
        }
    }

    @Test
    void synchronizeInsideAReadSectionThrowsInsteadOfDeadlocking() {
        try (Srcu srcu = Srcu.create("self")) {
            int token = srcu.readLock();
            IllegalStateException e = assertThrows(IllegalStateException.class, srcu::synchronize);
            assertTrue(e.getMessage().contains("inside a read section"), e.getMessage());
            assertTrue(e.getMessage().contains("'self'"), e.getMessage());
            srcu.readUnlock(token);
            srcu.synchronize(); // still usable
        }
    }

    @Test
    void synchronizeInsideASectionOfAnotherDomainIsFine() {
        try (Srcu outer = Srcu.create("outer"); Srcu inner = Srcu.create("inner")) {
            int token = outer.readLock();
            inner.synchronize();
            outer.readUnlock(token);
        }
    }

    @Test
    void synchronizeKeepsTheInterruptStatus() throws Exception {
        try (Srcu srcu = Srcu.create("interrupted")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            reader.awaitInside();
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            CountDownLatch synchronizing = new CountDownLatch(1);
            TestThreads updaters = new TestThreads("interrupted-updater");
            Thread updater = updaters.start(() -> {
                synchronizing.countDown();
                srcu.synchronize();
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            });
            assertTrue(synchronizing.await(SECONDS, TimeUnit.SECONDS));
            updater.interrupt();
            reader.releaseAndJoin();
            updaters.join();
            assertTrue(stillInterrupted.get());
        }
    }

    @Test
    void readersThatTerminatedArePrunedAndDoNotBlock() throws Exception {
        try (Srcu srcu = Srcu.create("pruned")) {
            for (int i = 0; i < 50; i++) {
                try (TestThreads reader = new TestThreads("reads-once")) {
                    reader.startVirtual(() -> srcu.readUnlock(srcu.readLock()));
                }
            }
            srcu.synchronize();
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }
}
