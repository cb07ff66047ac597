package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AddressSpace#getNotifier} and {@link NotifierReference#put} as the kernel's
 * {@code mmu_notifier_get} / {@code mmu_notifier_put}: one refcounted notifier per key, the last
 * put unregisters without waiting, and {@link MmuNotifier#free} runs exactly once, after every
 * walk that could still call the notifier.
 */
class SharedNotifierTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("shared", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");
    private final Region region = Region.allocate("region", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /** A driver that counts its frees and its callbacks, and can be held inside its start. */
    static final class Driver implements MmuNotifier {
        final String name;
        final AtomicInteger frees = new AtomicInteger();
        final AtomicInteger releases = new AtomicInteger();
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger ends = new AtomicInteger();
        final AtomicInteger callbacksAfterFree = new AtomicInteger();
        /** References the test holds; free must find none. */
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger freedWhileHeld = new AtomicInteger();
        final AtomicInteger freedWhileInsideCallback = new AtomicInteger();
        final CountDownLatch freed = new CountDownLatch(1);
        final AtomicInteger inside = new AtomicInteger();
        volatile CountDownLatch entered;
        volatile CountDownLatch proceed;
        volatile Runnable onStart;
        volatile Thread freeThread;

        Driver(String name) {
            this.name = name;
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            inside.incrementAndGet();
            try {
                noteCallback();
                starts.incrementAndGet();
                Runnable action = onStart;
                if (action != null) {
                    onStart = null;
                    action.run();
                }
                CountDownLatch hold = proceed;
                if (hold != null) {
                    entered.countDown();
                    awaitOrFail(hold);
                }
                return true;
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            noteCallback();
            ends.incrementAndGet();
        }

        @Override
        public void release(AddressSpace addressSpace) {
            inside.incrementAndGet();
            try {
                noteCallback();
                releases.incrementAndGet();
                Thread.yield(); // widen the window in which a racing last put queues the free
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void freeNotifier() {
            if (held.get() != 0) {
                freedWhileHeld.incrementAndGet();
            }
            if (inside.get() != 0) {
                freedWhileInsideCallback.incrementAndGet();
            }
            freeThread = Thread.currentThread();
            frees.incrementAndGet();
            freed.countDown();
        }

        private void noteCallback() {
            if (frees.get() != 0) {
                callbacksAfterFree.incrementAndGet();
            }
        }

        @Override
        public String toString() {
            return "driver-" + name;
        }
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            assertTrue(latch.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS), "latch not released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        return latch.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A factory that counts its calls and records what it made. */
    private static final class Factory implements Function<AddressSpace, Driver> {
        final String name;
        final List<Driver> made = new CopyOnWriteArrayList<>();

        Factory(String name) {
            this.name = name;
        }

        @Override
        public Driver apply(AddressSpace space) {
            Driver driver = new Driver(name + "-" + made.size());
            made.add(driver);
            return driver;
        }
    }

    @Test
    void sameKeySharesOneRegisteredNotifierUntilTheLastPutWhichFreesItOnce() throws Exception {
        Factory factory = new Factory("gpu");
        NotifierReference<Driver> first = space.getNotifier("gpu", factory);
        NotifierReference<Driver> second = space.getNotifier("gpu", factory);
        Driver driver = first.notifier();
        assertSame(driver, second.notifier(), "same key, same notifier");
        assertEquals(1, factory.made.size(), "the factory runs once per subscription");
        assertTrue(space.isRegistered(driver));
        assertEquals(1, space.stats().subscribers());
        assertEquals("gpu", first.key());
        assertSame(space, first.addressSpace());

        Mapping mapping = space.map(region, 0, 4096);
        space.protect(mapping.address(), mapping.length(), false);
        assertEquals(1, driver.starts.get(), "a shared notifier is a list subscriber like any other");

        first.put();
        assertTrue(first.isPut());
        assertTrue(space.isRegistered(driver), "one reference is still held");
        mmu.barrier();
        assertEquals(0, driver.frees.get(), "no free while a reference is held");

        second.put();
        assertFalse(space.isRegistered(driver), "the last put unregisters at once");
        mmu.barrier();
        assertEquals(1, driver.frees.get());
        assertEquals(0, driver.releases.get(), "put does not call release (the kernel's mmu_notifier_put)");
        assertTrue(driver.freeThread != Thread.currentThread(), "free runs on the domain's callback thread");
        space.protect(mapping.address(), mapping.length(), true);
        assertEquals(0, driver.callbacksAfterFree.get());

        NotifierReference<Driver> again = space.getNotifier("gpu", factory);
        assertNotSame(driver, again.notifier(), "after the last put a get makes a new notifier");
        assertEquals(2, factory.made.size());
        again.put();
        mmu.barrier();
        assertEquals(1, again.notifier().frees.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void differentKeysGetDifferentNotifiersWithTheirOwnCounts() {
        Factory factory = new Factory("nic");
        NotifierReference<Driver> a = space.getNotifier("a", factory);
        NotifierReference<Driver> b = space.getNotifier("b", factory);
        AddressSpace other = mmu.createAddressSpace("other");
        NotifierReference<Driver> aElsewhere = other.getNotifier("a", factory);
        assertNotSame(a.notifier(), b.notifier());
        assertNotSame(a.notifier(), aElsewhere.notifier(), "keys are per space");
        a.put();
        assertFalse(space.isRegistered(a.notifier()));
        assertTrue(space.isRegistered(b.notifier()), "another key's subscription is untouched");
        assertTrue(other.isRegistered(aElsewhere.notifier()), "the same key in another space is untouched");
        b.put();
        aElsewhere.put();
        mmu.barrier();
        for (Driver driver : factory.made) {
            assertEquals(1, driver.frees.get(), driver.toString());
        }
    }

    @Test
    void aFactoryThatThrowsOrReturnsNullOrAnInUseNotifierLeavesNothingRegistered() {
        IllegalStateException boom = new IllegalStateException("device busy");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> space.getNotifier("key", s -> {
                    throw boom;
                }));
        assertSame(boom, thrown, "the factory's exception reaches the caller as it was thrown");
        assertEquals(0, space.stats().subscribers());

        NullPointerException nothing = assertThrows(NullPointerException.class,
                () -> space.getNotifier("key", s -> null));
        assertTrue(nothing.getMessage().contains("key") && nothing.getMessage().contains("space"), nothing.getMessage());
        assertEquals(0, space.stats().subscribers());

        Recorder plain = new Recorder("plain");
        space.register(plain);
        assertThrows(IllegalArgumentException.class, () -> space.getNotifier("key", s -> plain));
        assertEquals(1, space.stats().subscribers(), "only the plain registration");

        NotifierReference<Driver> live = space.getNotifier("live", new Factory("live"));
        IllegalArgumentException reused = assertThrows(IllegalArgumentException.class,
                () -> space.getNotifier("key", s -> live.notifier()));
        assertTrue(reused.getMessage().contains("live"), reused.getMessage());
        assertEquals(2, space.stats().subscribers());

        NotifierReference<Driver> works = space.getNotifier("key", new Factory("after"));
        assertTrue(space.isRegistered(works.notifier()), "a failed get leaves the key free for the next");
        works.put();
        live.put();
        mmu.barrier();
        assertEquals(1, works.notifier().frees.get());
        assertEquals(0, plain.releases.size());
    }

    @Test
    void concurrentFirstGetsOfOneKeyCallTheFactoryOnceAndShareItsNotifier() throws Exception {
        CountDownLatch inFactory = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Function<AddressSpace, Driver> slow = s -> {
            calls.incrementAndGet();
            inFactory.countDown();
            awaitOrFail(finish);
            return new Driver("slow");
        };
        AtomicReference<NotifierReference<Driver>> first = new AtomicReference<>();
        AtomicReference<NotifierReference<Driver>> second = new AtomicReference<>();
        try (TestThreads threads = new TestThreads("first-gets")) {
            threads.start(() -> first.set(space.getNotifier("k", slow)));
            assertTrue(await(inFactory));
            Thread waiter = threads.start(() -> second.set(space.getNotifier("k", slow)));
            long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
            while (waiter.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the second get parks on the creation in progress
            }
            assertEquals(Thread.State.WAITING, waiter.getState(),
                    "the second get waits for the creation in progress instead of running the factory itself");
            finish.countDown();
        }
        assertEquals(1, calls.get(), "the factory ran once");
        assertSame(first.get().notifier(), second.get().notifier());
        first.get().put();
        second.get().put();
        mmu.barrier();
        assertEquals(1, first.get().notifier().frees.get());
    }

    @Test
    void theLastPutDoesNotWaitAndTheFreeWaitsForTheWalkStillCallingTheNotifier() throws Exception {
        NotifierReference<Driver> reference = space.getNotifier("dma", new Factory("dma"));
        Driver driver = reference.notifier();
        Mapping mapping = space.map(region, 0, 4096);
        driver.entered = new CountDownLatch(1);
        driver.proceed = new CountDownLatch(1);
        CountDownLatch putReturned = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("put-under-walk")) {
            threads.start(() -> space.unmap(mapping.address(), mapping.length()));
            assertTrue(await(driver.entered));
            threads.start(() -> {
                reference.put();
                putReturned.countDown();
            });
            assertTrue(await(putReturned), "the last put returned while a walk is inside the notifier");
            assertFalse(space.isRegistered(driver));
            assertFalse(driver.freed.await(TestTimeouts.quiet().toMillis(), TimeUnit.MILLISECONDS),
                    "free ran while a walk was still inside the notifier");
            driver.proceed.countDown();
            assertTrue(await(driver.freed));
        }
        assertEquals(0, driver.freedWhileInsideCallback.get());
        assertEquals(1, driver.ends.get(), "the walk that held it still ended it");
        mmu.barrier();
        assertEquals(1, driver.frees.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void aPutFromInsideTheNotifiersOwnCallbacksNeitherBlocksNorDeadlocks() throws Exception {
        NotifierReference<Driver> reference = space.getNotifier("self", new Factory("self"));
        Driver driver = reference.notifier();
        Mapping mapping = space.map(region, 0, 4096);
        driver.onStart = reference::put;
        try (TestThreads threads = new TestThreads("put-in-callback")) {
            threads.start(() -> space.unmap(mapping.address(), mapping.length()));
        }
        assertTrue(reference.isPut());
        assertEquals(1, driver.ends.get(), "its own walk still ends it");
        assertTrue(await(driver.freed));
        assertEquals(0, driver.freedWhileInsideCallback.get());

        // and from inside release, during the space's teardown
        AtomicReference<NotifierReference<MmuNotifier>> own = new AtomicReference<>();
        AtomicInteger freed = new AtomicInteger();
        own.set(space.getNotifier("releasing", s -> new MmuNotifier() {
            @Override
            public void release(AddressSpace addressSpace) {
                own.get().put();
            }

            @Override
            public void freeNotifier() {
                freed.incrementAndGet();
            }
        }));
        try (TestThreads threads = new TestThreads("put-in-release")) {
            threads.start(space::close);
        }
        mmu.barrier();
        assertEquals(1, freed.get());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void anOverPutThrowsNamingTheNotifierAndChangesNothing() {
        NotifierReference<Driver> first = space.getNotifier("over", new Factory("over"));
        NotifierReference<Driver> second = space.getNotifier("over", new Factory("unused"));
        first.put();
        IllegalStateException thrown = assertThrows(IllegalStateException.class, first::put);
        assertTrue(thrown.getMessage().contains("driver-over-0") && thrown.getMessage().contains("over")
                && thrown.getMessage().contains("space"), thrown.getMessage());
        first.close(); // close of a put reference is a no-op, not a second put
        assertTrue(space.isRegistered(second.notifier()), "the over-put took no other reference");
        mmu.barrier();
        assertEquals(0, second.notifier().frees.get());
        try (NotifierReference<Driver> scoped = space.getNotifier("over", new Factory("unused"))) {
            assertSame(second.notifier(), scoped.notifier());
        }
        assertTrue(space.isRegistered(second.notifier()));
        second.put();
        mmu.barrier();
        assertEquals(1, second.notifier().frees.get());
    }

    /**
     * unregister checks "is it refcounted" without the monitor while the space has none; the free
     * of one refcounted notifier must not make the check forget another that is still live.
     */
    @Test
    void theFreeOfOneRefcountedNotifierLeavesAnotherStillRefusedByUnregister() {
        NotifierReference<Driver> kept = space.getNotifier("kept", new Factory("kept"));
        NotifierReference<Driver> dropped = space.getNotifier("dropped", new Factory("dropped"));
        dropped.put();
        mmu.barrier();
        assertEquals(1, dropped.notifier().frees.get());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> space.unregister(kept.notifier()));
        assertTrue(refused.getMessage().contains("kept"), refused.getMessage());
        assertTrue(space.isRegistered(kept.notifier()), "a refused unregister changes nothing");
        kept.put();
        mmu.barrier();
        assertEquals(1, kept.notifier().frees.get());
        // No refcounted notifier left: an ordinary subscriber is unregistered as usual.
        MmuNotifier plain = new MmuNotifier() { };
        space.register(plain);
        space.unregister(plain);
        assertFalse(space.isRegistered(plain));
    }

    @Test
    void aRefcountedNotifierCannotBeUnregisteredByTheOwnerFormAndGetIsRefusedInsideCallbacks() throws Exception {
        NotifierReference<Driver> reference = space.getNotifier("mine", new Factory("mine"));
        Driver driver = reference.notifier();
        IllegalArgumentException unregister = assertThrows(IllegalArgumentException.class,
                () -> space.unregister(driver));
        assertTrue(unregister.getMessage().contains("mine"), unregister.getMessage());
        assertThrows(IllegalArgumentException.class, () -> space.unregisterNoRelease(driver));
        assertTrue(space.isRegistered(driver));
        assertEquals(0, driver.releases.get());

        Mapping mapping = space.map(region, 0, 4096);
        AtomicReference<Throwable> insideGet = new AtomicReference<>();
        driver.onStart = () -> insideGet.set(assertThrows(IllegalStateException.class,
                () -> space.getNotifier("other", new Factory("other"))));
        space.unmap(mapping.address(), mapping.length());
        assertTrue(insideGet.get().getMessage().contains("getNotifier"), insideGet.get().getMessage());
        assertEquals(1, space.stats().subscribers());
        reference.put();
    }

    @Test
    void closeReleasesLiveSubscriptionsOnceAndFreesEachAfterItsLastPut() throws Exception {
        NotifierReference<Driver> first = space.getNotifier("live", new Factory("live"));
        NotifierReference<Driver> second = space.getNotifier("live", new Factory("unused"));
        Driver driver = first.notifier();
        space.close();
        assertEquals(1, driver.releases.get(), "released like every list subscriber");
        assertThrows(IllegalStateException.class, () -> space.getNotifier("live", new Factory("late")));
        mmu.barrier();
        assertEquals(0, driver.frees.get(), "references are still held");
        first.put();
        mmu.barrier();
        assertEquals(0, driver.frees.get());
        second.put();
        assertTrue(await(driver.freed));
        mmu.barrier();
        assertEquals(1, driver.frees.get());
        assertEquals(0, driver.callbacksAfterFree.get());

        // Mmu.close with a reference held: the put afterwards frees at once, on the putting thread.
        AddressSpace other = mmu.createAddressSpace("other");
        NotifierReference<Driver> survivor = other.getNotifier("survivor", new Factory("survivor"));
        mmu.close();
        assertEquals(1, survivor.notifier().releases.get());
        assertEquals(0, survivor.notifier().frees.get());
        survivor.put();
        assertEquals(1, survivor.notifier().frees.get());
        assertSame(Thread.currentThread(), survivor.notifier().freeThread);
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void theLastPutRacingTheSpacesCloseFreesOnceAndOnlyAfterTheReleaseReturned() throws Exception {
        int rounds = StressSize.of("sharedNotifierCloseRounds", 200);
        for (int round = 0; round < rounds; round++) {
            AddressSpace racing = mmu.createAddressSpace("racing-" + round);
            NotifierReference<Driver> reference = racing.getNotifier("k", new Factory("close-" + round));
            Driver driver = reference.notifier();
            CountDownLatch go = new CountDownLatch(1);
            try (TestThreads threads = new TestThreads("put-close-" + round)) {
                threads.start(() -> {
                    go.await();
                    racing.close();
                });
                threads.start(() -> {
                    go.await();
                    reference.put();
                });
                go.countDown();
            }
            mmu.barrier();
            assertEquals(1, driver.frees.get(), "round " + round + ": freed exactly once");
            assertTrue(driver.releases.get() <= 1, "round " + round + ": released at most once");
            assertEquals(0, driver.freedWhileInsideCallback.get(), "round " + round + ": freed during its release");
            assertEquals(0, driver.callbacksAfterFree.get(), "round " + round);
        }
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    @Test
    void getsAndPutsRacingOnOneKeyUnderWalksNeverFreeTwiceNeverLoseAFreeNeverReturnAFreedNotifier()
            throws Exception {
        int rounds = StressSize.of("sharedNotifierRounds", 300);
        int getters = 3;
        Factory factory = new Factory("race");
        Mapping mapping = space.map(region, 0, 4096);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger returnedFreed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("get-put-race")) {
            threads.start(() -> {
                go.await();
                for (int i = 0; !stop.get(); i++) {
                    space.tryProtect(mapping.address(), mapping.length(), i % 2 == 0);
                }
            });
            TestThreads.Body getter = () -> {
                go.await();
                for (int i = 0; i < rounds; i++) {
                    NotifierReference<Driver> reference = space.getNotifier("race", factory);
                    Driver driver = reference.notifier();
                    driver.held.incrementAndGet();
                    if (driver.frees.get() != 0) {
                        returnedFreed.incrementAndGet();
                    }
                    driver.held.decrementAndGet();
                    reference.put();
                }
            };
            Thread[] started = new Thread[getters];
            for (int t = 0; t < getters; t++) {
                started[t] = threads.start(getter);
            }
            go.countDown();
            for (Thread thread : started) {
                thread.join(TestTimeouts.join().toMillis());
            }
            stop.set(true);
        }
        mmu.barrier();
        assertEquals(0, returnedFreed.get(), "a get returned a notifier whose free had run");
        assertFalse(factory.made.isEmpty());
        for (Driver driver : factory.made) {
            assertEquals(1, driver.frees.get(), driver + ": freed exactly once (no double free, no lost free)");
            assertEquals(0, driver.freedWhileHeld.get(), driver + ": freed while a reference was held");
            assertEquals(0, driver.callbacksAfterFree.get(), driver + ": called after its free");
            assertFalse(space.isRegistered(driver));
        }
        assertEquals(0, space.stats().subscribers());
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }
}
