package io.github.mmunotify.testing;

/**
 * The size of a stress test, read from one property prefix: {@code mmunotify.test.<key>}.
 *
 * <p>Every repeated race and stress loop takes its count from here, so a long run is one command
 * line: {@code -Dmmunotify.test.raceRounds=1000000}. Classes that run long are tagged
 * {@code @Tag("stress")}; the default sizes keep the whole suite within the CI budget.
 */
public final class StressSize {

    /** The property prefix. */
    public static final String PREFIX = "mmunotify.test.";

    private StressSize() {
    }

    /** {@code mmunotify.test.<key>} as a positive int, or {@code defaultValue}. */
    public static int of(String key, int defaultValue) {
        String value = System.getProperty(PREFIX + key);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + key + " must be an integer, got '" + value + "'", e);
        }
        if (parsed <= 0) {
            throw new IllegalArgumentException(PREFIX + key + " must be positive, got " + parsed);
        }
        return parsed;
    }
}
