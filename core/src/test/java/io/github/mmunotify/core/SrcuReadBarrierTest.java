package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mmunotify.testing.ChildJvm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the read side is chosen ({@code AsymmetricFence}, {@link Srcu#readBarrier()}): each case in
 * a child JVM with exactly the flags given ({@link ChildJvm}), since the choice is made once per
 * JVM. The child prints the side it got and the domain's {@code toString()}, or what
 * {@code Srcu.create} threw, after running a read section and a grace period on it.
 */
class SrcuReadBarrierTest {

    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    private static final String PROPERTY = "-D" + AsymmetricFence.PROPERTY + "=";

    @Test
    void byDefaultFencedEvenWithNativeAccess() throws Exception {
        ChildJvm.Result child = run(List.of(NATIVE));
        assertEquals("side FENCED", firstLine(child), child.describe());
        assertEquals("", child.stderr());
    }

    @Test
    void autoWithoutNativeAccessIsFencedAndPrintsNothingOnStderr() throws Exception {
        ChildJvm.Result child = run(List.of(PROPERTY + "auto"));
        assertEquals("side FENCED", firstLine(child), child.describe());
        assertTrue(child.stdout().contains("read barrier=FENCED"), child.describe());
        assertEquals("", child.stderr(), "no warning when native access is not enabled");
    }

    @Test
    void forcedFencedIsFencedEvenWithNativeAccess() throws Exception {
        ChildJvm.Result child = run(List.of(NATIVE, PROPERTY + "fenced"));
        assertEquals("side FENCED", firstLine(child), child.describe());
        assertEquals("", child.stderr());
    }

    @Test
    void forcedMembarrierIsMembarrierWhereTheKernelAllowsItElseCreateSaysWhy() throws Exception {
        ChildJvm.Result child = run(List.of(NATIVE, PROPERTY + "membarrier"));
        if (membarrierAvailable(child)) {
            assertTrue(child.stdout().contains("read barrier=MEMBARRIER"), child.describe());
        } else {
            assertTrue(child.stdout().contains(AsymmetricFence.PROPERTY + "=membarrier, but membarrier is unavailable"),
                    child.describe());
        }
        assertEquals("", child.stderr());
    }

    @Test
    void autoWithNativeAccessTakesMembarrierExactlyWhereItIsAvailable() throws Exception {
        boolean available = membarrierAvailable(run(List.of(NATIVE, PROPERTY + "membarrier")));
        ChildJvm.Result child = run(List.of(NATIVE, PROPERTY + "auto"));
        assertEquals(available ? "side MEMBARRIER" : "side FENCED", firstLine(child), child.describe());
        assertEquals("", child.stderr());
    }

    @Test
    void onLinuxX86OrArmWithNativeAccessAutoIsMembarrier() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(System.getProperty("os.name").startsWith("Linux")
                && (arch.equals("amd64") || arch.equals("aarch64")));
        ChildJvm.Result forced = run(List.of(NATIVE, PROPERTY + "membarrier"));
        // Where a sandbox (seccomp) refuses membarrier, the message says so and the test stops here.
        assumeTrue(membarrierAvailable(forced), forced.describe());
        assertEquals("side MEMBARRIER", firstLine(run(List.of(NATIVE, PROPERTY + "auto"))));
    }

    @Test
    void forcedMembarrierWithoutNativeAccessRefusesDomainsNamingWhy() throws Exception {
        ChildJvm.Result child = run(List.of(PROPERTY + "membarrier"));
        assertEquals("side FENCED", firstLine(child), child.describe());
        assertTrue(child.stdout().contains("create threw IllegalStateException: " + AsymmetricFence.PROPERTY
                + "=membarrier, but membarrier is unavailable: native access is not enabled"), child.describe());
        assertEquals("", child.stderr(), "the check must come before any restricted method");
    }

    @Test
    void anUnknownValueRefusesDomainsNamingTheValue() throws Exception {
        ChildJvm.Result child = run(List.of(NATIVE, PROPERTY + "sometimes"));
        assertEquals("side FENCED", firstLine(child), child.describe());
        assertTrue(child.stdout().contains("create threw IllegalStateException: " + AsymmetricFence.PROPERTY
                + "=sometimes is not one of fenced, membarrier, auto"), child.describe());
    }

    @Test
    void thisJvmReportsItsSideInEveryDomainsToString() {
        try (Srcu srcu = Srcu.create("side")) {
            assertTrue(srcu.toString().endsWith("read barrier=" + Srcu.readBarrier() + "]"), srcu.toString());
        }
    }

    @Test
    void thisJvmRunsTheSideItsPropertyAsks() {
        String asked = System.getProperty(AsymmetricFence.PROPERTY, "fenced");
        switch (asked) {
            case "fenced" -> assertEquals(Srcu.ReadBarrier.FENCED, Srcu.readBarrier());
            case "membarrier" -> assertEquals(Srcu.ReadBarrier.MEMBARRIER, Srcu.readBarrier());
            default -> {
                if (!Srcu.class.getModule().isNativeAccessEnabled()) {
                    assertEquals(Srcu.ReadBarrier.FENCED, Srcu.readBarrier());
                }
            }
        }
    }

    private static boolean membarrierAvailable(ChildJvm.Result child) {
        return firstLine(child).equals("side MEMBARRIER");
    }

    private static String firstLine(ChildJvm.Result child) {
        assertFalse(child.crashed(), child.describe());
        assertEquals(0, child.exitCode(), child.describe());
        return child.stdout().lines().findFirst().orElse("");
    }

    private static ChildJvm.Result run(List<String> flags) throws Exception {
        return ChildJvm.run(ReportSide.class, new ArrayList<>(flags));
    }

    /** Prints the side, then uses a domain (or prints why it could not create one). */
    static final class ReportSide {
        public static void main(String[] args) throws Exception {
            System.out.println("side " + Srcu.readBarrier());
            try (Srcu srcu = Srcu.create("report")) {
                int token = srcu.readLock();
                srcu.readUnlock(token);
                srcu.synchronize();
                srcu.synchronizeExpedited();
                System.out.println(srcu);
            } catch (IllegalStateException refused) {
                System.out.println("create threw IllegalStateException: " + refused.getMessage());
            }
        }
    }
}
