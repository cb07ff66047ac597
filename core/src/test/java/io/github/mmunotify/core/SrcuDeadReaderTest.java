package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.GarbageCollections;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestTimeouts;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Threads that read once and die: once a grace period has pruned them, nothing of theirs (their
 * reader record, their {@code Thread}) may stay reachable from the domain.
 */
class SrcuDeadReaderTest {

    /** At most this many threads are watched through weak references, spread over the whole run. */
    private static final int WATCHED = 1_000;
    private static final int BATCH = 10_000;

    @Test
    void deadReadersAreUnreachableFromTheDomainOnceAGracePeriodPrunedThem() throws Exception {
        readOnceAndDie(StressSize.of("srcuDeadReaders", 3_000));
    }

    /** {@code -Dmmunotify.test.srcuDeadReadersStress=1000000} is the case that ran out of memory under -Xmx256m before dead readers were pruned (+600 MB). */
    @Test
    @Tag("stress")
    @Timeout(900)
    void manyVirtualThreadsReadingOnceLeaveNothingBehind() throws Exception {
        readOnceAndDie(StressSize.of("srcuDeadReadersStress", 50_000));
    }

    private static void readOnceAndDie(int threads) throws Exception {
        try (Srcu srcu = Srcu.create("dead-readers")) {
            List<WeakReference<Thread>> watched = spawnReaders(srcu, threads);
            srcu.synchronize(); // prunes every reader whose thread has terminated
            assertEquals(0, srcu.registeredReaders(), "reader records left registered");
            int reachable = GarbageCollections.awaitCleared(watched);
            assertEquals(0, reachable, reachable + " of " + watched.size()
                    + " watched dead reader threads are still reachable after pruning");
            srcu.synchronize(); // the domain still works
        }
    }

    /** Starts {@code threads} virtual threads that each read once; returns weak references to some. */
    private static List<WeakReference<Thread>> spawnReaders(Srcu srcu, int threads) throws Exception {
        List<WeakReference<Thread>> watched = new ArrayList<>();
        int every = Math.max(1, threads / WATCHED);
        List<Thread> batch = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int started = 0; started < threads; ) {
            int n = Math.min(BATCH, threads - started);
            for (int i = 0; i < n; i++, started++) {
                Thread t = Thread.ofVirtual().name("reads-once-" + started).start(() -> {
                    try {
                        srcu.readUnlock(srcu.readLock());
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                if (started % every == 0) {
                    watched.add(new WeakReference<>(t));
                }
                batch.add(t);
            }
            for (Thread t : batch) {
                assertTrue(t.join(TestTimeouts.join()), t + " never finished");
            }
            batch.clear();
        }
        assertTrue(failures.isEmpty(), failures.toString());
        return watched;
    }
}
