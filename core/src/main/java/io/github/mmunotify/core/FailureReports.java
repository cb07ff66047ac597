package io.github.mmunotify.core;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Reports a failure of foreign code (a callback, a listener, a release) that the library caught and
 * went on after, and never throws while doing so. A building block, the one failure collector of
 * the library: SRCU callbacks ({@link Srcu.Builder#callbackErrorHandler}), mmap's listeners and trap
 * releases, and notifier callbacks all report through it.
 *
 * <p>Reporting runs inside the catch that keeps a teardown or a callback queue going, so a failure
 * that escaped it would stop that work half-way (a mapping left unmapping, a callback thread dead
 * with callbacks still queued). Every method therefore catches everything it calls can throw,
 * {@code OutOfMemoryError} and {@code StackOverflowError} included: what cannot be said is replaced
 * by a fixed text, and if even the last resort fails the report is dropped. Losing a log line is
 * better than losing the teardown.
 *
 * <p>Thread-safety: stateless; every method may be called from any thread. Nothing is allocated
 * unless a report is made.
 */
public final class FailureReports {

    /*
     * Implementation notes.
     *
     * Four things can throw while reporting, all of them foreign: the handler the user gave,
     * building the message (a listener's or mapping's toString()), describing the failure (a
     * Throwable whose getMessage() or toString() throws, called by the logger's formatter), and
     * the logger itself (JUL's StreamHandler.publish catches only Exception, and a user's handler
     * may throw anything). Each is tried in turn. The System.err last resort of log() touches
     * only the failure's class name, never its own methods.
     */

    private FailureReports() {
    }

    /**
     * Hands {@code failure} to {@code handler}; if the handler throws, attaches what it threw to
     * {@code failure} as suppressed and hands {@code failure} to {@code fallback} instead (a logger,
     * typically). If the fallback throws too, the report is dropped. Never throws.
     *
     * @param <T>      the type of the failure the handler takes
     * @param failure  what went wrong; not null
     * @param handler  the user's handler, or the library's default
     * @param fallback where the failure goes if {@code handler} throws
     */
    public static <T extends Throwable> void report(T failure, Consumer<? super T> handler,
                                                    Consumer<? super T> fallback) {
        try {
            handler.accept(failure);
        } catch (Throwable handlerFailure) {
            try {
                if (handlerFailure != failure) {
                    failure.addSuppressed(handlerFailure);
                }
                fallback.accept(failure);
            } catch (Throwable fallbackFailed) {
                // Out of memory or stack even for the fallback: whatever the caller counted remains.
            }
        }
    }

    /**
     * Logs {@code failure} at {@code level} on {@code logger} with the message {@code what} builds.
     * If the message cannot be built, a fixed text says so; if the logger throws, one line goes to
     * {@code System.err} naming the logger, the message and the failure's class; if that fails too,
     * the report is dropped. Never throws.
     *
     * @param logger  where the report goes; not null
     * @param level   the level to log at; not null
     * @param what    builds the message; may throw (it is foreign code)
     * @param failure what went wrong; may be null
     */
    public static void log(System.Logger logger, System.Logger.Level level, Supplier<String> what,
                           Throwable failure) {
        String message;
        try {
            message = what.get();
        } catch (Throwable undescribable) {
            message = "(the message could not be built: " + undescribable.getClass().getName() + ")";
        }
        try {
            logger.log(level, message, failure);
        } catch (Throwable loggerFailed) {
            try {
                System.err.println(logger.getName() + " " + level + ": " + message + " ["
                        + (failure == null ? "no throwable" : failure.getClass().getName())
                        + "; the logger threw " + loggerFailed.getClass().getName() + " reporting it]");
            } catch (Throwable ignored) {
                // Nowhere left to report: the work that called this matters more.
            }
        }
    }
}
