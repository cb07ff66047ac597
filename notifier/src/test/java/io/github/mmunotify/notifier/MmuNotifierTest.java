package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MmuNotifierTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("test", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    private Mapping mapPage() {
        return space.map(region, 0, 4096);
    }

    @Test
    void everySubscriberGetsStartsInRegistrationOrderThenEnds() {
        List<String> log = new CopyOnWriteArrayList<>();
        space.register(new Recorder("a", log));
        space.register(new Recorder("b", log));
        Mapping mapping = mapPage();
        space.unmap(mapping.address(), mapping.length());
        assertEquals(List.of("a:start:UNMAP", "b:start:UNMAP", "a:end:UNMAP", "b:end:UNMAP"), log);
    }

    @Test
    void aNonBlockableRefusalMeansTryAgainNothingChangedEveryStartCalledAndNoEndForTheRefuser() {
        List<String> log = new CopyOnWriteArrayList<>();
        Recorder before = new Recorder("before", log);
        Recorder after = new Recorder("after", log);
        boolean[] refuse = {true};
        MmuNotifier refuser = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                log.add("refuser:start:" + (range.blockable() ? "blockable" : "non-blockable"));
                return !refuse[0] || range.blockable();
            }

            @Override
            public boolean mayRefuse() {
                return true;
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add("refuser:end");
            }
        };
        space.register(before);
        space.register(refuser);
        space.register(after);
        Mapping mapping = mapPage();
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryUnmap(mapping.address(), 4096));
        // The kernel's rule: the starts after the refuser still run; every one that accepted is ended.
        assertEquals(List.of("before:start:UNMAP", "refuser:start:non-blockable", "after:start:UNMAP",
                "before:end:UNMAP", "after:end:UNMAP"), log);
        assertFalse(mapping.isUnmapped(), "nothing changed");
        assertSame(mapping, space.find(mapping.address()));
        assertEquals(InvalidationOutcome.TRY_AGAIN, space.tryProtect(mapping.address(), 4096, false));
        assertTrue(mapping.isWritable());
        assertEquals(2, space.stats().retries());

        refuse[0] = false;
        log.clear();
        assertEquals(InvalidationOutcome.DONE, space.tryUnmap(mapping.address(), 4096));
        assertEquals(List.of("before:start:UNMAP", "refuser:start:non-blockable", "after:start:UNMAP",
                "before:end:UNMAP", "refuser:end", "after:end:UNMAP"), log);
        assertTrue(mapping.isUnmapped());
        assertTrue(failures.reported.isEmpty());
    }

    @Test
    void refusingABlockableRangeIsReportedAndTheChangeGoesAhead() {
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                return false;
            }

            @Override
            public String toString() {
                return "stubborn";
            }
        });
        Mapping mapping = mapPage();
        assertEquals(1, space.unmap(mapping.address(), 4096));
        assertTrue(mapping.isUnmapped());
        assertEquals(1, failures.reported.size());
        String message = failures.reported.getFirst().getMessage();
        assertTrue(message.contains("stubborn") && message.contains("blockable") && message.contains("space"), message);
    }

    @Test
    void aThrowingCallbackIsReportedAndDoesNotStopTheOthersOrTheChange() {
        List<String> log = new CopyOnWriteArrayList<>();
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                throw new IllegalStateException("boom in start");
            }

            @Override
            public void invalidateRangeEnd(InvalidationRange range) {
                log.add("thrower:end");
                throw new IllegalStateException("boom in end");
            }
        });
        space.register(new Recorder("ok", log));
        Mapping mapping = mapPage();
        space.unmap(mapping.address(), 4096);
        assertTrue(mapping.isUnmapped());
        assertEquals(List.of("ok:start:UNMAP", "thrower:end", "ok:end:UNMAP"), log);
        assertEquals(2, failures.reported.size());
        assertEquals("boom in start", failures.reported.get(0).getCause().getMessage());
        assertEquals("boom in end", failures.reported.get(1).getCause().getMessage());
        assertEquals(2, space.stats().callbackFailures());
        assertEquals(2, mmu.stats().callbackFailures());
    }

    @Test
    void unregisterRunsReleaseOnceThenNoCallbackReachesTheSubscriber() {
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        assertTrue(space.isRegistered(recorder));
        space.unregister(recorder);
        assertEquals(List.of(space), recorder.releases);
        assertFalse(space.isRegistered(recorder));
        Mapping mapping = mapPage();
        space.unmap(mapping.address(), 4096);
        space.close();
        assertEquals(List.of("r:release"), Recorder.copy(recorder.log), "no callback after unregister");
    }

    @Test
    void unregisterAfterCloseDoesNotReleaseAgain() {
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        space.close();
        space.unregister(recorder);
        assertEquals(1, recorder.releases.size());
        space.unregister(recorder); // already removed: success, as mmu_notifier_unregister
        assertEquals(1, recorder.releases.size());
    }

    @Test
    void unregisterNoReleaseCallsNothing() {
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        space.unregisterNoRelease(recorder);
        space.close();
        assertTrue(recorder.log.isEmpty());
    }

    @Test
    void registrationMisuseThrowsAndChangesNothing() {
        Recorder recorder = new Recorder("r");
        space.register(recorder);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> space.register(recorder));
        assertTrue(twice.getMessage().contains("already registered"), twice.getMessage());
        assertEquals(1, space.stats().subscribers());
        Recorder stranger = new Recorder("stranger");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> space.unregister(stranger));
        assertTrue(unknown.getMessage().contains("never registered"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> space.unregisterNoRelease(stranger));
        assertThrows(NullPointerException.class, () -> space.register(null));
        AddressSpace other = mmu.createAddressSpace("other");
        other.register(recorder);
        other.unregister(recorder);
        assertTrue(space.isRegistered(recorder), "registration is per address space");
        space.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> space.register(new Recorder("late")));
        assertTrue(closed.getMessage().contains("closing"), closed.getMessage());
    }

    @Test
    void callsThatWouldWaitForTheirOwnCallbackThrowInsideIt() {
        AtomicReference<Throwable> fromUnregister = new AtomicReference<>();
        AtomicReference<Throwable> fromRegister = new AtomicReference<>();
        AtomicReference<Throwable> fromSynchronize = new AtomicReference<>();
        AtomicReference<Throwable> fromClose = new AtomicReference<>();
        MmuNotifier subscriber = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                fromUnregister.set(catchThrowable(() -> space.unregister(this)));
                fromRegister.set(catchThrowable(() -> space.register(new Recorder("inner"))));
                fromSynchronize.set(catchThrowable(mmu::barrier));
                fromClose.set(catchThrowable(space::close));
                return true;
            }
        };
        space.register(subscriber);
        Mapping mapping = mapPage();
        space.unmap(mapping.address(), 4096);
        assertTrue(fromUnregister.get() instanceof IllegalStateException, String.valueOf(fromUnregister.get()));
        assertTrue(fromUnregister.get().getMessage().contains("unregisterNoRelease"), fromUnregister.get().getMessage());
        assertTrue(fromRegister.get() instanceof IllegalStateException, String.valueOf(fromRegister.get()));
        assertTrue(fromSynchronize.get() instanceof IllegalStateException, String.valueOf(fromSynchronize.get()));
        assertTrue(fromClose.get() instanceof IllegalStateException, String.valueOf(fromClose.get()));
        assertTrue(space.isRegistered(subscriber), "the refused unregister changed nothing");
        assertEquals(1, space.stats().subscribers());
        assertFalse(space.isClosed());
    }

    @Test
    void unregisterNoReleaseIsLegalInsideACallback() {
        MmuNotifier subscriber = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                space.unregisterNoRelease(this);
                return true;
            }
        };
        space.register(subscriber);
        Mapping mapping = mapPage();
        space.unmap(mapping.address(), 4096);
        assertFalse(space.isRegistered(subscriber));
        assertTrue(failures.reported.isEmpty());
    }

    @Test
    void invalidationRangeValidatesAndDescribesItself() {
        assertThrows(IllegalArgumentException.class, () -> new InvalidationRange(space, 10, 10, InvalidationEvent.UNMAP, true));
        assertThrows(IllegalArgumentException.class, () -> new InvalidationRange(space, -1, 10, InvalidationEvent.UNMAP, true));
        assertThrows(NullPointerException.class, () -> new InvalidationRange(space, 0, 10, null, true));
        InvalidationRange range = new InvalidationRange(space, 0x1000, 0x3000, InvalidationEvent.PROTECTION_CHANGE, false);
        assertEquals(0x2000, range.length());
        assertTrue(range.contains(0x1000) && !range.contains(0x3000));
        assertTrue(range.overlaps(0x2fff, 1) && !range.overlaps(0x3000, 10) && !range.overlaps(0, 0x1000));
        assertEquals("InvalidationRange[space 0x1000-0x3000 PROTECTION_CHANGE non-blockable]", range.toString());
        assertNull(space.find(0x1000));
    }

    static Throwable catchThrowable(Runnable action) {
        try {
            action.run();
            return null;
        } catch (Throwable thrown) {
            return thrown;
        }
    }
}
