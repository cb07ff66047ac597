package io.github.mmunotify.mmap;

import java.util.function.Supplier;

/**
 * Reports a failure of foreign code (a listener, a release, a restore) that the library caught and
 * went on after. Reporting never throws: it runs inside the catch that keeps a teardown going, so
 * a failure that escaped it would stop that teardown half-way (a mapping left unmapping, a reaper
 * thread dead with traps still queued).
 *
 * <h2>Implementation notes</h2>
 * Three things can throw while reporting, all of them foreign: building the message (a listener's
 * or mapping's {@code toString()}), describing the failure (a {@code Throwable} whose
 * {@code getMessage()} or {@code toString()} throws, called by the logger's formatter), and the
 * logger itself (JUL's {@code StreamHandler.publish} catches only {@code Exception}, and a user's
 * handler may throw anything, an {@code OutOfMemoryError} included). Each is tried in turn; what
 * cannot be said is replaced by a fixed text, and if the logger fails the report goes to
 * {@code System.err} without touching the failure's own methods. If even that fails, the report is
 * dropped: losing a log line is better than losing the teardown.
 */
final class FailureLog {
    private FailureLog() {
    }

    /**
     * Logs {@code failure} at ERROR on {@code logger} with the message {@code what} builds. Never
     * throws.
     */
    static void report(System.Logger logger, Supplier<String> what, Throwable failure) {
        String message;
        try {
            message = what.get();
        } catch (Throwable undescribable) {
            message = "(the message could not be built: " + undescribable.getClass().getName() + ")";
        }
        try {
            logger.log(System.Logger.Level.ERROR, message, failure);
        } catch (Throwable loggerFailed) {
            try {
                System.err.println(logger.getName() + " ERROR: " + message + " [" + failure.getClass().getName()
                        + "; the logger threw " + loggerFailed.getClass().getName() + " reporting it]");
            } catch (Throwable ignored) {
                // Nowhere left to report: the teardown that called this matters more.
            }
        }
    }
}
