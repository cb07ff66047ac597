package io.github.mmunotify.core;

import static io.github.mmunotify.core.SrcuVirtualReadersTest.completesWithin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Read sections handed from one thread to another ({@link Srcu#readLockShared()}, the kernel's
 * {@code srcu_down_read}/{@code srcu_up_read}): grace periods wait for them wherever they are,
 * and leaving one twice, or in the wrong domain, is refused without changing anything.
 */
class SrcuSharedSectionTest {

    @Test
    void aSectionHandedAlongACompletableFutureChainHoldsUpSynchronizeUntilItsLastStageLeavesIt()
            throws Exception {
        try (Srcu srcu = Srcu.create("handoff");
             ExecutorService platform = Executors.newFixedThreadPool(2);
             ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch inMiddleStage = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean leaving = new AtomicBoolean();
            Srcu.SharedSection section = srcu.readLockShared(); // entered on the test thread
            assertFalse(srcu.isReaderOnCurrentThread(), "a shared section belongs to no thread");
            CompletableFuture<Void> chain = CompletableFuture
                    .supplyAsync(() -> "read under the section", platform)
                    .thenApplyAsync(value -> {
                        inMiddleStage.countDown();
                        await(release);
                        return value;
                    }, virtual)
                    .thenAcceptAsync(value -> {
                        leaving.set(true);
                        section.close(); // left on a third thread
                    }, platform);
            assertTrue(inMiddleStage.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            CountDownLatch returned = new CountDownLatch(1);
            try (TestThreads updater = new TestThreads("updater")) {
                updater.start(() -> {
                    srcu.synchronize();
                    assertTrue(leaving.get(), "synchronize() returned while the handed-off section was held");
                    returned.countDown();
                });
                assertFalse(returned.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS),
                        "synchronize() did not wait for the shared section");
                assertEquals(1, srcu.stats().readersActive());
                release.countDown();
            }
            chain.get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(0, srcu.stats().readersActive());
            assertTrue(section.toString().contains("left"), section.toString());
        }
    }

    @Test
    void leavingTwiceThrowsAndLeavesNoOtherSectionEarly() throws Exception {
        try (Srcu srcu = Srcu.create("shared-twice")) {
            Srcu.SharedSection first = srcu.readLockShared();
            Srcu.SharedSection second = srcu.readLockShared();
            srcu.readUnlockShared(first);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> srcu.readUnlockShared(first));
            assertTrue(e.getMessage().contains("already left"), e.getMessage());
            assertThrows(IllegalStateException.class, first::close);
            assertEquals(1, srcu.stats().readersActive(), "the refused leave counted a section out");
            assertFalse(completesWithin(srcu, java.time.Duration.ZERO),
                    "the refused leave ended the other shared section");
            second.close();
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void threadsRacingToLeaveOneSectionLeaveItExactlyOnce() throws Exception {
        int rounds = 200;
        int racers = 4;
        try (Srcu srcu = Srcu.create("shared-race")) {
            for (int round = 0; round < rounds; round++) {
                Srcu.SharedSection held = srcu.readLockShared(); // must stay held through the race
                Srcu.SharedSection raced = srcu.readLockShared();
                CyclicBarrier start = new CyclicBarrier(racers);
                AtomicInteger left = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                try (TestThreads threads = new TestThreads("leave-race")) {
                    for (int i = 0; i < racers; i++) {
                        threads.startVirtual(() -> {
                            start.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
                            try {
                                raced.close();
                                left.incrementAndGet();
                            } catch (IllegalStateException alreadyLeft) {
                                refused.incrementAndGet();
                            }
                        });
                    }
                }
                assertEquals(1, left.get(), "round " + round);
                assertEquals(racers - 1, refused.get(), "round " + round);
                assertEquals(1, srcu.stats().readersActive(), "round " + round);
                held.close();
            }
            srcu.synchronize();
        }
    }

    @Test
    void aSectionOfAnotherDomainIsRefusedAndStaysHeldInItsOwn() throws Exception {
        try (Srcu a = Srcu.create("a"); Srcu b = Srcu.create("b")) {
            Srcu.SharedSection ofA = a.readLockShared();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.readUnlockShared(ofA));
            assertTrue(e.getMessage().contains("another domain"), e.getMessage());
            assertThrows(NullPointerException.class, () -> b.readUnlockShared(null));
            assertFalse(completesWithin(a, java.time.Duration.ZERO), "the refused leave ended the section in a");
            assertTrue(completesWithin(b, TestTimeouts.await()), "b has no section to wait for");
            ofA.close();
            a.synchronize();
        }
    }

    @Test
    void aClosedDomainRefusesSharedSectionsAndCloseRefusesWhileOneIsHeld() throws Exception {
        Srcu srcu = Srcu.create("shared-close");
        Srcu.SharedSection section = srcu.readLockShared();
        IllegalStateException busy = assertThrows(IllegalStateException.class, srcu::close);
        assertTrue(busy.getMessage().contains("shared sections"), busy.getMessage());
        section.close();
        srcu.close();
        assertThrows(IllegalStateException.class, srcu::readLockShared);
    }

    @Test
    void aSharedSectionAndTheThreadsOwnSectionsAreIndependent() throws Exception {
        try (Srcu srcu = Srcu.create("shared-and-own")) {
            int own = srcu.readLock();
            Srcu.SharedSection shared = srcu.readLockShared();
            srcu.readUnlock(own);
            assertFalse(srcu.isReaderOnCurrentThread(), "the shared section is not the thread's");
            assertFalse(completesWithin(srcu, java.time.Duration.ZERO), "the shared section is still held");
            srcu.readUnlockShared(shared);
            srcu.synchronize();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS), "never released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
