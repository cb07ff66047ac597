package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.TestTimeouts;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a test class's {@code main} in a JVM of its own, with this JVM's class path and flags plus
 * some more: for settings read once per JVM (Agrona's bounds-check switch) and for reproductions
 * that could crash a JVM. A crash log goes to a temporary directory that is deleted afterwards, and
 * is reported in the result: never into a module directory.
 */
final class ForkedJvm {
    record Result(int exitCode, String output, boolean crashed) {
    }

    private ForkedJvm() {
    }

    static Result run(Class<?> main, String... extraFlags) throws IOException, InterruptedException {
        Path errorDir = Files.createTempDirectory("mmunotify-fork");
        try {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElseThrow());
            for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!flag.startsWith("-XX:ErrorFile") && !flag.startsWith("-agentlib:jdwp")) {
                    command.add(flag);
                }
            }
            command.add("-XX:ErrorFile=" + errorDir.resolve("hs_err_pid%p.log"));
            command.add("-XX:-CreateCoredumpOnCrash");
            command.addAll(List.of(extraFlags));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(main.getName());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("forked " + main.getSimpleName() + " did not finish in " + TestTimeouts.join());
            }
            boolean crashed;
            try (Stream<Path> logs = Files.list(errorDir)) {
                crashed = logs.findAny().isPresent();
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), crashed);
        } finally {
            try (Stream<Path> files = Files.walk(errorDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
