package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.JfrCapture;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

/**
 * The invalidation walk's JFR event, read back from a real recording: one event per walk with the
 * space, range, cause, blockability, subscriber and interval counts and outcome; a refused
 * non-blockable walk as TRY_AGAIN; nothing when the event is disabled. And the Mmu's thread
 * factory option.
 */
class NotifierJfrEventsTest {

    private static final List<String> WALK = List.of(InvalidationWalkEvent.NAME);

    /** A subscriber that accepts or refuses every start. */
    private static final class Answering extends Recorder {
        private final boolean accept;

        Answering(String name, boolean accept) {
            super(name);
            this.accept = accept;
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            super.invalidateRangeStart(range);
            return accept;
        }
    }

    @Test
    void aProtectAndAnUnmapAreRecordedWithTheirRangeAndCounts() throws Throwable {
        try (Mmu mmu = Mmu.create("jfr-mmu"); Region region = Region.allocate("jfr-walk", 1 << 16)) {
            AddressSpace space = mmu.createAddressSpace("jfr-space");
            Mapping mapping = space.map(region, 0, 8192);
            space.register(new Recorder("a"));
            space.register(new Recorder("b"));
            space.insert(mapping.address(), 4096, (interval, range, sequence) -> true);
            space.insert(mapping.address() + 0x100000, 4096, (interval, range, sequence) -> true);
            List<RecordedEvent> events = JfrCapture.enabled(WALK, () -> {
                space.protect(mapping.address(), 8192, false);
                space.unmap(mapping.address(), 8192);
            });
            assertEquals(2, events.size(), events.toString());
            RecordedEvent protect = events.get(0);
            assertEquals("jfr-space", protect.getString("addressSpace"));
            assertEquals(mapping.address(), protect.getLong("start"));
            assertEquals(mapping.address() + 8192, protect.getLong("end"));
            assertEquals("PROTECTION_CHANGE", protect.getString("cause"));
            assertTrue(protect.getBoolean("blockable"));
            assertEquals(2, protect.getInt("subscribers"));
            assertEquals(2, protect.getInt("intervalNotifiers"));
            assertEquals("DONE", protect.getString("outcome"));
            assertEquals(Thread.currentThread().getName(), protect.getThread().getJavaName());
            assertEquals("UNMAP", events.get(1).getString("cause"));
            assertEquals("DONE", events.get(1).getString("outcome"));
        }
    }

    @Test
    void aRefusedNonBlockableWalkIsRecordedAsTryAgain() throws Throwable {
        try (Mmu mmu = Mmu.create("jfr-refuse"); Region region = Region.allocate("jfr-refuse", 1 << 16)) {
            AddressSpace space = mmu.createAddressSpace("jfr-refusing");
            Mapping mapping = space.map(region, 0, 4096);
            space.register(new Answering("refuser", false));
            List<RecordedEvent> events = JfrCapture.enabled(WALK,
                    () -> assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096)));
            assertEquals(1, events.size(), events.toString());
            RecordedEvent event = events.getFirst();
            assertFalse(event.getBoolean("blockable"));
            assertEquals("TRY_AGAIN", event.getString("outcome"));
            assertEquals(1, event.getInt("subscribers"));
            assertEquals(0, event.getInt("intervalNotifiers"));
        }
    }

    @Test
    void aRegionRevokeIsRecordedAsAWalkOfEachSpaceThatMapsIt() throws Throwable {
        try (Mmu mmu = Mmu.create("jfr-revoke")) {
            AddressSpace space = mmu.createAddressSpace("jfr-revoked");
            Region region = Region.allocate("jfr-revoked", 1 << 16);
            space.map(region, 0, 4096);
            space.register(new Recorder("r"));
            List<RecordedEvent> events = JfrCapture.enabled(WALK, region::revoke);
            assertEquals(1, events.size(), events.toString());
            assertEquals("REGION_REVOKED", events.getFirst().getString("cause"));
        }
    }

    @Test
    void disabledTheWalkRecordsNothing() throws Throwable {
        try (Mmu mmu = Mmu.create("jfr-off"); Region region = Region.allocate("jfr-off", 1 << 16)) {
            AddressSpace space = mmu.createAddressSpace("jfr-off");
            Mapping mapping = space.map(region, 0, 4096);
            space.register(new Recorder("off"));
            List<RecordedEvent> events = JfrCapture.disabled(WALK, () -> {
                assertFalse(InvalidationWalkEvent.enabled());
                space.protect(mapping.address(), 4096, false);
                space.unmap(mapping.address(), 4096);
            });
            assertEquals(List.of(), events);
        }
    }

    @Test
    void theMmusFreesRunOnTheFactorysThread() throws Exception {
        CompletableFuture<Thread> made = new CompletableFuture<>();
        ThreadFactory factory = task -> {
            Thread thread = Thread.ofPlatform().daemon().name("mmu-frees").unstarted(task);
            made.complete(thread);
            return thread;
        };
        try (Mmu mmu = Mmu.create("tf-mmu", failure -> { }, factory)) {
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            mmu.callSrcu(() -> ranOn.complete(Thread.currentThread()));
            assertSame(made.getNow(null), ranOn.get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aFactoryReturningNullFailsCallSrcuNamingIt() {
        ThreadFactory broken = new ThreadFactory() {
            @Override
            public Thread newThread(Runnable task) {
                return null;
            }

            @Override
            public String toString() {
                return "BrokenFactory";
            }
        };
        try (Mmu mmu = Mmu.create("tf-null", failure -> { }, broken)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> mmu.callSrcu(() -> { }));
            assertTrue(e.getMessage().contains("BrokenFactory") && e.getMessage().contains("returned null"),
                    e.getMessage());
            mmu.barrier(); // nothing was queued that it would wait for
        }
    }
}
