package io.github.mmunotify.benchmarks;

import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one {@code register} + {@code unregister} pair on an address space with 16 other
 * subscribers. Each call publishes a new copy-on-write array and waits for an SRCU grace period
 * (that is its guarantee); {@code unregister} also runs {@code release}. Baseline: add + remove
 * on a {@code CopyOnWriteArrayList} under a {@code ReentrantReadWriteLock} write lock, which gives
 * the same "no callback after return" guarantee by making walks wait.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NotifierRegisterBenchmark {

    private static final int OTHERS = 16;

    private Mmu mmu;
    private AddressSpace space;
    private final MmuNotifier subscriber = new MmuNotifier() { };
    private final ReentrantReadWriteLock listenerLock = new ReentrantReadWriteLock();
    private final CopyOnWriteArrayList<MmuNotifier> listeners = new CopyOnWriteArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        mmu = Mmu.create("register-bench");
        space = mmu.createAddressSpace("bench");
        for (int i = 0; i < OTHERS; i++) {
            MmuNotifier other = new MmuNotifier() { };
            space.register(other);
            listeners.add(other);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mmu.close();
    }

    @Benchmark
    public void registerUnregister() {
        space.register(subscriber);
        space.unregister(subscriber);
    }

    @Benchmark
    public void copyOnWriteListAddRemoveUnderWriteLock() {
        ReentrantReadWriteLock.WriteLock lock = listenerLock.writeLock();
        lock.lock();
        try {
            listeners.add(subscriber);
        } finally {
            lock.unlock();
        }
        lock.lock();
        try {
            listeners.remove(subscriber);
        } finally {
            lock.unlock();
        }
    }
}
