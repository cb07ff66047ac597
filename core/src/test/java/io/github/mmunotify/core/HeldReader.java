package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test thread that enters a read section of a domain, reports it, and stays inside until
 * released: the reader that grace periods, polls, callbacks, stalls and close must wait for.
 * Every wait is bounded.
 */
final class HeldReader {

    final CountDownLatch inside = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Set just before the section is left, so whoever waited for the section must see it. */
    final AtomicBoolean leaving = new AtomicBoolean();
    final Thread thread;

    HeldReader(Srcu srcu, Thread.Builder builder) {
        thread = builder.start(() -> holdTheSection(srcu));
    }

    /** Named so that a stall report's stack shows where the section is held. */
    private void holdTheSection(Srcu srcu) {
        try {
            int token = srcu.readLock();
            inside.countDown();
            try {
                release.await(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                leaving.set(true);
                srcu.readUnlock(token);
            }
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    void awaitInside() throws InterruptedException {
        assertTrue(inside.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS), "reader never got inside");
    }

    void releaseAndJoin() throws InterruptedException {
        release.countDown();
        assertTrue(thread.join(TestTimeouts.join()), thread + " never left its section");
        assertNull(failure.get());
    }
}
