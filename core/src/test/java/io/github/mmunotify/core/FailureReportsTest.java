package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** FailureReports never throws: handler, fallback, message and logger may all fail. */
class FailureReportsTest {

    @Test
    void aHandlerThatAcceptsGetsTheFailureAndTheFallbackIsNotCalled() {
        RuntimeException failure = new RuntimeException("callback failed");
        List<Throwable> handled = new ArrayList<>();
        List<Throwable> fellBack = new ArrayList<>();
        FailureReports.report(failure, handled::add, fellBack::add);
        assertEquals(List.of(failure), handled);
        assertEquals(List.of(), fellBack);
        assertEquals(0, failure.getSuppressed().length);
    }

    @Test
    void aHandlerThatThrowsIsSuppressedOnTheFailureWhichGoesToTheFallback() {
        RuntimeException failure = new RuntimeException("callback failed");
        IllegalStateException handlerFailure = new IllegalStateException("handler broke");
        List<Throwable> fellBack = new ArrayList<>();
        FailureReports.report(failure, f -> {
            throw handlerFailure;
        }, fellBack::add);
        assertEquals(List.of(failure), fellBack);
        assertArrayEquals(new Throwable[] {handlerFailure}, failure.getSuppressed());
    }

    @Test
    void aHandlerRethrowingTheFailureItselfIsNotSelfSuppressed() {
        RuntimeException failure = new RuntimeException("callback failed");
        List<Throwable> fellBack = new ArrayList<>();
        FailureReports.report(failure, f -> {
            throw f;
        }, fellBack::add);
        assertEquals(List.of(failure), fellBack);
        assertEquals(0, failure.getSuppressed().length);
    }

    @Test
    void errorsFromTheHandlerAndTheFallbackAreSwallowed() {
        RuntimeException failure = new RuntimeException("callback failed");
        FailureReports.report(failure, f -> {
            throw new OutOfMemoryError("handler");
        }, f -> {
            throw new StackOverflowError("fallback");
        });
        assertEquals(OutOfMemoryError.class, failure.getSuppressed()[0].getClass());
    }

    @Test
    void logFallsBackToSystemErrWhenTheLoggerThrowsAndReplacesAMessageThatCannotBeBuilt() {
        RecordingLogger throwing = new RecordingLogger(true);
        Throwable failure = new IllegalStateException("release failed");
        Supplier<String> broken = () -> {
            throw new OutOfMemoryError("no message");
        };
        String err = capturingErr(() -> FailureReports.log(throwing, System.Logger.Level.ERROR, broken, failure));
        assertTrue(err.contains("recording ERROR: (the message could not be built: java.lang.OutOfMemoryError)"), err);
        assertTrue(err.contains("java.lang.IllegalStateException; the logger threw java.lang.StackOverflowError"), err);

        RecordingLogger working = new RecordingLogger(false);
        FailureReports.log(working, System.Logger.Level.WARNING, () -> "listener threw", failure);
        assertEquals("listener threw", working.message);
        assertSame(failure, working.thrown);
        assertEquals(System.Logger.Level.WARNING, working.level);
    }

    @Test
    void logWithANullFailureStillReports() {
        RecordingLogger working = new RecordingLogger(false);
        FailureReports.log(working, System.Logger.Level.ERROR, () -> "no throwable", null);
        assertEquals("no throwable", working.message);
        assertNull(working.thrown);
    }

    private static String capturingErr(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A logger that records one report, or throws an Error as a broken handler would. */
    private static final class RecordingLogger implements System.Logger {
        private final boolean fail;
        Level level;
        String message;
        Throwable thrown;

        RecordingLogger(boolean fail) {
            this.fail = fail;
        }

        @Override
        public String getName() {
            return "recording";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (fail) {
                throw new StackOverflowError("logger");
            }
            this.level = level;
            this.message = msg;
            this.thrown = thrown;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            log(level, bundle, format, (Throwable) null);
        }
    }
}
