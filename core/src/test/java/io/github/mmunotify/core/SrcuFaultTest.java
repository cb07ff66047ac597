package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Throwables thrown through the domain (allocation failures, stack overflows, errors thrown by
 * callbacks and by the error handler): none may leave a read section open or a callback counted
 * but never run, so grace periods, barrier() and close() still complete.
 */
class SrcuFaultTest {

    @Test
    void anOutOfMemoryErrorWhileQueueingACallbackLeavesNothingCounted() {
        Srcu srcu = Srcu.create("oom-queue");
        OutOfMemoryError injected = new OutOfMemoryError("injected: queue entry");
        srcu.faults.queueAllocation = SrcuFaults.once(injected);
        AtomicBoolean refusedRan = new AtomicBoolean();
        OutOfMemoryError thrown = assertThrows(OutOfMemoryError.class, () -> srcu.callSrcu(() -> refusedRan.set(true)));
        assertSame(injected, thrown);
        assertEquals(0, srcu.stats().callbacksQueued(), "a callback that was not queued is not counted");
        AtomicInteger ran = new AtomicInteger();
        srcu.callSrcu(ran::incrementAndGet);
        completesPromptly("barrier() after a failed callSrcu", srcu::barrier);
        assertEquals(1, ran.get());
        completesPromptly("close() after a failed callSrcu", srcu::close);
        assertFalse(refusedRan.get(), "the callback whose callSrcu threw must never run");
        assertEquals(0, srcu.stats().callbacksPending());
    }

    @Test
    void anOutOfMemoryErrorWhileAThreadFirstReadsLeavesNoSectionOpen() {
        for (boolean atLookup : new boolean[] {false, true}) {
            try (Srcu srcu = Srcu.create("oom-reader-" + atLookup)) {
                OutOfMemoryError injected = new OutOfMemoryError("injected: reader");
                if (atLookup) {
                    srcu.faults.lookupAllocation = SrcuFaults.once(injected);
                } else {
                    srcu.faults.readerAllocation = SrcuFaults.once(injected);
                }
                assertSame(injected, assertThrows(OutOfMemoryError.class, srcu::readLock));
                assertFalse(srcu.isReaderOnCurrentThread());
                assertEquals(0, srcu.stats().readersActive());
                completesPromptly("synchronize() after a failed first readLock", srcu::synchronize);
                int token = srcu.readLock(); // the thread can read after all
                assertTrue(srcu.isReaderOnCurrentThread());
                srcu.readUnlock(token);
                completesPromptly("synchronize() after the retried section", srcu::synchronize);
            }
        }
    }

    /**
     * Overflows the stack through nested sections, at a different depth relative to readLock and
     * readUnlock each round. readLock and readUnlock are each all-or-nothing: a readLock that
     * throws counted nothing, and a readUnlock that throws did so on its own entry, before any of
     * its code ran (an overflow inside it is caught and the unlock completed), and left its
     * section held, so the token can be unlocked again from a shallower frame. (A {@code finally} at the bottom of an
     * overflowed stack may find no stack for any call at all; no library can leave a section
     * for it then. What it can guarantee is that no section is counted without its token having
     * been returned, and none is half-left.)
     */
    @Test
    void aStackOverflowThroughNestedReadSectionsLeavesNoneHalfOpen() {
        int rounds = StressSize.of("srcuOverflowRounds", 50);
        int totalFailures = 0;
        try (Srcu srcu = Srcu.create("overflow")) {
            for (int round = 0; round < rounds; round++) {
                int[] unlockFailed = new int[64];
                StackOverflowError[] errors = new StackOverflowError[64];
                int[] failures = {0};
                assertThrows(StackOverflowError.class, () -> readRecursively(srcu, unlockFailed, errors, failures));
                for (int i = 0; i < failures[0]; i++) {
                    UnlockOverflows.assertThrownAtTheCall(errors[i], SrcuFaultTest.class, Srcu.class,
                            "readUnlock");
                    srcu.readUnlock(unlockFailed[i]); // still outstanding: the failed unlock changed nothing
                }
                totalFailures += failures[0];
                assertFalse(srcu.isReaderOnCurrentThread(), "round " + round + ": a section is counted whose"
                        + " readLock never returned its token (" + failures[0] + " unlocks had failed)");
                assertEquals(0, srcu.stats().readersActive(), "round " + round);
            }
            completesPromptly("synchronize() after stack overflows inside sections", () -> srcu.synchronize());
        }
        System.out.println("readUnlock() calls that found no stack for the call itself: " + totalFailures
                + " in " + rounds + " rounds");
    }

