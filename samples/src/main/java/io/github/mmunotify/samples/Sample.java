package io.github.mmunotify.samples;

import java.io.PrintStream;

/**
 * One runnable sample: a short program for one kind of user, narrating what happens and checking
 * that the library kept its promises.
 *
 * <p>A sample writes its narration to the stream it is given and returns whether every check held.
 * It must leave nothing running when it returns, so that the tour can run the next one in the same
 * JVM and the test suite can run it as a test.
 */
public interface Sample {

    /** The short name that selects this sample on the command line, e.g. {@code driver}. */
    String name();

    /** One line saying what the sample shows. */
    String title();

    /**
     * Runs the sample.
     *
     * @param out where the narration goes
     * @return {@code true} if every check held
     * @throws Exception if the sample could not run at all (counts as a failed check)
     */
    boolean run(PrintStream out) throws Exception;
}
