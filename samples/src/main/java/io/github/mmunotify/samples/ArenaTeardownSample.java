package io.github.mmunotify.samples;

import io.github.mmunotify.mmap.MappedArena;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tearing down a file-backed arena while threads are still writing and reading it.
 *
 * <p>Each worker owns one region of the arena. It stamps a header, then writes record after
 * record round a ring of slots, reading back each record it wrote, and counts the writes that
 * returned. The arena is closed while they run: each worker stops on its first
 * {@link SigBusException} and reports where it was. The file is then mapped again, read-only, and
 * every slot must hold exactly the last record its worker wrote before the teardown: a guarded
 * write either completes before {@code close()} drains it or fails without touching memory, and
 * {@code close()} flushes what completed.
 */
final class ArenaTeardownSample implements Sample {

    private static final int WORKERS = 4;
    private static final int REGION_BYTES = 64 * 1024;
    private static final int SLOTS = (REGION_BYTES - Long.BYTES) / Long.BYTES;
    private static final long HEADER_MAGIC = 0x4d4d_554e_0000_0000L;   // "MMUN" in the high half

    @Override
    public String name() {
        return "arena";
    }

    @Override
    public String title() {
        return "a file-backed arena torn down under live readers and writers";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Checks checks = new Checks(out);
        Path file = Files.createTempFile("mmunotify-arena", ".dat");
        try {
            long capacity = (long) (WORKERS + 1) * REGION_BYTES;
            List<Worker> workers = new ArrayList<>();
            List<CompletableFuture<Void>> running = new ArrayList<>();
            MappedArena arena = MappedArena.mapFile(file, capacity);
            CountDownLatch everyRingFilled = new CountDownLatch(WORKERS);
            for (int i = 0; i < WORKERS; i++) {
                Worker worker = new Worker(i, arena.allocate("worker-" + i, REGION_BYTES), everyRingFilled);
                workers.add(worker);
                running.add(CompletableFuture.runAsync(worker, task -> Thread.ofPlatform().daemon().name("worker-" + worker.index).start(task)));
            }
            out.printf("   %d workers write and read their regions of %s (%s)%n", WORKERS, arena.name(), file);
            boolean filled = everyRingFilled.await(60, TimeUnit.SECONDS);
            checks.check("every worker wrote at least one full ring before the teardown",
                    filled && workers.stream().allMatch(w -> w.written > SLOTS));

            long start = System.nanoTime();
            arena.close();
            out.printf("   arena closed under %d running workers in %.2f ms%n", WORKERS, (System.nanoTime() - start) / 1e6);
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (Worker worker : workers) {
                out.printf("   worker %d: %,d records written, stopped by %s%n", worker.index, worker.written, worker.stoppedBy);
                checks.check("worker " + worker.index + " stopped on a SigBusException",
                        worker.stoppedBy instanceof SigBusException);
                checks.check("worker " + worker.index + " read back every record it wrote", worker.mismatches == 0);
            }

            try (Region reopened = Region.mapFile(file, 0, capacity, false)) {
                for (Worker worker : workers) {
                    long base = findHeader(reopened, worker.index);
                    checks.check("worker " + worker.index + "'s region is in the file again (at " + base + ")", base >= 0);
                    if (base >= 0) {
                        long lost = countLostRecords(reopened, base, worker.written);
                        checks.check("the file holds every record worker " + worker.index
                                + " wrote before the teardown (missing or wrong: " + lost + ")", lost == 0);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return checks.allHeld();
    }

    private static long findHeader(Region file, int worker) {
        for (long offset = 0; offset + REGION_BYTES <= file.length(); offset += 4096) {
            if (file.getLong(offset) == (HEADER_MAGIC | worker)) {
                return offset;
            }
        }
        return -1;
    }

    /** Slot {@code s} must hold the last record {@code k < written} with {@code k % SLOTS == s}. */
    private static long countLostRecords(Region file, long base, long written) {
        long lost = 0;
        for (int slot = 0; slot < SLOTS; slot++) {
            long last = written - 1 - Math.floorMod(written - 1 - slot, SLOTS);
            long expected = last >= 0 ? record(last) : 0;
            if (file.getLong(base + Long.BYTES + (long) slot * Long.BYTES) != expected) {
                lost++;
            }
        }
        return lost;
    }

    private static long record(long k) {
        return k + 1;
    }

    /** Writes records round its region's ring until the region faults. */
    private static final class Worker implements Runnable {

        final int index;
        private final Region region;
        private final CountDownLatch ringFilled;
        volatile long written;
        volatile long mismatches;
        volatile RuntimeException stoppedBy;

        Worker(int index, Region region, CountDownLatch ringFilled) {
            this.index = index;
            this.region = region;
            this.ringFilled = ringFilled;
        }

        @Override
        public void run() {
            long k = 0;
            long wrong = 0;
            try {
                region.putLong(0, HEADER_MAGIC | index);
                for (;; k++) {
                    long offset = Long.BYTES + (k % SLOTS) * Long.BYTES;
                    region.putLong(offset, record(k));
                    written = k + 1;
                    if (region.getLong(offset) != record(k)) {
                        wrong++;
                    }
                    if (k == SLOTS) {
                        ringFilled.countDown();
                    }
                }
            } catch (RuntimeException e) {
                stoppedBy = e;
            } finally {
                mismatches = wrong;
                if (k <= SLOTS) {
                    ringFilled.countDown();   // stopped early: the main thread's check reports it
                }
            }
        }
    }
}
