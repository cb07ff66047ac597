package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A torture test on the method of the kernel's rcutorture: readers keep dereferencing a shared
 * "current" object under the read lock while an updater keeps replacing it and retiring the old one.
 *
 * <p>Every object carries a pipeline count: 0 while current, 1 once retired, plus one for every
 * grace period (synchronize() or a polled one) that the updater saw complete after the retirement.
 * Retired objects are freed (poisoned) by a callSrcu callback. A reader picked its object up before
 * it was retired, so every grace period that started after the retirement had to wait for that
 * reader: a reader that sees a count of 2 or more, or a poisoned object, has caught the domain
 * letting a grace period end under a reader, and fails the test.
 *
 * <p>Readers run on platform and virtual threads, nest sections and block inside them; a second
 * updater ("fake writer") adds concurrent synchronize() and barrier() calls so grace periods are
 * shared, and timed synchronize(Duration) calls with tiny timeouts, so that grace periods are
 * abandoned half way and resumed by the next driver. Runs {@code -Dmmunotify.test.srcuTortureSeconds}
 * seconds (default 4); for a long run:
 * {@code mvn -B -ntp -q -pl core -am verify -Dtest=SrcuTortureTest -Dsurefire.failIfNoSpecifiedTests=false -Dmmunotify.test.srcuTortureSeconds=600}
 * (runs over 14 minutes also need {@code -Djunit.jupiter.execution.timeout.mode=disabled}).
 */
@Tag("stress")
class SrcuTortureTest {

    private static final int SECONDS = StressSize.of("srcuTortureSeconds", 4);
    private static final int PLATFORM_READERS = StressSize.of("srcuTorturePlatformReaders", 2);
    private static final int VIRTUAL_READERS = StressSize.of("srcuTortureVirtualReaders", 8);

    /** The object readers dereference: a serial number, its pipeline count, and a poison flag. */
    private static final class Protected {
        final long serial;
        volatile int pipelineCount;
        volatile boolean freed;

        Protected(long serial) {
            this.serial = serial;
        }
    }

    private final AtomicReference<Protected> current = new AtomicReference<>(new Protected(0));
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private volatile boolean stop;

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS) // longer runs: -Djunit.jupiter.execution.timeout.mode=disabled
    void noReaderEverSeesAnObjectThatOutlivedItsGracePeriod() throws Exception {
        ConcurrentLinkedQueue<Throwable> callbackErrors = new ConcurrentLinkedQueue<>();
        Srcu srcu = Srcu.builder("torture").callbackErrorHandler(callbackErrors::add).build();
        TestThreads threads = new TestThreads("torture");
        for (int i = 0; i < PLATFORM_READERS; i++) {
            threads.start(() -> read(srcu));
        }
        for (int i = 0; i < VIRTUAL_READERS; i++) {
            threads.startVirtual(() -> read(srcu));
        }
        threads.startVirtual(() -> fakeWrite(srcu));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        long retiredCount = 0;
        List<Protected> retired = new ArrayList<>();
        List<Protected> everRetired = new ArrayList<>();
        for (long serial = 1; System.nanoTime() - deadline < 0 && failures.isEmpty(); serial++) {
            Protected old = current.getAndSet(new Protected(serial));
            old.pipelineCount = 1;
            retired.add(old);
            everRetired.add(old);
            retiredCount++;
            srcu.callSrcu(() -> old.freed = true);
            if ((serial & 1) == 0) {
                srcu.synchronize();
            } else {
                long cookie = srcu.startPoll();
                while (!srcu.pollState(cookie)) {
                    LockSupport.parkNanos(10_000);
                }
            }
            // One more grace period has completed since every object in the list was retired.
            retired.removeIf(p -> ++p.pipelineCount >= 10);
        }
        stop = true;
        threads.join(); // fails if a reader or the fake writer threw or did not stop
        srcu.barrier();
        System.out.printf("torture: %d s, %d reads, %d objects retired, %d timed synchronize() timed out, %s%n",
                SECONDS, reads.get(), retiredCount, timedOut.get(), srcu.stats());
        srcu.close();

        assertTrue(failures.isEmpty(), failures.size() + " failure(s), first: " + failures.peek());
        assertTrue(callbackErrors.isEmpty(), "callbacks threw: " + callbackErrors);
        assertTrue(reads.get() > 0, "readers never read");
        assertTrue(retiredCount > 10, "the updater only retired " + retiredCount + " objects");
        assertEquals(retiredCount, everRetired.stream().filter(p -> p.freed).count(),
                "every retired object is freed once its callbacks have run");
        assertFalse(current.get().freed);
    }

    private void read(Srcu srcu) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long local = 0;
        while (!stop) {
            int token = srcu.readLock();
            try {
                Protected p = current.get();
                check(p, "on first dereference");
                int dice = random.nextInt(64);
                if (dice == 0) {
                    LockSupport.parkNanos(random.nextLong(50_000)); // a sleeping reader
                } else if (dice == 1) {
                    Thread.yield(); // a virtual reader may resume on another carrier
                } else if (dice < 8) {
                    int nested = srcu.readLock();
                    check(current.get(), "in a nested section");
                    srcu.readUnlock(nested);
                } else {
                    Thread.onSpinWait();
                }
                check(p, "at the end of the section");
            } finally {
                srcu.readUnlock(token);
            }
            local++;
        }
        reads.addAndGet(local);
    }

    private void check(Protected p, String when) {
        if (p.freed) {
            failures.add("object " + p.serial + " was freed under a reader " + when + " on "
                    + Thread.currentThread().getName());
        } else if (p.pipelineCount >= 2) {
            failures.add("object " + p.serial + " outlived " + (p.pipelineCount - 1)
                    + " grace period(s) under a reader " + when + " on " + Thread.currentThread().getName());
        }
    }

    private void fakeWrite(Srcu srcu) throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!stop) {
            switch (random.nextInt(3)) {
                case 0 -> srcu.synchronize();
                case 1 -> srcu.barrier();
                default -> {
                    try {
                        // Often times out half way through a grace period, which the next driver resumes.
                        srcu.synchronize(Duration.ofNanos(random.nextLong(100_000)));
                    } catch (TimeoutException expected) {
                        timedOut.incrementAndGet();
                    }
                }
            }
            LockSupport.parkNanos(random.nextLong(200_000));
        }
    }
}
