package io.github.mmunotify.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cell assignment of {@link StripedUseCount}: who shares a written word with whom. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StripedUseCountTest {

    private static final int PAIRS = StressSize.of("cellPairs", 300);

    @Test
    void twoThreadsInsideAtOnceNeverShareTheOverflowCell() throws Exception {
        AtomicReference<String> failure = new AtomicReference<>();
        for (int pair = 0; pair < PAIRS && failure.get() == null; pair++) {
            StripedUseCount count = new StripedUseCount();
            CyclicBarrier bothInside = new CyclicBarrier(2);
            Runnable user = () -> {
                Thread me = Thread.currentThread();
                try {
                    count.enter(me);
                    bothInside.await(30, SECONDS);
                    if (count.overflowCount() != 0) {
                        failure.compareAndSet(null, "two threads used the overflow cell: " + me.threadId());
                    }
                    if (!count.isInside(me)) {
                        failure.compareAndSet(null, "not inside after enter");
                    }
                    bothInside.await(30, SECONDS);
                    count.exit(me);
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            };
            try (TestThreads pairThreads = new TestThreads("pair-" + pair)) {
                pairThreads.start(user::run);
                pairThreads.startVirtual(user::run);
            }
            assertEquals(0, count.sum());
        }
        assertNull(failure.get());
    }

    @Test
    void cellsOfTerminatedThreadsAreReusedSoShortLivedThreadsDoNotOverflow() throws Exception {
        StripedUseCount count = new StripedUseCount();
        AtomicReference<String> failure = new AtomicReference<>();
        for (int i = 0; i < StressSize.of("shortLivedThreads", 500); i++) {
            Thread t;
            try (TestThreads single = new TestThreads("short-lived-" + i)) {
                t = single.startVirtual(() -> {
                    Thread me = Thread.currentThread();
                    count.enter(me);
                    if (count.overflowCount() != 0) {
                        failure.compareAndSet(null, "a lone short-lived thread overflowed");
                    }
                    count.exit(me);
                });
            }
            assertFalse(t.isAlive());
        }
        assertNull(failure.get());
        assertEquals(0, count.sum());
    }

    @Test
    void overflowEntriesAreExactPerThread() throws Exception {
        // Far more threads than cells, all inside at once: most go through the overflow cell.
        int threads = StressSize.of("overflowThreads", 200);
        StripedUseCount count = new StripedUseCount();
        CyclicBarrier inside = new CyclicBarrier(threads + 1);
        CyclicBarrier leave = new CyclicBarrier(threads + 1);
        AtomicReference<String> failure = new AtomicReference<>();
        TestThreads crowd = new TestThreads("crowd");
        for (int i = 0; i < threads; i++) {
            crowd.startVirtual(() -> {
                Thread me = Thread.currentThread();
                try {
                    count.enter(me);
                    count.enter(me);
                    count.exit(me);
                    inside.await(30, SECONDS);
                    leave.await(30, SECONDS);
                    count.exit(me);
                    try {
                        count.exit(me);
                        failure.compareAndSet(null, "unbalanced exit accepted");
                    } catch (IllegalStateException expected) {
                        // nothing changed
                    }
                    if (count.isInside(me)) {
                        failure.compareAndSet(null, "inside after the last exit");
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e.toString());
                }
            });
        }
        inside.await(30, SECONDS);
        assertEquals(threads, count.sum());
        assertTrue(count.overflowCount() > 0, "the overflow path was not exercised");
        leave.await(30, SECONDS);
        crowd.close();
        assertEquals(0, count.sum());
        assertNull(failure.get());
        assertThrows(IllegalStateException.class, () -> count.exit(Thread.currentThread()));
    }

    @Test
    void overflowCellsAreAttributedReusedAndIgnoredOnceTheirThreadDied() throws Exception {
        StripedUseCount count = new StripedUseCount();
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads owners = new TestThreads("cell-owner")) {
            int owning = 1024;
            CountDownLatch owned = new CountDownLatch(owning);
            for (int i = 0; i < owning; i++) {
                owners.startVirtual(() -> {
                    Thread me = Thread.currentThread();
                    count.enter(me);
                    count.exit(me);
                    owned.countDown();
                    assertTrue(leave.await(60, SECONDS));
                });
            }
            assertTrue(owned.await(30, SECONDS));
            int overflowed = 0;
            int rounds = StressSize.of("overflowReuseRounds", 200);
            for (int i = 0; i < rounds; i++) {
                try (TestThreads one = new TestThreads("overflow-" + i)) {
                    one.start(() -> {
                        Thread me = Thread.currentThread();
                        count.enter(me);
                        count.enter(me);
                        assertTrue(count.isInside(me));
                        count.exit(me);
                        count.exit(me);
                        assertFalse(count.isInside(me));
                        count.enter(me); // and die inside
                    });
                }
                overflowed += count.overflowCount() > 0 ? 1 : 0;
                assertEquals(0, count.sum(), "an entry of a terminated thread was counted");
            }
            assertTrue(overflowed > rounds / 2, "the overflow path was exercised " + overflowed + " times");
            // Threads one after another, each dying inside: the cells of the dead are taken over.
            assertTrue(count.overflowCellsCreated() <= 2, count.overflowCellsCreated() + " overflow cells");
            leave.countDown();
        }
        assertEquals(0, count.sum());
    }
}
