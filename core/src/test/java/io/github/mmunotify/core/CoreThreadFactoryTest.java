package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestTimeouts;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The thread factory options: Srcu's callback thread and Revocable's revokeAsync threads come
 * from the user's factory; a factory that returns null, throws, or hands back a started thread
 * fails the call that needed it with an exception naming the factory, and nothing is left
 * half-done (no callback counted, no revocation begun).
 */
class CoreThreadFactoryTest {

    /** Makes daemon threads with a recognisable name, remembers them, and fails the first {@code failures} calls. */
    private static final class MarkingFactory implements ThreadFactory {
        final List<Thread> made = new CopyOnWriteArrayList<>();
        final AtomicInteger failuresLeft;
        final boolean returnNull;

        MarkingFactory(int failures, boolean returnNull) {
            this.failuresLeft = new AtomicInteger(failures);
            this.returnNull = returnNull;
        }

        @Override
        public Thread newThread(Runnable task) {
            if (failuresLeft.getAndDecrement() > 0) {
                if (returnNull) {
                    return null;
                }
                throw new IllegalStateException("factory is out of threads");
            }
            Thread thread = Thread.ofPlatform().daemon().name("marked-" + made.size()).unstarted(task);
            made.add(thread);
            return thread;
        }

        @Override
        public String toString() {
            return "MarkingFactory";
        }
    }

    @Test
    void srcuCallbacksRunOnTheFactorysThread() throws Exception {
        MarkingFactory factory = new MarkingFactory(0, false);
        try (Srcu srcu = Srcu.builder("tf-callbacks").threadFactory(factory).build()) {
            assertEquals(List.of(), factory.made, "build() asks for no thread");
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            srcu.callSrcu(() -> ranOn.complete(Thread.currentThread()));
            Thread thread = ranOn.get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(List.of(thread), factory.made);
            assertEquals("marked-0", thread.getName());
            long cookie = srcu.startPoll();
            srcu.synchronize();
            assertTrue(srcu.pollState(cookie));
            assertEquals(1, factory.made.size(), "one thread for the domain's life");
        }
        assertFalse(factory.made.getFirst().isAlive(), "close() ends the factory's thread");
    }

    @Test
    void aFactoryReturningNullFailsCallSrcuNamingItAndCountsNothing() {
        MarkingFactory factory = new MarkingFactory(1, true);
        try (Srcu srcu = Srcu.builder("tf-null").threadFactory(factory).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> srcu.callSrcu(() -> { }));
            assertTrue(e.getMessage().contains("MarkingFactory") && e.getMessage().contains("returned null")
                    && e.getMessage().contains("'tf-null'"), e.getMessage());
            assertEquals(0, srcu.stats().callbacksQueued(), "nothing was queued");
            srcu.barrier(); // nothing counted that would hold it up
            AtomicInteger ran = new AtomicInteger();
            srcu.callSrcu(ran::incrementAndGet); // the factory is asked again and now works
            srcu.barrier();
            assertEquals(1, ran.get());
        }
    }

    @Test
    void aFactoryThatThrowsFailsStartPollWithTheCauseAndRequestsNothing() {
        MarkingFactory factory = new MarkingFactory(1, false);
        try (Srcu srcu = Srcu.builder("tf-throws").threadFactory(factory).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, srcu::startPoll);
            assertTrue(e.getMessage().contains("MarkingFactory threw"), e.getMessage());
            assertEquals("factory is out of threads", e.getCause().getMessage());
            assertEquals(List.of(), factory.made);
            long cookie = srcu.startPoll();
            srcu.synchronize();
            assertTrue(srcu.pollState(cookie));
        }
    }

    @Test
    void aFactoryReturningAStartedThreadIsRefused() throws Exception {
        Thread started = Thread.ofVirtual().start(() -> { });
        started.join();
        ThreadFactory broken = task -> started;
        try (Srcu srcu = Srcu.builder("tf-started").threadFactory(broken).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> srcu.callSrcu(() -> { }));
            assertTrue(e.getMessage().contains("TERMINATED") && e.getMessage().contains("unstarted"), e.getMessage());
            assertEquals(0, srcu.stats().callbacksQueued());
        }
    }

    @Test
    void aNullFactoryIsRejectedAtOnce() {
        assertThrows(NullPointerException.class, () -> Srcu.builder("tf").threadFactory(null));
        assertThrows(NullPointerException.class, () -> Revocable.create("tf", () -> { }, null));
    }

    @Test
    void revokeAsyncRunsOnTheFactorysThread() throws Exception {
        MarkingFactory factory = new MarkingFactory(0, false);
        Revocable revocable = Revocable.create("tf-device", () -> { }, factory);
        CompletableFuture<Thread> releasedOn = new CompletableFuture<>();
        revocable.open(() -> releasedOn.complete(Thread.currentThread()));
        revocable.revokeAsync().get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
        assertSame(factory.made.getFirst(), releasedOn.getNow(null));
        assertTrue(revocable.isRevocationComplete());
        revocable.revokeAsync().get(0, TimeUnit.SECONDS);
        assertEquals(1, factory.made.size(), "a completed revocation needs no thread");
    }

    @Test
    void aFailingFactoryLeavesTheObjectUnrevoked() throws Exception {
        for (boolean returnNull : new boolean[] {true, false}) {
            MarkingFactory factory = new MarkingFactory(1, returnNull);
            AtomicInteger kicks = new AtomicInteger();
            Revocable revocable = Revocable.create("tf-broken", kicks::incrementAndGet, factory);
            Revocable.Handle handle = revocable.open(() -> { });
            IllegalStateException e = assertThrows(IllegalStateException.class, revocable::revokeAsync);
            assertTrue(e.getMessage().contains("MarkingFactory") && e.getMessage().contains("Revocable[tf-broken]"),
                    e.getMessage());
            assertFalse(revocable.isRevoked(), "nothing begun");
            assertEquals(0, kicks.get(), "no kick");
            assertTrue(handle.isOpen());
            assertTrue(revocable.tryEnter());
            revocable.exit();
            revocable.revokeAsync().get(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(handle.isReleasedByRevoke());
            assertNotNull(factory.made.getFirst());
        }
    }
}
