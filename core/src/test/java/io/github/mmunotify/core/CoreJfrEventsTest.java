package io.github.mmunotify.core;

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
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * The JFR events of core, read back from a real recording: a grace period (synchronize, its
 * timed form, the callback thread) and a revoke (revoke, its timed form, revokeAsync), with every
 * field; nothing when the events are disabled; and types that read well in Mission Control.
 */
class CoreJfrEventsTest {

    private static final List<String> GRACE_PERIOD = List.of(GracePeriodEvent.NAME);
    private static final List<String> REVOKE = List.of(RevokeEvent.NAME);

    @Test
    void aTimedOutAndThenACompletedSynchronizeAreRecordedWithTheReaderTheyWaitedFor() throws Throwable {
        try (Srcu srcu = Srcu.create("jfr-sync")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("jfr-sync-reader"));
            reader.awaitInside();
            List<RecordedEvent> events = JfrCapture.enabled(GRACE_PERIOD, () -> {
                assertThrows(TimeoutException.class, () -> srcu.synchronize(Duration.ZERO));
                reader.releaseAndJoin();
                srcu.synchronize();
            });
            events = ofDomain(events, "jfr-sync");
            assertEquals(2, events.size(), events.toString());
            RecordedEvent timedOut = events.get(0);
            assertEquals("synchronize(Duration)", timedOut.getString("waiter"));
            assertFalse(timedOut.getBoolean("completed"));
            assertEquals(1, timedOut.getInt("readersWaitedFor"), "the held reader");
            assertTrue(timedOut.getLong("scans") >= 1);
            assertEquals(0, timedOut.getInt("gracePeriodsDriven"));
            RecordedEvent completed = events.get(1);
            assertEquals("synchronize()", completed.getString("waiter"));
            assertTrue(completed.getBoolean("completed"));
            assertTrue(completed.getInt("gracePeriodsDriven") >= 1, completed.toString());
            assertTrue(completed.getLong("scans") >= 1);
            assertEquals(Thread.currentThread().getName(), completed.getThread().getJavaName());
            assertFalse(completed.getDuration().isNegative());
        }
    }

    @Test
    void theCallbackThreadsGracePeriodIsRecordedOnThatThread() throws Throwable {
        try (Srcu srcu = Srcu.create("jfr-callbacks")) {
            CountDownLatch ran = new CountDownLatch(1);
            List<RecordedEvent> events = JfrCapture.enabled(GRACE_PERIOD, () -> {
                srcu.callSrcu(ran::countDown);
                srcu.barrier();
            });
            assertTrue(ran.await(0, TimeUnit.SECONDS));
            events = ofDomain(events, "jfr-callbacks");
            assertFalse(events.isEmpty());
            RecordedEvent event = events.getFirst();
            assertEquals("callback thread", event.getString("waiter"));
            assertTrue(event.getBoolean("completed"));
            assertEquals("srcu-jfr-callbacks-callbacks", event.getThread().getJavaName());
        }
    }

    @Test
    void aTimedOutRevokeAndTheRevokeThatFinishesItAreRecorded() throws Throwable {
        Revocable revocable = Revocable.create("jfr-device");
        revocable.open(() -> { });
        revocable.open(() -> { });
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        List<RecordedEvent> events;
        try (TestThreads threads = new TestThreads("jfr-revoke-user")) {
            threads.start(() -> {
                assertTrue(revocable.tryEnter());
                try {
                    inside.countDown();
                    assertTrue(leave.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                } finally {
                    revocable.exit();
                }
            });
            assertTrue(inside.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            events = JfrCapture.enabled(REVOKE, () -> {
                assertThrows(TimeoutException.class, () -> revocable.revoke(Duration.ZERO));
                leave.countDown();
                revocable.revoke();
            });
        }
        assertEquals(2, events.size(), events.toString());
        RecordedEvent timedOut = events.get(0);
        assertEquals("jfr-device", timedOut.getString("object"));
        assertEquals("revoke(Duration)", timedOut.getString("operation"));
        assertTrue(timedOut.getBoolean("timedOut"));
        assertFalse(timedOut.getBoolean("joined"));
        assertEquals(1, timedOut.getLong("methodsInFlight"));
        assertEquals(0, timedOut.getInt("handlesReleased"));
        RecordedEvent finished = events.get(1);
        assertEquals("revoke()", finished.getString("operation"));
        assertTrue(finished.getBoolean("joined"), "it took over the given-up revocation");
        assertFalse(finished.getBoolean("timedOut"));
        assertEquals(2, finished.getInt("handlesReleased"));
        assertTrue(revocable.isRevocationComplete());
    }

    @Test
    void revokeAsyncIsRecordedOnItsThread() throws Throwable {
        Revocable revocable = Revocable.create("jfr-async");
        revocable.open(() -> { });
        List<RecordedEvent> events = JfrCapture.enabled(REVOKE,
                () -> revocable.revokeAsync().get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(1, events.size(), events.toString());
        RecordedEvent event = events.getFirst();
        assertEquals("revokeAsync()", event.getString("operation"));
        assertEquals(1, event.getInt("handlesReleased"));
        assertEquals("revoke-jfr-async", event.getThread().getJavaName());
    }

    @Test
    void disabledEventsRecordNothing() throws Throwable {
        List<String> both = List.of(GracePeriodEvent.NAME, RevokeEvent.NAME);
        try (Srcu srcu = Srcu.create("jfr-off")) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("jfr-off-reader"));
            reader.awaitInside();
            List<RecordedEvent> events = JfrCapture.disabled(both, () -> {
                assertFalse(GracePeriodEvent.enabled());
                assertFalse(RevokeEvent.enabled());
                assertThrows(TimeoutException.class, () -> srcu.synchronize(Duration.ZERO));
                reader.releaseAndJoin();
                srcu.synchronize();
                srcu.callSrcu(() -> { });
                srcu.barrier();
                Revocable revocable = Revocable.create("jfr-off");
                revocable.open(() -> { });
                revocable.revoke();
            });
            assertEquals(List.of(), events);
        }
        assertFalse(GracePeriodEvent.enabled(), "no recording runs");
    }

    @Test
    void theEventsEnabledCheckFollowsTheRecording() throws Throwable {
        assertFalse(GracePeriodEvent.enabled());
        JfrCapture.enabled(GRACE_PERIOD, () -> assertTrue(GracePeriodEvent.enabled()));
        JfrCapture.disabled(GRACE_PERIOD, () -> assertFalse(GracePeriodEvent.enabled()));
        assertFalse(GracePeriodEvent.enabled());
    }

    @Test
    void theTypesCarryLabelsDescriptionsAndTheCategory() throws Throwable {
        JfrCapture.enabled(List.of(GracePeriodEvent.NAME, RevokeEvent.NAME), () -> {
            for (EventType type : FlightRecorder.getFlightRecorder().getEventTypes()) {
                if (!type.getName().startsWith("io.github.mmunotify.")) {
                    continue;
                }
                assertEquals(List.of("mmunotify"), type.getCategoryNames(), type.getName());
                assertTrue(type.getLabel() != null && type.getDescription() != null, type.getName());
                type.getFields().forEach(field -> assertTrue(field.getLabel() != null, type.getName() + "." + field.getName()));
            }
        });
    }

    private static List<RecordedEvent> ofDomain(List<RecordedEvent> events, String domain) {
        return events.stream().filter(e -> domain.equals(e.getString("domain"))).toList();
    }
}
