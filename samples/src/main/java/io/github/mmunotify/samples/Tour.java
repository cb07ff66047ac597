package io.github.mmunotify.samples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the samples in order, each narrating what it does, and exits non-zero if any check failed.
 *
 * <p>{@code Tour} with no argument or {@code all} runs every sample; {@code Tour NAME...} runs the
 * named ones. Unknown names are an error that lists the known ones.
 */
public final class Tour {

    private Tour() {
    }

    /** The samples in tour order. */
    static List<Sample> samples() {
        return List.of(new AcceleratorDriverSample(), new ArenaTeardownSample(), new HotUnplugSample(),
                new NotifierOverheadSample());
    }

    public static void main(String[] args) {
        List<Sample> chosen;
        try {
            chosen = choose(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(chosen, System.out) ? 0 : 1);
    }

    /**
     * Runs {@code chosen} in order, printing each sample's narration and verdict; true if all held.
     * Each sample is announced before it starts and timed, so a slow one is never a silent wait.
     */
    static boolean run(List<Sample> chosen, PrintStream out) {
        long tourStart = System.nanoTime();
        out.printf("running the mmunotify tour on Java %s: %d sample%s (%s)%n", Runtime.version(), chosen.size(),
                chosen.size() == 1 ? "" : "s",
                String.join(", ", chosen.stream().map(Sample::name).toList()));
        int failed = 0;
        int index = 0;
        for (Sample sample : chosen) {
            index++;
            out.printf("%n== [%d/%d] running %s: %s ==%n", index, chosen.size(), sample.name(), sample.title());
            long start = System.nanoTime();
            boolean held;
            try {
                held = sample.run(out);
            } catch (Exception | AssertionError e) {
                out.println("   the sample could not finish: " + e);
                held = false;
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            out.printf("-- %s: %s, done in %d ms%n", sample.name(), held ? "checks held" : "CHECKS FAILED", millis);
            if (!held) {
                failed++;
            }
        }
        long tourMillis = (System.nanoTime() - tourStart) / 1_000_000;
        out.printf("%ntour finished in %d ms: %s%n", tourMillis, failed == 0
                ? "every check held"
                : failed + " sample(s) failed their checks");
        return failed == 0;
    }

    static List<Sample> choose(String[] args) {
        List<Sample> all = samples();
        if (args.length == 0 || (args.length == 1 && args[0].equalsIgnoreCase("all"))) {
            return all;
        }
        List<Sample> chosen = new ArrayList<>();
        for (String arg : args) {
            for (String name : arg.split(",")) {
                chosen.add(all.stream()
                        .filter(s -> s.name().equals(name.trim().toLowerCase(Locale.ROOT)))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown sample '" + name
                                + "'; known samples: " + all.stream().map(Sample::name).toList())));
            }
        }
        return chosen;
    }
}