    private static int readRecursively(Srcu srcu, int[] unlockFailed, StackOverflowError[] errors, int[] failures) {
        int token = srcu.readLock();
        try {
            return readRecursively(srcu, unlockFailed, errors, failures) + 1;
        } finally {
            try {
                srcu.readUnlock(token);
            } catch (StackOverflowError noStackToLeave) {
                // no allocation here: the stack is exhausted
                errors[failures[0]] = noStackToLeave;
                unlockFailed[failures[0]++] = token;
            }
        }
    }

    @Test
    void callbacksThrowingErrorsAreReportedAndTheRestStillRun() {
        ConcurrentLinkedQueue<Throwable> reported = new ConcurrentLinkedQueue<>();
        Srcu srcu = Srcu.builder("callback-errors").callbackErrorHandler(reported::add).build();
        AtomicInteger ran = new AtomicInteger();
        srcu.callSrcu(ran::incrementAndGet);
        srcu.callSrcu(SrcuFaultTest::overflow);
        srcu.callSrcu(ran::incrementAndGet);
        srcu.callSrcu(() -> {
            throw new OutOfMemoryError("injected: callback");
        });
        srcu.callSrcu(ran::incrementAndGet);
        completesPromptly("barrier() after callbacks threw errors", srcu::barrier);
        assertEquals(3, ran.get());
        assertEquals(2, reported.size());
        assertTrue(reported.stream().anyMatch(StackOverflowError.class::isInstance), reported.toString());
        assertTrue(reported.stream().anyMatch(OutOfMemoryError.class::isInstance), reported.toString());
        assertEquals(2, srcu.stats().callbacksFailed());
        completesPromptly("close() after callbacks threw errors", srcu::close);
    }

    @Test
    void anErrorHandlerRethrowingWhatItWasGivenDoesNotStopTheCallbacks() {
        Srcu srcu = Srcu.builder("rethrowing-handler").callbackErrorHandler(failure -> {
            if (failure instanceof RuntimeException e) {
                throw e; // hands the callback's own exception back
            }
            throw new OutOfMemoryError("injected: handler");
        }).build();
        AtomicInteger ran = new AtomicInteger();
        srcu.callSrcu(() -> {
            throw new IllegalStateException("callback broke");
        });
        srcu.callSrcu(ran::incrementAndGet);
        srcu.callSrcu(() -> {
            throw new AssertionError("callback broke with an Error");
        });
        srcu.callSrcu(ran::incrementAndGet);
        completesPromptly("barrier() after the error handler threw", srcu::barrier);
        assertEquals(2, ran.get());
        assertEquals(2, srcu.stats().callbacksFailed());
        srcu.callSrcu(ran::incrementAndGet);
        completesPromptly("close() after the error handler threw", srcu::close);
        assertEquals(3, ran.get());
    }

    @Test
    void aStallHandlerThrowingAnErrorDoesNotStopTheGracePeriod() throws Exception {
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        try (Srcu srcu = Srcu.builder("stall-handler-error").stallThreshold(java.time.Duration.ofMillis(1))
                .stallHandler(stall -> {
                    reported.countDown();
                    throw new OutOfMemoryError("injected: stall handler");
                }).build()) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("stalling-reader"));
            reader.awaitInside();
            try (TestThreads threads = new TestThreads("stall-handler-error")) {
                threads.start(srcu::synchronize); // fails the test if the handler's error escapes
                assertTrue(reported.await(TestTimeouts.await().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
                reader.releaseAndJoin();
            }
        }
    }

    private static void overflow() {
        overflow();
    }

    /** Runs {@code action} on a daemon thread and fails if it does not finish within the await bound. */
    private static void completesPromptly(String what, TestThreads.Body action) {
        try (TestThreads threads = new TestThreads(what, TestTimeouts.await())) {
            threads.startDaemon(action);
        }
    }
}
