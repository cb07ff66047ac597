package io.github.mmunotify.benchmarks;

import io.github.mmunotify.chronicle.GuardedBytes;
import io.github.mmunotify.mmap.Region;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Read cost of the guarded Chronicle view: {@code GuardedBytes.readLong(offset)} (its range check,
 * then {@code Region.getLong}: range check, guard enter and exit, load) against the region's own
 * {@code getLong} and a raw Chronicle native {@link BytesStore} {@code readLong(offset)} (a load,
 * no check, no guard). All hold 32 KiB of the same pattern; the offset comes from a field so the
 * read is not folded. {@code guardedBytesReadLongStreaming} is the relative form (position check
 * and update), rewound each call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GuardedBytesBenchmark {
    private static final int LONGS = 4096;
    private static final int BYTES = LONGS * Long.BYTES;

    private Region region;
    private Bytes<Void> guarded;
    private BytesStore<?, Void> store;
    private long offset = 8 * 123;

    @Setup
    public void setUp() {
        region = Region.allocate("bench-bytes", BYTES);
        guarded = GuardedBytes.wrap(region);
        store = BytesStore.nativeStoreWithFixedCapacity(BYTES);
        for (int i = 0; i < LONGS; i++) {
            region.putLong(i * 8L, i * 31L);
            store.writeLong(i * 8L, i * 31L);
        }
    }

    @TearDown
    public void tearDown() {
        region.close();
        store.releaseLast();
    }

    @Benchmark
    public long guardedBytesReadLong() {
        return guarded.readLong(offset);
    }

    @Benchmark
    public long regionGetLong() {
        return region.getLong(offset);
    }

    @Benchmark
    public long rawBytesStoreReadLong() {
        return store.readLong(offset);
    }

    @Benchmark
    public long guardedBytesReadLongStreaming() {
        guarded.readPosition(offset);
        return guarded.readLong();
    }
}
