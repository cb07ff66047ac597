package io.github.mmunotify.samples;

import io.github.mmunotify.testing.StressSize;
import org.junit.jupiter.api.BeforeAll;
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

    /**
     * The samples size themselves from {@code mmunotify.samples.*} (their own knobs, read once when
     * each sample class initialises). Under test those sizes come from the one stress-size prefix
     * instead, {@code mmunotify.test.samples.*}, with defaults that keep the suite inside the CI
     * budget; a sample property given explicitly on the command line still wins. The samples'
     * checks are about correctness only (no timing thresholds), so smaller runs stay meaningful.
     */
    @BeforeAll
    static void sizeTheSamplesFromStressSizes() {
        sizeSample("mmunotify.samples.driver.rounds", "samples.driverRounds", 3_000);
        sizeSample("mmunotify.samples.overhead.invalidations", "samples.overheadInvalidations", 20_000);
        sizeSample("mmunotify.samples.overhead.reads", "samples.overheadReads", 200_000);
    }

    private static void sizeSample(String sampleProperty, String stressKey, int testDefault) {
        if (System.getProperty(sampleProperty) == null) {
            System.setProperty(sampleProperty, Integer.toString(StressSize.of(stressKey, testDefault)));
        }
    }

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
        String text = narration.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("CHECKS FAILED"), text);
        assertTrue(text.contains("[1/1] running failing"), () -> "the tour announces each sample:\n" + text);
        assertTrue(text.matches("(?s).*failing: CHECKS FAILED, done in \\d+ ms.*"), () -> "and times it:\n" + text);
        assertTrue(text.matches("(?s).*tour finished in \\d+ ms.*"), () -> "and the whole tour:\n" + text);
    }
}
