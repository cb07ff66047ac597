package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Srcu;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Update-side latency: one {@link Srcu#synchronize()} with no reader registered, and with one
 * reader that has just left its section (the caller's own, so its counters are hot in another
 * state than the grace period needs). Baselines: taking and dropping a
 * {@code ReentrantReadWriteLock} write lock (what waits out readers with a lock), and opening and
 * closing a shared {@link Arena} (the JDK's way of making sure no thread still uses memory: a
 * handshake with every thread).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrcuSynchronizeBenchmark {

    private final Srcu noReaders = Srcu.create("bench-sync-idle");
    private final Srcu oneReader = Srcu.create("bench-sync-reader");
    private final ReentrantReadWriteLock readWriteLock = new ReentrantReadWriteLock();

    @Benchmark
    public void synchronizeNoReader() {
        noReaders.synchronize();
    }

    @Benchmark
    public void synchronizeAfterReaderLeft() {
        oneReader.readUnlock(oneReader.readLock());
        oneReader.synchronize();
    }

    @Benchmark
    public void reentrantReadWriteLockWrite() {
        readWriteLock.writeLock().lock();
        readWriteLock.writeLock().unlock();
    }

    @Benchmark
    public void sharedArenaOpenClose() {
        Arena.ofShared().close();
    }

    @TearDown
    public void close() {
        noReaders.close();
        oneReader.close();
    }
}
