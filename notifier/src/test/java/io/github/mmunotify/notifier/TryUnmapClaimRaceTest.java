package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.UnmapCause;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A non-blockable unmap never waits on a drain, also when a region revoke
 * reaches a mapping that the {@code tryUnmap} has claimed but not yet unmapped: the revoke then
 * owns that mapping's unmap, and the {@code tryUnmap} must not wait for the revoke's
 * {@link io.github.mmunotify.mmap.MappingListener}s of it (which may block: another driver's
 * teardown, a blockable walk of another space).
 */
class TryUnmapClaimRaceTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("claim-race", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region first = Region.allocate("first", 1 << 16);
    private final Region second = Region.allocate("second", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        first.close();
        second.close();
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertTrue(latch.await(TestTimeouts.await().toNanos(), TimeUnit.NANOSECONDS), what);
    }

    private static void awaitInListener(CountDownLatch latch, String what) {
        try {
            await(latch, what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aTryUnmapDoesNotWaitForTheListenersOfARevokeThatReachedAMappingItClaimed() throws Exception {
        // Two adjacent mappings, one tryUnmap over both: it claims both, then unmaps them in order.
        Mapping early = space.mapAt(0x10000, first, 0, 4096);
        Mapping late = space.mapAt(0x11000, second, 0, 4096);
        CountDownLatch lateListenerEntered = new CountDownLatch(1);
        CountDownLatch releaseLateListener = new CountDownLatch(1);
        CountDownLatch earlyListenerEntered = new CountDownLatch(1);
        CountDownLatch releaseEarlyListener = new CountDownLatch(1);
        // A slow listener of the late mapping, after the space's own: the revoke runs it once the
        // space's listener has let go, and it holds until the test releases it.
        late.addListener((mapping, cause) -> {
            if (cause == UnmapCause.REGION_REVOKED) {
                lateListenerEntered.countDown();
                awaitInListener(releaseLateListener, "the test releases the late mapping's listener");
            }
        });
        // Holds the tryUnmap while it unmaps the early mapping: the late one is claimed, not yet unmapped.
        early.addListener((mapping, cause) -> {
            if (cause == UnmapCause.UNMAPPED) {
                earlyListenerEntered.countDown();
                awaitInListener(releaseEarlyListener, "the test releases the early mapping's listener");
            }
        });
        AtomicReference<InvalidationOutcome> outcome = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("claimed, then revoked")) {
            threads.start(() -> {
                outcome.set(space.tryUnmap(0x10000, 0x2000));
                returned.countDown();
            });
            try {
                await(earlyListenerEntered, "the tryUnmap claimed both and is unmapping the early mapping");
                Thread revoker = threads.start(second::revoke);
                long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
                while (revoker.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the revoke parks in the space's listener, waiting for the walk
                }
                assertEquals(Thread.State.WAITING, revoker.getState(), "the revoke reached the claimed mapping");
                releaseEarlyListener.countDown();
                await(lateListenerEntered, "the revoke went on to the late mapping's own listener");
                await(returned, "the tryUnmap returned while the revoke's listener of its claimed mapping ran");
            } finally {
                releaseEarlyListener.countDown();
                releaseLateListener.countDown();
            }
            assertEquals(InvalidationOutcome.DONE, outcome.get());
        }
        assertTrue(early.isUnmapped() && late.isUnmapped());
        assertTrue(second.isRevoked(), "the revoke finished the late mapping's unmap");
        assertEquals(0, space.stats().mappings());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }
}
