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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Registering many subscribers into one fresh address space, one {@code register} each: the
 * library copies one 64-way path of its subscriber array per register (O(n log n) for n), where a
 * copy-on-write array copies the whole list (O(n<sup>2</sup>)). Baseline: the same subscribers
 * added one by one to a {@code CopyOnWriteArrayList} under a {@code ReentrantReadWriteLock}
 * write lock. One operation is all n registrations; compare the growth from 10,000 to 100,000.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class NotifierRegisterAtScaleBenchmark {

    @Param({"10000", "100000"})
    int subscribers;

    private MmuNotifier[] notifiers;
    private Mmu mmu;
    private AddressSpace space;
    private ReentrantReadWriteLock listenerLock;
    private CopyOnWriteArrayList<MmuNotifier> listeners;

    @Setup(Level.Trial)
    public void makeSubscribers() {
        notifiers = new MmuNotifier[subscribers];
        for (int i = 0; i < subscribers; i++) {
            notifiers[i] = new MmuNotifier() { };
        }
    }

    @Setup(Level.Invocation)
    public void freshSpace() {
        mmu = Mmu.create("register-at-scale");
        space = mmu.createAddressSpace("bench");
        listenerLock = new ReentrantReadWriteLock();
        listeners = new CopyOnWriteArrayList<>();
    }

    @TearDown(Level.Invocation)
    public void closeSpace() {
        mmu.close();
    }

    /** The library: n registers into one space. */
    @Benchmark
    public AddressSpace registerAll() {
        for (MmuNotifier notifier : notifiers) {
            space.register(notifier);
        }
        return space;
    }

    /** The baseline: n adds to a copy-on-write list under the write lock. */
    @Benchmark
    public CopyOnWriteArrayList<MmuNotifier> copyOnWriteListAddAllUnderWriteLock() {
        ReentrantReadWriteLock.WriteLock lock = listenerLock.writeLock();
        for (MmuNotifier notifier : notifiers) {
            lock.lock();
            try {
                listeners.add(notifier);
            } finally {
                lock.unlock();
            }
        }
        return listeners;
    }
}
