/**
 * Mmu notifiers for mmunotify's address spaces: {@link io.github.mmunotify.notifier.Mmu},
 * {@link io.github.mmunotify.notifier.AddressSpace}, {@link io.github.mmunotify.notifier.MmuNotifier}
 * and interval notifiers. Needs no JVM flag beyond what {@code io.github.mmunotify.mmap} needs.
 */
module io.github.mmunotify.notifier {
    // InvalidationWalkEvent (JFR) extends jdk.jfr.Event; a
    // platform module, so no dependency and no flag.
    requires jdk.jfr;
    requires transitive io.github.mmunotify.mmap;
    exports io.github.mmunotify.notifier;
}
