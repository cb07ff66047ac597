package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded waits for regions: {@link Region#revoke(Duration)} bounds the wait, names what it is
 * stuck on (the pin holders, alive or terminated; a listener still running), leaves the region
 * revoked-but-not-complete, and a later revoke finishes the job.
 */
class RegionTimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(200);

    @Test
    void aTimedRevokeNamesEveryPinHolderAliveOrDeadAndALaterRevokeFinishes() throws Exception {
        Region region = Region.allocate("stuck-pin", 4096);
        region.putLong(0, 5);
        CountDownLatch pinned = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("pin-holder")) {
            // A holder that died without closing its pin.
            Thread dead = threads.start(region::pin);
            dead.join(TestTimeouts.await().toMillis());
            assertFalse(dead.isAlive());
            // A live holder that ignores revokeRequested() (the kick unparks it; it parks again).
            Thread stuck = threads.start(() -> {
                try (Pin pin = region.pin()) {
                    pinned.countDown();
                    while (!leave.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS)) {
                        Thread.onSpinWait();
                    }
                    assertEquals(5, pin.getLong(0), "memory still mapped after the timed-out revoke");
                }
            });
            assertTrue(pinned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));

            TimeoutException e = assertThrows(TimeoutException.class, () -> region.revoke(SHORT));
            String message = e.getMessage();
            assertTrue(message.contains("region 'stuck-pin'") && message.contains("PT0.2S"), message);
            assertTrue(message.contains("'" + stuck.getName() + "' (#" + stuck.threadId() + ", alive)"), message);
            assertTrue(message.contains("'" + dead.getName() + "' (#" + dead.threadId() + ", terminated)"), message);
            // Revoked but not complete: new accesses fail, the memory stays for the pin.
            assertTrue(region.isRevoked());
            assertThrows(SigBusException.class, () -> region.getLong(0));
            assertThrows(TimeoutException.class, () -> region.revoke(Duration.ZERO));
            leave.countDown();
        }
        region.revoke();
        assertTrue(region.guard.isRevocationComplete());
        region.revoke(SHORT); // complete: returns at once
    }

    @Test
    void aTimedRevokeNamesAnUnmapListenerStillRunning() throws Exception {
        Region region = Region.allocate("stuck-listener", 4096);
        Mapping mapping = region.map(0, 4096);
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        AtomicReference<Thread> unmapper = new AtomicReference<>();
        mapping.addListener((m, cause) -> {
            inListener.countDown();
            try {
                leave.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (TestThreads threads = new TestThreads("unmapper")) {
            unmapper.set(threads.start(mapping::unmap));
            assertTrue(inListener.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            TimeoutException e = assertThrows(TimeoutException.class, () -> region.revoke(SHORT));
            assertTrue(e.getMessage().contains("MappingListener") && e.getMessage().contains(unmapper.get().getName()),
                    e.getMessage());
            leave.countDown();
        }
        region.revoke(TestTimeouts.await());
        assertTrue(region.guard.isRevocationComplete());
    }

    @Test
    void anArenaCloseFinishesARegionRevokeThatTimedOut() throws Exception {
        MappedArena arena = MappedArena.anonymous("finisher", 1 << 20);
        Region region = arena.allocate("r", 4096);
        CountDownLatch pinned = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("arena-pin")) {
            threads.start(() -> {
                try (Pin pin = region.pin()) {
                    pinned.countDown();
                    leave.await();
                    assertTrue(pin.isOpen()); // held until here: the revoke below times out on it
                }
            });
            assertTrue(pinned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            assertThrows(TimeoutException.class, () -> region.revoke(SHORT));
            leave.countDown();
            threads.start(arena::close); // bounded by the join: must not wait for a revoke nobody finishes
        }
        assertTrue(arena.isClosed());
        assertTrue(region.guard.isRevocationComplete());
    }

    @Test
    void badTimeoutsAndMisuseAreRefusedChangingNothing() throws Exception {
        Region region = Region.allocate("misuse", 4096);
        assertThrows(NullPointerException.class, () -> region.revoke(null));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> region.revoke(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().contains("timeout") && negative.getMessage().contains("-0.001"),
                negative.getMessage());
        try (Pin pin = region.pin()) {
            assertThrows(IllegalStateException.class, () -> region.revoke(SHORT));
            pin.putLong(0, 1);
        }
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> region.revoke(SHORT));
        assertFalse(Thread.currentThread().isInterrupted());
        assertFalse(region.isRevoked());
        assertEquals(1, region.getLong(0));
        region.revoke(Duration.ZERO); // nothing in flight: completes even with a zero timeout
        assertTrue(region.guard.isRevocationComplete());
    }
}
