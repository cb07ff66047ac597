package io.github.mmunotify.agrona;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Run in a JVM of its own by {@link AgronaFlagsTest}: one access through Agrona's own
 * {@link UnsafeBuffer}, which reaches {@code jdk.internal.misc.Unsafe}. Shows that a forked JVM
 * with only this module's flags does catch Agrona code that needs more: this one fails.
 */
final class UnsafeBufferProbe {
    private UnsafeBufferProbe() {
    }

    public static void main(String[] args) {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.putLong(0, 42);
        System.out.println(buffer.getLong(0) == 42 ? "PROBE OK" : "PROBE WRONG");
    }
}
