package io.github.mmunotify.chronicle;

import io.github.mmunotify.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly the JVM flags this module needs on the class path, each shown necessary: the quick start
 * runs in a child JVM with all of them and prints nothing on stderr, and without any one of them
 * it fails or warns, naming the flag where the library can. (The old project-wide list had eleven
 * more {@code --add-opens}/{@code --add-exports}; with Chronicle used only through
 * {@link GuardedBytes}, none of them changes anything.)
 *
 * <p>{@code -Dslf4j.internal.verbosity=ERROR} is not a flag the module needs: Chronicle depends on
 * SLF4J, which warns once on stderr when the application has chosen no logging provider; the
 * children set it so that their stderr shows only what the flags cause.
 */
class ChronicleFlagsTest {
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    private static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    private static final String REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    private static final String QUIET_SLF4J = "-Dslf4j.internal.verbosity=ERROR";

    @Test
    void theDeclaredFlagsAreExactlyTheOnesTested() {
        assertEquals(String.join(" ", NATIVE, UNSAFE, REFLECT), ChronicleFlags.FLAGS);
    }

    @Test
    void withTheThreeFlagsTheQuickStartRunsAndWarnsNothing() throws Exception {
        ChildJvm.Result result = run(NATIVE, UNSAFE, REFLECT);
        assertEquals(0, result.exitCode(), result.describe());
        assertEquals("chronicle quick start ok" + System.lineSeparator(), result.stdout(), result.describe());
        assertEquals("", result.stderr(), result.describe());
        assertTrue(!result.crashed(), result.describe());
    }

    @Test
    void withoutNativeAccessTheFirstRegionIsRefusedNamingTheFlag() throws Exception {
        ChildJvm.Result result = run(UNSAFE, REFLECT);
        assertEquals(1, result.exitCode(), result.describe());
        assertTrue(result.stdout().contains(NATIVE), result.describe());
    }

    @Test
    void withoutUnsafeMemoryAccessTheJdkWarnsAndWithItDeniedWrapNamesTheFlag() throws Exception {
        ChildJvm.Result warned = run(NATIVE, REFLECT);
        assertEquals(0, warned.exitCode(), warned.describe());
        // The first caller named is Chronicle's UnsafeMemory, or jffi (Chronicle's posix dependency),
        // whichever initialises first.
        assertTrue(warned.stderr().contains("WARNING: A terminally deprecated method in sun.misc.Unsafe"),
                "JDK 25 warns on Chronicle's first use of sun.misc.Unsafe: " + warned.describe());

        ChildJvm.Result denied = run(NATIVE, REFLECT, "--sun-misc-unsafe-memory-access=deny");
        assertEquals(1, denied.exitCode(), denied.describe());
        assertTrue(denied.stdout().contains("IllegalStateException") && denied.stdout().contains(UNSAFE),
                "a JVM that denies sun.misc.Unsafe (a future JDK's default) gets an exception naming the flag: "
                        + denied.describe());
    }

    @Test
    void withoutOpeningJavaLangReflectChronicleWarnsOnStderr() throws Exception {
        ChildJvm.Result result = run(NATIVE, UNSAFE);
        assertEquals(0, result.exitCode(), result.describe());
        assertTrue(result.stderr().contains("Unable to determine max direct memory"), result.describe());
    }

    private static ChildJvm.Result run(String... flags) throws Exception {
        List<String> all = new ArrayList<>(List.of(flags));
        all.add(QUIET_SLF4J);
        return ChildJvm.run(ChronicleQuickStart.class, all);
    }
}
