package io.github.mmunotify.samples;

import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library as an application sees it: {@link QuickStart} compiled on its own and run in a fresh
 * JVM, on the module path (as a module {@code quickstart} that requires only
 * {@code io.github.mmunotify.notifier}) and on the class path, each with only the flag the README
 * lists for it; {@code core} alone on the module path with no flag at all. The child JVM gets
 * nothing from this one (no class path, no flags, no {@code JAVA_TOOL_OPTIONS}), so an empty stderr
 * means the JDK had nothing to warn about.
 *
 * <p>The tests themselves run on the class path (surefire's {@code useModulePath=false}); the
 * library's modules are found where this JVM loaded {@link Srcu}, {@link Region} and {@link Mmu}
 * from: the reactor's class directories or jars.
 */
class ModulePathTest {

    private static final String QUICK_START = "io.github.mmunotify.samples.QuickStart";
    private static final String MMAP_NATIVE_ACCESS = "--enable-native-access=io.github.mmunotify.mmap";
    private static final String CLASS_PATH_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** What a child JVM did. */
    private record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The quick start

    @Test
    void theQuickStartRunsOnTheModulePathWithOnlyNativeAccessForMmapAndWarnsNothing(@TempDir Path dir)
            throws Exception {
        Path quickstart = compileQuickStartModule(dir);

        Run run = java(dir, MMAP_NATIVE_ACCESS, "--module-path", modulePath(quickstart, libraryModules()),
                "--module", "quickstart/" + QUICK_START);

        assertQuickStartRan(run);
    }

    @Test
    void theQuickStartRunsOnTheClassPathWithOnlyNativeAccessForTheUnnamedModule(@TempDir Path dir)
            throws Exception {
        Path quickstart = compileQuickStartModule(dir);

        Run run = java(dir, CLASS_PATH_NATIVE_ACCESS, "-cp", modulePath(quickstart, libraryModules()), QUICK_START);

        assertQuickStartRan(run);
    }

    /**
     * The flag is needed, and spelled with the module's name: without it, or with the class path's
     * ALL-UNNAMED (which does not cover a named module), the JDK names the exact flag to add.
     */
    @Test
    void onTheModulePathTheQuickStartWithoutMmapsNativeAccessIsToldTheFlagToAdd(@TempDir Path dir)
            throws Exception {
        Path quickstart = compileQuickStartModule(dir);
        String modulePath = modulePath(quickstart, libraryModules());

        Run none = java(dir, "--module-path", modulePath, "--module", "quickstart/" + QUICK_START);
        Run classPathSpelling = java(dir, CLASS_PATH_NATIVE_ACCESS, "--module-path", modulePath,
                "--module", "quickstart/" + QUICK_START);

        for (Run run : List.of(none, classPathSpelling)) {
            assertTrue(run.exitCode() != 0 || !run.stderr().isEmpty(), () -> "no complaint without the flag:\n" + run);
            assertTrue(run.stderr().contains(MMAP_NATIVE_ACCESS), () -> "the flag to add is not named:\n" + run);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // core alone

    @Test
    void coreAloneRunsOnTheModulePathWithNoFlagAtAll(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("corestart-src");
        write(src.resolve("module-info.java"), "module corestart { requires io.github.mmunotify.core; }\n");
        write(src.resolve("corestart/CoreStart.java"), """
                package corestart;

                import io.github.mmunotify.core.Revocable;
                import io.github.mmunotify.core.Srcu;

                public final class CoreStart {
                    public static void main(String[] args) throws Exception {
                        try (Srcu srcu = Srcu.create("config")) {
                            int token = srcu.readLock();
                            srcu.readUnlock(token);
                            srcu.callSrcu(() -> System.out.println("freed after a grace period"));
                            srcu.barrier();
                        }
                        Revocable device = Revocable.create("accel0");
                        Revocable.Handle handle = device.open(() -> System.out.println("handle released"));
                        if (device.tryEnter()) {
                            device.exit();
                        }
                        device.revoke();
                        System.out.println("core: ok, handle open = " + handle.isOpen());
                    }
                }
                """);
        Path core = location(Srcu.class);
        Path out = compile(dir.resolve("corestart"), core.toString(), src);

        Run run = java(dir, "--module-path", modulePath(out, List.of(core)), "--module", "corestart/corestart.CoreStart");

        assertAll(() -> assertEquals(0, run.exitCode(), run::toString),
                () -> assertEquals("", run.stderr(), () -> "core alone warned:\n" + run),
                () -> assertEquals(List.of("freed after a grace period", "handle released", "core: ok, handle open = false"),
                        run.stdout().lines().toList(), run::toString));
    }

    // ---------------------------------------------------------------------------------------------
    // What the modules export

    /**
     * Each library module exports its one API package and opens nothing; core reads only JDK
     * modules; mmap and notifier pass on what they build on ({@code requires transitive}).
     */
    @Test
    void eachModuleExportsExactlyItsApiPackageAndOpensNothing() {
        Map<String, ModuleDescriptor> modules = ModuleFinder.of(libraryModules().toArray(Path[]::new)).findAll()
                .stream().map(ModuleReference::descriptor)
                .collect(Collectors.toMap(ModuleDescriptor::name, d -> d));
        assertEquals(Set.of("io.github.mmunotify.core", "io.github.mmunotify.mmap", "io.github.mmunotify.notifier"),
                modules.keySet());
        for (ModuleDescriptor module : modules.values()) {
            assertFalse(module.isOpen() || module.isAutomatic(), module::toString);
            assertTrue(module.opens().isEmpty(), module::toString);
            assertEquals(Set.of(module.name()), module.exports().stream()
                    .filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()),
                    module::toString);
            assertTrue(module.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), module::toString);
        }
        Set<String> jdk = ModuleFinder.ofSystem().findAll().stream()
                .map(m -> m.descriptor().name()).collect(Collectors.toSet());
        assertTrue(modules.get("io.github.mmunotify.core").requires().stream()
                .allMatch(r -> jdk.contains(r.name())), () -> "core reads a non-JDK module: " + modules.get("io.github.mmunotify.core"));
        assertTransitivelyRequires(modules.get("io.github.mmunotify.mmap"), "io.github.mmunotify.core");
        assertTransitivelyRequires(modules.get("io.github.mmunotify.notifier"), "io.github.mmunotify.mmap");
    }

    /**
     * The module path really hides what the class path shows: a class of the application cannot
     * reflect into core's package-private {@code SrcuReader} there (core opens nothing), while on
     * the class path, where everything is one unnamed module, the same code can.
     */
    @Test
    void theModulePathHidesCoresInternalsThatTheClassPathExposes(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("probe-src");
        write(src.resolve("module-info.java"), "module probe { requires io.github.mmunotify.core; }\n");
        write(src.resolve("probe/Probe.java"), """
                package probe;

                public final class Probe {
                    public static void main(String[] args) throws Exception {
                        Class<?> reader = Class.forName("io.github.mmunotify.core.SrcuReader");
                        try {
                            reader.getDeclaredConstructors()[0].setAccessible(true);
                            System.out.println("SrcuReader: open");
                        } catch (java.lang.reflect.InaccessibleObjectException e) {
                            System.out.println("SrcuReader: encapsulated");
                        }
                    }
                }
                """);
        Path core = location(Srcu.class);
        Path out = compile(dir.resolve("probe"), core.toString(), src);
        String path = modulePath(out, List.of(core));

        Run modular = java(dir, "--module-path", path, "--module", "probe/probe.Probe");
        Run classPath = java(dir, "-cp", path, "probe.Probe");

        assertEquals("SrcuReader: encapsulated", modular.stdout().strip(), modular::toString);
        assertEquals("SrcuReader: open", classPath.stdout().strip(), classPath::toString);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private static void assertQuickStartRan(Run run) {
        List<String> lines = run.stdout().lines().toList();
        assertAll(() -> assertEquals(0, run.exitCode(), run::toString),
                () -> assertEquals("", run.stderr(), () -> "the JVM or the library warned:\n" + run),
                () -> assertFalse(lines.isEmpty(), run::toString),
                () -> assertEquals("quick start: ok", lines.isEmpty() ? "" : lines.getLast(), run::toString),
                () -> assertTrue(lines.contains("mmap: window reads 42"), run::toString),
                () -> assertTrue(lines.stream().anyMatch(l -> l.startsWith("mmap: SIGBUS")), run::toString),
                () -> assertTrue(lines.stream().anyMatch(l -> l.startsWith("notifier: drop the mirror of")),
                        run::toString));
    }

    private static void assertTransitivelyRequires(ModuleDescriptor module, String required) {
        assertTrue(module.requires().stream().anyMatch(r -> r.name().equals(required)
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)), module::toString);
    }

    /** core, mmap and notifier, where this JVM loaded them from. */
    private static List<Path> libraryModules() {
        return List.of(location(Srcu.class), location(Region.class), location(Mmu.class));
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("where " + type + " was loaded from", e);
        }
    }

    private static String modulePath(Path first, List<Path> rest) {
        return Stream.concat(Stream.of(first), rest.stream()).map(Path::toString)
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** QuickStart's own source, unchanged, compiled as module {@code quickstart}. */
    private static Path compileQuickStartModule(Path dir) throws Exception {
        Path source = Path.of(System.getProperty("basedir", ""), "src/main/java/io/github/mmunotify/samples/QuickStart.java");
        Path src = dir.resolve("quickstart-src");
        write(src.resolve("module-info.java"), "module quickstart { requires io.github.mmunotify.notifier; }\n");
        Files.createDirectories(src.resolve("io/github/mmunotify/samples"));
        Files.copy(source, src.resolve("io/github/mmunotify/samples/QuickStart.java"));
        String libraries = libraryModules().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        return compile(dir.resolve("quickstart"), libraries, src);
    }

    /** Compiles every source under {@code src} as one module; lint warnings fail the test too. */
    private static Path compile(Path out, String modulePath, Path src) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(src)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean compiled = javac.getTask(null, files, diagnostics,
                    List.of("-Xlint:all", "-Werror", "-d", out.toString(), "--module-path", modulePath),
                    null, files.getJavaFileObjectsFromPaths(sources)).call();
            assertTrue(compiled && diagnostics.getDiagnostics().isEmpty(), () -> "javac: " + diagnostics.getDiagnostics());
        }
        return out;
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * Runs this JVM's {@code java} with exactly {@code args}, in {@code dir} (where a crash log
     * would land: the test fails on one), with no option smuggled in through the environment.
     */
    private static Run java(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
        Process child = builder.start();
        try {
            assertTrue(child.waitFor(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS),
                    () -> String.join(" ", command) + " did not finish within " + TestTimeouts.join());
        } finally {
            child.destroyForcibly();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> crashes = files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
            assertEquals(List.of(), crashes, "the child JVM crashed");
        }
        return new Run(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
