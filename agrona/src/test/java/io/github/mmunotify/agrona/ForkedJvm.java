package io.github.mmunotify.agrona;

import io.github.mmunotify.testing.TestTimeouts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a test class's {@code main} in a JVM of its own with exactly the flags given (none of this
 * JVM's), this JVM's {@code java} and, unless told otherwise, its class path: for flags that must
 * be left out, for the module path, and for settings read once per JVM (Agrona's bounds-check
 * switch). A crash log goes to a temporary
 * directory that is deleted afterwards and is reported in the result, never into the module.
 */
final class ForkedJvm {
    /** What the child did: its exit status, stdout and stderr together, and whether it crashed. */
    record Result(int exitCode, String output, boolean crashed) {
    }

    private ForkedJvm() {
    }

    /** The flags the module's tests run with (surefire's argLine), one per element. */
    static List<String> moduleFlags() {
        String flags = System.getProperty("mmunotify.agrona.jvm.flags");
        if (flags == null || flags.isBlank()) {
            throw new AssertionError("mmunotify.agrona.jvm.flags is not set: run through Maven (agrona/pom.xml)");
        }
        return List.of(flags.trim().split("\\s+"));
    }

    static Result run(Class<?> main, List<String> flags) throws IOException, InterruptedException {
        return run(main, flags, System.getProperty("java.class.path"));
    }

    static Result run(Class<?> main, List<String> flags, String classPath) throws IOException, InterruptedException {
        Path errorDir = Files.createTempDirectory("mmunotify-agrona-fork");
        try {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElseThrow());
            command.add("-XX:ErrorFile=" + errorDir.resolve("hs_err_pid%p.log"));
            command.add("-XX:-CreateCoredumpOnCrash");
            command.addAll(flags);
            command.add("-cp");
            command.add(classPath);
            command.add(main.getName());
            Path output = errorDir.resolve("output.txt");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try {
                if (!process.waitFor(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("forked " + main.getSimpleName() + " did not finish in " + TestTimeouts.join());
                }
            } finally {
                process.destroyForcibly();
            }
            boolean crashed;
            try (Stream<Path> logs = Files.list(errorDir)) {
                crashed = logs.anyMatch(p -> p.getFileName().toString().startsWith("hs_err"));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8), crashed);
        } finally {
            try (Stream<Path> files = Files.walk(errorDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
