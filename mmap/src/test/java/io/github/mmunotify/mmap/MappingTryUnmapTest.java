package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Mapping#tryUnmap()}: the winner unmaps as {@link Mapping#unmap()} does; a loser returns
 * at once instead of waiting for the winner's listeners (the non-blockable unmap of an address
 * space must not wait on another thread).
 */
class MappingTryUnmapTest {

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        return latch.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void theWinnerTellsTheListenersAndUnmapsOnThisThread() {
        try (Region region = Region.allocate("try-unmap", 4096)) {
            Mapping mapping = region.map(0, 4096);
            List<UnmapCause> told = new CopyOnWriteArrayList<>();
            mapping.addListener((m, cause) -> told.add(cause));
            assertTrue(mapping.tryUnmap());
            assertEquals(List.of(UnmapCause.UNMAPPED), told);
            assertThrows(SigBusException.class, () -> mapping.getLong(0));
            assertFalse(mapping.tryUnmap(), "already unmapped: nothing to win");
            assertEquals(1, told.size(), "listeners are told once");
            assertEquals(0L, region.getLong(0), "the region itself is unaffected");
        }
    }

    @Test
    void aLoserReturnsAtOnceWhileTheWinnersListenerIsStillRunning() throws Exception {
        try (Region region = Region.allocate("try-unmap-loser", 4096)) {
            Mapping mapping = region.map(0, 4096);
            CountDownLatch inListener = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            mapping.addListener((m, cause) -> {
                inListener.countDown();
                try {
                    assertTrue(await(release), "the test releases the listener");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicBoolean won = new AtomicBoolean(true);
            CountDownLatch returned = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("try-unmap loser")) {
                threads.start(mapping::unmap);
                assertTrue(await(inListener));
                threads.start(() -> {
                    won.set(mapping.tryUnmap());
                    returned.countDown();
                });
                try {
                    assertTrue(await(returned), "tryUnmap waited for another unmap's listener");
                } finally {
                    release.countDown();
                }
            }
            assertFalse(won.get(), "the unmap that began first won");
            assertTrue(mapping.isUnmapped());
            assertThrows(SigBusException.class, () -> mapping.getLong(0), "the winner finished the unmap");
        }
    }
}
