package io.github.mmunotify.core;

/**
 * Fault-injection points of one domain, for tests: each hook, when set, runs at the place where
 * the domain allocates on a path whose failure must leave nothing counted, so that a test can throw
 * an {@link OutOfMemoryError} exactly there. Unset in production; reading an unset hook is one
 * volatile load on paths that allocate anyway (never on the read-side fast path).
 */
final class SrcuFaults {
    /** Runs where {@code callSrcu} allocates the queue entry of a callback. */
    volatile Runnable queueAllocation;
    /** Runs where a thread's first {@code readLock} allocates its reader. */
    volatile Runnable readerAllocation;
    /** Runs where a thread's first {@code readLock} records its reader for later lookups. */
    volatile Runnable lookupAllocation;

    static void fire(Runnable hook) {
        if (hook != null) {
            hook.run();
        }
    }

    /** A hook that throws {@code error} the first time it runs and does nothing afterwards. */
    static Runnable once(Error error) {
        boolean[] fired = {false};
        return () -> {
            synchronized (fired) {
                if (fired[0]) {
                    return;
                }
                fired[0] = true;
            }
            throw error;
        };
    }
}
