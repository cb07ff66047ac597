package io.github.mmunotify.notifier;

import io.github.mmunotify.testing.TestTimeouts;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A subscriber whose invalidate start blocks until the test lets it go: a walk held inside a
 * callback, for tests of what must (or must not) wait for it. The start waits at most
 * {@link TestTimeouts#await()}, so a test that forgets to let go fails instead of hanging.
 */
final class BlockingSubscriber implements MmuNotifier {
    private final CountDownLatch inStart = new CountDownLatch(1);
    private final CountDownLatch letGo = new CountDownLatch(1);
    private final AtomicBoolean ended = new AtomicBoolean();

    @Override
    public boolean invalidateRangeStart(InvalidationRange range) {
        inStart.countDown();
        try {
            letGo.await(TestTimeouts.await().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    @Override
    public void invalidateRangeEnd(InvalidationRange range) {
        ended.set(true);
    }

    /** Waits (bounded) until a walk is blocked in this subscriber's start. */
    boolean awaitInStart() throws InterruptedException {
        return inStart.await(TestTimeouts.await().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Lets the blocked start return. */
    void letGo() {
        letGo.countDown();
    }

    /** Whether the walk has called this subscriber's end. */
    boolean ended() {
        return ended.get();
    }
}
