package io.github.mmunotify.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a class's {@code main} in a fresh JVM started from the same {@code java} executable with
 * the test class path and exactly the flags given, none of the test JVM's own: for tests of what a
 * user's JVM needs (which flags, which warnings it prints). Standard output and standard error
 * are kept apart, so a test can assert that the child printed nothing on stderr (no JDK warning).
 *
 * <p>The child is waited for at most {@link TestTimeouts#join()} and destroyed whatever happens. A
 * crash log ({@code hs_err_pid*.log}) goes to a temporary directory, deleted afterwards, and is
 * reported in the result ({@link Result#crashed()}), never left in a module directory; the one
 * {@code -XX:ErrorFile} flag that puts it there (and {@code -XX:-CreateCoredumpOnCrash}) change
 * nothing else.
 */
public final class ChildJvm {

    /**
     * What the child did.
     *
     * @param exitCode its exit status
     * @param stdout   everything it printed on standard output
     * @param stderr   everything it printed on standard error
     * @param crashed  whether it wrote a crash log
     */
    public record Result(int exitCode, String stdout, String stderr, boolean crashed) {
        /**
         * All of it, for assertion messages.
         *
         * @return exit status, crash flag, stdout and stderr
         */
        public String describe() {
            return "exit " + exitCode + (crashed ? " (crashed)" : "") + "\n--- stdout:\n" + stdout + "--- stderr:\n"
                    + stderr;
        }

        /**
         * Everything the child printed, standard output then standard error, for tests that look
         * for a line wherever it went.
         *
         * @return stdout followed by stderr
         */
        public String output() {
            return stdout + stderr;
        }
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code flags} (JVM options, before the class name) and {@code args}.
     *
     * @param main  the class whose {@code main} runs
     * @param flags the JVM options, and only these
     * @param args  the program arguments
     * @return what the child did
     * @throws IOException          if the child cannot be started or its output not read
     * @throws InterruptedException if interrupted while waiting (the child is destroyed)
     * @throws AssertionError       if the child does not finish within {@link TestTimeouts#join()}
     */
    public static Result run(Class<?> main, List<String> flags, String... args)
            throws IOException, InterruptedException {
        return runWithClassPath(main, flags, System.getProperty("java.class.path"), args);
    }

    /**
     * This JVM's own options (surefire's {@code argLine}), without its crash-log and debugger
     * options: for a child that must run as the tests do, plus a setting read once per JVM.
     *
     * @return the options this JVM was started with, one per element
     */
    public static List<String> inheritedFlags() {
        List<String> flags = new ArrayList<>();
        for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!flag.startsWith("-XX:ErrorFile") && !flag.startsWith("-agentlib:jdwp")) {
                flags.add(flag);
            }
        }
        return flags;
    }

    /**
     * The JVM options listed in a system property (a module's pom passes its surefire
     * {@code argLine} on this way), split on whitespace.
     *
     * @param property the system property's name
     * @return its options, one per element
     * @throws AssertionError if the property is not set (the test was not run through Maven)
     */
    public static List<String> flagsFromProperty(String property) {
        String flags = System.getProperty(property);
        if (flags == null || flags.isBlank()) {
            throw new AssertionError(property + " is not set: run the test through Maven, whose pom sets it");
        }
        return List.of(flags.trim().split("\\s+"));
    }

    /**
     * As {@link #run}, with {@code classPath} instead of the test class path.
     *
     * @param main      the class whose {@code main} runs
     * @param flags     the JVM options, and only these
     * @param classPath the child's class path
     * @param args      the program arguments
     * @return what the child did
     * @throws IOException          if the child cannot be started or its output not read
     * @throws InterruptedException if interrupted while waiting (the child is destroyed)
     * @throws AssertionError       if the child does not finish within {@link TestTimeouts#join()}
     */
    public static Result runWithClassPath(Class<?> main, List<String> flags, String classPath, String... args)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("mmunotify-child");
        try {
            Path crashDir = Files.createDirectory(dir.resolve("crash"));
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElseThrow());
            command.add("-XX:ErrorFile=" + crashDir.resolve("hs_err_pid%p.log"));
            command.add("-XX:-CreateCoredumpOnCrash");
            command.addAll(flags);
            command.add("-cp");
            command.add(classPath);
            command.add(main.getName());
            command.addAll(List.of(args));
            Path out = dir.resolve("stdout.txt");
            Path err = dir.resolve("stderr.txt");
            Process child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!child.waitFor(TestTimeouts.join().toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError(main.getName() + " did not finish within " + TestTimeouts.join());
                }
            } finally {
                child.destroyForcibly();
            }
            boolean crashed;
            try (Stream<Path> logs = Files.list(crashDir)) {
                crashed = logs.findAny().isPresent();
            }
            return new Result(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), crashed);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
