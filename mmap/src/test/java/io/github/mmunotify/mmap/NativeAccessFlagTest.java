package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The one flag plain {@link Region}, {@link Mapping}, {@link Pin} and
 * {@link MappedArena} need is {@code --enable-native-access}. Each case runs in a child JVM started
 * with the test class path and exactly the flags under test (surefire's JVM has its own).
 *
 * <p>Without the flag, JDK 25 only warns on stderr and lets the restricted call through; mmap
 * checks first and refuses every entry point with an {@link IllegalCallerException} naming the flag
 * to add ({@code =ALL-UNNAMED} on the class path), and before any restricted call, so the child's
 * stderr stays empty. With only that flag the basics all work, and nothing is printed on stderr
 * (no restricted-method warning, no {@code sun.misc.Unsafe} warning: mmap no longer uses it).
 */
class NativeAccessFlagTest {
    private static final String FLAG = "--enable-native-access=ALL-UNNAMED";

    @Test
    void withoutTheFlagEveryEntryPointIsRefusedNamingTheFlagAndNothingIsPrinted() throws Exception {
        ChildJvm.Result result = ChildJvm.run(WithoutFlag.class, List.of());
        assertFalse(result.crashed(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals("", result.stderr(), result::describe);
        List<String> lines = result.stdout().lines().toList();
        assertEquals(WithoutFlag.ENTRY_POINTS.length, lines.size(), result::describe);
        for (String line : lines) {
            assertTrue(line.startsWith("refused: java.lang.IllegalCallerException: "), line);
            assertTrue(line.contains(FLAG), line);
            assertTrue(line.contains("mmunotify"), line);
        }
    }

    @Test
    void withOnlyTheFlagRegionsMappingsPinsAndArenasWorkAndNothingIsPrinted() throws Exception {
        ChildJvm.Result result = ChildJvm.run(WithFlag.class, List.of(FLAG));
        assertFalse(result.crashed(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals("", result.stderr(), result::describe);
        assertEquals("basics ok" + System.lineSeparator(), result.stdout(), result::describe);
    }

    /** Calls every public entry point that needs native access, twice; prints how each was refused. */
    static final class WithoutFlag {
        static final String[] ENTRY_POINTS = {"Region.allocate", "Region.allocate again", "Region.mapFile",
            "MappedArena.anonymous", "MappedArena.mapFile", "Region.trapStats"};

        public static void main(String[] args) throws Exception {
            Path file = Files.createTempFile("mmunotify-flag", ".bin");
            try {
                List<Callable<?>> calls = List.of(
                        () -> Region.allocate("r", 4096),
                        () -> Region.allocate("r", 4096), // refused again, not a NoClassDefFoundError
                        () -> Region.mapFile(file, 0, 4096, true),
                        () -> MappedArena.anonymous("a", 4096),
                        () -> MappedArena.mapFile(file, 4096),
                        Region::trapStats);
                for (int i = 0; i < calls.size(); i++) {
                    try {
                        calls.get(i).call();
                        System.out.println("allowed: " + ENTRY_POINTS[i]);
                    } catch (Throwable refused) {
                        System.out.println("refused: " + refused);
                    }
                }
            } finally {
                Files.delete(file);
            }
        }
    }

    /** The basics of every mmap type; exits non-zero on the first failure. */
    static final class WithFlag {
        public static void main(String[] args) throws Exception {
            try (Region region = Region.allocate("basics", 1 << 16)) {
                region.putLong(0, 42);
                check(region.getLong(0) == 42, "getLong");
                check(region.compareAndSetInt(8, 0, 7) && region.getIntVolatile(8) == 7, "compareAndSetInt");
                check(region.getAndAddLong(16, 5) == 0 && region.getLongAcquire(16) == 5, "getAndAddLong");
                region.putBytes(24, new byte[] {1, 2, 3});
                region.setMemory(32, 8, (byte) 9);
                check(region.getByte(26) == 3 && region.getByte(39) == 9, "bulk");
                Mapping mapping = region.map(4096, 4096);
                mapping.putShort(2, (short) 3);
                check(region.getShort(4098) == 3, "mapping");
                try (Pin pin = region.pin()) {
                    check(pin.getLong(0) == 42 && pin.getAndSetLong(16, 6) == 5, "pin");
                }
                mapping.unmap();
                region.revoke();
                try {
                    region.getLong(0);
                    check(false, "access after revoke");
                } catch (SigBusException expected) {
                    // the revoke took the memory away
                }
            }
            Path file = Files.createTempFile("mmunotify-flag", ".bin");
            try {
                try (Region mapped = Region.mapFile(file, 0, 8192, true)) {
                    mapped.putLong(8, 1234);
                    mapped.force();
                }
                try (MappedArena arena = MappedArena.mapFile(file, 1 << 16)) {
                    Region carved = arena.allocate("carved", 4096);
                    check(carved.getLong(8) == 0, "an arena zeroes its file-backed regions");
                    arena.free(carved);
                }
            } finally {
                Files.delete(file);
            }
            try (MappedArena arena = MappedArena.anonymous("arena", 1 << 16)) {
                Region carved = arena.allocate("carved", 4096);
                carved.putLong(0, 1);
                arena.free(carved);
                check(arena.allocate("again", 4096).getLong(0) == 0, "an arena hands out zeroed memory");
            }
            check(Region.trapStats() != null, "trapStats");
            System.out.println("basics ok");
        }

        private static void check(boolean ok, String what) {
            if (!ok) {
                System.out.println("failed: " + what);
                System.exit(1);
            }
        }
    }
}
