/**
 * {@link io.github.mmunotify.agrona.GuardedAtomicBuffer}: an Agrona
 * {@link org.agrona.concurrent.AtomicBuffer} over a window of a revocable mmunotify
 * {@link io.github.mmunotify.mmap.Region}. Needs what mmap needs and nothing more:
 * {@code --enable-native-access=io.github.mmunotify.mmap} on the module path.
 */
// Agrona 2.6 is an automatic module. Its name, org.agrona, is declared by its manifest's
// Automatic-Module-Name rather than derived from the jar's file name, so it is as stable as a
// module-info's; that instability is what these two lints warn about. Transitive: GuardedAtomicBuffer
// is an AtomicBuffer and wraps a Region, so users need both modules' types.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.github.mmunotify.agrona {
    requires transitive io.github.mmunotify.mmap;
    requires transitive org.agrona;

    exports io.github.mmunotify.agrona;
}
