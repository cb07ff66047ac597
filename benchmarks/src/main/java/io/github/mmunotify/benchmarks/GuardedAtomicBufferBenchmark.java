package io.github.mmunotify.benchmarks;

import io.github.mmunotify.agrona.GuardedAtomicBuffer;
import io.github.mmunotify.mmap.Region;
import org.agrona.concurrent.AtomicBuffer;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one read through a {@link GuardedAtomicBuffer} (window check, then the region's guarded
 * accessor) against the same read through the {@link Region} itself and through Agrona's own
 * {@link UnsafeBuffer} over memory that cannot be revoked (a direct {@code ByteBuffer}). All hold
 * 32 KiB of the same pattern; the index comes from a field so the read is not folded. The volatile
 * pair compares the guarded buffer's {@code getLongVolatile} with Agrona's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GuardedAtomicBufferBenchmark {
    private static final int LONGS = 4096;
    private static final int BYTES = LONGS * Long.BYTES;

    private Region region;
    private AtomicBuffer guarded;
    private UnsafeBuffer unsafeBuffer;
    private int index = 8 * 123;

    @Setup
    public void setUp() {
        region = Region.allocate("bench-agrona", BYTES);
        guarded = GuardedAtomicBuffer.wrap(region, 0, BYTES);
        unsafeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(BYTES));
        for (int i = 0; i < LONGS; i++) {
            guarded.putLong(i * 8, i * 31L);
            unsafeBuffer.putLong(i * 8, i * 31L);
        }
    }

    @TearDown
    public void tearDown() {
        region.close();
    }

    @Benchmark
    public long guardedAtomicBufferGetLong() {
        return guarded.getLong(index);
    }

    @Benchmark
    public long unsafeBufferGetLong() {
        return unsafeBuffer.getLong(index);
    }

    @Benchmark
    public long regionGetLong() {
        return region.getLong(index);
    }

    @Benchmark
    public long guardedAtomicBufferGetLongVolatile() {
        return guarded.getLongVolatile(index);
    }

    @Benchmark
    public long unsafeBufferGetLongVolatile() {
        return unsafeBuffer.getLongVolatile(index);
    }
}
