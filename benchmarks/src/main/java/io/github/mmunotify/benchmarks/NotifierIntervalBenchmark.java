package io.github.mmunotify.benchmarks;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.IntervalCallback;
import io.github.mmunotify.notifier.IntervalNotifier;
import io.github.mmunotify.notifier.InvalidationEvent;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
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
 * Interval invalidation with many page-sized interval notifiers: an {@link AddressSpace#protect}
 * of a mapping that overlaps {@code touched} of {@code intervals} intervals (interval-tree lookup,
 * each touched callback setting its sequence, the change, the end of the invalidation), against a
 * {@code ConcurrentSkipListMap} keyed by start whose sub-map is walked for the same callbacks.
 * Cost should grow with {@code touched}, and only logarithmically with {@code intervals}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NotifierIntervalBenchmark {

    private static final long PAGE = AddressSpace.PAGE_SIZE;
    private static final long BASE = 0x1000_0000L;

    @Param({"1000", "100000"})
    int intervals;

    @Param({"1", "100"})
    int touched;

    private Mmu mmu;
    private AddressSpace space;
    private Region region;
    private Mapping mapping;
    private boolean writable;
    private long sequence = 1;

    private final ConcurrentSkipListMap<Long, IntervalNotifier> byStart = new ConcurrentSkipListMap<>();
    private Mapping baselineMapping;

    @Setup(Level.Trial)
    public void setUp() {
        mmu = Mmu.create("interval-bench");
        space = mmu.createAddressSpace("bench");
        region = Region.allocate("interval-bench", 2 * touched * PAGE);
        IntervalCallback callback = (interval, range, seq) -> {
            interval.setSequence(seq);
            return true;
        };
        for (int i = 0; i < intervals; i++) {
            IntervalNotifier interval = space.insert(BASE + i * PAGE, PAGE, callback);
            byStart.put(interval.start(), interval);
        }
        long middle = BASE + (intervals / 2) * PAGE;
        mapping = space.mapAt(middle, region, 0, touched * PAGE);
        baselineMapping = region.map(touched * PAGE, touched * PAGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mmu.close();
        region.close();
    }

    /** The library: interval tree lookup inside the invalidation of one protection change. */
    @Benchmark
    public int intervalTree() {
        writable = !writable;
        return space.protect(mapping.address(), touched * PAGE, writable);
    }

    /** Baseline: the same callbacks found through a skip list's sub-map (disjoint intervals only). */
    @Benchmark
    public int skipListSubMap() {
        writable = !writable;
        long start = mapping.address();
        long end = start + touched * PAGE;
        InvalidationRange range = new InvalidationRange(space, start, end, InvalidationEvent.PROTECTION_CHANGE, true);
        sequence += 2;
        int count = 0;
        Map.Entry<Long, IntervalNotifier> before = byStart.lowerEntry(start);
        if (before != null && before.getValue().end() > start) {
            count += call(before.getValue(), range);
        }
        for (IntervalNotifier interval : byStart.subMap(start, end).values()) {
            count += call(interval, range);
        }
        baselineMapping.setWritable(writable);
        return count;
    }

    private int call(IntervalNotifier interval, InvalidationRange range) {
        interval.setSequence(sequence);
        return range.blockable() ? 1 : 0;
    }
}
