package io.github.mmunotify.chronicle;

/**
 * Checks once that Chronicle Bytes works in this JVM, and otherwise names the JVM flags to add.
 */
final class ChronicleFlags {
    private ChronicleFlags() {
    }

    static void check() {
    }
}
