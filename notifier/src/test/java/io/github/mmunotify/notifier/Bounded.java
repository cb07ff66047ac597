package io.github.mmunotify.notifier;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;

/**
 * Runs a call that must not hang on a thread of its own and fails the test if it has not returned
 * within {@link TestTimeouts#await()}: a call that waits for a leaked read section or a stuck
 * counter fails instead of hanging the build. The thread is a daemon, so a call that does hang is
 * abandoned, not joined forever.
 */
final class Bounded {

    private Bounded() {
    }

    static void completes(String what, TestThreads.Body call) {
        try (TestThreads thread = new TestThreads(what, TestTimeouts.await())) {
            thread.startDaemon(() -> {
                try {
                    call.run();
                } catch (Throwable failure) {
                    throw describable(what + " threw", failure);
                }
            });
        }
    }

    /**
     * An AssertionError the test framework can report even when {@code failure} cannot describe
     * itself (a test's injected Error whose getMessage throws would kill the surefire fork).
     */
    static AssertionError describable(String what, Throwable failure) {
        String description;
        try {
            description = String.valueOf(failure);
        } catch (Throwable undescribable) {
            return new AssertionError(what + " " + failure.getClass().getName() + " (undescribable)");
        }
        return new AssertionError(what + " " + description, failure);
    }
}
