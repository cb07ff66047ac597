/**
 * Off-heap memory that can be revoked under live readers: {@link io.github.mmunotify.mmap.Region},
 * {@link io.github.mmunotify.mmap.Mapping}, {@link io.github.mmunotify.mmap.Pin} and
 * {@link io.github.mmunotify.mmap.MappedArena}. Its system calls go through the FFM API, so an
 * application on the module path runs it with {@code --enable-native-access=io.github.mmunotify.mmap}
 * (on the class path: {@code --enable-native-access=ALL-UNNAMED}).
 */
// Temporary, with the two "requires static" lines below: delete all three once the views have left
// this module.
@SuppressWarnings("requires-automatic")
module io.github.mmunotify.mmap {
    // RegionRevokeEvent (JFR) extends jdk.jfr.Event; a
    // platform module, so no dependency and no flag.
    requires jdk.jfr;
    requires transitive io.github.mmunotify.core;
    // Temporary: Region.bytes() and Region.atomicBuffer(..) still return Chronicle and Agrona types
    // here, until the guarded views move to their own modules (mmunotify-chronicle,
    // mmunotify-agrona). Static, not transitive: an application that never calls the views needs
    // neither library, at run time nor to compile (the root pom's guarded-views-in-mmap profile
    // silences the exports lint this trips meanwhile).
    requires static org.agrona;
    requires static chronicle.bytes;

    exports io.github.mmunotify.mmap;
}
