package io.github.mmunotify.mmap;

/**
 * The check that this module may use the FFM API's restricted methods, made before the first one
 * is called. On JDK 25 a JVM started without {@code --enable-native-access} for this module only
 * prints a warning at the first restricted call and lets it through (a later JDK will refuse it);
 * mmap refuses at once instead, naming the exact flag to add, and before any restricted call, so
 * such a JVM prints no warning either.
 *
 * <p>{@link IllegalCallerException} is what the JDK itself throws for a restricted method called
 * by a module without native access ({@code --illegal-native-access=deny}); mmap throws the same
 * type, with a message a user can act on. The check is made by every public entry point that
 * leads to native code (creating a {@link Region} or a {@link MappedArena}, {@link Region#trapStats()});
 * everything else needs one of those first. Thread-safe (stateless).
 */
final class NativeAccess {
    /** This module: named ({@code io.github.mmunotify.mmap}) on the module path, unnamed on the class path. */
    private static final Module MODULE = NativeAccess.class.getModule();

    private NativeAccess() {
    }

    /**
     * Returns if this module may call restricted methods.
     *
     * @throws IllegalCallerException naming the flag to add, if it may not
     */
    static void require() {
        if (!MODULE.isNativeAccessEnabled()) {
            throw new IllegalCallerException(message(MODULE));
        }
    }

    /** The command-line flag that enables native access for {@code module}. */
    static String flag(Module module) {
        return "--enable-native-access=" + (module.isNamed() ? module.getName() : "ALL-UNNAMED");
    }

    static String message(Module module) {
        String where = module.isNamed() ? "module " + module.getName() : "the class path (the unnamed module)";
        return "mmunotify-mmap maps memory through the FFM API, whose restricted methods this JVM does not"
                + " allow for " + where + ": start java with " + flag(module)
                + (module.isNamed() ? "" : " (in an executable JAR's manifest: Enable-Native-Access: ALL-UNNAMED)");
    }
}
