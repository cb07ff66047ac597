package io.github.mmunotify.core;

import java.util.concurrent.ThreadFactory;

/**
 * Asks a user's {@link ThreadFactory} for a thread and checks what comes back, so that a broken
 * factory fails with an exception that names it, before its caller has changed anything.
 */
final class ThreadFactories {

    private ThreadFactories() {
    }

    /**
     * A new, unstarted thread from {@code factory} that will run {@code task}.
     *
     * @param purpose what the thread is for, as messages name it ("the callback thread of srcu 'x'")
     * @throws IllegalStateException if the factory throws (the cause), returns null, or returns a
     *         thread that is already started or terminated
     */
    static Thread newThread(ThreadFactory factory, Runnable task, String purpose) {
        Thread thread;
        try {
            thread = factory.newThread(task);
        } catch (Throwable failure) {
            throw new IllegalStateException("thread factory " + describe(factory) + " threw " + failure
                    + " when asked for " + purpose, failure);
        }
        if (thread == null) {
            throw new IllegalStateException("thread factory " + describe(factory) + " returned null when asked for "
                    + purpose);
        }
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException("thread factory " + describe(factory) + " returned thread '"
                    + thread.getName() + "' in state " + thread.getState() + " when asked for " + purpose
                    + "; a factory must return a new, unstarted thread");
        }
        return thread;
    }

    /** {@code factory.toString()}, or its class name if that throws. */
    private static String describe(ThreadFactory factory) {
        try {
            return String.valueOf(factory);
        } catch (RuntimeException undescribable) {
            return factory.getClass().getName();
        }
    }
}
