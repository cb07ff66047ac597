package io.github.mmunotify.samples;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs every sample of the tour as a test: its own checks must hold and none may fail. */
class SamplesTest {

    @TestFactory
    Stream<DynamicTest> everySampleHoldsItsChecks() {
        return Tour.samples().stream().map(sample -> DynamicTest.dynamicTest(sample.name(), () -> {
            ByteArrayOutputStream narration = new ByteArrayOutputStream();
            boolean held;
            try (PrintStream out = new PrintStream(narration, true, StandardCharsets.UTF_8)) {
                held = sample.run(out);
            }
            String text = narration.toString(StandardCharsets.UTF_8);
            assertTrue(held, () -> sample.name() + " reported a failed check:\n" + text);
            assertTrue(text.contains("[ok]"), () -> sample.name() + " made no check:\n" + text);
            assertFalse(text.contains("[FAILED]"), () -> sample.name() + ":\n" + text);
        }));
    }

    @Test
    void theTourRunsTheFourSamplesInOrder() {
        assertEquals(List.of("driver", "arena", "unplug", "overhead"),
                Tour.samples().stream().map(Sample::name).toList());
    }

    @Test
    void samplesAreChosenByNameAndUnknownNamesAreRefusedWithTheKnownOnes() {
        assertEquals(List.of("unplug", "arena"),
                Tour.choose(new String[] {"unplug,ARENA"}).stream().map(Sample::name).toList());
        assertEquals(4, Tour.choose(new String[] {"all"}).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tour.choose(new String[] {"nope"}));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("driver"), e.getMessage());
    }

    @Test
    void theTourReportsAFailedCheckAsAFailure() {
        Sample failing = new Sample() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public String title() {
                return "a sample whose check fails";
            }

            @Override
            public boolean run(PrintStream out) {
                return new Checks(out).check("something that does not hold", false);
            }
        };
        ByteArrayOutputStream narration = new ByteArrayOutputStream();
        boolean held = Tour.run(List.of(failing), new PrintStream(narration, true, StandardCharsets.UTF_8));
        assertFalse(held);
        assertTrue(narration.toString(StandardCharsets.UTF_8).contains("CHECKS FAILED"));
    }
}
