package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fault injection for the public API of the core module: every entry point of
 * {@link Srcu} (and its builder), {@link Revocable} (and its handles), {@link Registry} and
 * {@link LoadableModule} with null, blank, negative, zero, huge and forged arguments, and a
 * {@link Throwable} of every kind thrown from every callback the module runs (Srcu callbacks and
 * their error handler, Revocable kick and releases, LoadableModule exit hooks).
 *
 * <p>Each case asserts the documented exception (or, where undocumented, the
 * java.util.concurrent-style one) and that its message names what was wrong, and then that the
 * object still works: a read section, a grace period, a barrier, a revoke still complete within a
 * bounded time. Throwables are constructed and thrown, never provoked, so nothing here depends on
 * the JVM's stack depth or heap.
 */
class CoreArgumentsTest {

    /** One instance of each kind of Throwable a callback can end with. */
    static List<Supplier<Throwable>> throwables() {
        return List.of(
                () -> new IllegalStateException("injected runtime exception"),
                () -> new AssertionError("injected error"),
                () -> new StackOverflowError("injected stack overflow"),
                () -> new OutOfMemoryError("injected out of memory"));
    }

    // ------------------------------------------------------------------------------------------
    // Srcu and Srcu.Builder

    @Test
    void srcuCreateRefusesNullAndBlankNames() {
        assertThrowsNaming(NullPointerException.class, () -> Srcu.create(null), "name");
        assertThrowsNaming(NullPointerException.class, () -> Srcu.builder(null), "name");
        assertThrowsNaming(IllegalArgumentException.class, () -> Srcu.create(""), "name");
        assertThrowsNaming(IllegalArgumentException.class, () -> Srcu.create(" \t"), "name");
    }

    @Test
    void builderRefusesNullHandlersAndNonPositiveThresholds() {
        Srcu.Builder builder = Srcu.builder("b");
        assertThrowsNaming(NullPointerException.class, () -> builder.stallThreshold(null), "threshold");
        assertThrowsNaming(IllegalArgumentException.class, () -> builder.stallThreshold(Duration.ZERO),
                "threshold", "PT0S");
        assertThrowsNaming(IllegalArgumentException.class, () -> builder.stallThreshold(Duration.ofNanos(-1)),
                "threshold", "-");
        assertThrowsNaming(IllegalArgumentException.class,
                () -> builder.stallThreshold(Duration.ofSeconds(Long.MIN_VALUE)), "threshold");
        assertThrowsNaming(NullPointerException.class, () -> builder.stallHandler(null), "handler");
        assertThrowsNaming(NullPointerException.class, () -> builder.callbackErrorHandler(null), "handler");
        // Refused settings left the builder as it was: it still builds a working domain.
        try (BoundedSrcu bounded = new BoundedSrcu(builder.build())) {
            Srcu srcu = bounded.srcu();
            assertSrcuWorks(srcu);
        }
    }

    /**
     * A threshold longer than a long of nanoseconds (about 292 years) means "never report": it is
     * accepted (saturated), never an ArithmeticException from build().
     */
    @Test
    void aHugeStallThresholdIsAcceptedAndNeverReports() {
        for (Duration huge : new Duration[] {Duration.ofSeconds(Long.MAX_VALUE), Duration.ofNanos(Long.MAX_VALUE),
                Duration.ofDays(365L * 300)}) {
            AtomicInteger reports = new AtomicInteger();
            Srcu srcu = Srcu.builder("huge-threshold").stallThreshold(huge).stallHandler(stall -> reports.incrementAndGet())
                    .build();
            try (srcu) {
                assertSrcuWorks(srcu);
            }
            assertEquals(0, reports.get(), "a stall was reported under a threshold of " + huge);
        }
    }

