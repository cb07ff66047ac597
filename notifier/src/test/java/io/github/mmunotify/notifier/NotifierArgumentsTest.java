package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.MappingListener;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.mmap.UnmapCause;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault injection for the public API of the notifier module: every entry point of
 * {@link Mmu}, {@link AddressSpace} and {@link IntervalNotifier} with null, negative, zero, huge
 * and overflowing arguments; and a {@link Throwable} of every kind thrown from every callback the
 * module runs: a subscriber's {@code release}, {@code invalidateRangeStart} and
 * {@code invalidateRangeEnd}, an interval notifier's {@code invalidate}, a {@link Mmu#callSrcu}
 * callback, the Mmu's error handler, and a {@link MappingListener} of a mapping the space manages.
 *
 * <p>Each case asserts the failure is reported as documented (to the Mmu's error handler, with the
 * callback named and the throwable as cause), that every other callback and the change itself
 * still ran, and that register, unregister, barrier and close still complete: every one of
 * those waits for SRCU read sections, so a section a throwable left open shows up here as a
 * bounded wait that times out instead of a hang. Throwables are constructed and thrown, never
 * provoked.
 */
class NotifierArgumentsTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    /** One instance of each kind of Throwable a callback can end with (the last one sneaked out unchecked). */
    static List<Supplier<Throwable>> uncheckedThrowables() {
        return throwables().subList(0, 4);
    }

    static List<Supplier<Throwable>> throwables() {
        return List.of(
                () -> new IllegalStateException("injected runtime exception"),
                () -> new AssertionError("injected error"),
                () -> new StackOverflowError("injected stack overflow"),
                () -> new OutOfMemoryError("injected out of memory"),
                () -> new Exception("injected checked exception"));
    }

    private final Failures failures = new Failures();
    private Mmu mmu;
    private AddressSpace space;
    private Region region;

    @BeforeEach
    void setUp() {
        mmu = Mmu.create("faults", failures);
        space = mmu.createAddressSpace("space");
        region = Region.allocate("backing", 8 * PAGE);
    }

    @AfterEach
    void tearDown() {
        bounded("Mmu.close", () -> mmu.close());
        region.close();
    }

    // ------------------------------------------------------------------------------------------
    // Arguments: Mmu

    @Test
    void mmuRefusesNullArguments() {
        assertThrowsNaming(NullPointerException.class, () -> Mmu.create(null), "name");
        assertThrowsNaming(NullPointerException.class, () -> Mmu.create("x", null), "errorHandler");
        assertThrowsNaming(NullPointerException.class, () -> Mmu.create(null, failures), "name");
        assertThrowsNaming(NullPointerException.class, () -> mmu.createAddressSpace(null), "spaceName");
        assertThrowsNaming(NullPointerException.class, () -> mmu.callSrcu(null), "free");
        assertEquals(0, mmu.stats().freesPending());
        assertWorks();
    }

    /** Blank names are refused, as Revocable, Srcu and Region refuse them; nothing is created. */
    @Test
    void mmuAndAddressSpaceRefuseBlankNames() {
        for (String blank : new String[] {"", " ", "\t\n"}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> Mmu.create(blank), "name", "blank");
            assertThrowsNaming(IllegalArgumentException.class, () -> Mmu.create(blank, failures), "name", "blank");
            assertThrowsNaming(IllegalArgumentException.class, () -> mmu.createAddressSpace(blank),
                    "spaceName", "blank");
        }
        assertEquals(1, mmu.stats().addressSpaces(), "a refused name created an address space");
        assertWorks();
    }

    @Test
    void aClosedMmuRefusesByName() {
        Mmu closed = Mmu.create("closed-mmu");
        bounded("close", closed::close);
        bounded("close again", closed::close);
        assertThrowsNaming(IllegalStateException.class, () -> closed.createAddressSpace("late"), "closed-mmu");
        assertThrowsNaming(IllegalStateException.class, () -> closed.callSrcu(() -> { }), "closed-mmu");
        assertTrue(closed.isClosed());
        assertNotNull(closed.stats());
    }

    // ------------------------------------------------------------------------------------------
    // Arguments: AddressSpace mappings

    @Test
    void mapRefusesNullNonPositiveAndOutsideWindowsAndReservesNothing() {
        assertThrowsNaming(NullPointerException.class, () -> space.map(null, 0, PAGE), "region");
        for (long length : new long[] {0, -1, Long.MIN_VALUE}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> space.map(region, 0, length), "length");
        }
        for (long[] bad : new long[][] {{-1, PAGE}, {0, 9 * PAGE}, {8 * PAGE, 1}, {Long.MAX_VALUE, 1},
                {Long.MIN_VALUE, 8}}) {
            assertThrows(IndexOutOfBoundsException.class, () -> space.map(region, bad[0], bad[1]),
                    () -> "map(region, " + bad[0] + ", " + bad[1] + ")");
        }
        assertEquals(0, space.stats().mappings(), "a refused map left a reservation");
        assertTrue(space.mappings().isEmpty());
        assertWorks();
    }

    @Test
    void mapOfAHugeLengthIsRefusedAsNotFittingTheSpace() {
        // The address range is checked before the window, as mapAt checks it (see map's Javadoc).
        for (long length : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - PAGE}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> space.map(region, 1, length),
                    "length", String.valueOf(length));
        }
        // Fits the space, not the region: the region's refusal, the reservation undone.
        assertThrows(IndexOutOfBoundsException.class, () -> space.map(region, 1, 1L << 62));
        assertEquals(0, space.stats().mappings());
        assertWorks();
    }

    @Test
    void mapAtRefusesBadAddressesOverlapsAndBadWindowsAndReservesNothing() {
        long address = 0x100000;
        Mapping existing = space.mapAt(address, region, 0, PAGE);
        assertThrowsNaming(NullPointerException.class, () -> space.mapAt(0x200000, null, 0, PAGE), "region");
        for (long[] bad : new long[][] {{-1, PAGE}, {Long.MIN_VALUE, PAGE}, {Long.MAX_VALUE, 1},
                {Long.MAX_VALUE - PAGE + 2, PAGE}, {0, 0}, {0, -PAGE}, {1, Long.MAX_VALUE}}) {
            assertThrows(IllegalArgumentException.class, () -> space.mapAt(bad[0], region, 0, bad[1]),
                    () -> "mapAt(" + bad[0] + ", region, 0, " + bad[1] + ")");
        }
        for (long overlapping : new long[] {address, address - PAGE + 1, address + PAGE - 1}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> space.mapAt(overlapping, region, 0, PAGE),
                    "overlaps");
        }
        for (long[] badWindow : new long[][] {{-1, PAGE}, {8 * PAGE, 1}, {0, 9 * PAGE}, {Long.MAX_VALUE, 1}}) {
            assertThrows(IndexOutOfBoundsException.class,
                    () -> space.mapAt(0x200000, region, badWindow[0], badWindow[1]));
        }
        // The refused window left no reservation: the same address maps now.
        Mapping second = space.mapAt(0x200000, region, 0, PAGE);
        assertEquals(List.of(existing, second), space.mappings());
        assertSame(existing, space.find(address));
        assertNull(space.find(-1));
        assertNull(space.find(Long.MIN_VALUE));
        assertNull(space.find(Long.MAX_VALUE));
        assertWorks();
    }

    @Test
    void aMappingAtTheTopOfTheAddressSpaceWorks() {
        long top = (Long.MAX_VALUE & -PAGE) - PAGE;
        Mapping mapping = space.mapAt(top, region, 0, PAGE);
        mapping.putLong(0, 9);
        assertSame(mapping, space.find(top + PAGE - 1));
        assertEquals(1, bounded("unmap at the top", () -> space.unmap(top, PAGE)));
        assertWorks();
    }

    /**
     * Auto-placement after a mapping whose end is within a page of 2^63: the new mapping is placed
     * somewhere free or refused; it never takes the table entry of an existing mapping.
     */
    @Test
    void autoPlacementAfterAMappingAtTheTopNeverTakesAnExistingMappingsPlace() {
        long top = (Long.MAX_VALUE & -PAGE) - PAGE;
        Mapping first = space.mapAt(AddressSpace.FIRST_ADDRESS, region, 0, PAGE);
        Mapping highest = space.mapAt(top, region, 0, PAGE);
        Mapping placed = null;
        try {
            placed = space.map(region, PAGE, PAGE);
        } catch (IllegalStateException | IllegalArgumentException refused) {
            assertTrue(refused.getMessage().contains("space"), refused::getMessage);
        }
        assertSame(first, space.find(AddressSpace.FIRST_ADDRESS), "the first mapping lost its table entry");
        assertSame(highest, space.find(top));
        if (placed != null) {
            long at = placed.address();
            assertTrue(at >= 0 && at <= Long.MAX_VALUE - PAGE, "placed at 0x" + Long.toHexString(at));
            assertTrue(at >= first.address() + PAGE || at + PAGE <= first.address(), "overlaps " + first);
            assertTrue(at + PAGE <= top, "overlaps " + highest);
            assertSame(placed, space.find(at));
            assertEquals(3, space.mappings().size());
        } else {
            assertEquals(List.of(first, highest), space.mappings());
        }
        assertWorks();
    }

    @Test
    void unmapAndProtectRefuseNegativeEmptyAndOverflowingRangesAndChangeNothing() {
        long address = 0x100000;
        Mapping mapping = space.mapAt(address, region, 0, 2 * PAGE);
        Recorder recorder = new Recorder("watcher");
        bounded("register", () -> space.register(recorder));
        for (long[] bad : new long[][] {{-1, PAGE}, {Long.MIN_VALUE, PAGE}, {0, 0}, {0, -1}, {0, Long.MIN_VALUE},
                {Long.MAX_VALUE, 1}, {1, Long.MAX_VALUE}, {Long.MAX_VALUE, Long.MAX_VALUE}}) {
            assertThrows(IllegalArgumentException.class, () -> space.unmap(bad[0], bad[1]), () -> "unmap " + bad[0]);
            assertThrows(IllegalArgumentException.class, () -> space.tryUnmap(bad[0], bad[1]));
            assertThrows(IllegalArgumentException.class, () -> space.protect(bad[0], bad[1], false));
            assertThrows(IllegalArgumentException.class, () -> space.tryProtect(bad[0], bad[1], false));
        }
        // Straddling a boundary of the mapping: partial changes are refused by name.
        for (long[] straddling : new long[][] {{address, PAGE}, {address + PAGE, PAGE}, {address - PAGE, 2 * PAGE}}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> space.unmap(straddling[0], straddling[1]),
                    "split");
            assertThrowsNaming(IllegalArgumentException.class,
                    () -> space.protect(straddling[0], straddling[1], false), "split");
        }
        assertThrowsNaming(IllegalArgumentException.class, () -> space.protect(0x900000, PAGE, false), "nothing");
        assertEquals(0, space.unmap(0x900000, PAGE), "an empty range is a no-op");
        assertTrue(recorder.starts.isEmpty(), "a refused call invalidated " + recorder.starts);
        assertTrue(mapping.isWritable());
        assertFalse(mapping.isUnmapped());
        mapping.putLong(0, 1);
        assertEquals(1, bounded("unmap", () -> space.unmap(address, 2 * PAGE)));
        assertEquals(1, recorder.starts.size());
        assertWorks();
    }

    @Test
    void theWholeAddressSpaceCanBeUnmappedInOneCall() {
        space.mapAt(AddressSpace.FIRST_ADDRESS, region, 0, PAGE);
        space.map(region, PAGE, PAGE);
        space.mapAt((Long.MAX_VALUE & -PAGE) - PAGE, region, 2 * PAGE, PAGE);
        Recorder recorder = new Recorder("whole");
        bounded("register", () -> space.register(recorder));
        assertEquals(3, bounded("unmap everything", () -> space.unmap(0, Long.MAX_VALUE)));
        assertTrue(space.mappings().isEmpty());
        assertEquals(1, recorder.starts.size());
        bounded("unregister", () -> space.unregister(recorder));
        assertWorks();
    }

    // ------------------------------------------------------------------------------------------
    // Arguments: subscribers and intervals

    @Test
    void subscriberCallsRefuseNullAndDoubleRegistration() {
        assertThrowsNaming(NullPointerException.class, () -> space.register(null), "subscriber");
        assertThrowsNaming(NullPointerException.class, () -> space.unregister(null), "subscriber");
        assertThrowsNaming(NullPointerException.class, () -> space.unregisterNoRelease(null), "subscriber");
        Recorder once = new Recorder("once");
        bounded("register", () -> space.register(once));
        assertThrowsNaming(IllegalArgumentException.class, () -> space.register(once), "already registered");
        Recorder never = new Recorder("never");
        assertThrowsNaming(IllegalArgumentException.class, () -> space.unregister(never), "never registered");
        assertThrowsNaming(IllegalArgumentException.class, () -> space.unregisterNoRelease(never), "never registered");
        assertTrue(space.isRegistered(once));
        assertEquals(1, space.stats().subscribers());
        bounded("unregister", () -> space.unregister(once));
        assertEquals(List.of(space), once.releases);
        assertWorks();
    }

    @Test
    void insertRefusesNullNegativeEmptyAndOverflowingRanges() {
        IntervalCallback accept = (interval, range, seq) -> true;
        assertThrowsNaming(NullPointerException.class, () -> space.insert(0, PAGE, null), "callback");
        for (long[] bad : new long[][] {{-1, PAGE}, {Long.MIN_VALUE, 1}, {0, 0}, {0, -1}, {Long.MAX_VALUE, 1},
                {1, Long.MAX_VALUE}, {Long.MAX_VALUE - 5, 10}}) {
            assertThrows(IllegalArgumentException.class, () -> space.insert(bad[0], bad[1], accept),
                    () -> "insert(" + bad[0] + ", " + bad[1] + ")");
        }
        assertEquals(0, space.stats().intervals());
        IntervalNotifier interval = space.insert(Long.MAX_VALUE - PAGE, PAGE, accept);
        assertEquals(Long.MAX_VALUE, interval.end());
        bounded("remove", interval::remove);
        assertThrows(IllegalStateException.class, interval::remove, "removing twice");
        interval.close(); // closing a removed notifier does nothing
        assertWorks();
    }

    /** The documented free-yourself pattern: release calls unregisterNoRelease(this) and queues its free. */
    @Test
    void unregisterOfASubscriberThatRemovedItselfInReleaseSucceedsAndWaits() {
        AtomicInteger freed = new AtomicInteger();
        MmuNotifier selfFreeing = new MmuNotifier() {
            @Override
            public void release(AddressSpace addressSpace) {
                addressSpace.unregisterNoRelease(this);
                mmu.callSrcu(freed::incrementAndGet);
            }
        };
        bounded("register", () -> space.register(selfFreeing));
        bounded("unregister", () -> space.unregister(selfFreeing));
        assertFalse(space.isRegistered(selfFreeing));
        bounded("barrier", () -> mmu.barrier());
        assertEquals(1, freed.get());
        assertWorks();
    }

    @Test
    void aRecursiveUnmapFromAStartCallbackIsRefusedAndLeavesNothingOpen() {
        long address = 0x100000;
        Mapping mapping = space.mapAt(address, region, 0, PAGE);
        AtomicInteger starts = new AtomicInteger();
        MmuNotifier recursive = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                if (starts.incrementAndGet() < 100) {
                    range.addressSpace().unmap(range.start(), range.length());
                }
                return true;
            }
        };
        bounded("register", () -> space.register(recursive));
        bounded("outer unmap", () -> space.unmap(address, PAGE));
        assertTrue(mapping.isUnmapped());
        assertTrue(starts.get() < 100, "the recursive unmap was not refused: " + starts.get() + " starts");
        assertEquals(1, failures.reported.size(), "the refused inner unmap was not reported: " + failures.reported);
        bounded("unregister", () -> space.unregister(recursive));
        assertWorks();
    }

    /** Calls that wait for every callback throw when made from a callback, and nothing is left open. */
    @Test
    void callsThatWouldWaitForTheCallingCallbackThrowInsideIt() {
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        Recorder other = new Recorder("other");
        MmuNotifier impatient = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                for (Executable selfWait : List.<Executable>of(() -> space.register(other),
                        () -> space.unregister(this), () -> mmu.barrier(), () -> space.close(), () -> mmu.close())) {
                    try {
                        selfWait.execute();
                    } catch (IllegalStateException expected) {
                        thrownInside.add(expected);
                    } catch (Throwable unexpected) {
                        thrownInside.add(new AssertionError("expected IllegalStateException", unexpected));
                    }
                }
                return true;
            }
        };
        Mapping mapping = space.map(region, 0, PAGE);
        IntervalNotifier[] self = new IntervalNotifier[1];
        self[0] = space.insert(mapping.address(), PAGE, (interval, range, seq) -> {
            interval.setSequence(seq);
            for (Executable selfWait : List.<Executable>of(interval::readBegin, interval::remove)) {
                try {
                    selfWait.execute();
                } catch (IllegalStateException expected) {
                    thrownInside.add(expected);
                } catch (Throwable unexpected) {
                    thrownInside.add(new AssertionError("expected IllegalStateException", unexpected));
                }
            }
            return true;
        });
        bounded("register", () -> space.register(impatient));
        assertEquals(1, bounded("unmap", () -> space.unmap(mapping.address(), PAGE)));
        assertEquals(7, thrownInside.size(), thrownInside::toString);
        for (Throwable e : thrownInside) {
            assertTrue(e instanceof IllegalStateException, e::toString);
        }
        assertFalse(space.isRegistered(other));
        assertTrue(space.isRegistered(impatient));
        assertFalse(space.isClosed());
        assertTrue(failures.reported.isEmpty(), failures.reported::toString);
        assertFalse(self[0].isRemoved());
        bounded("remove", self[0]::remove);
        bounded("unregister", () -> space.unregister(impatient));
        assertWorks();
    }

    // ------------------------------------------------------------------------------------------
    // Throwables from subscriber callbacks

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromInvalidateRangeStartIsReportedAndTheChangeAndEveryOtherCallbackRun(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<String> log = new CopyOnWriteArrayList<>();
        Faulty faulty = new Faulty("faulty", log, Callback.START, thrown);
        Recorder after = new Recorder("after", log);
        long address = 0x100000;
        Mapping mapping = space.mapAt(address, region, 0, PAGE);
        bounded("register", () -> space.register(faulty));
        bounded("register", () -> space.register(after));
        assertEquals(1, bounded("unmap", () -> space.unmap(address, PAGE)));
        assertEquals(List.of("faulty:start:UNMAP", "after:start:UNMAP", "faulty:end:UNMAP", "after:end:UNMAP"), log);
        assertReported(thrown, "invalidateRangeStart", "faulty");
        assertTrue(mapping.isUnmapped());
        assertThrows(SigBusException.class, () -> mapping.getLong(0));
        unregisterBoth(faulty, after);
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromInvalidateRangeEndIsReportedAndEveryOtherEndRuns(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<String> log = new CopyOnWriteArrayList<>();
        Faulty faulty = new Faulty("faulty", log, Callback.END, thrown);
        Recorder after = new Recorder("after", log);
        long address = 0x100000;
        Mapping mapping = space.mapAt(address, region, 0, PAGE);
        bounded("register", () -> space.register(faulty));
        bounded("register", () -> space.register(after));
        assertEquals(1, bounded("protect", () -> space.protect(address, PAGE, false)));
        assertFalse(mapping.isWritable());
        assertEquals(List.of("faulty:start:PROTECTION_CHANGE", "after:start:PROTECTION_CHANGE",
                "faulty:end:PROTECTION_CHANGE", "after:end:PROTECTION_CHANGE"), log);
        assertReported(thrown, "invalidateRangeEnd", "faulty");
        unregisterBoth(faulty, after);
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromReleaseInUnregisterIsReportedAndTheSubscriberIsGone(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<String> log = new CopyOnWriteArrayList<>();
        Faulty faulty = new Faulty("faulty", log, Callback.RELEASE, thrown);
        bounded("register", () -> space.register(faulty));
        bounded("unregister", () -> space.unregister(faulty));
        assertEquals(List.of("faulty:release"), log);
        assertReported(thrown, "release", "faulty");
        assertFalse(space.isRegistered(faulty));
        // Registering it again is a new registration, with a release of its own.
        bounded("register again", () -> space.register(faulty));
        assertTrue(space.isRegistered(faulty));
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromReleaseInCloseIsReportedAndTheTeardownCompletes(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<String> log = new CopyOnWriteArrayList<>();
        Faulty faulty = new Faulty("faulty", log, Callback.RELEASE, thrown);
        Recorder after = new Recorder("after", log);
        Mapping mapping = space.map(region, 0, PAGE);
        bounded("register", () -> space.register(faulty));
        bounded("register", () -> space.register(after));
        bounded("AddressSpace.close", space::close);
        assertTrue(log.contains("faulty:release") && log.contains("after:release"), log::toString);
        assertTrue(log.contains("after:end:RELEASE"), log::toString);
        assertReported(thrown, "release", "faulty");
        assertTrue(mapping.isUnmapped());
        assertTrue(space.isClosed());
        // Unregistering subscribers of a closed space is still legal and returns promptly.
        bounded("unregister after close", () -> space.unregister(after));
        assertWorksAfterClose();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromTheStartOfARegionRevokeStillRevokesTheRegion(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<String> log = new CopyOnWriteArrayList<>();
        Faulty faulty = new Faulty("faulty", log, Callback.START, thrown);
        Region doomed = Region.allocate("doomed", PAGE);
        Mapping mapping = space.map(doomed, 0, PAGE);
        bounded("register", () -> space.register(faulty));
        bounded("Region.revoke", () -> doomed.revoke());
        assertTrue(mapping.isUnmapped());
        assertEquals(List.of("faulty:start:REGION_REVOKED", "faulty:end:REGION_REVOKED"), log);
        assertReported(thrown, "invalidateRangeStart", "faulty");
        assertTrue(space.mappings().isEmpty());
        assertWorks();
    }

    // ------------------------------------------------------------------------------------------
    // Throwables from interval callbacks, callSrcu callbacks, the error handler, mapping listeners

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromAnIntervalCallbackIsReportedAndTheInvalidationEnds(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        long address = 0x100000;
        Mapping mapping = space.mapAt(address, region, 0, PAGE);
        AtomicInteger secondCalls = new AtomicInteger();
        IntervalNotifier faulty = space.insert(address, PAGE, (interval, range, seq) -> {
            interval.setSequence(seq);
            sneakyThrow(thrown);
            return true;
        });
        IntervalNotifier second = space.insert(address, PAGE, (interval, range, seq) -> {
            interval.setSequence(seq);
            secondCalls.incrementAndGet();
            return true;
        });
        Recorder list = new Recorder("list");
        bounded("register", () -> space.register(list));
        long seq = faulty.readBegin();
        assertEquals(1, bounded("unmap", () -> space.unmap(address, PAGE)));
        assertTrue(mapping.isUnmapped());
        assertEquals(1, secondCalls.get());
        assertEquals(1, list.starts.size());
        assertEquals(1, list.ends.size());
        assertTrue(faulty.readRetry(seq));
        assertReported(thrown, "invalidate", "");
        // The invalidation ended: a new read begins without waiting, and the intervals come out.
        long next = bounded("readBegin", faulty::readBegin);
        assertFalse(faulty.readRetry(next));
        bounded("remove", faulty::remove);
        bounded("remove", second::remove);
        bounded("unregister", () -> space.unregister(list));
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromACallSrcuCallbackDoesNotStopLaterOnesOrTheBarrier(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        AtomicInteger ran = new AtomicInteger();
        mmu.callSrcu(ran::incrementAndGet);
        mmu.callSrcu(() -> sneakyThrow(thrown));
        mmu.callSrcu(ran::incrementAndGet);
        bounded("Mmu.barrier", () -> mmu.barrier());
        assertEquals(2, ran.get());
        assertEquals(0, mmu.stats().freesPending());
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromTheErrorHandlerIsContained(Supplier<Throwable> kind) {
        Throwable handlerFailure = kind.get();
        List<NotifierCallbackException> seen = new CopyOnWriteArrayList<>();
        Mmu fragile = Mmu.create("fragile", failure -> {
            seen.add(failure);
            sneakyThrow(handlerFailure);
        });
        try {
            AddressSpace fragileSpace = fragile.createAddressSpace("fragile-space");
            List<String> log = new CopyOnWriteArrayList<>();
            Faulty faulty = new Faulty("faulty", log, Callback.START, new IllegalStateException("callback failure"));
            Mapping mapping = fragileSpace.map(region, 0, PAGE);
            bounded("register", () -> fragileSpace.register(faulty));
            assertEquals(1, bounded("unmap", () -> fragileSpace.unmap(mapping.address(), PAGE)));
            assertEquals(List.of("faulty:start:UNMAP", "faulty:end:UNMAP"), log);
            assertEquals(1, seen.size());
            assertEquals(1, fragile.stats().callbackFailures());
            bounded("unregister", () -> fragileSpace.unregister(faulty));
            bounded("Mmu.barrier", () -> fragile.barrier());
        } finally {
            bounded("Mmu.close", fragile::close);
        }
    }

    @ParameterizedTest
    @MethodSource("uncheckedThrowables")
    void aThrowableFromAMappingListenerDoesNotStopTheUnmapOrTheOtherListeners(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        Recorder subscriber = new Recorder("subscriber");
        bounded("register", () -> space.register(subscriber));
        Mapping mapping = space.map(region, 0, PAGE);
        List<UnmapCause> told = new CopyOnWriteArrayList<>();
        mapping.addListener((m, cause) -> sneakyThrow(thrown));
        mapping.addListener((m, cause) -> {
            told.add(cause);
            m.getLong(0); // still accessible while listeners run
        });
        assertEquals(1, bounded("unmap", () -> space.unmap(mapping.address(), PAGE)));
        assertEquals(List.of(UnmapCause.UNMAPPED), told);
        assertTrue(mapping.isUnmapped());
        assertThrows(SigBusException.class, () -> mapping.getLong(0));
        assertEquals(1, subscriber.ends.size());
        assertTrue(space.mappings().isEmpty());
        bounded("unregister", () -> space.unregister(subscriber));
        assertWorks();
    }

    @ParameterizedTest
    @MethodSource("uncheckedThrowables")
    void aThrowableFromAMappingListenerDuringARegionRevokeStillCompletesTheRevoke(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        Recorder subscriber = new Recorder("subscriber");
        bounded("register", () -> space.register(subscriber));
        Region doomed = Region.allocate("doomed", PAGE);
        Mapping mapping = space.map(doomed, 0, PAGE);
        mapping.addListener((m, cause) -> sneakyThrow(thrown));
        bounded("Region.revoke", () -> doomed.revoke());
        assertTrue(doomed.isRevoked());
        assertTrue(mapping.isUnmapped());
        assertEquals(1, subscriber.ends.size());
        assertTrue(space.mappings().isEmpty());
        bounded("unregister", () -> space.unregister(subscriber));
        assertWorks();
    }

    /**
     * A checked exception sneaked out of a listener (Kotlin, Lombok's {@code @SneakyThrows}) is a
     * Throwable like any other: the unmap goes on and the other listeners run.
     */
    @Test
    void aCheckedExceptionFromAMappingListenerDoesNotStopTheUnmap() {
        Mapping mapping = space.map(region, 0, PAGE);
        List<UnmapCause> told = new CopyOnWriteArrayList<>();
        mapping.addListener((m, cause) -> sneakyThrow(new Exception("injected checked exception")));
        mapping.addListener((m, cause) -> told.add(cause));
        assertEquals(1, bounded("unmap", () -> space.unmap(mapping.address(), PAGE)));
        assertEquals(List.of(UnmapCause.UNMAPPED), told);
        assertTrue(mapping.isUnmapped());
        assertThrows(SigBusException.class, () -> mapping.getLong(0));
        bounded("Mapping.unmap again", mapping::unmap);
        assertWorks();
    }

    @Test
    void aCheckedExceptionFromAMappingListenerDuringARegionRevokeStillCompletesTheRevoke() {
        Region doomed = Region.allocate("doomed", PAGE);
        Mapping mapping = space.map(doomed, 0, PAGE);
        mapping.addListener((m, cause) -> sneakyThrow(new Exception("injected checked exception")));
        bounded("Region.revoke", () -> doomed.revoke());
        assertTrue(mapping.isUnmapped());
        assertThrows(SigBusException.class, () -> doomed.getLong(0));
        bounded("Region.revoke again", () -> doomed.revoke());
        assertTrue(space.mappings().isEmpty());
        assertWorks();
    }

    // ------------------------------------------------------------------------------------------

    enum Callback { RELEASE, START, END }

    /** A list subscriber that logs like {@link Recorder} and throws from one callback. */
    static final class Faulty implements MmuNotifier {
        private final String name;
        private final List<String> log;
        private final Callback throwsFrom;
        private final Throwable thrown;

        Faulty(String name, List<String> log, Callback throwsFrom, Throwable thrown) {
            this.name = name;
            this.log = log;
            this.throwsFrom = throwsFrom;
            this.thrown = thrown;
        }

        @Override
        public void release(AddressSpace addressSpace) {
            log.add(name + ":release");
            if (throwsFrom == Callback.RELEASE) {
                sneakyThrow(thrown);
            }
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            log.add(name + ":start:" + range.event());
            if (throwsFrom == Callback.START) {
                sneakyThrow(thrown);
            }
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            log.add(name + ":end:" + range.event());
            if (throwsFrom == Callback.END) {
                sneakyThrow(thrown);
            }
        }

        @Override
        public String toString() {
            return "Faulty[" + name + "]";
        }
    }

    private void unregisterBoth(MmuNotifier first, MmuNotifier second) {
        bounded("unregister", () -> space.unregister(first));
        bounded("unregister", () -> space.unregister(second));
    }

    /** Exactly one failure was reported, naming the callback and subscriber, with the throwable as cause. */
    private void assertReported(Throwable thrown, String callback, String subscriber) {
        assertEquals(1, failures.reported.size(), failures.reported::toString);
        NotifierCallbackException reported = failures.reported.getFirst();
        assertSame(thrown, reported.getCause());
        assertTrue(reported.getMessage().contains(callback), reported::getMessage);
        assertTrue(reported.getMessage().contains(subscriber), reported::getMessage);
        assertTrue(reported.getMessage().contains("space"), reported::getMessage);
        assertEquals(1, mmu.stats().callbackFailures());
    }

    /**
     * The Mmu and space still work, each step bounded: a new subscriber registers (waits for a
     * grace period), sees a map/unmap as a start/end pair, unregisters (another grace period); a
     * queued free runs by barrier.
     */
    private void assertWorks() {
        Recorder probe = new Recorder("probe");
        bounded("register", () -> space.register(probe));
        Mapping mapping = space.map(region, 0, PAGE);
        mapping.putLong(0, 7);
        assertEquals(1, bounded("unmap", () -> space.unmap(mapping.address(), PAGE)));
        assertEquals(1, probe.starts.size());
        assertEquals(1, probe.ends.size());
        bounded("unregister", () -> space.unregister(probe));
        assertWorksAfterClose();
    }

    private void assertWorksAfterClose() {
        AtomicInteger freed = new AtomicInteger();
        mmu.callSrcu(freed::incrementAndGet);
        bounded("Mmu.barrier", () -> mmu.barrier());
        assertEquals(1, freed.get());
        AddressSpace fresh = mmu.createAddressSpace("fresh");
        Recorder probe = new Recorder("fresh-probe");
        bounded("register", () -> fresh.register(probe));
        bounded("AddressSpace.close", fresh::close);
        assertEquals(1, probe.releases.size());
    }

    private static void bounded(String what, Executable call) {
        assertTimeoutPreemptively(TestTimeouts.await(), call, () -> what + " did not complete (a section left open?)");
    }

    private static <T> T bounded(String what, ThrowingSupplier<T> call) {
        return assertTimeoutPreemptively(TestTimeouts.await(), call,
                () -> what + " did not complete (a section left open?)");
    }

    static <T extends Throwable> T assertThrowsNaming(Class<T> type, Executable call, String... words) {
        T thrown = assertThrows(type, call);
        String message = String.valueOf(thrown.getMessage());
        for (String word : words) {
            assertTrue(message.toLowerCase().contains(word.toLowerCase()),
                    () -> type.getSimpleName() + " message does not name '" + word + "': " + message);
        }
        return thrown;
    }

    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
