package io.github.mmunotify.notifier;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cheap cases: a protect with nobody watching makes its change under the mapping
 * table's lock with no walk, and register/unregister skip the grace period when no walk is inside.
 * What each skip must still wait for, it waits for.
 */
class UnwatchedChangesTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("unwatched", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    @Test
    void aProtectWithNobodyWatchingChangesTheMappingAndCountsAsAnInvalidation() {
        Mapping mapping = space.map(region, 0, PAGE);
        long before = space.stats().invalidations();
        assertEquals(1, space.protect(mapping.address(), PAGE, false));
        assertFalse(mapping.isWritable());
        assertEquals(InvalidationOutcome.DONE, space.tryProtect(mapping.address(), PAGE, true));
        assertTrue(mapping.isWritable());
        assertEquals(before + 2, space.stats().invalidations(), "stats count protects made with no walk");
    }

    /**
     * The table's barrier: a protect that read "nobody watches" under the lock and has not made its
     * change yet holds up awaitUnwatchedChanges(), which register and the first insert call after
     * publishing their watcher; without it, register could return before that unannounced change.
     */
    @Test
    void theTablesBarrierWaitsForAProtectThatFoundNobodyWatching() throws Exception {
        MappingTable table = new MappingTable("table", new CallbackFailures(mmu, "table"), (start, end, cause) -> { });
        Mapping mapping = table.map(region, 0, PAGE);
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        MappingTable.Watchers slowNobody = () -> {
            if (calls.incrementAndGet() == 1) {
                return true; // the hint, asked without the lock; the second ask is under it
            }
            asked.countDown();
            try {
                return answer.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
        AtomicBoolean barrierPassed = new AtomicBoolean();
        AtomicBoolean changedWhenPassed = new AtomicBoolean();
        try (TestThreads threads = new TestThreads("barrier")) {
            threads.start(() -> assertEquals(1,
                    table.protectUnwatched(mapping.address(), mapping.address() + PAGE, false, true, "protect", slowNobody)));
            assertTrue(asked.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            CountDownLatch waiting = new CountDownLatch(1);
            threads.start(() -> {
                waiting.countDown();
                table.awaitUnwatchedChanges();
                changedWhenPassed.set(!mapping.isWritable());
                barrierPassed.set(true);
            });
            try {
                assertTrue(waiting.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                Thread.sleep(TestTimeouts.quiet().toMillis()); // asserting absence only
                assertFalse(barrierPassed.get(), "the barrier passed a protect that read nobody and had not changed yet");
            } finally {
                answer.countDown();
            }
        }
        assertTrue(barrierPassed.get());
        assertTrue(changedWhenPassed.get(), "the barrier returned before the protect's change");
        assertEquals(1, table.unwatchedChanges());
    }

    /**
     * Two unregisters of one subscriber: the first runs its release, the second finds it released.
     * No walk is inside, so an unregister could skip the grace period, but the second must still
     * wait for the release running on the other thread: it did not run the release itself, so it
     * waits the full grace period (the release runs in a read section).
     */
    @Test
    void anUnregisterWaitsForTheReleaseAnotherUnregisterIsRunning() throws Exception {
        CountDownLatch inRelease = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicBoolean released = new AtomicBoolean();
        MmuNotifier slowRelease = new MmuNotifier() {
            @Override
            public void release(AddressSpace addressSpace) {
                inRelease.countDown();
                try {
                    letGo.await(30, SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                released.set(true);
            }
        };
        space.register(slowRelease);
        AtomicBoolean secondReturned = new AtomicBoolean();
        AtomicBoolean releaseDoneWhenSecondReturned = new AtomicBoolean();
        try (TestThreads threads = new TestThreads("unregister")) {
            threads.start(() -> space.unregister(slowRelease));
            assertTrue(inRelease.await(30, SECONDS));
            CountDownLatch second = new CountDownLatch(1);
            threads.start(() -> {
                second.countDown();
                space.unregister(slowRelease);
                releaseDoneWhenSecondReturned.set(released.get());
                secondReturned.set(true);
            });
            try {
                assertTrue(second.await(30, SECONDS));
                Thread.sleep(TestTimeouts.quiet().toMillis()); // asserting absence only
                assertFalse(secondReturned.get(), "the second unregister returned while release was running");
            } finally {
                letGo.countDown();
            }
        }
        assertTrue(releaseDoneWhenSecondReturned.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    /** A walk inside (a callback blocked) makes register wait for the grace period, not skip it. */
    @Test
    void registerWaitsForAWalkThatHoldsTheOldArray() throws Exception {
        Mapping mapping = space.map(region, 0, PAGE);
        BlockingSubscriber slow = new BlockingSubscriber();
        space.register(slow);
        MmuNotifier late = new MmuNotifier() { };
        AtomicBoolean registered = new AtomicBoolean();
        AtomicBoolean walkEndedWhenRegistered = new AtomicBoolean();
        try (TestThreads threads = new TestThreads("register")) {
            threads.start(() -> space.protect(mapping.address(), PAGE, false));
            assertTrue(slow.awaitInStart());
            CountDownLatch registering = new CountDownLatch(1);
            threads.start(() -> {
                registering.countDown();
                space.register(late);
                walkEndedWhenRegistered.set(slow.ended());
                registered.set(true);
            });
            try {
                assertTrue(registering.await(30, SECONDS));
                Thread.sleep(TestTimeouts.quiet().toMillis()); // asserting absence only
                assertFalse(registered.get(), "register returned while a walk that missed its subscriber ran");
            } finally {
                slow.letGo();
            }
        }
        assertTrue(walkEndedWhenRegistered.get());
    }

    /**
     * A walk whose last subscriber leaves while it runs (another thread's unregister removes it,
     * then waits for the walk): from inside that walk the space looks unwatched, yet a protect of
     * it is still a change from inside its own invalidation. It must be refused, not made under
     * the table's lock with no walk; the walk's readers tell the space that this thread is inside.
     */
    @Test
    void aProtectFromInsideAWalkWhoseLastSubscriberLeftIsStillRefused() throws Exception {
        Mapping mapping = space.map(region, 0, PAGE);
        Mapping other = space.map(region, PAGE, PAGE);
        CountDownLatch inStart = new CountDownLatch(1);
        AtomicBoolean sawNobodyWatching = new AtomicBoolean();
        List<String> outcomes = new CopyOnWriteArrayList<>();
        MmuNotifier leaving = new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                inStart.countDown();
                long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
                while (space.stats().subscribers() > 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the other thread's unregister has taken this subscriber out
                }
                sawNobodyWatching.set(space.stats().subscribers() == 0);
                long address = other.address();
                outcomes.addAll(RefusalAttempts.attempt("re-entrant", List.of(
                        () -> space.protect(address, PAGE, false), () -> space.tryProtect(address, PAGE, false))));
                return true;
            }
        };
        space.register(leaving);
        try (TestThreads threads = new TestThreads("leaving")) {
            threads.start(() -> space.protect(mapping.address(), PAGE, false));
            assertTrue(inStart.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            threads.start(() -> space.unregister(leaving));
        }
        assertTrue(sawNobodyWatching.get(), "the unregister did not take the subscriber out during the walk");
        assertEquals(List.of("refused", "refused"), outcomes);
        assertTrue(other.isWritable(), "a refused change changed nothing");
        assertFalse(mapping.isWritable(), "the walk itself made its change");
    }
}
