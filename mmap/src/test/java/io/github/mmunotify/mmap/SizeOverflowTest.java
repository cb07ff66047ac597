package io.github.mmunotify.mmap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every size and offset a caller passes is checked without
 * wrapping; a huge value gives an exception that names it, and nothing changes.
 */
class SizeOverflowTest {
    private static final long[] HUGE = {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 4094,
            Long.MAX_VALUE / 2 + 1, Long.MIN_VALUE, -1};

    @TempDir
    Path dir;

    /** Before the fix: a region of length 2^63-1 whose accesses reached other regions' memory. */
    @Test
    void anArenaRefusesARegionLargerThanItselfAndChangesNothing() {
        try (MappedArena arena = MappedArena.anonymous("huge", 1 << 20)) {
            Region neighbour = arena.allocate("neighbour", 4096);
            MappedArena.Stats before = arena.stats();
            for (long bytes : new long[]{Long.MAX_VALUE, Long.MAX_VALUE - 4094, Long.MAX_VALUE / 2 + 1,
                    (1 << 20) + 1}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> arena.allocate("too-big", bytes), () -> "allocate " + bytes);
                assertNames(e, bytes);
            }
            assertEquals(before, arena.stats());
            neighbour.putLong(0, 7);
            Region rest = arena.allocate("rest", (1 << 20) - 4096);
            assertEquals((1 << 20) - 4096, rest.length());
            assertEquals(7, neighbour.getLong(0));
        }
    }

    @Test
    void hugeCapacitiesAndLengthsAreRefusedNamingTheValue() {
        for (long bytes : new long[]{Long.MAX_VALUE, Long.MAX_VALUE - 4094}) {
            assertNames(assertThrows(IllegalArgumentException.class, () -> Region.allocate("huge", bytes)), bytes);
            assertNames(assertThrows(IllegalArgumentException.class, () -> MappedArena.anonymous("huge", bytes)),
                    bytes);
        }
        Path file = dir.resolve("huge.bin");
        // offset + length does not overflow, but the page-rounded mapping of it would.
        long length = Long.MAX_VALUE - 4095;
        assertNames(assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, 4095, length, false)),
                length);
        assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, Long.MAX_VALUE, 1, true));
        assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, -1, 1, true));
        assertNames(assertThrows(IllegalArgumentException.class, () -> MappedArena.mapFile(file, Long.MAX_VALUE)),
                Long.MAX_VALUE);
    }

    @Test
    void everyAccessWithAHugeOffsetOrCountIsOutOfBounds() {
        try (MappedArena arena = MappedArena.anonymous("accesses", 1 << 20)) {
            Region region = arena.allocate("small", 4096);
            Region next = arena.allocate("next", 4096);
            next.putLong(0, 42);
            Mapping mapping = region.map(0, 4096);
            byte[] array = new byte[16];
            for (long huge : HUGE) {
                for (GuardedMemory memory : new GuardedMemory[]{region, mapping}) {
                    outOfBounds(() -> memory.getLong(huge));
                    outOfBounds(() -> memory.putLong(huge, 1));
                    outOfBounds(() -> memory.getByte(huge));
                    outOfBounds(() -> memory.putInt(huge, 1));
                    outOfBounds(() -> memory.getDouble(huge));
                    outOfBounds(() -> memory.compareAndSetLong(huge, 0, 1));
                    outOfBounds(() -> memory.getAndAddLong(huge, 1));
                    outOfBounds(() -> memory.getLongVolatile(huge));
                    outOfBounds(() -> memory.getBytes(huge, array, 0, 8));
                    outOfBounds(() -> memory.putBytes(huge, array, 0, 8));
                    outOfBounds(() -> memory.setMemory(huge, 8, (byte) 1));
                    outOfBounds(() -> memory.setMemory(8, huge, (byte) 1));
                }
                outOfBounds(() -> region.map(huge, 8));
                outOfBounds(() -> region.map(8, huge));
                try (Pin pin = region.pin()) {
                    outOfBounds(() -> pin.getLong(huge));
                    outOfBounds(() -> pin.putLong(huge, 1));
                    outOfBounds(() -> pin.getBytes(huge, array, 0, 8));
                    outOfBounds(() -> pin.putBytes(huge, array, 0, 8));
                }
            }
            for (int index : new int[]{Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 9}) {
                outOfBounds(() -> region.getBytes(0, array, index, 8));
                outOfBounds(() -> region.putBytes(0, array, 8, index));
                try (Pin pin = region.pin()) {
                    outOfBounds(() -> pin.getBytes(0, array, index, 8));
                    outOfBounds(() -> pin.putBytes(0, array, 8, index));
                }
            }
            assertThrows(IllegalArgumentException.class, () -> region.mapAt(Long.MAX_VALUE - 100, 0, 4096));
            assertThrows(IllegalArgumentException.class, () -> region.mapAt(-4096, 0, 4096));
            assertEquals(42, next.getLong(0));
            assertEquals(1, region.mappingCount());
        }
    }

    private static void outOfBounds(Executable access) {
        assertThrows(IndexOutOfBoundsException.class, access);
    }

    private static void assertNames(RuntimeException e, long value) {
        assertTrue(e.getMessage().contains(Long.toString(value)), e.getMessage());
    }
}
