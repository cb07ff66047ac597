package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AddressSpace#unregister} as the kernel's {@code mmu_notifier_unregister}: an already
 * removed subscriber (for example by its own {@code release}, the documented pattern) is success,
 * and the call always waits out the callbacks of the subscriber that are still running.
 */
class UnregisterTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("unregister", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /**
     * The documented driver: its release removes it with unregisterNoRelease and queues its free;
     * its start callback can be held so that a callback is running while unregister is called.
     */
    private final class SelfRemovingDriver implements MmuNotifier {
        final AtomicInteger releases = new AtomicInteger();
        final AtomicBoolean freed = new AtomicBoolean();
        final AtomicInteger callbacksAfterFree = new AtomicInteger();
        volatile CountDownLatch entered;
        volatile CountDownLatch proceed;
        volatile boolean inside;

        @Override
        public void release(AddressSpace addressSpace) {
            releases.incrementAndGet();
            addressSpace.unregisterNoRelease(this);
            mmu.callSrcu(() -> freed.set(true));
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            if (freed.get()) {
                callbacksAfterFree.incrementAndGet();
            }
            CountDownLatch hold = proceed;
            if (hold != null) {
                inside = true;
                entered.countDown();
                try {
                    assertTrue(hold.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inside = false;
            }
            return true;
        }
    }

    @Test
    void unregisterOfADriverWhoseReleaseRemovesItselfSucceedsAndWaitsForItsRunningCallback() throws Exception {
        SelfRemovingDriver driver = new SelfRemovingDriver();
        space.register(driver);
        Mapping mapping = space.map(region, 0, 4096);
        driver.entered = new CountDownLatch(1);
        driver.proceed = new CountDownLatch(1);
        CountDownLatch unregistered = new CountDownLatch(1);
        AtomicBoolean callbackRunningAtReturn = new AtomicBoolean(true);
        try (TestThreads threads = new TestThreads("unregister-grace")) {
            threads.start(() -> space.unmap(mapping.address(), mapping.length()));
            assertTrue(driver.entered.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            threads.start(() -> {
                space.unregister(driver);
                callbackRunningAtReturn.set(driver.inside);
                unregistered.countDown();
            });
            assertFalse(unregistered.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS),
                    "unregister returned while a callback of the subscriber was still running");
            driver.proceed.countDown();
            assertTrue(unregistered.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
        }
        assertFalse(callbackRunningAtReturn.get(), "no callback of the subscriber runs once unregister returns");
        assertEquals(1, driver.releases.get());
        assertFalse(space.isRegistered(driver));
        mmu.barrier();
        assertTrue(driver.freed.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void unregisterOfTheReleasePatternNeverThrowsUnderConcurrentInvalidations() throws Exception {
        int rounds = StressSize.of("unregisterRounds", 200);
        Mapping[] mappings = {space.map(region, 0, 4096), space.map(region, 4096, 4096)};
        for (int round = 0; round < rounds; round++) {
            SelfRemovingDriver driver = new SelfRemovingDriver();
            space.register(driver);
            CountDownLatch go = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("unregister-race-" + round)) {
                for (Mapping mapping : mappings) {
                    threads.start(() -> {
                        go.await();
                        for (int i = 0; i < 4; i++) {
                            space.protect(mapping.address(), mapping.length(), i % 2 == 0);
                        }
                    });
                }
                go.countDown();
                space.unregister(driver);
            }
            mmu.barrier();
            assertTrue(driver.freed.get(), "round " + round);
            assertEquals(0, driver.callbacksAfterFree.get(), "round " + round + ": callback after the free");
            assertEquals(1, driver.releases.get());
        }
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void unregisterOfAnAlreadyRemovedSubscriberIsSuccessAndReleasesNothing() {
        Recorder removedByNoRelease = new Recorder("no-release");
        space.register(removedByNoRelease);
        space.unregisterNoRelease(removedByNoRelease);
        space.unregister(removedByNoRelease);
        space.unregisterNoRelease(removedByNoRelease);
        assertTrue(removedByNoRelease.log.isEmpty(), removedByNoRelease.log.toString());

        Recorder twice = new Recorder("twice");
        space.register(twice);
        space.unregister(twice);
        space.unregister(twice);
        assertEquals(1, twice.releases.size());

        SelfRemovingDriver releasedByClose = new SelfRemovingDriver();
        space.register(releasedByClose);
        space.close();
        space.unregister(releasedByClose);
        assertEquals(1, releasedByClose.releases.get());

        Recorder reRegistered = new Recorder("again");
        AddressSpace other = mmu.createAddressSpace("other");
        other.register(reRegistered);
        other.unregister(reRegistered);
        other.register(reRegistered);
        assertTrue(other.isRegistered(reRegistered), "a removed subscriber may register again");
        other.unregister(reRegistered);
        assertEquals(2, reRegistered.releases.size());
    }

    @Test
    void unregisterOfASubscriberNeverRegisteredHereIsRefusedNamingItAndSpace() {
        Recorder stranger = new Recorder("stranger");
        AddressSpace other = mmu.createAddressSpace("other");
        other.register(stranger);
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> space.unregister(stranger));
        assertTrue(thrown.getMessage().contains("stranger") && thrown.getMessage().contains("space"),
                thrown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> space.unregisterNoRelease(stranger));
        assertTrue(other.isRegistered(stranger), "nothing changed");
        assertTrue(stranger.releases.isEmpty());
    }
}
