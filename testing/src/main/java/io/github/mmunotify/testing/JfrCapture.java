package io.github.mmunotify.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Records what a piece of code emits as JFR events, through the public API only: starts a
 * {@link Recording} with the named events enabled (threshold 0, so every one is kept) or
 * disabled, runs the code, stops, dumps to a temporary file, and reads it back with
 * {@link RecordingFile}. Only events of the named types are returned.
 *
 * <pre>{@code
 * List<RecordedEvent> events = JfrCapture.enabled(List.of("io.github.mmunotify.Revoke"), () -> r.revoke());
 * }</pre>
 */
public final class JfrCapture {

    /** Code run while recording; may throw anything. */
    @FunctionalInterface
    public interface Body {
        void run() throws Throwable;
    }

    private JfrCapture() {
    }

    /** Runs {@code body} with the {@code names} events enabled at threshold 0; returns those recorded, in order. */
    public static List<RecordedEvent> enabled(List<String> names, Body body) throws Throwable {
        return record(names, true, body);
    }

    /** Runs {@code body} with the {@code names} events disabled; returns those recorded anyway (should be none). */
    public static List<RecordedEvent> disabled(List<String> names, Body body) throws Throwable {
        return record(names, false, body);
    }

    private static List<RecordedEvent> record(List<String> names, boolean enable, Body body) throws Throwable {
        Path file = Files.createTempFile("mmunotify-test-", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                for (String name : names) {
                    if (enable) {
                        recording.enable(name).withThreshold(Duration.ZERO).withStackTrace();
                    } else {
                        recording.disable(name);
                    }
                }
                recording.start();
                try {
                    body.run();
                } finally {
                    recording.stop();
                }
                recording.dump(file);
            }
            List<RecordedEvent> wanted = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (names.contains(event.getEventType().getName())) {
                    wanted.add(event);
                }
            }
            wanted.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
            return wanted;
        } finally {
            delete(file);
        }
    }

    private static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
    }
}
