package io.github.mmunotify.agrona;

import io.github.mmunotify.agrona.modulepath.ModulePathProbe;
import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.ChildJvm;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module descriptor works: with {@code io.github.mmunotify.agrona}, mmap, core and Agrona (an
 * automatic module, {@code org.agrona}) on the module path, a program uses the buffer with only
 * {@code --enable-native-access=io.github.mmunotify.mmap}; without it the first region is refused
 * naming exactly that flag.
 */
class ModulePathTest {
    private static final String NATIVE_ACCESS = "--enable-native-access=io.github.mmunotify.mmap";

    @Test
    void theBufferRunsOnTheModulePathWithOnlyMmapsNativeAccess() throws Exception {
        ChildJvm.Result result = ChildJvm.runWithClassPath(ModulePathProbe.class, moduleFlags(NATIVE_ACCESS), probeClasses());
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("PROBE OK" + System.lineSeparator(), result.output(), "the JVM printed more (a warning?)");
    }

    @Test
    void withoutItTheFirstRegionIsRefusedNamingTheModulesFlag() throws Exception {
        ChildJvm.Result result = ChildJvm.runWithClassPath(ModulePathProbe.class, moduleFlags(), probeClasses());
        assertTrue(result.exitCode() != 0 && result.output().contains("IllegalCallerException")
                && result.output().contains(NATIVE_ACCESS), result.describe());
    }

    /** The probe's own classes (this module's test classes): the only class path entry. */
    private static String probeClasses() throws Exception {
        return Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /**
     * The module path (the four modules' own directories or jars, found from a class of each) and
     * the class path (the probe's classes only), then {@code extra}.
     */
    private static List<String> moduleFlags(String... extra) throws Exception {
        List<String> modules = new ArrayList<>();
        for (Class<?> c : new Class<?>[]{GuardedAtomicBuffer.class, Region.class, Revocable.class, AtomicBuffer.class}) {
            Path location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            assertTrue(Files.isRegularFile(location) || Files.exists(location.resolve("module-info.class"))
                    || c == AtomicBuffer.class, location + " holds no module-info.class: build it first");
            modules.add(location.toString());
        }
        List<String> flags = new ArrayList<>(List.of("--module-path", String.join(File.pathSeparator, modules),
                "--add-modules", "io.github.mmunotify.agrona"));
        flags.addAll(List.of(extra));
        return flags;
    }
}
