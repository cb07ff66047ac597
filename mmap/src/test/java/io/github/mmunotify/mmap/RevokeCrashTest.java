package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash test: worker threads read and write through regions (plain, volatile, acquire/release
 * and atomic accessors of several widths), mappings and pins while this thread revokes and re-creates the regions, {@code mmunotify.test.crashCycles} times
 * (default 10,000) with {@code mmunotify.test.crashThreads} workers (default 2, for 2-core CI). The JVM must
 * survive; every access that fails must fail with {@link SigBusException} and only after the
 * revoke began; every access that succeeds must see the data written before it.
 */
@Tag("stress")
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)
class RevokeCrashTest {
    private static final int CYCLES = StressSize.of("crashCycles", 10_000);
    private static final int THREADS = StressSize.of("crashThreads", 2);
    private static final int REGION_BYTES = 64 * 1024;
    private static final int SLOT = 64;

    /** One incarnation of the shared region, published to the workers. */
    private record Generation(long number, Region region, Mapping mapping) {
    }

    @Test
    void workersSurviveRevokeAndRecreateCycles() throws Exception {
        AtomicReference<Generation> current = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong succeeded = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong opsThisGeneration = new AtomicLong();
        TestThreads workers = new TestThreads("crash-worker");
        for (int t = 0; t < THREADS; t++) {
            int worker = t;
            workers.start(() -> work(worker, current, stop, failure, succeeded, refused, opsThisGeneration));
        }
        MappedArena arena = MappedArena.anonymous("crash-arena", 1024L * REGION_BYTES);
        long startNanos = System.nanoTime();
        try {
            for (long cycle = 1; cycle <= CYCLES && failure.get() == null; cycle++) {
                Region region = cycle % 4 == 0 && arena.stats().freeBytes() >= REGION_BYTES
                        ? arena.allocate("crash-" + cycle, REGION_BYTES)
                        : Region.allocate("crash-" + cycle, REGION_BYTES);
                region.putLong(0, cycle);
                Mapping mapping = region.map(SLOT * (THREADS + 1L), REGION_BYTES - SLOT * (THREADS + 1L));
                Generation generation = new Generation(cycle, region, mapping);
                opsThisGeneration.set(0);
                current.set(generation);
                // Let the workers in before revoking, bounded so a stuck worker cannot hang the test.
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
                while (opsThisGeneration.get() == 0 && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                if (cycle % 2 == 0) {
                    region.revoke();
                } else {
                    region.close();
                }
                assertTrue(region.isRevoked());
                assertTrue(mapping.isUnmapped());
                if (cycle % 64 == 0) {
                    for (int path = 0; path < 5; path++) {
                        int p = path;
                        expectRefused(() -> access(generation, p, SLOT, 1), "path " + p + " after revoke()");
                    }
                }
            }
        } finally {
            stop.set(true);
            try {
                workers.join(); // a worker still running after the bounded join fails here, named
            } finally {
                arena.close();
            }
        }
        if (failure.get() != null) {
            throw new AssertionError("worker failed", failure.get());
        }
        System.out.printf("crash test: %d cycles, %d threads, %d accesses succeeded, %d refused, %d ms%n",
                CYCLES, THREADS, succeeded.get(), refused.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        assertTrue(succeeded.get() > 0, "no access ever succeeded: the test exercised nothing");
        assertTrue(refused.get() > 0, "no access ever raced a revoke: the test exercised nothing");
    }

    private static void work(int worker, AtomicReference<Generation> current, AtomicBoolean stop,
                             AtomicReference<Throwable> failure, AtomicLong succeeded, AtomicLong refused,
                             AtomicLong opsThisGeneration) {
        long slot = SLOT * (worker + 1L);
        long value = 0;
        Generation seen = null;
        int opsOnGeneration = 0;
        try {
            for (long op = 0; !stop.get() && failure.get() == null; op++) {
                Generation g = current.get();
                if (g == null) {
                    Thread.onSpinWait();
                    continue;
                }
                value++;
                if (g != seen) {
                    seen = g;
                    opsOnGeneration = 0;
                } else if (++opsOnGeneration > 64) {
                    // Keep racing the revoke, but leave the revoker CPU time on a small machine.
                    Thread.yield();
                }
                try {
                    access(g, (int) (op % 5), slot, value);
                    succeeded.incrementAndGet();
                    opsThisGeneration.incrementAndGet();
                } catch (SigBusException e) {
                    refused.incrementAndGet();
                    if (!g.region().isRevoked()) {
                        throw new AssertionError("SigBusException before the revoke of " + g.region(), e);
                    }
                    if (!e.regionName().equals(g.region().name())) {
                        throw new AssertionError("exception names the wrong region: " + e.getMessage());
                    }
                    // The guard that refused stays revoked: the same path must keep failing.
                    int path = (int) (op % 5);
                    long again = value;
                    expectRefused(() -> access(g, path, slot, again), "path " + path + " after it was refused");
                    // Give the core to the revoker until it publishes the next generation.
                    while (current.get() == g && !stop.get()) {
                        Thread.yield();
                    }
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /** One access through one of the paths; every read checks what was written before it. */
    private static void access(Generation g, int path, long slot, long value) {
        Region region = g.region();
        switch (path) {
            case 0 -> {
                region.putLong(slot, value);
                assertEquals(value, region.getLong(slot));
                assertEquals(g.number(), region.getLong(0));
            }
            case 1 -> {
                try (Pin pin = region.pin()) {
                    for (int i = 0; i < 16; i++) {
                        pin.putLong(slot + 8, value + i);
                        assertEquals(value + i, pin.getLong(slot + 8));
                    }
                    assertEquals(g.number(), pin.getLong(0));
                }
            }
            case 2 -> {
                region.putLongRelease(slot + 16, value);
                assertEquals(value, region.getAndSetLong(slot + 16, value + 1));
                assertEquals(value + 1, region.getLongAcquire(slot + 16));
                assertEquals(g.number(), region.getLongVolatile(0));
            }
            case 3 -> {
                int low = (int) value;
                region.putIntVolatile(slot + 24, low);
                assertTrue(region.compareAndSetInt(slot + 24, low, low + 1));
                assertEquals(low + 1, region.getAndAddInt(slot + 24, 1));
                region.putShort(slot + 28, (short) value);
                assertEquals((short) value, region.getShortVolatile(slot + 28));
                region.putCharVolatile(slot + 30, (char) value);
                assertEquals((char) value, region.getChar(slot + 30));
                region.putFloat(slot + 32, value);
                assertEquals((float) value, region.getFloat(slot + 32));
            }
            default -> {
                Mapping mapping = g.mapping();
                long offset = slot * 8; // each worker's own part of the mapping
                mapping.putLong(offset, value);
                assertEquals(value, mapping.getAndAddLong(offset, 1));
                assertEquals(value + 1, mapping.getLongVolatile(offset));
            }
        }
    }

    private static void expectRefused(Runnable access, String what) {
        try {
            access.run();
        } catch (SigBusException expected) {
            return;
        }
        throw new AssertionError(what + " did not throw SigBusException");
    }
}
