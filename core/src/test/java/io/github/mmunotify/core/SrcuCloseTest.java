package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** close(): waits for callbacks, refuses later use, and refuses to close over a reader. */
class SrcuCloseTest {

    private static final long SECONDS = 60;

    @Test
    void closeRunsPendingCallbacksFirst() {
        Srcu srcu = Srcu.create("drain");
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 1_000; i++) {
            srcu.callSrcu(ran::incrementAndGet);
        }
        srcu.close();
        assertEquals(1_000, ran.get());
        assertEquals(1_000, srcu.stats().callbacksRun());
    }

    @Test
    void closeWaitsForACallbackThatIsInsideAReadSectionInsteadOfThrowing() throws Exception {
        Srcu srcu = Srcu.create("callback-inside");
        CountDownLatch inside = new CountDownLatch(1);
        Thread closer = Thread.currentThread();
        AtomicBoolean sawCloserWaiting = new AtomicBoolean();
        srcu.callSrcu(() -> {
            int token = srcu.readLock();
            inside.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Hold the section until close() is parked waiting for this callback.
            while (System.nanoTime() < deadline && !sawCloserWaiting.get()) {
                Thread.State state = closer.getState();
                sawCloserWaiting.set(state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING);
                Thread.onSpinWait();
            }
            srcu.readUnlock(token);
        });
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        srcu.close();
        assertTrue(sawCloserWaiting.get(), "close() should have waited for the callback");
        assertEquals(0, srcu.stats().callbacksFailed());
        assertThrows(IllegalStateException.class, srcu::readLock);
    }

    // The callback thread is inside a section at an arbitrary moment of close(): repeat the race.
    @RepeatedTest(200)
    void callbacksMayStillUseTheDomainWhileCloseWaitsForThem() {
        Srcu srcu = Srcu.create("busy-close");
        AtomicInteger sections = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            srcu.callSrcu(() -> {
                int token = srcu.readLock();
                sections.incrementAndGet();
                srcu.readUnlock(token);
            });
        }
        srcu.close();
        assertEquals(100, sections.get());
        assertEquals(0, srcu.stats().callbacksFailed());
    }

    @Test
    void everyUseAfterCloseThrowsIllegalState() {
        Srcu srcu = Srcu.create("after");
        srcu.callSrcu(() -> { });
        long cookie = srcu.startPoll();
        srcu.close();
        srcu.close(); // idempotent
        for (Executable use : new Executable[] {
                srcu::readLock, srcu::synchronize, srcu::barrier, srcu::startPoll,
                () -> srcu.pollState(cookie), () -> srcu.callSrcu(() -> { })}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, use);
            assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("'after'"), e.getMessage());
        }
        assertEquals(1, srcu.stats().callbacksQueued());
        assertTrue(srcu.toString().contains("closed"), srcu.toString());
    }

    @Test
    void closingWithAReaderInsideOnThisThreadThrowsAndLeavesTheDomainUsable() {
        Srcu srcu = Srcu.create("self-close");
        int token = srcu.readLock();
        IllegalStateException e = assertThrows(IllegalStateException.class, srcu::close);
        assertTrue(e.getMessage().contains("inside a read section"), e.getMessage());
        srcu.readUnlock(token);
        srcu.readUnlock(srcu.readLock());
        srcu.synchronize();
        srcu.close();
    }

    @Test
    void closingWithAReaderInsideOnAnotherThreadNamesItAndLeavesTheDomainUsable() throws Exception {
        Srcu srcu = Srcu.create("other-close");
        HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("lingering-reader"));
        reader.awaitInside();
        AtomicInteger ran = new AtomicInteger();
        srcu.callSrcu(ran::incrementAndGet);
        IllegalStateException e = assertThrows(IllegalStateException.class, srcu::close);
        assertTrue(e.getMessage().contains("lingering-reader"), e.getMessage());
        assertTrue(e.getMessage().contains("stays open"), e.getMessage());
        srcu.callSrcu(ran::incrementAndGet); // still accepts callbacks
        reader.releaseAndJoin();
        srcu.barrier();
        assertEquals(2, ran.get());
        srcu.close();
        assertThrows(IllegalStateException.class, srcu::readLock);
    }

    @Test
    void aCallbackRacingCloseIsEitherRefusedOrRunNeverLost() throws Exception {
        int rounds = StressSize.of("srcuRounds", 50);
        for (int round = 0; round < rounds; round++) {
            Srcu srcu = Srcu.create("race-" + round);
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            TestThreads producer = new TestThreads("racing-producer");
            producer.start(() -> {
                go.await(SECONDS, TimeUnit.SECONDS);
                try {
                    while (true) {
                        srcu.callSrcu(ran::incrementAndGet);
                        accepted.incrementAndGet();
                    }
                } catch (IllegalStateException refused) {
                    // the close won; everything accepted before must have run
                }
            });
            go.countDown();
            srcu.close();
            producer.join();
            assertEquals(accepted.get(), ran.get(), "round " + round);
            assertEquals(accepted.get(), srcu.stats().callbacksRun(), "round " + round);
        }
    }

    @Test
    void closeStopsTheCallbackThread() throws Exception {
        Srcu srcu = Srcu.create("stops");
        java.util.concurrent.atomic.AtomicReference<Thread> runner = new java.util.concurrent.atomic.AtomicReference<>();
        srcu.callSrcu(() -> runner.set(Thread.currentThread()));
        srcu.close();
        runner.get().join(TimeUnit.SECONDS.toMillis(SECONDS));
        assertFalse(runner.get().isAlive());
    }

    @Test
    void aDomainThatNeverQueuedAnythingClosesWithoutAThread() {
        Srcu srcu = Srcu.create("quiet");
        srcu.readUnlock(srcu.readLock());
        srcu.synchronize();
        srcu.close();
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("srcu-quiet-callbacks")));
    }
}
