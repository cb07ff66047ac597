/**
 * Off-heap memory that can be revoked under live readers: {@link io.github.mmunotify.mmap.Region},
 * {@link io.github.mmunotify.mmap.Mapping}, {@link io.github.mmunotify.mmap.Pin} and
 * {@link io.github.mmunotify.mmap.MappedArena}. Its system calls go through the FFM API, so an
 * application on the module path runs it with {@code --enable-native-access=io.github.mmunotify.mmap}
 * (on the class path: {@code --enable-native-access=ALL-UNNAMED}).
 */
module io.github.mmunotify.mmap {
    // RegionRevokeEvent (JFR) extends jdk.jfr.Event; a platform module, so no dependency and no flag.
    requires jdk.jfr;
    requires transitive io.github.mmunotify.core;

    exports io.github.mmunotify.mmap;
}
