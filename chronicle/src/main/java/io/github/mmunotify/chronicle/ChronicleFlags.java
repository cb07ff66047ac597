package io.github.mmunotify.chronicle;

import net.openhft.chronicle.bytes.Bytes;

/**
 * Checks once per JVM that Chronicle Bytes can initialise, and otherwise names the JVM flags to
 * add: Chronicle reads memory through {@code sun.misc.Unsafe}, and a JVM started with
 * {@code --sun-misc-unsafe-memory-access=deny} (the default of a future JDK) fails its class
 * initialisation with a bare {@link ExceptionInInitializerError}, which names neither Chronicle
 * nor the fix.
 */
final class ChronicleFlags {
    /** The flags this module needs on the class path (the module path names the modules instead). */
    static final String FLAGS = "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
            + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED";

    private ChronicleFlags() {
    }

    /**
     * Returns normally if Chronicle Bytes initialised in this JVM.
     *
     * @throws IllegalStateException naming the flags to add, with Chronicle's failure as the cause
     */
    static void check() {
        Throwable failure = Holder.FAILURE;
        if (failure != null) {
            throw new IllegalStateException("mmunotify-chronicle: Chronicle Bytes cannot initialise in this JVM ("
                    + failure + "); it reads memory through sun.misc.Unsafe: start java with"
                    + " --sun-misc-unsafe-memory-access=allow (this module's flags on the class path: " + FLAGS + ")",
                    failure);
        }
    }

    /** Initialised on first use: Chronicle's classes are touched once, by the first wrap. */
    private static final class Holder {
        static final Throwable FAILURE = tryChronicle();

        private static Throwable tryChronicle() {
            try {
                Bytes<byte[]> probe = Bytes.allocateElasticOnHeap(8);
                probe.writeLong(1);
                probe.releaseLast();
                return null;
            } catch (LinkageError | RuntimeException e) {
                return e;
            }
        }
    }
}
