package io.github.mmunotify.testing;

import java.lang.ref.Reference;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded waits for what only the garbage collector makes happen: weak references cleared, a
 * {@link java.lang.ref.Cleaner} action run. {@code System.gc()} is a request, so each wait asks
 * again until the condition holds or {@link TestTimeouts#await()} has passed; the caller asserts on
 * the result, with its own message.
 */
public final class GarbageCollections {

    /** Between requests, so that a Cleaner or reference-handler thread gets to run. */
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private GarbageCollections() {
    }

    /**
     * Requests collections until {@code condition} holds or {@link TestTimeouts#await()} has passed.
     *
     * @return whether {@code condition} held in the end
     */
    public static boolean collectUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TestTimeouts.await().toNanos();
        while (true) {
            System.gc();
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }

    /**
     * Requests collections until every one of {@code references} is cleared, bounded as
     * {@link #collectUntil}.
     *
     * @return how many still refer to their object in the end (0: all cleared)
     */
    public static int awaitCleared(Collection<? extends Reference<?>> references) {
        collectUntil(() -> stillSet(references) == 0);
        return stillSet(references);
    }

    private static int stillSet(Collection<? extends Reference<?>> references) {
        int set = 0;
        for (Reference<?> reference : references) {
            if (reference.get() != null) {
                set++;
            }
        }
        return set;
    }
}
