package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Creating domains: bad arguments, names, and what stats() and toString() show. */
class SrcuBuilderTest {

    @Test
    void aNameIsRequired() {
        assertThrows(NullPointerException.class, () -> Srcu.create(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Srcu.create("  "));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
    }

    @Test
    void theStallThresholdMustBePositive() {
        Srcu.Builder builder = Srcu.builder("threshold");
        assertThrows(IllegalArgumentException.class, () -> builder.stallThreshold(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> builder.stallThreshold(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> builder.stallThreshold(null));
        assertThrows(NullPointerException.class, () -> builder.stallHandler(null));
        assertThrows(NullPointerException.class, () -> builder.callbackErrorHandler(null));
        try (Srcu srcu = builder.stallThreshold(Duration.ofSeconds(1)).build()) {
            assertEquals("threshold", srcu.name());
        }
    }

    @Test
    void statsCountWhatHappened() throws Exception {
        try (Srcu srcu = Srcu.builder("stats").callbackErrorHandler(t -> { }).build()) {
            Srcu.Stats empty = srcu.stats();
            assertEquals(new Srcu.Stats(0, 0, 0, 0, 0, 0), empty);

            int token = srcu.readLock();
            assertEquals(1, srcu.stats().readersActive());
            srcu.readUnlock(token);

            srcu.synchronize();
            srcu.callSrcu(() -> { });
            srcu.callSrcu(() -> {
                throw new IllegalStateException("counted");
            });
            srcu.barrier();
            Srcu.Stats stats = srcu.stats();
            assertTrue(stats.gracePeriodsCompleted() >= 2, stats.toString());
            assertEquals(2, stats.callbacksQueued());
            assertEquals(2, stats.callbacksRun());
            assertEquals(1, stats.callbacksFailed());
            assertEquals(0, stats.readersActive());
            assertEquals(0, stats.stallsReported());
        }
    }

    @Test
    void toStringShowsNameStateAndCounters() {
        Srcu srcu = Srcu.create("shown");
        srcu.synchronize();
        String open = srcu.toString();
        assertTrue(open.contains("shown") && open.contains("open") && open.contains("grace periods completed=1"), open);
        srcu.close();
        assertTrue(srcu.toString().contains("closed"), srcu.toString());
    }
}
