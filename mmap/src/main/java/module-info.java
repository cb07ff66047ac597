/**
 * Off-heap memory that can be revoked under live readers: {@link io.github.mmunotify.mmap.Region},
 * {@link io.github.mmunotify.mmap.Mapping}, {@link io.github.mmunotify.mmap.Pin} and
 * {@link io.github.mmunotify.mmap.MappedArena}. Its system calls go through the FFM API, so an
 * application on the module path runs it with {@code --enable-native-access=io.github.mmunotify.mmap}
 * (on the class path: {@code --enable-native-access=ALL-UNNAMED}).
 */
// Temporary, with the "requires static" line below: delete both once the Chronicle view has left
// this module.
@SuppressWarnings("requires-automatic")
module io.github.mmunotify.mmap {
    // RegionRevokeEvent (JFR) extends jdk.jfr.Event; a
    // platform module, so no dependency and no flag.
    requires jdk.jfr;
    requires transitive io.github.mmunotify.core;
    // Temporary: Region.bytes() still returns a Chronicle type here, until the guarded view moves
    // to its own module (mmunotify-chronicle; the Agrona view is already in mmunotify-agrona).
    // Static, not transitive: an application that never calls the view needs no Chronicle, at run
    // time nor to compile (the root pom's guarded-views-in-mmap profile silences the exports lint
    // this trips meanwhile).
    requires static chronicle.bytes;

    exports io.github.mmunotify.mmap;
}
