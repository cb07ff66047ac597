package io.github.mmunotify.testing;

import java.time.Duration;

/**
 * Every delay and bound a test waits for, scaled by one factor.
 *
 * <p>{@code -Dmmunotify.test.timeScale=4} multiplies every bound taken from here (a loaded CI box,
 * a debugger). Bounds are how long a test waits before calling something stuck; they never stand in
 * for synchronisation, so a larger scale only makes a failing test take longer to fail.
 */
public final class TestTimeouts {

    /** The system property holding the scale factor (a positive decimal, default 1). */
    public static final String SCALE_PROPERTY = "mmunotify.test.timeScale";

    private TestTimeouts() {
    }

    /** The scale factor. */
    public static double scale() {
        String value = System.getProperty(SCALE_PROPERTY, "1");
        double scale;
        try {
            scale = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SCALE_PROPERTY + " must be a number, got '" + value + "'", e);
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException(SCALE_PROPERTY + " must be positive and finite, got " + value);
        }
        return scale;
    }

    /** {@code base} times the scale factor. */
    public static Duration scaled(Duration base) {
        return Duration.ofNanos(Math.round(base.toNanos() * scale()));
    }

    /** How long to wait for something that should happen promptly (a latch, a state change): 30 s scaled. */
    public static Duration await() {
        return scaled(Duration.ofSeconds(30));
    }

    /** How long to wait for a test's threads to finish: 60 s scaled. */
    public static Duration join() {
        return scaled(Duration.ofSeconds(60));
    }

    /**
     * A short window in which something must <em>not</em> happen (a waiter stays blocked): 50 ms
     * scaled. Only for asserting absence; never for ordering.
     */
    public static Duration quiet() {
        return scaled(Duration.ofMillis(50));
    }
}
