package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.TestThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protection of a mapping of an address space changes only inside the
 * space's invalidation walk, {@link AddressSpace#protect} checks every target before the walk
 * starts, and a mapping revoked during a protect is left alone and not counted.
 */
class ProtectionTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    @TempDir
    Path dir;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("protection", failures);
    private final List<Region> regions = new CopyOnWriteArrayList<>();

    private Region region(String name) {
        Region region = Region.allocate(name, PAGE);
        regions.add(region);
        return region;
    }

    private Region readOnlyRegion(String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, new byte[(int) PAGE]);
        Region region = Region.mapFile(file, 0, PAGE, false);
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

    /**
     * Before the fix the walk made the low mapping writable and then threw from inside the walk at
     * the read-only one: half-changed, and the subscribers saw an invalidation of a change that
     * failed.
     */
    @Test
    void protectToWritableOverAReadOnlyRegionChangesNothingAndRunsNoWalk() throws IOException {
        AddressSpace space = mmu.createAddressSpace("mixed");
        Mapping low = space.mapAt(0x100000, region("rw"), 0, PAGE);
        Mapping high = space.mapAt(0x100000 + PAGE, readOnlyRegion("ro.bin"), 0, PAGE);
        assertEquals(1, space.protect(low.address(), PAGE, false));
        Counter counter = new Counter();
        space.register(counter);
        long invalidations = space.stats().invalidations();

        ReadOnlyMappingException refused = assertThrows(ReadOnlyMappingException.class,
                () -> space.protect(low.address(), 2 * PAGE, true));
        assertTrue(refused.getMessage().contains("ro.bin"), refused.getMessage());
        assertTrue(refused.getMessage().contains(Long.toHexString(high.address())), refused.getMessage());
        assertFalse(low.isWritable(), "the mapping below the read-only one was made writable");
        assertFalse(high.isWritable());
        assertEquals(List.of(), counter.log, "a walk ran for a change that was refused");
        assertEquals(invalidations, space.stats().invalidations());

        assertThrows(ReadOnlyMappingException.class, () -> space.tryProtect(low.address(), 2 * PAGE, true));
        assertFalse(low.isWritable());
        assertEquals(List.of(), counter.log);
        // Read-only stays legal over both, and the low one alone may become writable again.
        assertEquals(2, space.protect(low.address(), 2 * PAGE, false));
        assertEquals(1, space.protect(low.address(), PAGE, true));
        assertTrue(low.isWritable());
        assertEquals(List.of(), failures.reported);
    }

    /**
     * Before the fix a mapping revoked between the collection of targets and the change was
     * "changed" and counted (the catch of SigBusException there could never fire).
     */
    @Test
    void aMappingRevokedDuringTheProtectWalkIsLeftAloneAndNotCounted() throws Exception {
        AddressSpace space = mmu.createAddressSpace("revoked");
        Mapping kept = space.mapAt(0x100000, region("kept"), 0, PAGE);
        Region doomed = region("doomed");
        Mapping revoked = space.mapAt(0x100000 + PAGE, doomed, 0, PAGE);
        Thread walker = Thread.currentThread();
        AtomicBoolean revokedInStart = new AtomicBoolean();
        List<String> events = new CopyOnWriteArrayList<>();
        try (TestThreads threads = new TestThreads("revoke during protect")) {
            space.register(new MmuNotifier() {
                @Override
                public boolean invalidateRangeStart(InvalidationRange range) {
                    events.add(range.event() + (Thread.currentThread() == walker ? "" : " (revoker)"));
                    if (Thread.currentThread() == walker && range.event() == InvalidationEvent.PROTECTION_CHANGE
                            && revokedInStart.compareAndSet(false, true)) {
                        // The region is revoked after the targets were collected, before the change.
                        threads.start(doomed::revoke);
                        try {
                            threads.join();
                        } catch (Throwable failure) {
                            throw new AssertionError(failure);
                        }
                    }
                    return true;
                }

                @Override
                public void invalidateRangeEnd(InvalidationRange range) {
                }
            });
            assertEquals(1, space.protect(kept.address(), 2 * PAGE, false), "the revoked mapping was counted");
        }
        assertTrue(revokedInStart.get());
        assertTrue(revoked.isUnmapped());
        assertFalse(kept.isWritable());
        assertTrue(revoked.isWritable(), "the revoked mapping's protection was changed after it was unmapped");
        assertEquals(List.of("PROTECTION_CHANGE", "REGION_REVOKED (revoker)"), events);
        assertEquals(List.of(), failures.reported);
    }
}
