package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Srcu;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read-side cost on a virtual thread (the striped path): one read lock + unlock of an
 * {@link Srcu} domain, timed in batches of {@value #BATCH} on one long-lived worker thread, so
 * that the hand-off to the worker costs well under a nanosecond per operation. In the same run
 * and the same harness: the platform thread's per-thread read side, a virtual thread's nested
 * section (counted only in its own bookkeeping), a shared section ({@link Srcu#readLockShared()},
 * which allocates its handle), and an empty batch (the harness alone).
 *
 * <p>A virtual thread's outermost section is an atomic add on a shared stripe plus a fence; a
 * platform thread's is two plain stores and a fence on its own line. The difference is the price
 * of grace periods that do not scan virtual threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrcuVirtualReadBenchmark {

    /** Operations per benchmark invocation. */
    static final int BATCH = 10_000;

    private final Srcu srcu = Srcu.create("bench-virtual-read");
    private final ExecutorService virtualWorker = Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
    private final ExecutorService platformWorker = Executors.newSingleThreadExecutor();

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long virtualReadLockUnlock() throws Exception {
        return run(virtualWorker, this::lockUnlockBatch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long platformReadLockUnlock() throws Exception {
        return run(platformWorker, this::lockUnlockBatch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long virtualNestedReadLockUnlock() throws Exception {
        return run(virtualWorker, () -> {
            int outer = srcu.readLock();
            try {
                return lockUnlockBatch();
            } finally {
                srcu.readUnlock(outer);
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long sharedReadLockUnlock() throws Exception {
        return run(platformWorker, () -> {
            for (int i = 0; i < BATCH; i++) {
                srcu.readLockShared().close();
            }
            return (long) BATCH;
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long virtualEmptyBatch() throws Exception {
        return run(virtualWorker, () -> {
            long sum = 0;
            for (int i = 0; i < BATCH; i++) {
                sum += i;
            }
            return sum;
        });
    }

    private long lockUnlockBatch() {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            int token = srcu.readLock();
            sum += token;
            srcu.readUnlock(token);
        }
        return sum;
    }

    private static long run(ExecutorService worker, java.util.concurrent.Callable<Long> batch)
            throws InterruptedException, ExecutionException {
        return worker.submit(batch).get();
    }

    @TearDown
    public void close() {
        virtualWorker.close();
        platformWorker.close();
        srcu.close();
    }
}
