package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Srcu;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deferred-work throughput: queueing a callback with {@link Srcu#callSrcu(Runnable)} (it runs after a
 * grace period that it shares with everything queued alongside it), against handing the same
 * no-op to a single-thread {@code ExecutorService} (runs soon, with no grace period at all).
 *
 * <p>After each iteration the backlog is drained ({@code barrier()} / a marker task), so the queue
 * cannot grow without bound and the next iteration starts empty.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrcuCallbackBenchmark {

    private static final Runnable NOTHING = () -> { };

    private final Srcu srcu = Srcu.create("bench-callbacks");
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @Benchmark
    public void callSrcu() {
        srcu.callSrcu(NOTHING);
    }

    @Benchmark
    public void singleThreadExecutor() {
        executor.execute(NOTHING);
    }

    @TearDown(Level.Iteration)
    public void drain() throws Exception {
        srcu.barrier();
        Future<?> marker = executor.submit(NOTHING);
        marker.get();
    }

    @TearDown
    public void close() throws InterruptedException {
        srcu.close();
        executor.shutdown();
        executor.awaitTermination(1, TimeUnit.MINUTES);
    }
}
