package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.ChildJvm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

/**
 * The set-once thread factory of mmap's background threads: in a JVM of its own (the setting is
 * per JVM), a broken factory is refused and a marking one supplies the daemons and the revoke
 * threads; in this JVM, where regions exist already, setting one is refused naming why.
 */
class MmapThreadsTest {

    @Test
    void inAFreshJvmTheFactorySuppliesEveryBackgroundThread() throws Exception {
        ChildJvm.Result result = ChildJvm.run(MmapThreadsProbe.class, ChildJvm.inheritedFlags());
        assertFalse(result.crashed(), result.output());
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("OK"), result.output());
    }

    @Test
    void onceARegionExistsTheFactoryCanNoLongerBeSet() {
        try (Region region = Region.allocate("threads-frozen", 4096)) {
            ThreadFactory factory = Thread.ofPlatform().factory();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> MmapThreads.setThreadFactory(factory));
            assertTrue(e.getMessage().contains("before the module is first used")
                    && e.getMessage().contains("already used with the default threads by"), e.getMessage());
            assertTrue(MmapThreads.threadFactory().isEmpty());
            assertTrue(region.isWritable());
        }
    }

    @Test
    void aNullFactoryIsRefused() {
        assertThrows(NullPointerException.class, () -> MmapThreads.setThreadFactory(null));
    }
}
