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
 * subscribers. Each call publishes a new version of the subscriber array (one copied path) and
 * then waits until no walk can hold the old one: when no walk of the space is inside, as here,
 * that is a check of a few counters, not an SRCU grace period; {@code unregister} also runs
 * {@code release} (in a read section) when the subscriber has one of its own
 * ({@link #registerUnregisterWithRelease}; the plain subscriber inherits the no-op default, which
 * is neither called nor bracketed). Both refuse misuse: a duplicate register, an unregister of
 * a subscriber never registered.
 *
 * <p>Baselines: add + remove on a {@code CopyOnWriteArrayList} under a
 * {@code ReentrantReadWriteLock} write lock, which gives the same "no callback after return"
 * guarantee by making walks wait for writers; and the honest form of it, which also does what
 * the library does and the plain one does not: refuses a duplicate ({@code addIfAbsent}, an O(n)
 * scan), refuses removing a subscriber that is not there, and calls {@code release}.
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
    /** Counts its releases, so that unregister has a release of its own to run (in a read section). */
    private final ReleaseCounter releasing = new ReleaseCounter();
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

    /** The library: register, then unregister (release, removal, the wait for walks). */
    @Benchmark
    public void registerUnregister() {
        space.register(subscriber);
        space.unregister(subscriber);
    }

    /**
     * The library with a subscriber that overrides {@code release}: unregister runs it in an SRCU
     * read section, then removes it (the subscriber of {@link #registerUnregister} inherits the
     * no-op default, which unregister neither calls nor brackets).
     */
    @Benchmark
    public void registerUnregisterWithRelease() {
        space.register(releasing);
        space.unregister(releasing);
    }

    /** The plain baseline: add and remove, no checks, no release. */
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

    /** The honest baseline: duplicate refused, absent removal refused, release called, all under the write lock. */
    @Benchmark
    public void copyOnWriteListCheckedAddRemoveUnderWriteLock() {
        ReentrantReadWriteLock.WriteLock lock = listenerLock.writeLock();
        lock.lock();
        try {
            if (!listeners.addIfAbsent(subscriber)) {
                throw new IllegalArgumentException(subscriber + " is already registered");
            }
        } finally {
            lock.unlock();
        }
        lock.lock();
        try {
            subscriber.release(space);
            if (!listeners.remove(subscriber)) {
                throw new IllegalArgumentException(subscriber + " was never registered");
            }
        } finally {
            lock.unlock();
        }
    }

    /** A subscriber with a release of its own: it counts the calls. */
    static final class ReleaseCounter implements MmuNotifier {
        private long releases;

        @Override
        public void release(AddressSpace addressSpace) {
            releases++;
        }

        @Override
        public String toString() {
            return "ReleaseCounter[" + releases + " releases]";
        }
    }
}
