package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel's rule for a refused non-blockable invalidation (mn_hlist_invalidate_range_start):
 * every start is called, every subscriber that accepted is ended, the refuser is not, nothing
 * changes, TRY_AGAIN; a refuser that did not declare {@link MmuNotifier#mayRefuse} is reported.
 */
class NonBlockableWalkTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /** Refuses every non-blockable start; declares it or not. */
    private MmuNotifier refuser(String name, boolean declares) {
        return new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                log.add(name + ":start:" + range.event());
                return range.blockable();
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add(name + ":end:" + range.event());
            }

            @Override
            public boolean mayRefuse() {
                return declares;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void theMiddleRefusesEveryStartIsCalledTheOthersAreEndedNothingChanges() {
        space.register(new Recorder("first", log));
        space.register(refuser("middle", true));
        space.register(new Recorder("third", log));
        Mapping mapping = space.map(region, 0, 4096);

        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertEquals(List.of("first:start:UNMAP", "middle:start:UNMAP", "third:start:UNMAP",
                "first:end:UNMAP", "third:end:UNMAP"), log);
        assertFalse(mapping.isUnmapped(), "the change was skipped");
        assertSame(mapping, space.find(mapping.address()));

        log.clear();
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryProtect(mapping.address(), 4096, false));
        assertEquals(List.of("first:start:PROTECTION_CHANGE", "middle:start:PROTECTION_CHANGE",
                "third:start:PROTECTION_CHANGE", "first:end:PROTECTION_CHANGE", "third:end:PROTECTION_CHANGE"), log);
        assertTrue(mapping.isWritable(), "the change was skipped");

        assertEquals(2, space.stats().retries());
        assertEquals(0, space.stats().invalidations());
        assertTrue(failures.reported.isEmpty(), "a declared refusal is no misuse: " + failures.reported);
    }

    @Test
    void aRefuserAtEitherEndStillLetsEveryOtherStartAndEndRun() {
        space.register(refuser("head", true));
        space.register(new Recorder("mid", log));
        space.register(refuser("tail", true));
        Mapping mapping = space.map(region, 0, 4096);
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertEquals(List.of("head:start:UNMAP", "mid:start:UNMAP", "tail:start:UNMAP", "mid:end:UNMAP"), log);
        assertFalse(mapping.isUnmapped());
    }

    @Test
    void anUndeclaredRefusalIsReportedAsMisuseAndStillCounts() {
        space.register(new Recorder("first", log));
        space.register(refuser("sneaky", false));
        Mapping mapping = space.map(region, 0, 4096);
        long before = space.stats().callbackFailures();

        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertFalse(mapping.isUnmapped(), "the refusal counts");
        assertEquals(List.of("first:start:UNMAP", "sneaky:start:UNMAP", "first:end:UNMAP"), log);
        assertEquals(1, failures.reported.size());
        String message = failures.reported.getFirst().getMessage();
        assertTrue(message.contains("sneaky") && message.contains("mayRefuse"), message);
        assertEquals(before + 1, space.stats().callbackFailures());
    }

    @Test
    void aMayRefuseThatThrowsIsReportedAndTheRefusalStillCounts() {
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                return false;
            }

            @Override
            public boolean mayRefuse() {
                throw new IllegalStateException("boom");
            }
        });
        Mapping mapping = space.map(region, 0, 4096);
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        assertFalse(mapping.isUnmapped());
        assertEquals(2, failures.reported.size(), "mayRefuse threw, and the undeclared refusal");
    }
}
