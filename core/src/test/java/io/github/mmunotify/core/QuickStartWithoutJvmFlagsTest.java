package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestTimeouts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * core needs no JVM flag: an Srcu and Revocable walk like the quick start's core part works in a
 * JVM started with no flags at all (no --add-opens, no --enable-native-access, nothing), and
 * prints nothing on stderr: core needs no flag and no third-party library. Surefire's own JVM runs with the project's flags, so
 * the quick start runs in a child JVM started from the same {@code java} executable with only the
 * test classpath.
 */
class QuickStartWithoutJvmFlagsTest {

    @Test
    void theCoreQuickStartRunsInAJvmWithNoFlagsAndWarnsNothing(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                QuickStart.class.getName()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // The child must never be left behind, whatever happens below.
        try {
            assertTrue(child.waitFor(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS),
                    "the quick start did not finish within " + TestTimeouts.join());
        } finally {
            child.destroyForcibly();
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "exit status; stdout:\n" + stdout + "\nstderr:\n" + stderr);
        assertEquals("", stderr, "the child JVM printed on stderr (a warning?)");
        assertEquals("quick start ok" + System.lineSeparator(), stdout);
    }

    /** The quick start's core part, asserting as it goes; exits non-zero on any failure. */
    static final class QuickStart {
        public static void main(String[] args) throws Exception {
            Srcu srcu = Srcu.create("config");
            int token = srcu.readLock();
            try {
                check(srcu.isReaderOnCurrentThread(), "inside the read section");
            } finally {
                srcu.readUnlock(token);
            }
            srcu.synchronize();
            CountDownLatch freed = new CountDownLatch(1);
            srcu.callSrcu(freed::countDown);
            srcu.barrier();
            check(freed.getCount() == 0, "callSrcu ran before barrier() returned");
            srcu.close();

            AtomicInteger kicked = new AtomicInteger();
            AtomicInteger released = new AtomicInteger();
            Revocable device = Revocable.create("accel0", kicked::incrementAndGet);
            Revocable.Handle file = device.open(released::incrementAndGet);
            check(device.tryEnter(), "tryEnter on an open object");
            try {
                check(device.isInsideOnCurrentThread(), "inside after tryEnter");
            } finally {
                device.exit();
            }
            device.revoke();
            check(device.isRevocationComplete() && !device.tryEnter(), "revoked");
            check(released.get() == 1 && !file.isOpen(), "the handle was released once");
            check(kicked.get() == 1, "the kick ran once");
            System.out.println("quick start ok");
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                System.out.println("failed: " + what);
                System.exit(1);
            }
        }
    }
}
