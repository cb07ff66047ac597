package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.GarbageCollections;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestTimeouts;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A grace period's cost does not grow with the virtual threads that ever read.
 * A million virtual threads each read once and then stay parked, alive, outside any section; a
 * {@code synchronize()} must then take well under a millisecond, and once the threads are gone
 * nothing of theirs may stay reachable from the domain.
 *
 * <p>Before the stripes, each of those threads had a reader record that every grace period
 * scanned: about 200 ms per {@code synchronize()} at a million, 25-50 ms at 100,000,
 * so the bound below failed by two orders of magnitude. The bound is {@value #BOUND_MICROS} us
 * (scaled by {@code mmunotify.test.timeScale}) on the median of {@value #SAMPLES} calls: generous
 * against the JMH figure ({@code SrcuSynchronizeBenchmark.synchronizeIdleVirtualReaders}, a few
 * microseconds), tight against the old cost.
 */
@Tag("stress")
class SrcuParkedVirtualReadersTest {

    private static final long BOUND_MICROS = 1_000;
    private static final int SAMPLES = 101;
    /** Threads watched through weak references, spread over the whole run. */
    private static final int WATCHED = 1_000;

    @Test
    @Timeout(600)
    void synchronizeDoesNotScanParkedVirtualReadersAndDeadOnesLeaveNothingBehind() throws Exception {
        int threads = StressSize.of("srcuParkedVirtualReaders", 1_000_000);
        try (Srcu srcu = Srcu.create("parked-virtual-readers")) {
            CountDownLatch readOnce = new CountDownLatch(threads);
            CountDownLatch release = new CountDownLatch(1);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<WeakReference<Thread>> watched = new ArrayList<>();
            List<Thread> all = new ArrayList<>(threads);
            int every = Math.max(1, threads / WATCHED);
            Thread.Builder builder = Thread.ofVirtual().name("parked-reader-", 0);
            for (int i = 0; i < threads; i++) {
                Thread t = builder.start(() -> {
                    try {
                        srcu.readUnlock(srcu.readLock());
                        readOnce.countDown();
                        // Parked, alive, outside any section until the test lets it go.
                        release.await(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                all.add(t);
                if (i % every == 0) {
                    watched.add(new WeakReference<>(t));
                }
            }
            try {
                assertTrue(readOnce.await(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS),
                        readOnce.getCount() + " readers never read");
                assertTrue(failures.isEmpty(), failures.toString());
                assertEquals(0, srcu.registeredReaders(), "virtual readers registered per-thread records");

                long[] nanos = new long[SAMPLES];
                for (int i = 0; i < SAMPLES; i++) {
                    long start = System.nanoTime();
                    srcu.synchronize();
                    nanos[i] = System.nanoTime() - start;
                }
                Arrays.sort(nanos);
                long median = nanos[SAMPLES / 2];
                Duration bound = TestTimeouts.scaled(Duration.ofNanos(BOUND_MICROS * 1_000));
                System.out.printf("synchronize() with %,d parked virtual readers: median %.1f us, min %.1f us,"
                        + " max %.1f us%n", threads, median / 1e3, nanos[0] / 1e3, nanos[SAMPLES - 1] / 1e3);
                assertTrue(median < bound.toNanos(), "synchronize() with " + threads + " parked virtual readers"
                        + " took " + median / 1_000 + " us (median), bound " + bound.toNanos() / 1_000 + " us");
            } finally {
                release.countDown();
            }
            for (Thread t : all) {
                assertTrue(t.join(TestTimeouts.join()), t + " never finished");
            }
            all.clear();
            assertTrue(failures.isEmpty(), failures.toString());
            srcu.synchronize();
            assertEquals(0, srcu.registeredReaders());
            assertAllCollected(watched);
            srcu.synchronize(); // the domain still works
        }
    }

    /** Each watched thread's {@code Thread} (and with it its thread-local bookkeeping) is collected. */
    private static void assertAllCollected(List<WeakReference<Thread>> watched) {
        int reachable = GarbageCollections.awaitCleared(watched);
        assertEquals(0, reachable, reachable + " of " + watched.size()
                + " watched dead virtual reader threads are still reachable");
    }
}
