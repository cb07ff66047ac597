package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every address and length the notifier computes with, at the edges of the address space: the
 * space chooses addresses without wrapping, a bad argument gets an exception naming it, and a
 * refused call leaves the mapping table exactly as it was.
 */
class AddressArithmeticTest {

    private static final long TOP = Long.MAX_VALUE;
    private static final long PAGE = AddressSpace.PAGE_SIZE;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("arith", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /** The table as a caller sees it, compared before and after a refused call. */
    private record Table(List<Mapping> mappings, int size) {
    }

    private Table table() {
        return new Table(space.mappings(), space.stats().mappings());
    }

    private <T extends Throwable> T refusedUnchanged(Class<T> type, Executable call, String... named) {
        Table before = table();
        T thrown = assertThrows(type, call);
        for (String name : named) {
            assertTrue(thrown.getMessage().contains(name), "message names " + name + ": " + thrown.getMessage());
        }
        assertEquals(before, table(), "the mapping table is untouched by a refused call");
        for (Mapping mapping : before.mappings()) {
            assertSame(mapping, space.find(mapping.address()));
            assertFalse(mapping.isUnmapped());
        }
        return thrown;
    }

    private void assertDisjointWithGuard(Mapping placed) {
        for (Mapping other : space.mappings()) {
            if (other == placed) {
                continue;
            }
            boolean below = other.address() + other.length() + PAGE <= placed.address();
            boolean above = placed.address() + placed.length() + PAGE <= other.address();
            assertTrue(below || above, placed + " clashes with " + other);
        }
    }

    @Test
    void autoPlacementNeverOverwritesAMappingWhenTheHighestEndsAtTheTop() {
        Mapping low = space.mapAt(AddressSpace.FIRST_ADDRESS, region, 0, PAGE);
        Mapping top = space.mapAt(TOP - PAGE, region, PAGE, PAGE); // ends exactly at 2^63 - 1
        Mapping placed = space.map(region, 2 * PAGE, PAGE);
        assertSame(low, space.find(low.address()), "the low mapping's table entry survives");
        assertSame(top, space.find(top.address()));
        assertSame(placed, space.find(placed.address()));
        assertEquals(3, space.mappings().size());
        assertEquals(0, placed.address() % PAGE);
        assertDisjointWithGuard(placed);
    }

    @Test
    void autoPlacementNearTheTopFallsBackToAGapBelowAndNeverWraps() {
        // The highest mapping leaves less than one page above it: nothing fits above.
        Mapping top = space.mapAt(TOP - 3 * PAGE, region, 0, 2 * PAGE);
        for (int i = 0; i < 4; i++) {
            Mapping placed = space.map(region, 0, PAGE + i);
            assertTrue(placed.address() >= AddressSpace.FIRST_ADDRESS, "no wrap: " + placed);
            assertTrue(placed.address() + placed.length() > placed.address(), "no wrap: " + placed);
            assertDisjointWithGuard(placed);
        }
        assertSame(top, space.find(top.address()));
        assertEquals(5, space.mappings().size());
        // Just room for one more page right under the top mapping, with guards on both sides.
        space.unmap(0, TOP);
        space.mapAt(TOP - PAGE, region, 0, 1);
        Mapping middle = space.mapAt(TOP - 5 * PAGE, region, 0, 1);
        Mapping belowMiddle = space.map(region, 0, PAGE);
        assertDisjointWithGuard(belowMiddle);
        assertSame(middle, space.find(middle.address()));
    }

    @Test
    void aLengthThatFitsNowhereIsRefusedNamingItAndChangesNothing() {
        space.mapAt(AddressSpace.FIRST_ADDRESS, region, 0, PAGE);
        space.map(region, 0, PAGE);
        refusedUnchanged(IllegalArgumentException.class, () -> space.map(region, 0, TOP), String.valueOf(TOP));
        refusedUnchanged(IllegalArgumentException.class, () -> space.map(region, 0, TOP - PAGE),
                String.valueOf(TOP - PAGE));
        refusedUnchanged(IllegalArgumentException.class, () -> space.map(region, 0, 0), "length", "0");
        refusedUnchanged(IllegalArgumentException.class, () -> space.map(region, 0, Long.MIN_VALUE), "length");
        // Fits the space but not the region: the region refuses and the reservation is undone.
        refusedUnchanged(IndexOutOfBoundsException.class, () -> space.map(region, 0, (1 << 16) + 1));
        refusedUnchanged(IndexOutOfBoundsException.class, () -> space.map(region, TOP, PAGE));
        refusedUnchanged(IndexOutOfBoundsException.class, () -> space.map(region, -1, PAGE));
    }

    @Test
    void rangesThatOverflowOrAreEmptyAreRefusedNamingTheArgumentAndChangeNothing() {
        Mapping top = space.mapAt(TOP - PAGE, region, 0, PAGE);
        Mapping low = space.map(region, 0, PAGE);
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        refusedUnchanged(IllegalArgumentException.class, () -> space.mapAt(TOP - PAGE + 1, region, 0, PAGE),
                "0x" + Long.toHexString(TOP - PAGE + 1));
        refusedUnchanged(IllegalArgumentException.class, () -> space.mapAt(TOP, region, 0, 1), "address");
        refusedUnchanged(IllegalArgumentException.class, () -> space.mapAt(Long.MIN_VALUE, region, 0, PAGE), "address");
        for (long length : new long[] {0, -1, Long.MIN_VALUE}) {
            refusedUnchanged(IllegalArgumentException.class, () -> space.unmap(low.address(), length), "length");
            refusedUnchanged(IllegalArgumentException.class, () -> space.tryUnmap(low.address(), length), "length");
            refusedUnchanged(IllegalArgumentException.class, () -> space.protect(low.address(), length, false), "length");
            refusedUnchanged(IllegalArgumentException.class, () -> space.tryProtect(low.address(), length, false), "length");
            refusedUnchanged(IllegalArgumentException.class, () -> space.insert(low.address(), length, (i, r, s) -> true),
                    "length");
        }
        refusedUnchanged(IllegalArgumentException.class, () -> space.unmap(TOP - PAGE, PAGE + 1), "address");
        refusedUnchanged(IllegalArgumentException.class, () -> space.unmap(1, TOP), String.valueOf(TOP));
        refusedUnchanged(IllegalArgumentException.class, () -> space.protect(TOP, TOP, false), "address");
        refusedUnchanged(IllegalArgumentException.class, () -> space.unmap(-1, PAGE), "address");
        refusedUnchanged(IllegalArgumentException.class, () -> space.insert(TOP, 1, (i, r, s) -> true), "address");
        assertTrue(recorder.starts.isEmpty(), "no invalidation for a refused change");

        // End-exclusive ranges may touch 2^63 - 1.
        assertEquals(1, space.protect(TOP - PAGE, PAGE, false));
        assertFalse(top.isWritable());
        IntervalNotifier atTop = space.insert(TOP - 1, 1, (i, r, s) -> true);
        assertEquals(TOP, atTop.end());
        assertEquals(1, space.unmap(0, TOP - PAGE), "the whole space below the top mapping");
        assertTrue(low.isUnmapped());
        assertEquals(1, space.unmap(TOP - PAGE, PAGE));
        assertTrue(top.isUnmapped());
        InvalidationRange last = recorder.starts.getLast();
        assertEquals(TOP, last.end());
        assertEquals(PAGE, last.length());
        atTop.remove();
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void invalidationRangeOverlapNeverOverflows() {
        InvalidationRange range = new InvalidationRange(space, TOP - PAGE, TOP, InvalidationEvent.UNMAP, true);
        assertTrue(range.overlaps(TOP - 1, 1));
        assertFalse(range.overlaps(0, TOP - PAGE), "ends exactly where the range starts");
        assertTrue(range.overlaps(0, TOP), "the whole space");
        assertTrue(range.overlaps(TOP - 2, TOP), "a length running past the top still overlaps, without wrapping");
        assertFalse(range.overlaps(Long.MIN_VALUE, TOP), "ends below the range, however the sum is computed");
        assertFalse(range.overlaps(TOP - 1, 0), "an empty range overlaps nothing");
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> range.overlaps(TOP - 1, -2));
        assertTrue(negative.getMessage().contains("length"), negative.getMessage());
        assertTrue(range.contains(TOP - 1));
        assertFalse(range.contains(TOP));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new InvalidationRange(space, TOP, TOP, InvalidationEvent.UNMAP, true));
        assertTrue(empty.getMessage().contains(String.valueOf(TOP)), empty.getMessage());
    }
}
