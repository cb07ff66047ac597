package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Revocable;
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
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Read cost of a revocable {@link Region}: one guarded {@code getLong} (bounds check, guard enter
 * and exit), and a loop of 4,096 {@code getLong} under one {@link Pin}, against the same reads
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
 * <p>{@code countFreeGetLong} and {@code countFreeLoop} measure the count-free prototype,
 * a guarded read that does not count in and out of the guard, on the same region's memory: bounds
 * check, the load, a compiler-only fence, the region's revoked flag, a reachability fence (see
 * {@link #countFreeRead}). It is not the library's access path: the evaluation in
 * docs/benchmarks.md says why it was not adopted; {@code CountFreeReadExperimentTest} in mmap races
 * the same steps against a real revoke. Compare {@code regionGetLong}, {@code countFreeGetLong},
 * {@code unsafeBufferGetLong} and {@code everythingSegmentGetLong} with
 * {@code -Dbench="RegionAccessBenchmark.(regionGetLong|countFreeGetLong|unsafeBufferGetLong|everythingSegmentGetLong)$"}.
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
    private UnsafeBuffer unsafeBuffer;
    private BytesStore<?, Void> bytesStore;
    private Arena arena;
    private MemorySegment segment;
    private long offset = 8 * 123;
    /** A guard of its own for the replay of the Unsafe-based guarded read. */
    private final Revocable guard = Revocable.create("unsafe-baseline");
    /** The absolute address of {@link #segment}, for the everything-segment reads. */
    private long segmentAddress;
    /** The absolute address of the region's byte 0, for the count-free prototype (read once, by reflection). */
    private long regionBase;
    /** The region's length, for the count-free prototype's bounds check. */
    private long regionLength;

    /** One segment over the whole address space: reads at absolute addresses. */
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** A non-critical downcall: returning from it delivers an InternalError a faulted access left pending. */
    private static final MethodHandle GETPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getpid").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));

    @Setup
    public void setUp() {
        region = Region.allocate("bench", BYTES);
        regionBase = regionBase(region);
        regionLength = region.length();
        unsafeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(BYTES));
        bytesStore = BytesStore.nativeStoreWithFixedCapacity(BYTES);
        arena = Arena.ofShared();
        segment = arena.allocate(BYTES, 8);
        segmentAddress = segment.address();
        for (int i = 0; i < LONGS; i++) {
            long value = i * 31L;
            region.putLong(i * 8L, value);
            unsafeBuffer.putLong(i * 8, value);
            bytesStore.writeLong(i * 8L, value);
            segment.setAtIndex(ValueLayout.JAVA_LONG, i, value);
        }
    }

    @TearDown
    public void tearDown() {
        region.close();
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

    @Benchmark
    public long countFreeGetLong() {
        return countFreeRead(region, regionBase, regionLength, offset);
    }

    /**
     * The count-free prototype: what {@code Region.getLong} would do if revoke relied on the trap
     * alone. A racing read either completes on the region's page before the revoke's
     * {@code mmap(MAP_FIXED)} or faults on the trap after it; HotSpot then skips the load (its value
     * is garbage) and leaves an {@link InternalError} pending until a later poll. The flag, set
     * before the trap is installed, tells the two apart; the slow path makes the pending error
     * surface here (a non-critical downcall) and refuses. The reachability fence keeps the region
     * reachable until the load is done: the rule a Cleaner-based release of the trap's range would
     * rely on.
     */
    private static long countFreeRead(Region region, long base, long length, long at) {
        if (at < 0 || at > length - Long.BYTES) {
            throw new IndexOutOfBoundsException("offset " + at);
        }
        try {
            long value = EVERYTHING.get(ValueLayout.JAVA_LONG_UNALIGNED, base + at);
            /* F: the load is done (read the page or faulted on the trap) before the flag is read;
             * pairs with the volatile write of the revocation in Region.revoke(), which precedes the
             * trap's mmap(MAP_FIXED). Compiles to no instruction on x86. */
            VarHandle.acquireFence();
            if (region.isRevoked()) {
                throw refused(at);
            }
            return value;
        } catch (InternalError fault) {
            throw new IllegalStateException("offset " + at + ": the read faulted", fault);
        } finally {
            Reference.reachabilityFence(region);
        }
    }

    /** The prototype's slow path: surfaces an InternalError a faulted load left pending, then refuses. */
    private static IllegalStateException refused(long at) {
        try {
            int ignored = (int) GETPID.invokeExact();
        } catch (InternalError fault) {
            throw fault;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return new IllegalStateException("offset " + at + ": the region is revoked");
    }

    @Benchmark
    public long countFreeLoop() {
        long sum = 0;
        for (int i = 0; i < LONGS; i++) {
            sum += countFreeRead(region, regionBase, regionLength, i * 8L);
        }
        return sum;
    }

    /** The region's base address, from its package-private field (the benchmark runs on the class path). */
    private static long regionBase(Region region) {
        try {
            Field base = region.getClass().getSuperclass().getDeclaredField("base");
            base.setAccessible(true);
            return base.getLong(region);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the base address of " + region, e);
        }
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