    @Test
    void readUnlockRefusesForgedTokensAndChangesNothing() {
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.create("forged"))) {
            Srcu srcu = bounded.srcu();
            int token = srcu.readLock();
            for (int forged : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, token ^ 2, token ^ 0x40000000,
                    ~token}) {
                if (forged == token) {
                    continue;
                }
                assertThrowsNaming(IllegalArgumentException.class, () -> srcu.readUnlock(forged),
                        String.valueOf(forged));
                assertTrue(srcu.isReaderOnCurrentThread(), "a refused unlock left the section of token " + token);
            }
            srcu.readUnlock(token);
            assertFalse(srcu.isReaderOnCurrentThread());
            // The same token again is no longer outstanding.
            assertThrowsNaming(IllegalArgumentException.class, () -> srcu.readUnlock(token), String.valueOf(token));
            assertSrcuWorks(srcu);
        }
    }

    @Test
    void aTokenOfAnotherDomainIsRefused() {
        try (BoundedSrcu boundedB = new BoundedSrcu(Srcu.create("b"));
             BoundedSrcu boundedA = new BoundedSrcu(Srcu.create("a"))) {
            Srcu a = boundedA.srcu();
            Srcu b = boundedB.srcu();
            int tokenA = a.readLock();
            int tokenB = b.readLock();
            if (tokenA != tokenB) {
                assertThrows(IllegalArgumentException.class, () -> a.readUnlock(tokenB));
                assertThrows(IllegalArgumentException.class, () -> b.readUnlock(tokenA));
            }
            b.readUnlock(tokenB);
            a.readUnlock(tokenA);
            assertSrcuWorks(a);
            assertSrcuWorks(b);
        }
    }

    @Test
    void pollStateRefusesCookiesItNeverGave() {
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.create("cookies"))) {
            Srcu srcu = bounded.srcu();
            long cookie = srcu.startPoll();
            for (long forged : new long[] {0, -1, -2, 1, 3, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1,
                    cookie + 1, cookie + 1_000_000}) {
                assertThrowsNaming(IllegalArgumentException.class, () -> srcu.pollState(forged),
                        "cookie", String.valueOf(forged));
            }
            // The real cookie still completes.
            assertTimeoutPreemptively(TestTimeouts.await(), () -> {
                while (!srcu.pollState(cookie)) {
                    srcu.synchronize();
                }
            });
            assertSrcuWorks(srcu);
        }
    }

    @Test
    void callSrcuRefusesNullAndQueuesNothing() {
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.create("null-cb"))) {
            Srcu srcu = bounded.srcu();
            long queued = srcu.stats().callbacksQueued();
            assertThrowsNaming(NullPointerException.class, () -> srcu.callSrcu(null), "callback");
            assertEquals(queued, srcu.stats().callbacksQueued(), "a refused callSrcu was counted");
            assertSrcuWorks(srcu);
        }
    }

    @Test
    void everyCallOnAClosedDomainThrowsIllegalStateNamingIt() {
        Srcu srcu = Srcu.create("closed-one");
        srcu.close();
        srcu.close(); // idempotent
        assertThrowsNaming(IllegalStateException.class, srcu::readLock, "closed-one");
        assertThrowsNaming(IllegalStateException.class, srcu::synchronize, "closed-one");
        assertThrowsNaming(IllegalStateException.class, srcu::startPoll, "closed-one");
        assertThrowsNaming(IllegalStateException.class, () -> srcu.pollState(2), "closed-one");
        assertThrowsNaming(IllegalStateException.class, () -> srcu.callSrcu(() -> { }), "closed-one");
        assertThrowsNaming(IllegalStateException.class, srcu::barrier, "closed-one");
        assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(0));
        assertFalse(srcu.isReaderOnCurrentThread());
        assertNotNull(srcu.stats());
        assertNotNull(srcu.toString());
    }

    @Test
    void misuseInsideAReadSectionThrowsAndLeavesTheSectionUsable() {
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.create("inside"))) {
            Srcu srcu = bounded.srcu();
            int token = srcu.readLock();
            assertThrowsNaming(IllegalStateException.class, srcu::synchronize, "inside");
            assertThrowsNaming(IllegalStateException.class, srcu::barrier, "inside");
            assertThrowsNaming(IllegalStateException.class, srcu::close, "inside");
            srcu.readUnlock(token);
            assertSrcuWorks(srcu);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Srcu callbacks and the callback error handler

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromACallbackIsReportedAndLaterCallbacksRun(Supplier<Throwable> kind) throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Throwable thrown = kind.get();
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("cb-throws").callbackErrorHandler(reported::add).build())) {
            Srcu srcu = bounded.srcu();
            AtomicInteger after = new AtomicInteger();
            srcu.callSrcu(() -> sneakyThrow(thrown));
            srcu.callSrcu(after::incrementAndGet);
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.barrier());
            assertEquals(1, after.get(), "the callback after the failing one did not run");
            assertEquals(List.of(thrown), reported);
            assertEquals(1, srcu.stats().callbacksFailed());
            assertEquals(0, srcu.stats().callbacksPending());
            assertSrcuWorks(srcu);
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.close());
        }
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromTheCallbackErrorHandlerIsContained(Supplier<Throwable> kind) {
        Throwable handlerFailure = kind.get();
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("handler-throws").callbackErrorHandler(t -> sneakyThrow(handlerFailure))
                .build())) {
            Srcu srcu = bounded.srcu();
            AtomicInteger after = new AtomicInteger();
            srcu.callSrcu(() -> {
                throw new IllegalStateException("first failure");
            });
            srcu.callSrcu(after::incrementAndGet);
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.barrier());
            assertEquals(1, after.get());
            assertEquals(1, srcu.stats().callbacksFailed());
            assertSrcuWorks(srcu);
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.close());
        }
    }

    /** Calls that would wait for the callback itself throw there, and the domain carries on. */
    @Test
    void callsThatWouldWaitForTheCallingCallbackThrowInsideIt() {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("self-wait").callbackErrorHandler(reported::add).build())) {
            Srcu srcu = bounded.srcu();
            srcu.callSrcu(() -> {
                for (Runnable selfWait : List.<Runnable>of(srcu::barrier, srcu::close)) {
                    try {
                        selfWait.run();
                    } catch (IllegalStateException expected) {
                        thrownInside.add(expected);
                    }
                }
                srcu.callSrcu(() -> { }); // queueing more is legal
            });
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.barrier());
            assertEquals(2, thrownInside.size(), thrownInside::toString);
            thrownInside.forEach(e -> assertTrue(e.getMessage().contains("self-wait"), e.getMessage()));
            assertEquals(List.of(), reported);
            assertSrcuWorks(srcu);
        }
    }

    @Test
    void revokeFromInsideAMethodOrItsOwnKickOrReleaseThrowsAndChangesNothing() {
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        Revocable[] self = new Revocable[1];
        Revocable r = Revocable.create("self-revoke", () -> {
            try {
                self[0].revoke();
            } catch (IllegalStateException expected) {
                thrownInside.add(expected);
            }
        });
        self[0] = r;
        r.open(() -> {
            try {
                self[0].revoke();
            } catch (IllegalStateException expected) {
                thrownInside.add(expected);
            }
        });
        assertTrue(r.tryEnter());
        try {
            assertThrowsNaming(IllegalStateException.class, r::revoke, "self-revoke");
            assertFalse(r.isRevoked(), "a refused revoke from inside a method began the revocation");
        } finally {
            r.exit();
        }
        assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke());
        assertEquals(2, thrownInside.size(), thrownInside::toString);
        assertTrue(r.isRevocationComplete());
    }

    @Test
    void aCheckedExceptionSneakedOutOfACallbackIsReportedToo() {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        Exception checked = new java.io.IOException("injected checked exception");
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("cb-checked").callbackErrorHandler(reported::add).build())) {
            Srcu srcu = bounded.srcu();
            srcu.callSrcu(() -> sneakyThrow(checked));
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.barrier());
            assertEquals(List.of(checked), reported);
            assertSrcuWorks(srcu);
        }
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromTheStallHandlerDoesNotStopTheGracePeriod(Supplier<Throwable> kind) throws Exception {
        assertStallHandlerFailureContained(kind.get());
    }

    @Test
    void aCheckedExceptionFromTheStallHandlerDoesNotStopTheGracePeriod() throws Exception {
        assertStallHandlerFailureContained(new java.io.IOException("injected checked exception"));
    }

    /**
     * The stall is reported on the domain's callback thread (a callSrcu waits for the grace period
     * there): a handler that throws must not kill that thread, or every queued callback, barrier
     * and close waits forever.
     */
    @Test
    void aCheckedExceptionFromTheStallHandlerOnTheCallbackThreadDoesNotStopCallbacks() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        long wait = TestTimeouts.await().toMillis();
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("stall-cb").stallThreshold(Duration.ofMillis(1)).stallHandler(stall -> {
            reported.countDown();
            sneakyThrow(new java.io.IOException("injected checked exception"));
        }).build())) {
            Srcu srcu = bounded.srcu();
            try (TestThreads threads = new TestThreads("stall-cb-reader")) {
                threads.start(() -> {
                    int token = srcu.readLock();
                    try {
                        entered.countDown();
                        assertTrue(leave.await(wait, TimeUnit.MILLISECONDS));
                    } finally {
                        srcu.readUnlock(token);
                    }
                });
                assertTrue(entered.await(wait, TimeUnit.MILLISECONDS));
                srcu.callSrcu(ran::countDown);
                try {
                    assertTrue(reported.await(wait, TimeUnit.MILLISECONDS), "no stall was reported");
                } finally {
                    leave.countDown();
                }
            }
            assertTrue(ran.await(wait, TimeUnit.MILLISECONDS), "the callback never ran: " + srcu);
            assertSrcuWorks(srcu);
            assertTimeoutPreemptively(TestTimeouts.await(), () -> srcu.close());
        }
    }

    /**
     * A reader holds a section past a 1 ms threshold while another thread synchronizes; the stall
     * handler throws; once the reader leaves, the synchronize returns normally.
     */
    private static void assertStallHandlerFailureContained(Throwable thrown) throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        long wait = TestTimeouts.await().toMillis();
        try (BoundedSrcu bounded = new BoundedSrcu(Srcu.builder("stall-throws").stallThreshold(Duration.ofMillis(1)).stallHandler(stall -> {
            reported.countDown();
            sneakyThrow(thrown);
        }).build())) {
            Srcu srcu = bounded.srcu();
            try (TestThreads threads = new TestThreads("stall-handler")) {
                threads.start(() -> {
                    int token = srcu.readLock();
                    try {
                        entered.countDown();
                        assertTrue(leave.await(wait, TimeUnit.MILLISECONDS));
                    } finally {
                        srcu.readUnlock(token);
                    }
                });
                assertTrue(entered.await(wait, TimeUnit.MILLISECONDS));
                threads.start(srcu::synchronize);
                try {
                    assertTrue(reported.await(wait, TimeUnit.MILLISECONDS), "no stall was reported");
                } finally {
                    leave.countDown();
                }
            }
            assertTrue(srcu.stats().stallsReported() >= 1);
            assertSrcuWorks(srcu);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Revocable and Revocable.Handle

    @Test
    void revocableCreateRefusesNullAndBlank() {
        assertThrowsNaming(NullPointerException.class, () -> Revocable.create(null), "name");
        assertThrowsNaming(NullPointerException.class, () -> Revocable.create(null, () -> { }), "name");
        assertThrowsNaming(NullPointerException.class, () -> Revocable.create("r", null), "kick");
        assertThrowsNaming(IllegalArgumentException.class, () -> Revocable.create(""), "name");
        assertThrowsNaming(IllegalArgumentException.class, () -> Revocable.create("  "), "name");
    }

    @Test
    void exitWithoutEntryThrowsAndChangesNothing() {
        Revocable r = Revocable.create("unbalanced");
        assertThrows(IllegalStateException.class, r::exit);
        assertEquals(0, r.usersInFlight());
        assertTrue(r.tryEnter());
        r.exit();
        assertThrows(IllegalStateException.class, r::exit, "a second exit of one entry");
        assertEquals(0, r.usersInFlight());
        assertRevokes(r);
    }

    @Test
    void openRefusesANullReleaseAndAttachesNothing() {
        Revocable r = Revocable.create("null-release");
        assertThrowsNaming(NullPointerException.class, () -> r.open(null), "release");
        assertEquals(0, r.openHandles());
        assertRevokes(r);
    }

    @Test
    void pollRefusesNullAndNegativeTimeouts() {
        Revocable r = Revocable.create("poll-args");
        try (Revocable.Handle handle = r.open(() -> { })) {
            assertThrowsNaming(NullPointerException.class, () -> handle.poll(null), "timeout");
            assertThrowsNaming(IllegalArgumentException.class, () -> handle.poll(Duration.ofNanos(-1)), "timeout");
            assertThrowsNaming(IllegalArgumentException.class, () -> handle.poll(Duration.ofSeconds(Long.MIN_VALUE)),
                    "timeout");
            assertFalse(handle.poll(Duration.ZERO).any());
            assertTrue(handle.isOpen());
        }
        assertRevokes(r);
    }

    /** A timeout too long for a long of nanoseconds saturates; it neither throws nor returns early. */
    @Test
    void pollWithAHugeTimeoutReturnsOnTheNextChange() throws Exception {
        Revocable r = Revocable.create("poll-huge");
        Revocable.Handle handle = r.open(() -> { });
        r.notifyChanged();
        Revocable.Events events = assertTimeoutPreemptively(TestTimeouts.await(),
                () -> handle.poll(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(1, events.changes());
        r.revoke();
        events = assertTimeoutPreemptively(TestTimeouts.await(),
                () -> handle.poll(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
        assertTrue(events.hangUp());
    }

    @Test
    void timedRevokeRefusesNullAndNegativeTimeoutsAndChangesNothing() throws Exception {
        Revocable r = Revocable.create("timed-args");
        assertThrowsNaming(NullPointerException.class, () -> r.revoke(null), "timeout");
        assertThrowsNaming(IllegalArgumentException.class, () -> r.revoke(Duration.ofNanos(-1)), "timeout");
        assertThrowsNaming(IllegalArgumentException.class, () -> r.revoke(Duration.ofSeconds(Long.MIN_VALUE)),
                "timeout");
        assertFalse(r.isRevoked(), "a refused timed revoke began the revocation");
        assertTrue(r.tryEnter());
        r.exit();
        // A zero timeout with nothing in flight completes; a huge one saturates instead of overflowing.
        Revocable quick = Revocable.create("timed-zero");
        quick.revoke(Duration.ZERO);
        assertTrue(quick.isRevocationComplete());
        assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
        assertTrue(r.isRevocationComplete());
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromTheKickStillCompletesTheRevocation(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        AtomicInteger released = new AtomicInteger();
        Revocable r = Revocable.create("kick-throws", () -> sneakyThrow(thrown));
        Revocable.Handle handle = r.open(released::incrementAndGet);
        Throwable rethrown = assertThrows(Throwable.class,
                () -> assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke()));
        assertSame(thrown, rethrown);
        assertTrue(r.isRevocationComplete());
        assertEquals(1, released.get(), "the release did not run after the kick threw");
        assertTrue(handle.isReleasedByRevoke());
        assertFalse(r.tryEnter());
        assertEquals(0, r.usersInFlight());
        // A later revoke returns at once: the revocation is complete.
        assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke());
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromAReleaseStillRunsEveryOtherRelease(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        AtomicInteger released = new AtomicInteger();
        Revocable r = Revocable.create("release-throws");
        Revocable.Handle first = r.open(released::incrementAndGet);
        Revocable.Handle failing = r.open(() -> sneakyThrow(thrown));
        Revocable.Handle last = r.open(released::incrementAndGet);
        Throwable rethrown = assertThrows(Throwable.class,
                () -> assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke()));
        assertSame(thrown, rethrown);
        assertEquals(2, released.get());
        assertTrue(r.isRevocationComplete());
        assertEquals(0, r.openHandles());
        assertFalse(first.isOpen());
        assertFalse(failing.isOpen());
        assertFalse(last.isOpen());
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromAReleaseRunByCloseDetachesTheHandle(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        Revocable r = Revocable.create("close-throws");
        Revocable.Handle handle = r.open(() -> sneakyThrow(thrown));
        Throwable rethrown = assertThrows(Throwable.class, handle::close);
        assertSame(thrown, rethrown);
        assertFalse(handle.isOpen());
        assertEquals(0, r.openHandles());
        handle.close(); // idempotent, the release does not run again
        assertRevokes(r);
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableInsideAnEnteredMethodLeavesNothingEnteredWhenTheCallerExitsInFinally(Supplier<Throwable> kind) {
        Revocable r = Revocable.create("method-throws");
        Throwable thrown = kind.get();
        Throwable caught = assertThrows(Throwable.class, () -> {
            if (r.tryEnter()) {
                try {
                    sneakyThrow(thrown);
                } finally {
                    r.exit();
                }
            }
        });
        assertSame(thrown, caught);
        assertEquals(0, r.usersInFlight());
        assertRevokes(r);
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void revokeAsyncReportsAThrowableFromTheKickThroughItsFuture(Supplier<Throwable> kind) throws Exception {
        Throwable thrown = kind.get();
        Revocable r = Revocable.create("async-kick-throws", () -> sneakyThrow(thrown));
        var future = r.revokeAsync();
        var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> future.get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
        assertSame(thrown, failure.getCause());
        assertTrue(r.isRevocationComplete());
    }

    // ------------------------------------------------------------------------------------------
    // Registry and LoadableModule

    @Test
    void registryAndModuleRefuseNullAndBlank() {
        assertThrowsNaming(NullPointerException.class, () -> Registry.create(null), "name");
        assertThrowsNaming(IllegalArgumentException.class, () -> Registry.create(" "), "name");
        assertThrowsNaming(NullPointerException.class, () -> LoadableModule.create(null), "name");
        assertThrowsNaming(IllegalArgumentException.class, () -> LoadableModule.create(""), "name");

        Registry<String, String> registry = Registry.create("reg");
        LoadableModule module = LoadableModule.create("mod");
        assertThrowsNaming(NullPointerException.class, () -> registry.register(null, "k", "v"), "module");
        assertThrowsNaming(NullPointerException.class, () -> registry.register(module, null, "v"), "key");
        assertThrowsNaming(NullPointerException.class, () -> registry.register(module, "k", null), "driver");
        assertThrowsNaming(NullPointerException.class, () -> registry.lookup(null), "key");
        assertThrowsNaming(NullPointerException.class, () -> registry.contains(null), "key");
        assertThrowsNaming(NullPointerException.class, () -> module.addExitHook(null), "hook");
        assertEquals(0, registry.size(), "a refused register left an entry");

        registry.register(module, "k", "v");
        assertThrowsNaming(IllegalArgumentException.class, () -> registry.register(module, "k", "w"), "k");
        try (Registry.Hold<String, String> hold = registry.lookup("k")) {
            assertEquals("v", hold.driver());
        }
        assertNull(registry.lookup("absent"));
        module.unload();
        assertEquals(0, registry.size());
        assertFalse(module.isLoaded());
        assertThrowsNaming(IllegalStateException.class, () -> registry.register(module, "k2", "v"), "mod");
        assertThrowsNaming(IllegalStateException.class, () -> module.addExitHook(() -> { }), "mod");
        assertEquals(0, registry.size());
    }

    @Test
    void aClosedHoldRefusesItsDriverAndClosesIdempotently() {
        Registry<String, String> registry = Registry.create("holds");
        LoadableModule module = LoadableModule.create("hold-mod");
        registry.register(module, "k", "v");
        Registry.Hold<String, String> hold = registry.lookup("k");
        hold.close();
        hold.close();
        assertThrows(IllegalStateException.class, hold::driver);
        assertEquals(0, module.holdCount());
        module.unload();
        assertFalse(module.isLoaded());
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromAnExitHookStillUnloadsTheModule(Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        Registry<String, String> registry = Registry.create("hooks");
        LoadableModule module = LoadableModule.create("hook-mod");
        registry.register(module, "a", "driver-a");
        List<String> ran = new ArrayList<>();
        module.addExitHook(() -> ran.add("first-added"));
        module.addExitHook(() -> sneakyThrow(thrown));
        module.addExitHook(() -> ran.add("last-added"));
        Throwable rethrown = assertThrows(Throwable.class,
                () -> assertTimeoutPreemptively(TestTimeouts.await(), module::unload));
        assertSame(thrown, rethrown);
        assertEquals(List.of("last-added", "first-added"), ran);
        assertFalse(module.isLoaded());
        assertEquals(0, registry.size());
        assertNull(registry.lookup("a"));
        // The registry is usable by another module afterwards (its lock was released).
        LoadableModule next = LoadableModule.create("next");
        registry.register(next, "a", "driver-a2");
        try (Registry.Hold<String, String> hold = registry.lookup("a")) {
            assertEquals("driver-a2", hold.driver());
        }
        next.unload();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void unloadWithAnOpenHoldIsRefusedAndChangesNothing(int holds) {
        Registry<String, String> registry = Registry.create("busy");
        LoadableModule module = LoadableModule.create("busy-mod");
        registry.register(module, "k", "v");
        List<Registry.Hold<String, String>> open = new ArrayList<>();
        for (int i = 0; i < holds; i++) {
            open.add(registry.lookup("k"));
        }
        ModuleBusyException busy = assertThrows(ModuleBusyException.class, module::unload);
        assertTrue(busy.getMessage().contains("busy-mod"), busy.getMessage());
        assertTrue(module.isLoaded());
        assertTrue(registry.contains("k"));
        open.forEach(Registry.Hold::close);
        module.unload();
        assertFalse(module.isLoaded());
    }

    // ------------------------------------------------------------------------------------------

    /** A domain closed at the end of a try block; close can wait, so the wait is bounded. */
    record BoundedSrcu(Srcu srcu) implements AutoCloseable {
        @Override
        public void close() {
            closeWithin(srcu);
        }
    }

    /** {@link Srcu#close()} within the await bound: a domain that cannot close fails the test instead of hanging it. */
    static void closeWithin(Srcu srcu) {
        assertTimeoutPreemptively(TestTimeouts.await(), srcu::close, () -> "close did not complete: " + srcu);
    }

    /** The domain still serves a read section, a grace period, a poll and a callback, all bounded. */
    static void assertSrcuWorks(Srcu srcu) {
        assertTimeoutPreemptively(TestTimeouts.await(), () -> {
            int token = srcu.readLock();
            assertTrue(srcu.isReaderOnCurrentThread());
            srcu.readUnlock(token);
            assertFalse(srcu.isReaderOnCurrentThread());
            srcu.synchronize();
            CountDownLatch ran = new CountDownLatch(1);
            srcu.callSrcu(ran::countDown);
            srcu.barrier();
            assertEquals(0, ran.getCount());
            long cookie = srcu.startPoll();
            while (!srcu.pollState(cookie)) {
                srcu.synchronize();
            }
        }, () -> "srcu did not complete a read section, grace period and barrier: " + srcu);
    }

    /** The object can still be entered, and a revoke completes within a bounded time. */
    static void assertRevokes(Revocable r) {
        assertTrue(r.tryEnter(), "cannot enter " + r);
        r.exit();
        assertTimeoutPreemptively(TestTimeouts.await(), () -> r.revoke(), () -> "revoke did not complete: " + r);
        assertTrue(r.isRevocationComplete());
        assertFalse(r.tryEnter());
    }

    /** Asserts {@code call} throws {@code type} and that its message names every word (case-insensitive). */
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
