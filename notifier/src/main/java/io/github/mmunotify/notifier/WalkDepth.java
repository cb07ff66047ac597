package io.github.mmunotify.notifier;

/**
 * How many invalidation walks of one address space the current thread is inside. The walk counts
 * itself in and out; the space refuses re-entrant changes with it, and the interval notifiers
 * refuse the operations that would wait for the thread's own walk. A leaf, so that the walk and
 * the interval notifiers share it without depending on each other.
 *
 * <p>Each thread's count is its own; no synchronisation is needed.
 */
final class WalkDepth {

    private final ThreadLocal<int[]> depth = new ThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };

    /**
     * The current thread's counter cell: the walk increments {@code [0]} on entry and decrements it
     * in a finally block. One cell per thread, so the walk allocates nothing after its first use.
     */
    int[] cell() {
        return depth.get();
    }

    /** Whether the current thread is inside a walk of this space. */
    boolean onThisThread() {
        return depth.get()[0] > 0;
    }

    @Override
    public String toString() {
        return "WalkDepth[" + depth.get()[0] + " on " + Thread.currentThread().getName() + "]";
    }
}
