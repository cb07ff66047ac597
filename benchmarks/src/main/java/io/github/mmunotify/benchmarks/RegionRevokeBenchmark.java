package io.github.mmunotify.benchmarks;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Teardown latency: {@link Region#revoke()} of a 1 MiB region (wait for accesses in flight, flush,
 * replace with a trap) against {@code Arena.ofShared().close()} of a 1 MiB segment (a handshake
 * with every thread of the JVM). {@code readers} threads read the current region or segment in a
 * loop meanwhile, as a live system would; each invocation tears down a fresh, fully touched one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RegionRevokeBenchmark {
    private static final int BYTES = 1 << 20;

    @Param({"0", "2"})
    public int readers;

    private volatile Region region;
    private volatile MemorySegment segment;
    private Arena arena;
    private volatile boolean running;
    private Thread[] readerThreads;

    @Setup(Level.Trial)
    public void startReaders() {
        running = true;
        readerThreads = new Thread[readers];
        for (int i = 0; i < readers; i++) {
            readerThreads[i] = new Thread(this::read, "bench-reader-" + i);
            readerThreads[i].setDaemon(true);
            readerThreads[i].start();
        }
    }

    @TearDown(Level.Trial)
    public void stopReaders() throws InterruptedException {
        running = false;
        for (Thread reader : readerThreads) {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    @Setup(Level.Invocation)
    public void create() {
        Region fresh = Region.allocate("bench-revoke", BYTES);
        fresh.setMemory(0, BYTES, (byte) 1);
        region = fresh;
        Arena shared = Arena.ofShared();
        MemorySegment memory = shared.allocate(BYTES, 8);
        memory.fill((byte) 1);
        arena = shared;
        segment = memory;
    }

    @TearDown(Level.Invocation)
    public void cleanUp() {
        region.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Benchmark
    public void regionRevoke() {
        region.revoke();
    }

    @Benchmark
    public void sharedArenaClose() {
        arena.close();
    }

    /** Reads the current region and segment until stopped; a torn-down one is simply skipped. */
    private void read() {
        long sum = 0;
        for (long i = 0; running; i++) {
            long offset = (i * 64) & (BYTES - 8);
            Region r = region;
            MemorySegment s = segment;
            try {
                if (r != null) {
                    sum += r.getLong(offset);
                }
            } catch (SigBusException revoked) {
                sum++;
            }
            try {
                if (s != null) {
                    sum += s.get(ValueLayout.JAVA_LONG, offset);
                }
            } catch (IllegalStateException closed) {
                sum++;
            }
        }
        if (sum == 42) {
            System.out.print("");
        }
    }
}
