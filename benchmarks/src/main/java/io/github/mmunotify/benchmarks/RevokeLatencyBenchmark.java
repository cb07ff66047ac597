package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Revocable;
import java.lang.foreign.Arena;
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
 * How long {@code Revocable.revoke()} takes: with 0, 1 and 100 open handles, with no reader and
 * with one thread entering and exiting the object in a loop (revoke must wait for its exit). The
 * JVM's own way to take shared memory away from running threads, {@code Arena.ofShared().close()}
 * (a handshake with every thread), is the baseline in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RevokeLatencyBenchmark {

    /** A fresh object per invocation, with its handles and optionally a busy reader. */
    @State(Scope.Thread)
    public static class RevokeState {
        @Param({"0", "1", "100"})
        int handles;

        @Param({"0", "1"})
        int readers;

        volatile Revocable current;
        private volatile boolean running;
        private Thread reader;

        @Setup(Level.Trial)
        public void startReader() {
            current = Revocable.create("bench");
            if (readers > 0) {
                running = true;
                reader = Thread.ofPlatform().daemon().name("bench-reader").start(() -> {
                    while (running) {
                        Revocable r = current;
                        if (r.tryEnter()) {
                            r.exit();
                        }
                    }
                });
            }
        }

        @Setup(Level.Invocation)
        public void freshObject() {
            Revocable r = Revocable.create("bench");
            for (int i = 0; i < handles; i++) {
                r.open(() -> { });
            }
            current = r;
        }

        @TearDown(Level.Trial)
        public void stopReader() throws InterruptedException {
            running = false;
            if (reader != null) {
                reader.join(10_000);
            }
        }
    }

    /** A fresh shared arena with one segment per invocation. */
    @State(Scope.Thread)
    public static class ArenaState {
        Arena arena;

        @Setup(Level.Invocation)
        public void freshArena() {
            arena = Arena.ofShared();
            arena.allocate(4096);
        }
    }

    @Benchmark
    public Revocable revoke(RevokeState state) {
        Revocable r = state.current;
        r.revoke();
        return r;
    }

    @Benchmark
    public Arena arenaSharedClose(ArenaState state) {
        state.arena.close();
        return state.arena;
    }
}
