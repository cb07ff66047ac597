/**
 * mmunotify's lifetime primitives, which know nothing of memory: {@link io.github.mmunotify.core.Srcu}
 * epoch domains and {@link io.github.mmunotify.core.Revocable} objects. Depends on the JDK alone and
 * runs with no JVM flag, on the class path and on the module path.
 */
module io.github.mmunotify.core {
    exports io.github.mmunotify.core;
}
