package io.github.mmunotify.benchmarks;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.InvalidationEvent;
import io.github.mmunotify.notifier.InvalidationRange;
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
 * Cost of one invalidation walk by number of list subscribers with no-op callbacks: an
 * {@link AddressSpace#protect} of one mapping (start on every subscriber, the protection change,
 * end on every subscriber, under the Mmu's SRCU read lock) against the usual JVM listener list:
 * a {@code CopyOnWriteArrayList} of the same subscribers walked under a
 * {@code ReentrantReadWriteLock} read lock around the same change. The per-subscriber cost is the
 * slope between subscriber counts. With no subscriber (and no interval notifier, no JFR recording)
 * the library makes the change under the mapping table's lock with no walk at all (the kernel's
 * {@code mm_has_notifiers()} test); {@code subscribers=0} measures that path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NotifierWalkBenchmark {

    /** A subscriber that accepts every invalidation and does nothing. */
    static final class NoOpSubscriber implements MmuNotifier {
        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
        }
    }

    @Param({"0", "1", "4", "10", "16", "64", "100", "1000"})
    int subscribers;

    private Mmu mmu;
    private AddressSpace space;
    private Region region;
    private Mapping mapping;
    private boolean writable;

    private final ReentrantReadWriteLock listenerLock = new ReentrantReadWriteLock();
    private final CopyOnWriteArrayList<MmuNotifier> listeners = new CopyOnWriteArrayList<>();
    private Mapping baselineMapping;
    private AddressSpace rangeOwner;

    @Setup(Level.Trial)
    public void setUp() {
        mmu = Mmu.create("walk-bench");
        space = mmu.createAddressSpace("bench");
        region = Region.allocate("walk-bench", 1 << 16);
        mapping = space.map(region, 0, 4096);
        baselineMapping = region.map(4096, 4096);
        rangeOwner = space;
        for (int i = 0; i < subscribers; i++) {
            NoOpSubscriber subscriber = new NoOpSubscriber();
            space.register(subscriber);
            listeners.add(subscriber);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mmu.close();
        region.close();
    }

    /** The library: SRCU read lock, copy-on-write array snapshot, start/change/end. */
    @Benchmark
    public int notifierWalk() {
        writable = !writable;
        return space.protect(mapping.address(), 4096, writable);
    }

    /** The JVM baseline: read lock, CopyOnWriteArrayList iteration, start/change/end. */
    @Benchmark
    public int copyOnWriteListUnderReadWriteLock() {
        writable = !writable;
        InvalidationRange range = new InvalidationRange(rangeOwner, baselineMapping.address(),
                baselineMapping.address() + 4096, InvalidationEvent.PROTECTION_CHANGE, true);
        ReentrantReadWriteLock.ReadLock lock = listenerLock.readLock();
        lock.lock();
        try {
            for (MmuNotifier listener : listeners) {
                listener.invalidateRangeStart(range);
            }
            baselineMapping.setWritable(writable);
            for (MmuNotifier listener : listeners) {
                listener.invalidateRangeEnd(range);
            }
        } finally {
            lock.unlock();
        }
        return 1;
    }
}
