/**
 * Mmu notifiers for mmunotify's address spaces: {@link io.github.mmunotify.notifier.Mmu},
 * {@link io.github.mmunotify.notifier.AddressSpace}, {@link io.github.mmunotify.notifier.MmuNotifier}
 * and interval notifiers. Needs no JVM flag beyond what {@code io.github.mmunotify.mmap} needs.
 */
module io.github.mmunotify.notifier {
    requires transitive io.github.mmunotify.mmap;
    exports io.github.mmunotify.notifier;
}
