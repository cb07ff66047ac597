package io.github.mmunotify.samples;

import java.io.PrintStream;

/**
 * The checks one sample makes, printed as they are made: {@code [ok]} or {@code [FAILED]} and what
 * was expected. A sample returns {@link #allHeld()} as its verdict.
 *
 * <p>Not thread-safe: a sample records its checks from the thread that runs it, after joining the
 * threads whose results it checks.
 */
final class Checks {

    private final PrintStream out;
    private int made;
    private int failed;

    Checks(PrintStream out) {
        this.out = out;
    }

    /** Records one check and prints it; returns {@code held} so a sample can branch on it. */
    boolean check(String expectation, boolean held) {
        made++;
        if (!held) {
            failed++;
        }
        out.printf("   [%s] %s%n", held ? "ok" : "FAILED", expectation);
        return held;
    }

    /** Whether at least one check was made and none failed. */
    boolean allHeld() {
        return made > 0 && failed == 0;
    }

    @Override
    public String toString() {
        return "Checks[made=" + made + ", failed=" + failed + "]";
    }
}
