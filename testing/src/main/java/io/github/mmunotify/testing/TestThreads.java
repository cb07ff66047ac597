package io.github.mmunotify.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Threads started by a test whose failures fail the test.
 *
 * <p>{@code Thread.ofPlatform().start(() -> assertTrue(x))} passes even when {@code x} is false: the
 * {@link AssertionError} dies with the thread. Threads started here record every {@link Throwable}
 * they end with; {@link #close()} (or {@link #join()}) waits for all of them within a bounded,
 * {@linkplain TestTimeouts scaled} time and rethrows the first failure with the others suppressed.
 * A thread still running at the deadline is itself a failure, reported with its stack.
 *
 * <pre>{@code
 * try (TestThreads threads = new TestThreads("revoke race")) {
 *     threads.start(() -> assertTrue(r.tryEnter()));
 *     threads.startVirtual(() -> r.revoke());
 * }                                              // joins; an assertion in either thread fails here
 * }</pre>
 *
 * <p>Not thread-safe for starting: start threads from the test thread only.
 */
public final class TestThreads implements AutoCloseable {

    /** Work run on a test thread; may throw anything. */
    @FunctionalInterface
    public interface Body {
        void run() throws Throwable;
    }

    private final String name;
    private final Duration joinTimeout;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();

    /** Threads named after {@code name}, joined within {@link TestTimeouts#join()}. */
    public TestThreads(String name) {
        this(name, TestTimeouts.join());
    }

    /** Threads named after {@code name}, joined within {@code joinTimeout} (already scaled by the caller). */
    public TestThreads(String name, Duration joinTimeout) {
        this.name = name;
        this.joinTimeout = joinTimeout;
    }

    /** Starts {@code body} on a new platform thread. */
    public Thread start(Body body) {
        return add(Thread.ofPlatform().name(name + "-" + threads.size()).unstarted(wrap(body)));
    }

    /** Starts {@code body} on a new daemon platform thread (for threads a test may abandon inside a wait). */
    public Thread startDaemon(Body body) {
        return add(Thread.ofPlatform().daemon().name(name + "-" + threads.size()).unstarted(wrap(body)));
    }

    /** Starts {@code body} on a new virtual thread. */
    public Thread startVirtual(Body body) {
        return add(Thread.ofVirtual().name(name + "-v" + threads.size()).unstarted(wrap(body)));
    }

    /** Failures recorded so far, without waiting. */
    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /**
     * Waits for every thread started so far; rethrows the first failure (as an {@link AssertionError}
     * if it was not one), with the rest suppressed. A thread still alive at the deadline fails too.
     */
    public void join() throws InterruptedException {
        long deadline = System.nanoTime() + joinTimeout.toNanos();
        List<Thread> stuck = new ArrayList<>();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
            if (t.isAlive()) {
                stuck.add(t);
            }
        }
        for (Thread t : stuck) {
            AssertionError e = new AssertionError(t.getName() + " still running after " + joinTimeout + " (state "
                    + t.getState() + ")");
            e.setStackTrace(t.getStackTrace());
            failures.add(e);
        }
        rethrow();
    }

    /** {@link #join()}; an interrupt while joining is a failure. */
    @Override
    public void close() {
        try {
            join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while joining " + name, e);
        }
    }

    private void rethrow() {
        Throwable first = failures.poll();
        if (first == null) {
            return;
        }
        AssertionError thrown = first instanceof AssertionError a ? a
                : new AssertionError("a thread of " + name + " failed: " + first, first);
        for (Throwable more; (more = failures.poll()) != null; ) {
            thrown.addSuppressed(more);
        }
        throw thrown;
    }

    private Thread add(Thread thread) {
        threads.add(thread);
        thread.start();
        return thread;
    }

    private Runnable wrap(Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                failures.add(t);
            }
        };
    }

    @Override
    public String toString() {
        return "TestThreads[" + name + ", " + threads.size() + " started, " + failures.size() + " failed]";
    }
}
