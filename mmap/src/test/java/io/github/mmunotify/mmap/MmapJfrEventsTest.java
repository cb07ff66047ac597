package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.JfrCapture;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * The region revoke's JFR event, read back from a real recording: a revoke, a close, a timed-out
 * revoke held up by a pin and the revoke that then finishes it, each with its fields; nothing when
 * the event is disabled.
 */
class MmapJfrEventsTest {

    private static final List<String> REGION_REVOKE = List.of(RegionRevokeEvent.NAME);

    @Test
    void aRevokeIsRecordedWithItsMappings() throws Throwable {
        Region region = Region.allocate("jfr-region", 1 << 16);
        region.map(0, 4096);
        region.map(4096, 4096);
        List<RecordedEvent> events = JfrCapture.enabled(REGION_REVOKE, region::revoke);
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals("jfr-region", event.getString("region"));
        assertEquals("revoked by Region.revoke()", event.getString("reason"));
        assertEquals(2, event.getInt("mappings"));
        assertEquals(0, event.getLong("accessesInFlight"));
        assertFalse(event.getBoolean("joined"));
        assertFalse(event.getBoolean("timedOut"));
        assertEquals(Thread.currentThread().getName(), event.getThread().getJavaName());
    }

    @Test
    void aTimedOutRevokeHeldUpByAPinAndTheRevokeThatFinishesItAreRecorded() throws Throwable {
        Region region = Region.allocate("jfr-pinned", 1 << 16);
        CountDownLatch pinned = new CountDownLatch(1);
        CountDownLatch unpin = new CountDownLatch(1);
        List<RecordedEvent> events;
        try (TestThreads threads = new TestThreads("jfr-pin-holder")) {
            threads.start(() -> {
                try (Pin pin = region.pin()) {
                    pinned.countDown();
                    assertTrue(unpin.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                    assertTrue(pin.isOpen());
                }
            });
            assertTrue(pinned.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            events = JfrCapture.enabled(REGION_REVOKE, () -> {
                assertThrows(TimeoutException.class, () -> region.revoke(Duration.ZERO));
                unpin.countDown();
                region.close();
            });
        }
        assertEquals(2, events.size(), events.toString());
        RecordedEvent timedOut = events.get(0);
        assertTrue(timedOut.getBoolean("timedOut"));
        assertEquals(1, timedOut.getLong("accessesInFlight"), "the pin");
        assertEquals("revoked by Region.revoke(PT0S)", timedOut.getString("reason"));
        RecordedEvent finished = events.get(1);
        assertTrue(finished.getBoolean("joined"));
        assertFalse(finished.getBoolean("timedOut"));
        assertEquals("closed by Region.close()", finished.getString("reason"));
    }

    @Test
    void disabledTheRevokeRecordsNothing() throws Throwable {
        Region region = Region.allocate("jfr-off", 1 << 16);
        region.map(0, 4096);
        List<RecordedEvent> events = JfrCapture.disabled(REGION_REVOKE, () -> {
            assertFalse(RegionRevokeEvent.enabled());
            region.revoke();
        });
        assertEquals(List.of(), events);
    }
}
