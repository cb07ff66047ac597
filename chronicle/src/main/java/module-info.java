/**
 * {@link io.github.mmunotify.chronicle.GuardedBytes}: a Chronicle
 * {@link net.openhft.chronicle.bytes.Bytes} over a revocable mmunotify
 * {@link io.github.mmunotify.mmap.Region}. Besides mmap's native access, Chronicle Bytes itself
 * wants {@code --sun-misc-unsafe-memory-access=allow} and
 * {@code --add-opens=java.base/java.lang.reflect=ALL-UNNAMED}.
 */
// Chronicle Bytes is an automatic module whose name, chronicle.bytes, comes from its manifest's
// Automatic-Module-Name, so it is as stable as a module-info's; its instability is what these two
// lints warn about. Transitive: GuardedBytes is a Bytes and wraps a Region, so users need both.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.github.mmunotify.chronicle {
    requires transitive io.github.mmunotify.mmap;
    requires transitive chronicle.bytes;
    requires transitive chronicle.core;

    exports io.github.mmunotify.chronicle;
}
