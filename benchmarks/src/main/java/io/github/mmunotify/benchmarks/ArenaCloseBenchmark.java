package io.github.mmunotify.benchmarks;

import io.github.mmunotify.mmap.MappedArena;
import io.github.mmunotify.mmap.Region;
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

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * Tearing down many regions at once: {@link MappedArena#close()} of an arena holding 64 regions
 * of 16 KiB (one wait for readers, one unmap), against revoking 64 standalone {@link Region}s one
 * by one, closing 64 {@code Arena.ofShared()} (one handshake each) and closing one shared arena
 * that holds 64 segments (the JDK's single-close equivalent).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArenaCloseBenchmark {
    private static final int REGIONS = 64;
    private static final int REGION_BYTES = 16 * 1024;

    private MappedArena mappedArena;
    private final Region[] regions = new Region[REGIONS];
    private final Arena[] sharedArenas = new Arena[REGIONS];
    private Arena oneSharedArena;

    @Setup(Level.Invocation)
    public void create() {
        mappedArena = MappedArena.anonymous("bench-arena", (long) REGIONS * REGION_BYTES);
        oneSharedArena = Arena.ofShared();
        for (int i = 0; i < REGIONS; i++) {
            mappedArena.allocate("r" + i, REGION_BYTES).putLong(0, i);
            regions[i] = Region.allocate("r" + i, REGION_BYTES);
            regions[i].putLong(0, i);
            sharedArenas[i] = Arena.ofShared();
            sharedArenas[i].allocate(REGION_BYTES).set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, i);
            oneSharedArena.allocate(REGION_BYTES).set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, i);
        }
    }

    @TearDown(Level.Invocation)
    public void cleanUp() {
        mappedArena.close();
        for (int i = 0; i < REGIONS; i++) {
            regions[i].close();
            if (sharedArenas[i].scope().isAlive()) {
                sharedArenas[i].close();
            }
        }
        if (oneSharedArena.scope().isAlive()) {
            oneSharedArena.close();
        }
    }

    @Benchmark
    public void mappedArenaClose() {
        mappedArena.close();
    }

    @Benchmark
    public void regionsRevokedOneByOne() {
        for (Region region : regions) {
            region.revoke();
        }
    }

    @Benchmark
    public void sharedArenasClosedOneByOne() {
        for (Arena arena : sharedArenas) {
            arena.close();
        }
    }

    @Benchmark
    public void oneSharedArenaClose() {
        oneSharedArena.close();
    }
}
