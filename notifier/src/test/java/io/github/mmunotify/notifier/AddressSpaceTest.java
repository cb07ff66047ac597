package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final List<Region> regions = new CopyOnWriteArrayList<>();

    private Region region(long bytes) {
        Region region = Region.allocate("r" + regions.size(), bytes);
        regions.add(region);
        return region;
    }

    @AfterEach
    void tearDown() {
        mmu.close();
        regions.forEach(Region::close);
    }

    @Test
    void mapPlacesMappingsAtDistinctPageAlignedAddressesWithTypedAccess() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        Mapping a = space.map(region, 0, 8192);
        Mapping b = space.map(region, 8192, 100);
        assertEquals(0, a.address() % AddressSpace.PAGE_SIZE);
        assertEquals(0, b.address() % AddressSpace.PAGE_SIZE);
        assertTrue(b.address() >= a.address() + a.length() + AddressSpace.PAGE_SIZE, "guard page between mappings");
        assertEquals(8192, a.length());
        a.putLong(8, 42);
        assertEquals(42, region.getLong(8));
        region.putLong(8192, 7);
        assertEquals(7, b.getLong(0));
        assertSame(a, space.find(a.address() + 100));
        assertSame(b, space.find(b.address()));
        assertNull(space.find(b.address() + b.length()));
        assertEquals(List.of(a, b), space.mappings());
    }

    @Test
    void unmapRunsStartThenTheChangeThenEnd() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        Mapping mapping = space.map(region, 0, 4096);
        mapping.putLong(0, 99);
        List<String> log = new CopyOnWriteArrayList<>();
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                log.add("start " + range.event() + " mapped=" + !mapping.isUnmapped() + " value=" + mapping.getLong(0));
                assertEquals(mapping.address(), range.start());
                assertEquals(mapping.address() + 4096, range.end());
                assertTrue(range.blockable());
                assertSame(space, range.addressSpace());
                return true;
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add("end " + range.event() + " mapped=" + !mapping.isUnmapped());
            }
        });
        assertEquals(1, space.unmap(mapping.address(), 4096));
        assertEquals(List.of("start UNMAP mapped=true value=99", "end UNMAP mapped=false"), log);
        assertThrows(SigBusException.class, () -> mapping.getLong(0));
        assertNull(space.find(mapping.address()));
        assertEquals(0, space.unmap(mapping.address(), 4096), "unmapping nothing is a no-op");
        assertEquals(2, log.size(), "no invalidation for an empty range");
        assertEquals(1, space.stats().invalidations());
        assertTrue(failures.reported.isEmpty());
    }

    @Test
    void unmapOfALargerRangeTakesEveryMappingInsideItAndLeavesTheOthers() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        Mapping a = space.mapAt(0x100000, region, 0, 4096);
        Mapping b = space.mapAt(0x102000, region, 4096, 4096);
        Mapping c = space.mapAt(0x200000, region, 8192, 4096);
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        assertEquals(2, space.unmap(0x100000, 0x10000));
        assertTrue(a.isUnmapped() && b.isUnmapped());
        assertFalse(c.isUnmapped());
        InvalidationRange range = recorder.starts.getFirst();
        assertEquals(0x100000, range.start());
        assertEquals(0x103000, range.end());
        assertSame(range, recorder.ends.getFirst(), "start and end get the same range");
    }

    @Test
    void partialUnmapOrProtectIsRejectedAndChangesNothing() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        Mapping mapping = space.mapAt(0x100000, region, 0, 8192);
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        IllegalArgumentException tail = assertThrows(IllegalArgumentException.class, () -> space.unmap(0x101000, 8192));
        assertTrue(tail.getMessage().contains("split the mapping"), tail.getMessage());
        assertThrows(IllegalArgumentException.class, () -> space.unmap(0x100000, 4096));
        assertThrows(IllegalArgumentException.class, () -> space.protect(0x0ff000, 8192, false));
        assertFalse(mapping.isUnmapped());
        assertTrue(mapping.isWritable());
        assertTrue(recorder.starts.isEmpty(), "no invalidation for a rejected change");
    }

    @Test
    void mapAtRejectsOverlapsAndBadRanges() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        space.mapAt(0x100000, region, 0, 8192);
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class,
                () -> space.mapAt(0x101000, region, 0, 4096));
        assertTrue(overlap.getMessage().contains("overlaps"), overlap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> space.mapAt(0x0ff000, region, 0, 4097));
        assertThrows(IllegalArgumentException.class, () -> space.mapAt(-4096, region, 0, 4096));
        assertThrows(IllegalArgumentException.class, () -> space.mapAt(0x300000, region, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> space.map(region, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> space.unmap(Long.MAX_VALUE - 10, 100));
        Mapping placed = space.map(region, 0, 4096);
        assertTrue(placed.address() >= 0x102000 + AddressSpace.PAGE_SIZE, "chosen address clears fixed mappings");
        assertEquals(2, space.mappings().size());
    }

    @Test
    void protectChangesWritabilityBetweenStartAndEnd() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(1 << 16);
        Mapping mapping = space.map(region, 0, 4096);
        List<String> log = new CopyOnWriteArrayList<>();
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                log.add("start " + range.event() + " writable=" + mapping.isWritable());
                return true;
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add("end writable=" + mapping.isWritable());
            }
        });
        assertEquals(1, space.protect(mapping.address(), 4096, false));
        assertEquals(List.of("start PROTECTION_CHANGE writable=true", "end writable=false"), log);
        assertThrows(RuntimeException.class, () -> mapping.putLong(0, 1));
        assertEquals(1, space.protect(mapping.address(), 4096, true));
        mapping.putLong(0, 1);
        assertEquals(1, region.getLong(0));
        IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class,
                () -> space.protect(0x7000_0000L, 4096, false));
        assertTrue(nothing.getMessage().contains("nothing is mapped"), nothing.getMessage());
    }

    @Test
    void revokingARegionInvalidatesItsRangeInEveryAddressSpaceThatMapsIt() {
        AddressSpace first = mmu.createAddressSpace("first");
        AddressSpace second = mmu.createAddressSpace("second");
        Region shared = region(1 << 16);
        Region other = region(4096);
        Mapping inFirst = first.mapAt(0x100000, shared, 0, 8192);
        Mapping inSecond = second.mapAt(0x400000, shared, 4096, 4096);
        Mapping untouched = second.map(other, 0, 4096);
        Recorder r1 = new Recorder("r1");
        Recorder r2 = new Recorder("r2");
        first.register(r1);
        second.register(r2);
        shared.revoke();
        assertEquals(1, r1.starts.size());
        assertEquals(InvalidationEvent.REGION_REVOKED, r1.starts.getFirst().event());
        assertEquals(0x100000, r1.starts.getFirst().start());
        assertEquals(0x102000, r1.starts.getFirst().end());
        assertEquals(1, r1.ends.size());
        assertEquals(1, r2.starts.size());
        assertEquals(0x400000, r2.starts.getFirst().start());
        assertEquals(0x401000, r2.starts.getFirst().end());
        assertEquals(1, r2.ends.size());
        assertThrows(SigBusException.class, () -> inFirst.getLong(0));
        assertThrows(SigBusException.class, () -> inSecond.getLong(0));
        assertNull(first.find(0x100000));
        assertEquals(List.of(untouched), second.mappings());
        assertEquals(0, first.unmap(0x100000, 8192), "the revoked mapping is gone from the table");
        assertEquals(1, r1.starts.size(), "and is not invalidated twice");
    }

    @Test
    void unmappingAMappingDirectlyStillInvalidatesIt() {
        AddressSpace space = mmu.createAddressSpace("space");
        Mapping mapping = space.map(region(4096), 0, 4096);
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        mapping.unmap();
        assertEquals(List.of("r:start:UNMAP", "r:end:UNMAP"), Recorder.copy(recorder.log));
        assertNull(space.find(mapping.address()));
    }

    @Test
    void closedSpaceRefusesMappingsAndNewSpacesAfterMmuClose() {
        AddressSpace space = mmu.createAddressSpace("space");
        Region region = region(4096);
        space.close();
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> space.map(region, 0, 4096));
        assertTrue(refused.getMessage().contains("closing"), refused.getMessage());
        assertTrue(space.isClosed());
        mmu.close();
        assertThrows(IllegalStateException.class, () -> mmu.createAddressSpace("late"));
        assertThrows(IllegalStateException.class, () -> mmu.callSrcu(() -> { }));
        assertNotNull(space.toString());
    }
}
