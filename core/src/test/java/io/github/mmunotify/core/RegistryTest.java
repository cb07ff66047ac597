package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Single-threaded behaviour of {@link Registry}, {@link LoadableModule} and their holds. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegistryTest {

    @Test
    void lookupFindsTheDriverAndHoldsItsModule() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule ext4 = LoadableModule.create("ext4");
        fs.register(ext4, "ext4", "ext4-driver");
        try (Registry.Hold<String, String> hold = fs.lookup("ext4")) {
            assertEquals("ext4-driver", hold.driver());
            assertEquals("ext4", hold.key());
            assertSame(ext4, hold.module());
            assertEquals(1, ext4.holdCount());
        }
        assertEquals(0, ext4.holdCount());
        assertNull(fs.lookup("xfs"));
        assertTrue(fs.contains("ext4"));
        assertEquals(List.of("ext4"), fs.keys());
    }

    /** The pre-0.1.0 names {@code pinCount()} and {@code pins()} still answer what the new ones do. */
    @Test
    @SuppressWarnings("removal")
    void deprecatedPinNamesReportTheHolds() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("ext4");
        fs.register(m, "ext4", "fs-driver");
        assertEquals(0, m.pinCount());
        try (Registry.Hold<String, String> hold = fs.lookup("ext4")) {
            assertEquals(1, m.pinCount());
            ModuleBusyException e = assertThrows(ModuleBusyException.class, m::unload);
            assertEquals(e.holds(), e.pins());
            assertEquals(1, e.pins().size());
            assertTrue(e.pins().get(0).contains("filesystems/ext4"), e.pins().toString());
            assertEquals("fs-driver", hold.driver());
        }
        assertEquals(0, m.pinCount());
        m.unload();
        assertFalse(m.isLoaded());
    }

    @Test
    void unloadOfAHeldModuleThrowsNamingTheHoldAndChangesNothing() {
        Registry<String, String> fs = Registry.create("filesystems");
        Registry<Integer, String> blockDevices = Registry.create("block-devices");
        LoadableModule m = LoadableModule.create("ext4");
        List<String> exits = new ArrayList<>();
        m.addExitHook(() -> exits.add("exit"));
        fs.register(m, "ext4", "fs-driver");
        blockDevices.register(m, 8, "blk-driver");
        Registry.Hold<Integer, String> hold = blockDevices.lookup(8);
        ModuleBusyException e = assertThrows(ModuleBusyException.class, m::unload);
        assertEquals("ext4", e.moduleName());
        assertEquals(1, e.holds().size());
        assertTrue(e.holds().get(0).contains("block-devices/8"), e.holds().toString());
        assertTrue(e.holds().get(0).contains(Thread.currentThread().getName()), e.holds().toString());
        // Everything as it was.
        assertTrue(m.isLoaded());
        assertEquals(List.of(), exits);
        assertTrue(fs.contains("ext4"));
        assertEquals("blk-driver", hold.driver());
        try (Registry.Hold<String, String> again = fs.lookup("ext4")) {
            assertEquals("fs-driver", again.driver());
        }
        hold.close();
        m.unload();
        assertFalse(m.isLoaded());
        assertEquals(List.of("exit"), exits);
        assertNull(fs.lookup("ext4"));
        assertNull(blockDevices.lookup(8));
        assertEquals(0, fs.size() + blockDevices.size());
    }

    @Test
    void unloadRemovesOnlyItsOwnEntriesAndRunsHooksInReverse() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule a = LoadableModule.create("a");
        LoadableModule b = LoadableModule.create("b");
        List<String> order = new ArrayList<>();
        a.addExitHook(() -> order.add("first added"));
        a.addExitHook(() -> order.add("last added"));
        fs.register(a, "a1", "A1");
        fs.register(b, "b1", "B1");
        a.unload();
        a.unload(); // idempotent
        assertEquals(List.of("last added", "first added"), order);
        assertEquals(List.of("b1"), fs.keys());
        assertTrue(b.isLoaded());
    }

    @Test
    void exitHookFailureIsRethrownAfterTheUnloadCompletes() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("m");
        List<String> ran = new ArrayList<>();
        m.addExitHook(() -> ran.add("other"));
        m.addExitHook(() -> {
            throw new IllegalArgumentException("exit failed");
        });
        fs.register(m, "k", "v");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::unload);
        assertEquals("exit failed", e.getMessage());
        assertEquals(List.of("other"), ran);
        assertFalse(m.isLoaded());
        assertNull(fs.lookup("k"));
    }

    @Test
    void registryOperationsFromAnExitHookThrowInsteadOfDeadlocking() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("m");
        LoadableModule other = LoadableModule.create("other");
        List<Class<?>> thrown = new ArrayList<>();
        m.addExitHook(() -> {
            for (Runnable op : List.<Runnable>of(() -> fs.lookup("k"), () -> fs.register(other, "o", "O"),
                    other::unload)) {
                try {
                    op.run();
                } catch (IllegalStateException expected) {
                    thrown.add(expected.getClass());
                }
            }
        });
        fs.register(m, "k", "v");
        m.unload();
        assertEquals(3, thrown.size());
        assertTrue(other.isLoaded());
        assertFalse(fs.contains("o"));
    }

    @Test
    void misuseIsRefusedWithoutChanges() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("m");
        fs.register(m, "k", "v");
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> fs.register(LoadableModule.create("n"), "k", "w"));
        assertTrue(dup.getMessage().contains("'m'"), dup.getMessage());
        assertThrows(NullPointerException.class, () -> fs.register(m, null, "v"));
        assertThrows(NullPointerException.class, () -> fs.register(m, "x", null));
        assertThrows(NullPointerException.class, () -> fs.lookup(null));
        assertThrows(IllegalArgumentException.class, () -> Registry.create(""));
        assertThrows(IllegalArgumentException.class, () -> LoadableModule.create(" "));
        m.unload();
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> fs.register(m, "k2", "v"));
        assertTrue(late.getMessage().contains("unloaded"), late.getMessage());
        assertThrows(IllegalStateException.class, () -> m.addExitHook(() -> { }));
        assertEquals(0, fs.size());
    }

    @Test
    void pinCloseIsIdempotentAndDriverAfterCloseIsRefused() {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("m");
        fs.register(m, "k", "v");
        Registry.Hold<String, String> hold = fs.lookup("k");
        hold.close();
        hold.close();
        assertTrue(hold.isClosed());
        assertEquals(0, m.holdCount());
        assertThrows(IllegalStateException.class, hold::driver);
        assertTrue(hold.toString().contains("closed"), hold.toString());
        assertTrue(m.toString().contains("m") && m.toString().contains("holds=0"), m.toString());
        assertTrue(fs.toString().contains("filesystems"), fs.toString());
    }

    @Test
    void aHoldOnAnotherThreadAlsoBlocksUnload() throws Exception {
        Registry<String, String> fs = Registry.create("filesystems");
        LoadableModule m = LoadableModule.create("m");
        fs.register(m, "k", "v");
        AtomicReference<Registry.Hold<String, String>> held = new AtomicReference<>();
        Thread t;
        try (TestThreads threads = new TestThreads("holder")) {
            t = threads.start(() -> held.set(fs.lookup("k")));
        }
        ModuleBusyException e = assertThrows(ModuleBusyException.class, m::unload);
        assertTrue(e.getMessage().contains(t.getName()), e.getMessage());
        held.get().close();
        m.unload();
        assertFalse(m.isLoaded());
    }

    @Test
    void anExitHookThatThrowsAnErrorLeavesTheModuleUnloadedAndEveryLockFree() throws Exception {
        Registry<String, String> fs = Registry.create("filesystems");
        Registry<Integer, String> devices = Registry.create("devices");
        LoadableModule m = LoadableModule.create("m");
        List<String> ran = new ArrayList<>();
        m.addExitHook(() -> ran.add("first added"));
        m.addExitHook(() -> {
            ran.add("overflows");
            recurseForever(0);
        });
        m.addExitHook(() -> {
            ran.add("out of memory");
            throw new OutOfMemoryError("exit hook: simulated");
        });
        fs.register(m, "k", "v");
        devices.register(m, 8, "sda");
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class, m::unload);
        assertEquals("exit hook: simulated", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertTrue(e.getSuppressed()[0] instanceof StackOverflowError, e.getSuppressed()[0].toString());
        assertEquals(List.of("out of memory", "overflows", "first added"), ran);
        assertFalse(m.isLoaded());
        assertEquals(0, fs.size() + devices.size());
        m.unload(); // already unloaded: no hook runs again, nothing is rethrown
        assertEquals(3, ran.size());
        // The write locks are free for other threads, and this thread is no longer "in an exit hook".
        LoadableModule other = LoadableModule.create("other");
        try (TestThreads threads = new TestThreads("after")) {
            threads.start(() -> {
                fs.register(other, "k", "again");
                devices.register(other, 8, "sdb");
                try (Registry.Hold<String, String> hold = fs.lookup("k")) {
                    assertEquals("again", hold.driver());
                }
            });
        }
        try (Registry.Hold<Integer, String> hold = devices.lookup(8)) {
            assertEquals("sdb", hold.driver());
        }
        other.unload();
    }

    @Test
    void exitHooksOfTwoUnloadsReadingEachOthersRegistryThrowInsteadOfDeadlocking() throws Exception {
        // a's unload write-locks fs, c's write-locks devices; each hook then reads the other's
        // registry, which waits for a lock the other unload holds until its hook returns.
        Registry<String, String> fs = Registry.create("filesystems");
        Registry<Integer, String> devices = Registry.create("devices");
        LoadableModule a = LoadableModule.create("a");
        LoadableModule c = LoadableModule.create("c");
        fs.register(a, "ext4", "EXT4");
        devices.register(c, 8, "sda");
        CyclicBarrier bothInHooks = new CyclicBarrier(2);
        List<Throwable> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        a.addExitHook(() -> readInHook(bothInHooks, refused, () -> devices.contains(8), () -> fs.contains("ext4")));
        c.addExitHook(() -> readInHook(bothInHooks, refused, () -> fs.keys(), () -> devices.size()));
        try (TestThreads unloaders = new TestThreads("unload", TestTimeouts.await())) {
            unloaders.startDaemon(a::unload);
            unloaders.startDaemon(c::unload);
        }
        assertEquals(2, refused.size(), refused.toString());
        for (Throwable t : refused) {
            assertTrue(t instanceof IllegalStateException && t.getMessage().contains("exit hook"), t.toString());
        }
        assertFalse(a.isLoaded() || c.isLoaded());
        assertTrue(fs.toString().contains("drivers=0"), fs.toString());
    }

    /** Meets the other hook, reads a registry the unload does not hold (refused), then one it holds (allowed). */
    private static void readInHook(CyclicBarrier bothInHooks, List<Throwable> refused, Runnable foreignRead,
            Runnable ownRead) {
        try {
            bothInHooks.await(TestTimeouts.await().toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the other unload never reached its hook", e);
        }
        try {
            foreignRead.run();
        } catch (IllegalStateException expected) {
            refused.add(expected);
        }
        ownRead.run();
    }

    private static int recurseForever(int depth) {
        return recurseForever(depth + 1) + 1;
    }
}
