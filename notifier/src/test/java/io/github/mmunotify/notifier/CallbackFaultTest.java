package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever a callback throws, the space stays usable: no read section left open (register, close
 * and Mmu.barrier would hang), no interval invalidation left active (readBegin would hang), no
 * subscriber left with a start and no end, no mapping half-removed. And a change of a space from
 * inside a callback of that space's own walk is refused instead of recursing.
 */
class CallbackFaultTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("faults", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        Bounded.completes("Mmu.close after the test", mmu::close);
        region.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Re-entrant changes

    @Test
    void unmapOfTheSameRangeFromItsOwnStartCallbackIsRefusedAndTheOuterUnmapCompletes() {
        Mapping mapping = space.map(region, 0, PAGE);
        List<Throwable> inner = new CopyOnWriteArrayList<>();
        MmuNotifier recursive = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                try {
                    range.addressSpace().unmap(range.start(), range.length());
                } catch (Throwable refused) {
                    inner.add(refused);
                }
                return true;
            }
        };
        space.register(recursive);
        Recorder recorder = new Recorder("r");
        space.register(recorder);

        assertEquals(1, space.unmap(mapping.address(), mapping.length()));

        assertEquals(1, inner.size(), "exactly one refused inner call, no recursion: " + inner);
        Throwable refused = inner.getFirst();
        assertTrue(refused instanceof IllegalStateException, String.valueOf(refused));
        assertTrue(refused.getMessage().contains("unmap") && refused.getMessage().contains("space"),
                refused.getMessage());
        assertTrue(mapping.isUnmapped());
        assertEquals(1, recorder.starts.size());
        assertEquals(1, recorder.ends.size());
        assertUsable();
    }

    @Test
    void everyChangeOfTheSameSpaceFromInsideAnyCallbackOfItsWalkIsRefused() {
        Mapping mapping = space.map(region, 0, PAGE);
        Mapping other = space.map(region, PAGE, PAGE);
        List<String> refused = new CopyOnWriteArrayList<>();
        Runnable tryEverything = () -> {
            long a = other.address();
            refused.addAll(RefusalAttempts.attempt("callback", List.of(
                    () -> space.unmap(a, PAGE), () -> space.tryUnmap(a, PAGE),
                    () -> space.protect(a, PAGE, false), () -> space.tryProtect(a, PAGE, false))));
        };
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                tryEverything.run();
                return true;
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                tryEverything.run();
            }
        });
        space.insert(mapping.address(), PAGE, (interval, range, seq) -> {
            tryEverything.run();
            return true;
        });
        space.protect(mapping.address(), PAGE, false);
        assertEquals(12, refused.size());
        assertTrue(refused.stream().allMatch("refused"::equals), refused.toString());
        assertFalse(other.isUnmapped());
        assertTrue(other.isWritable(), "the refused changes changed nothing");

        // A change of another space from inside a callback is fine.
        AddressSpace second = mmu.createAddressSpace("second");
        Mapping elsewhere = second.map(region, 0, PAGE);
        List<Integer> unmappedElsewhere = new ArrayList<>();
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                unmappedElsewhere.add(second.unmap(elsewhere.address(), PAGE));
                return true;
            }
        });
        space.unmap(mapping.address(), PAGE);
        assertEquals(List.of(1), unmappedElsewhere);
        assertUsable();
    }

    // ---------------------------------------------------------------------------------------------
    // A Throwable from every callback kind

    static Stream<Arguments> faults() {
        List<Supplier<Throwable>> throwables = List.of(
                () -> new StackOverflowError("injected"),
                () -> new OutOfMemoryError("injected"),
                () -> new Error("injected"),
                () -> new IllegalStateException("injected"),
                UndescribableError::new);
        List<Arguments> cases = new ArrayList<>();
        for (String kind : List.of("release", "start", "end", "interval", "free", "mappingListener", "toString")) {
            for (Supplier<Throwable> throwable : throwables) {
                cases.add(Arguments.of(kind, throwable.get().getClass().getSimpleName(), throwable));
            }
        }
        return cases.stream();
    }

    /** An Error whose message cannot even be built: describing it throws again. */
    static final class UndescribableError extends Error {
        @Override
        public String getMessage() {
            throw new OutOfMemoryError("while describing the failure");
        }
    }

    private static void sneakyThrow(Throwable t) {
        CallbackFaultTest.<RuntimeException>throwAs(t);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void throwAs(Throwable t) throws T {
        throw (T) t;
    }

    /** A subscriber each of whose callbacks throws if it is the chosen kind. */
    private static final class Faulty implements MmuNotifier {
        final String kind;
        final Supplier<Throwable> throwable;

        Faulty(String kind, Supplier<Throwable> throwable) {
            this.kind = kind;
            this.throwable = throwable;
        }

        private void maybeThrow(String callback) {
            if (kind.equals(callback)) {
                sneakyThrow(throwable.get());
            }
        }

        @Override
        public void release(AddressSpace addressSpace) {
            maybeThrow("release");
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            maybeThrow("start");
            if (kind.equals("toString")) {
                sneakyThrow(throwable.get()); // reported, and describing the subscriber throws too
            }
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            maybeThrow("end");
        }

        @Override
        public String toString() {
            maybeThrow("toString");
            return "Faulty[" + kind + "]";
        }
    }

    @ParameterizedTest(name = "{0} throws {1}")
    @MethodSource("faults")
    void aThrowableFromAnyCallbackLeavesTheSpaceUsable(String kind, String name, Supplier<Throwable> throwable) {
        Mapping mapping = space.map(region, 0, PAGE);
        Mapping survivor = space.map(region, PAGE, PAGE);
        Recorder before = new Recorder("before");
        space.register(before);
        Faulty faulty = new Faulty(kind, throwable);
        space.register(faulty);
        Recorder after = new Recorder("after");
        space.register(after);
        IntervalNotifier interval = space.insert(mapping.address(), PAGE, (i, range, seq) -> {
            i.setSequence(seq);
            if (kind.equals("interval")) {
                sneakyThrow(throwable.get());
            }
            return true;
        });
        if (kind.equals("mappingListener")) {
            mapping.addListener((m, cause) -> sneakyThrow(throwable.get()));
        }
        if (kind.equals("free")) {
            mmu.callSrcu(() -> sneakyThrow(throwable.get()));
            Bounded.completes("Mmu.barrier after a failing free", mmu::barrier);
        }

        try {
            space.unmap(mapping.address(), PAGE);
        } catch (Throwable escaped) {
            throw Bounded.describable("a callback's throwable escaped to the caller of unmap:", escaped);
        }
        assertTrue(mapping.isUnmapped(), "the change was made");
        assertSame(survivor, space.find(survivor.address()));
        assertEquals(before.starts.size(), before.ends.size(), "every start got its end");
        assertEquals(after.starts.size(), after.ends.size(), "every start got its end");
        assertEquals(1, after.ends.size(), "subscribers after the faulty one were called");
        Bounded.completes("readBegin after the walk", interval::readBegin);
        assertFalse(interval.readRetry(interval.readBegin()));

        if (kind.equals("release")) {
            Bounded.completes("unregister of a subscriber whose release throws", () -> space.unregister(faulty));
            assertFalse(space.isRegistered(faulty));
        }
        assertUsable();
        Bounded.completes("remove of the interval", interval::remove);
        Bounded.completes("close of the space", space::close);
        assertTrue(survivor.isUnmapped());
        assertEquals(after.starts.size(), after.ends.size(), "every start got its end");
        Bounded.completes("close of the Mmu", mmu::close);
        if (!kind.equals("mappingListener") && !kind.equals("free")) {
            assertFalse(failures.reported.isEmpty(), "the failure was reported");
        }
    }

    /**
     * A MappingListener throwing an Error that the logger cannot format (its getMessage() throws
     * again): reporting it must not throw out of the unmap, which used to leave the mapping
     * UNMAPPING forever (readable, never drained, a second unmap() waiting for the region's revoke).
     */
    @Test
    void aMappingListenerWhoseFailureCannotBeLoggedStillUnmaps() {
        Mapping mapping = space.map(region, 0, PAGE);
        mapping.addListener((m, cause) -> sneakyThrow(new UndescribableError()));
        int[] unmapped = new int[1];
        Bounded.completes("unmap", () -> unmapped[0] = space.unmap(mapping.address(), PAGE));
        assertEquals(1, unmapped[0]);
        assertTrue(mapping.isUnmapped());
        assertThrows(SigBusException.class, () -> mapping.getLong(0), "the mapping is still readable");
        Bounded.completes("a second Mapping.unmap()", mapping::unmap);
        assertUsable();
    }

    /** The same through Region.revoke(): the revoke completes and a second one returns. */
    @Test
    void aMappingListenerWhoseFailureCannotBeLoggedDoesNotStopARegionRevoke() {
        Region doomed = Region.allocate("doomed", PAGE);
        Mapping mapping = space.map(doomed, 0, PAGE);
        mapping.addListener((m, cause) -> sneakyThrow(new UndescribableError()));
        Bounded.completes("Region.revoke", () -> doomed.revoke());
        assertThrows(SigBusException.class, () -> doomed.getLong(0), "the region is still readable");
        assertThrows(SigBusException.class, () -> mapping.getLong(0), "the mapping is still readable");
        Bounded.completes("a second Region.revoke", () -> doomed.revoke());
        assertTrue(space.mappings().isEmpty());
        assertUsable();
    }

    /** No read section, counter or lock was left behind: everything that waits for them returns. */
    private void assertUsable() {
        Recorder probe = new Recorder("probe");
        Bounded.completes("register on another thread", () -> space.register(probe));
        space.register(new Recorder("probe-here")); // throws if this thread were left inside a section
        Mapping fresh = space.map(region, 2 * PAGE, PAGE);
        assertEquals(1, space.unmap(fresh.address(), PAGE));
        assertEquals(1, probe.starts.size());
        assertEquals(1, probe.ends.size());
        Bounded.completes("insert of an interval", () -> space.insert(fresh.address(), PAGE, (i, r, s) -> true).remove());
        Bounded.completes("unregister on another thread", () -> space.unregister(probe));
        Bounded.completes("Mmu.barrier", mmu::barrier);
    }
}
