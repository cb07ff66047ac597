package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.mmap.MappedArena;
import io.github.mmunotify.mmap.Pin;
import io.github.mmunotify.mmap.Region;
import net.openhft.chronicle.bytes.BytesStore;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Read cost of a revocable {@link Region}: one guarded {@code getLong} (on a region of its own, a
 * count-free read: bounds check, the load, the revoked flag; see {@link Region#hasCountFreeReads()}),
 * the same read counted in and out of the guard ({@code countedGetLong}, on a region of a
 * {@link MappedArena}, which always counts), and a loop of 4,096 {@code getLong} under one {@link Pin}, against the same reads
 * from memory that cannot be revoked safely: an Agrona {@link UnsafeBuffer}, a Chronicle
 * {@link BytesStore} and an FFM {@link MemorySegment} of a shared {@link Arena}. All four hold
 * 32 KiB of the same pattern; the single read takes its offset from a field so it is not folded.
 *
 * <p>The two FFM forms mmap could use for its own accesses are measured raw, without a guard: a
 * segment of the memory's size held in a field ({@code segment*}), and one static segment over
 * the whole address space read at absolute addresses ({@code everythingSegment*}, what
 * {@code Memory} uses). The volatile pair compares a guarded {@code getLongVolatile} with a raw
 * {@code VarHandle} volatile read. {@code unsafeGuardedGetLong} replays, step by step, what
 * {@code Region.getLong} did before mmap moved to the FFM API (bounds check, guard entry,
 * {@code Unsafe} load, guard exit) over the same memory, so the two can be compared in one run on a
 * noisy machine.
 *
 * <p>Compare {@code regionGetLong} (the library's read, count-free), {@code countedGetLong} (what
 * every read cost before count-free reads, and still costs on file-backed and arena regions),
 * {@code unsafeBufferGetLong} and {@code everythingSegmentGetLong} with
 * {@code -Dbench="RegionAccessBenchmark.(regionGetLong|countedGetLong|unsafeBufferGetLong|everythingSegmentGetLong)$"};
 * the loops likewise with {@code regionGuardedLoop}, {@code countedGuardedLoop},
 * {@code regionPinnedLoop} and {@code unsafeBufferLoop}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RegionAccessBenchmark {
    private static final int LONGS = 4096;
    private static final int BYTES = LONGS * Long.BYTES;

    private Region region;
    /** A region of an arena: every access counts in and out of its guard. */
    private MappedArena countedArena;
    private Region counted;
    private UnsafeBuffer unsafeBuffer;
    private BytesStore<?, Void> bytesStore;
    private Arena arena;
    private MemorySegment segment;
    private long offset = 8 * 123;
    /** A guard of its own for the replay of the Unsafe-based guarded read. */
    private final Revocable guard = Revocable.create("unsafe-baseline");
    /** The absolute address of {@link #segment}, for the everything-segment reads. */
    private long segmentAddress;

    /** One segment over the whole address space: reads at absolute addresses. */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    @Setup
    public void setUp() {
        region = Region.allocate("bench", BYTES);
        if (!region.hasCountFreeReads()) {
            throw new IllegalStateException("the measured region must have count-free reads: " + region);
        }
        countedArena = MappedArena.anonymous("bench-arena", BYTES);
        counted = countedArena.allocate("bench-counted", BYTES);
        unsafeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(BYTES));
        bytesStore = BytesStore.nativeStoreWithFixedCapacity(BYTES);
        arena = Arena.ofShared();
        segment = arena.allocate(BYTES, 8);
        segmentAddress = segment.address();
        for (int i = 0; i < LONGS; i++) {
            long value = i * 31L;
            region.putLong(i * 8L, value);
            counted.putLong(i * 8L, value);
            unsafeBuffer.putLong(i * 8, value);
            bytesStore.writeLong(i * 8L, value);
            segment.setAtIndex(ValueLayout.JAVA_LONG, i, value);
        }
    }

    @TearDown
    public void tearDown() {
        region.close();
        countedArena.close();
        bytesStore.releaseLast();
        arena.close();
    }

    @Benchmark
    public long regionGetLong() {
        return region.getLong(offset);
    }

    @Benchmark
    public long unsafeBufferGetLong() {
        return unsafeBuffer.getLong((int) offset);
    }

    @Benchmark
    public long bytesStoreGetLong() {
        return bytesStore.readLong(offset);
    }

    @Benchmark
    public long segmentGetLong() {
        return segment.get(ValueLayout.JAVA_LONG, offset);
    }

    @Benchmark
    public long everythingSegmentGetLong() {
        return EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, segmentAddress + offset);
    }

    @Benchmark
    public long unsafeGuardedGetLong() {
        long at = offset;
        if (at < 0 || at > BYTES - Long.BYTES) {
            throw new IndexOutOfBoundsException("offset " + at);
        }
        if (!guard.tryEnter()) {
            throw new IllegalStateException("revoked");
        }
        try {
            return UnsafeApi.getLong(segmentAddress + at);
        } finally {
            guard.exit();
        }
    }

    /** The same read as {@link #regionGetLong}, counted in and out of the guard (an arena's region). */
    @Benchmark
    public long countedGetLong() {
        return counted.getLong(offset);
    }

    @Benchmark
    public long regionGetLongVolatile() {
        return region.getLongVolatile(offset);
    }

    @Benchmark
    public long everythingSegmentGetLongVolatile() {
        return (long) LONG.getVolatile(EVERYTHING, segmentAddress + offset);
    }

    @Benchmark
    public long regionPinnedLoop() {
        long sum = 0;
        try (Pin pin = region.pin()) {
            for (int i = 0; i < LONGS; i++) {
                sum += pin.getLong(i * 8L);
            }
        }
        return sum;
    }

    @Benchmark
    public long regionGuardedLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += region.getLong(i * 8L);
        }
        return sum;
    }

    @Benchmark
    public long countedGuardedLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += counted.getLong(i * 8L);
        }
        return sum;
    }

    @Benchmark
    public long unsafeBufferLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += unsafeBuffer.getLong(i * 8);
        }
        return sum;
    }

    @Benchmark
    public long bytesStoreLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += bytesStore.readLong(i * 8L);
        }
        return sum;
    }

    @Benchmark
    public long everythingSegmentLoop() {
        long sum = 0;
        long base = segmentAddress;
        for (int i = 0; i < LONGS; i++) {
            sum += EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, base + i * 8L);
        }
        return sum;
    }

    @Benchmark
    public long segmentLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += segment.getAtIndex(ValueLayout.JAVA_LONG, i);
        }
        return sum;
    }
}
