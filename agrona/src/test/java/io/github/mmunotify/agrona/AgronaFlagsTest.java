package io.github.mmunotify.agrona;

import io.github.mmunotify.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM flags {@code mmunotify-agrona} needs are exactly
 * mmap's {@code --enable-native-access=ALL-UNNAMED} (class path), each shown necessary by a JVM
 * that runs without it, and Agrona's own flags ({@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}, {@code --sun-misc-unsafe-memory-access=allow}) shown
 * unnecessary: GuardedAtomicBuffer reaches memory only through mmap and loads no Agrona class
 * that touches {@code Unsafe}.
 */
class AgronaFlagsTest {
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    @Test
    void theModulesTestsRunWithEnableNativeAccessAndNoAgronaFlag() {
        assertEquals(List.of(NATIVE_ACCESS), ChildJvm.flagsFromProperty("mmunotify.agrona.jvm.flags"), "agrona/pom.xml's mmunotify.agrona.jvm.flags");
        List<String> running = ManagementFactory.getRuntimeMXBean().getInputArguments();
        assertTrue(running.contains(NATIVE_ACCESS), "surefire's argLine: " + running);
        for (String flag : running) {
            assertTrue(!flag.startsWith("--add-exports") && !flag.startsWith("--add-opens")
                            && !flag.startsWith("--sun-misc-unsafe-memory-access") && !flag.startsWith("--add-modules"),
                    "the module's tests must prove they need no " + flag + ": " + running);
        }
    }

    @Test
    void everyMethodWorksInAJvmWithOnlyTheModulesFlagsAndWarnsNothing() throws Exception {
        ChildJvm.Result result = ChildJvm.run(EveryMethodProbe.class, ChildJvm.flagsFromProperty("mmunotify.agrona.jvm.flags"));
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("PROBE OK" + System.lineSeparator(), result.output(), "the JVM printed more (a warning?)");
        assertTrue(!result.crashed());
    }

    @Test
    void withoutEnableNativeAccessTheFirstRegionIsRefusedNamingTheFlag() throws Exception {
        ChildJvm.Result result = ChildJvm.run(EveryMethodProbe.class, List.of());
        String output = result.output();
        assertTrue(result.exitCode() != 0 && output.contains("IllegalCallerException")
                && output.contains(NATIVE_ACCESS), "the failure names the flag: " + result.describe());
        assertTrue(!output.contains("WARNING"), "refused before any restricted call, so no JDK warning: " + result.describe());
        assertTrue(!result.crashed());
    }

    @Test
    void agronasOwnUnsafeBufferFailsWithTheseFlagsSoTheForkWouldCatchAnyUse() throws Exception {
        ChildJvm.Result result = ChildJvm.run(UnsafeBufferProbe.class, ChildJvm.flagsFromProperty("mmunotify.agrona.jvm.flags"));
        assertTrue(result.exitCode() != 0 && result.output().contains("IllegalAccessError")
                && result.output().contains("jdk.internal.misc"), "UnsafeBuffer without Agrona's flags: " + result.describe());
        ChildJvm.Result withFlag = ChildJvm.run(UnsafeBufferProbe.class, List.of(NATIVE_ACCESS,
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"));
        assertEquals(0, withFlag.exitCode(), "with Agrona's flag UnsafeBuffer works: " + withFlag.describe());
    }
}
