package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.mmunotify.testing.ChildJvm;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * core needs no JVM flag: an Srcu and Revocable walk like the quick start's core part works in a
 * JVM started with no flags at all (no --add-opens, no --enable-native-access, nothing), and
 * prints nothing on stderr: core needs no flag and no third-party library. The quick start runs
 * in a child JVM ({@link ChildJvm}: the same {@code java}, the test class path, none of this JVM's
 * options; its crash-log options change nothing else).
 */
class QuickStartWithoutJvmFlagsTest {

    @Test
    void theCoreQuickStartRunsInAJvmWithNoFlagsAndWarnsNothing() throws Exception {
        ChildJvm.Result result = ChildJvm.run(QuickStart.class, List.of());
        assertFalse(result.crashed(), result.describe());
        assertEquals(0, result.exitCode(), "exit status; " + result.describe());
        assertEquals("", result.stderr(), "the child JVM printed on stderr (a warning?)");
        assertEquals("quick start ok" + System.lineSeparator(), result.stdout());
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
