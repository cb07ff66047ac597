/**
 * mmunotify's lifetime primitives, which know nothing of memory: {@link io.github.mmunotify.core.Srcu}
 * epoch domains and {@link io.github.mmunotify.core.Revocable} objects. Depends on the JDK alone and
 * runs with no JVM flag, on the class path and on the module path.
 */
module io.github.mmunotify.core {
    // GracePeriodEvent and RevokeEvent (JFR) extend jdk.jfr.Event; a
    // platform module, so no dependency and no flag.
    requires jdk.jfr;
    exports io.github.mmunotify.core;
}
