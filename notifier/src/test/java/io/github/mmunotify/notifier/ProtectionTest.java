package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 5: the protection of a mapping of an address space changes only inside the
 * space's invalidation walk, {@link AddressSpace#protect} checks every target before the walk
 * starts, and a mapping revoked during a protect is left alone and not counted.
 */
class ProtectionTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("protection", failures);
    private final List<Region> regions = new CopyOnWriteArrayList<>();

    private Region region(String name) {
        Region region = Region.allocate(name, PAGE);
        regions.add(region);
        return region;
    }

    @AfterEach
    void tearDown() {
        mmu.close();
        regions.forEach(Region::close);
    }

    /** Counts the invalidations a list subscriber sees. */
    private static final class Counter implements MmuNotifier {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            log.add("start " + range.event());
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            log.add("end " + range.event());
        }
    }

    @Test
    void setWritableOnAMappingOfTheSpaceIsRefusedAndChangesNothing() {
        AddressSpace space = mmu.createAddressSpace("owner");
        Counter counter = new Counter();
        space.register(counter);
        Mapping mapping = space.map(region("rw"), 0, PAGE);

        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> mapping.setWritable(false));
        assertTrue(refused.getMessage().contains("address space owner"), refused.getMessage());
        assertTrue(refused.getMessage().contains("AddressSpace.protect"), refused.getMessage());
        assertTrue(mapping.isWritable(), "the refused call changed the protection");
        mapping.putLong(0, 1); // still writable
        assertEquals(List.of(), counter.log);

        // The walk is the way: it changes the protection between start and end.
        assertEquals(1, space.protect(mapping.address(), PAGE, false));
        assertFalse(mapping.isWritable());
        assertEquals(List.of("start PROTECTION_CHANGE", "end PROTECTION_CHANGE"), counter.log);
        assertThrows(IllegalStateException.class, () -> mapping.setWritable(true));
        assertFalse(mapping.isWritable());
    }

    @Test
    void theProtectionKeyOfAMappingOfTheSpaceCannotBeTakenByAnyoneElse() {
        AddressSpace space = mmu.createAddressSpace("owner");
        Mapping mapping = space.map(region("rw"), 0, PAGE);
        IllegalStateException taken = assertThrows(IllegalStateException.class, () -> mapping.takeProtection("thief"));
        assertTrue(taken.getMessage().contains("address space owner"), taken.getMessage());
        assertThrows(IllegalStateException.class, () -> mapping.setWritable(false));
        assertTrue(mapping.isWritable());
    }

    @Test
    void aMappingMadeByTheRegionItselfKeepsItsSetWritable() {
        Region region = region("own");
        try (Mapping mapping = region.map(0, PAGE)) {
            mapping.setWritable(false);
            assertFalse(mapping.isWritable());
            mapping.setWritable(true);
            assertTrue(mapping.isWritable());
        }
    }
}
