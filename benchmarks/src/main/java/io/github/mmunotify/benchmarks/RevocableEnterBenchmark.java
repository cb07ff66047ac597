package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.Srcu;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The read side of revocation: one {@code tryEnter()} + {@code exit()} pair on one shared object,
 * at 1 and 2 threads, against the kernfs/proc way (an {@code AtomicInteger} active count that
 * revocation biases negative; entering is an increment-unless-negative CAS loop) and against an
 * SRCU read section ({@code Srcu.readLock/readUnlock}) of this library.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class RevocableEnterBenchmark {

    private Revocable revocable;
    private final AtomicInteger biasedActive = new AtomicInteger();
    private Srcu srcu;

    @Setup
    public void setUp() {
        revocable = Revocable.create("bench");
        srcu = Srcu.create("bench");
    }

    @TearDown
    public void tearDown() {
        revocable.revoke();
        srcu.close();
    }

    @Benchmark
    @Threads(1)
    public boolean revocable_1thread() {
        return enterExitRevocable();
    }

    @Benchmark
    @Threads(2)
    public boolean revocable_2threads() {
        return enterExitRevocable();
    }

    @Benchmark
    @Threads(1)
    public boolean atomicBiased_1thread() {
        return enterExitBiased();
    }

    @Benchmark
    @Threads(2)
    public boolean atomicBiased_2threads() {
        return enterExitBiased();
    }

    @Benchmark
    @Threads(1)
    public int srcu_1thread() {
        return enterExitSrcu();
    }

    @Benchmark
    @Threads(2)
    public int srcu_2threads() {
        return enterExitSrcu();
    }

    private boolean enterExitRevocable() {
        if (revocable.tryEnter()) {
            revocable.exit();
            return true;
        }
        return false;
    }

    /** kernfs_get_active / kernfs_put_active: atomic_inc_unless_negative, then a decrement. */
    private boolean enterExitBiased() {
        int v;
        do {
            v = biasedActive.get();
            if (v < 0) {
                return false;
            }
        } while (!biasedActive.compareAndSet(v, v + 1));
        biasedActive.decrementAndGet();
        return true;
    }

    private int enterExitSrcu() {
        int token = srcu.readLock();
        srcu.readUnlock(token);
        return token;
    }
}
