package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Srcu;
import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Update-side latency: one {@link Srcu#synchronize()} with no reader registered, and with one
 * reader that has just left its section (the caller's own, so its counters are hot in another
 * state than the grace period needs). Baselines: taking and dropping a
 * {@code ReentrantReadWriteLock} write lock (what waits out readers with a lock), and opening and
 * closing a shared {@link Arena} (the JDK's way of making sure no thread still uses memory: a
 * handshake with every thread).
 *
 * <p>{@code synchronize} against {@code synchronizeExpedited}: with no reader, with
 * {@value IdleReaders#COUNT} idle virtual readers (threads that have read and stay alive outside
 * any section; they count on the domain's stripes, which a grace period sums whatever the number
 * of threads), and with one reader thread running 20 us
 * sections back to back (the grace period waits for the section in progress: here the normal
 * form parks in its back-off, the expedited one spins and yields). The last case keeps one core
 * busy for the whole run.
 *
 * <p>Read sides ({@link Srcu#readBarrier()}, chosen once per JVM): every {@code synchronize*}
 * method without a suffix runs on the membarrier side (its forks force it), where each scan that
 * finds the readers gone makes one {@code membarrier(2)} system call; the methods ending in
 * {@code Fenced} repeat the main cases on the fenced side, where readers fence and grace periods
 * make no system call, in forks of their own. Regex for the comparison:
 * {@code -Dbench="SrcuSynchronizeBenchmark.synchronize(NoReader|AfterReaderLeft|IdleReaders|BusyReader)"}.
 *
 * <p>A grace period's cost does not grow with idle virtual readers:
 * {@code synchronizeIdleVirtualReaders} with {@link IdleVirtualReaders#count} (default a million)
 * virtual threads that each read once and stay parked, against
 * {@code synchronizeIdlePlatformReaders} with {@value IdlePlatformReaders#COUNT} idle platform
 * threads in the same run: platform threads keep a reader record per thread, which every grace
 * period scans (the design every reader had before the stripes), so that figure divided by
 * {@value IdlePlatformReaders#COUNT} is the per-reader scan cost the virtual readers no longer pay.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dmmunotify.srcu.readBarrier=membarrier")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SrcuSynchronizeBenchmark {

    /** The fork flag of the {@code ...Fenced} methods. */
    private static final String FENCED = "-Dmmunotify.srcu.readBarrier=fenced";

    private final Srcu noReaders = Srcu.create("bench-sync-idle");
    private final Srcu oneReader = Srcu.create("bench-sync-reader");
    private final ReentrantReadWriteLock readWriteLock = new ReentrantReadWriteLock();

    @Benchmark
    public void synchronizeExpeditedNoReader() {
        noReaders.synchronizeExpedited();
    }

    @Benchmark
    public void synchronizeIdleReaders(IdleReaders readers) {
        readers.srcu.synchronize();
    }

    @Benchmark
    public void synchronizeExpeditedIdleReaders(IdleReaders readers) {
        readers.srcu.synchronizeExpedited();
    }

    @Benchmark
    public void synchronizeIdleVirtualReaders(IdleVirtualReaders readers) {
        readers.srcu.synchronize();
    }

    @Benchmark
    public void synchronizeIdlePlatformReaders(IdlePlatformReaders readers) {
        readers.srcu.synchronize();
    }

    @Benchmark
    public void synchronizeBusyReader(BusyReader reader) {
        reader.srcu.synchronize();
    }

    @Benchmark
    public void synchronizeExpeditedBusyReader(BusyReader reader) {
        reader.srcu.synchronizeExpedited();
    }

    @Benchmark
    public void synchronizeNoReader() {
        noReaders.synchronize();
    }

    @Benchmark
    public void synchronizeAfterReaderLeft() {
        oneReader.readUnlock(oneReader.readLock());
        oneReader.synchronize();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = FENCED)
    public void synchronizeNoReaderFenced() {
        noReaders.synchronize();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = FENCED)
    public void synchronizeAfterReaderLeftFenced() {
        oneReader.readUnlock(oneReader.readLock());
        oneReader.synchronize();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = FENCED)
    public void synchronizeIdleReadersFenced(IdleReaders readers) {
        readers.srcu.synchronize();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = FENCED)
    public void synchronizeBusyReaderFenced(BusyReader reader) {
        reader.srcu.synchronize();
    }

    /**
     * Fails the trial if the fork does not run the read side the method promises (a run with
     * {@code -f 0}, or {@code -jvmArgsAppend} on the command line, replaces the forks' flags).
     *
     * @param params which benchmark this trial runs
     */
    @Setup
    public void checkReadBarrier(BenchmarkParams params) {
        String method = params.getBenchmark();
        if (!method.substring(method.lastIndexOf('.') + 1).startsWith("synchronize")) {
            return; // a baseline: no Srcu
        }
        Srcu.ReadBarrier expected = method.endsWith("Fenced") ? Srcu.ReadBarrier.FENCED : Srcu.ReadBarrier.MEMBARRIER;
        if (Srcu.readBarrier() != expected) {
            throw new IllegalStateException(method + " needs read barrier " + expected + " but this fork runs "
                    + Srcu.readBarrier() + ": keep the forks' own flags (forked, no -jvmArgsAppend)");
        }
    }

    @Benchmark
    public void reentrantReadWriteLockWrite() {
        readWriteLock.writeLock().lock();
        readWriteLock.writeLock().unlock();
    }

    @Benchmark
    public void sharedArenaOpenClose() {
        Arena.ofShared().close();
    }

    @TearDown
    public void close() {
        noReaders.close();
        oneReader.close();
    }

    /** A domain with {@value #COUNT} registered readers, alive and outside any section; only for the methods that take it. */
    @State(Scope.Benchmark)
    public static class IdleReaders {
        /** Registered readers that stay alive outside any section. */
        static final int COUNT = 100;

        final Srcu srcu = Srcu.create("bench-sync-idle-readers");
        private final CountDownLatch release = new CountDownLatch(1);

        /**
         * Registers the readers: each virtual thread reads once, then waits outside its section.
         *
         * @throws InterruptedException if interrupted while they register
         */
        @Setup
        public void register() throws InterruptedException {
            CountDownLatch registered = new CountDownLatch(COUNT);
            for (int i = 0; i < COUNT; i++) {
                Thread.ofVirtual().start(() -> {
                    srcu.readUnlock(srcu.readLock());
                    registered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            registered.await();
        }

        /** Lets the readers end and closes the domain (no reader is inside a section). */
        @TearDown
        public void close() {
            release.countDown();
            srcu.close();
        }
    }

    /**
     * A domain with {@link #count} virtual threads that each read once and then stay parked, alive,
     * outside any section; only for the method that takes it.
     */
    @State(Scope.Benchmark)
    public static class IdleVirtualReaders {
        /** How many virtual threads read once and stay parked. */
        @Param("1000000")
        public int count;

        final Srcu srcu = Srcu.create("bench-sync-idle-virtual-readers");
        private final CountDownLatch release = new CountDownLatch(1);

        /**
         * Starts the readers and waits until each has read once.
         *
         * @throws InterruptedException if interrupted while they read
         */
        @Setup
        public void start() throws InterruptedException {
            startParkedReaders(srcu, Thread.ofVirtual(), count, release);
        }

        /** Lets the readers end and closes the domain. */
        @TearDown
        public void close() {
            release.countDown();
            srcu.close();
        }
    }

    /**
     * A domain with {@value #COUNT} platform threads that each read once and then stay parked
     * outside any section: each has a reader record that every grace period scans.
     */
    @State(Scope.Benchmark)
    public static class IdlePlatformReaders {
        /** Registered platform readers, alive and outside any section. */
        static final int COUNT = 1_000;

        final Srcu srcu = Srcu.create("bench-sync-idle-platform-readers");
        private final CountDownLatch release = new CountDownLatch(1);

        /**
         * Starts the readers and waits until each has read once.
         *
         * @throws InterruptedException if interrupted while they read
         */
        @Setup
        public void start() throws InterruptedException {
            startParkedReaders(srcu, Thread.ofPlatform().daemon().stackSize(64 * 1024), COUNT, release);
        }

        /** Lets the readers end and closes the domain. */
        @TearDown
        public void close() {
            release.countDown();
            srcu.close();
        }
    }

    /** Starts {@code count} threads that each read once, then wait for {@code release}; returns once all have read. */
    static void startParkedReaders(Srcu srcu, Thread.Builder builder, int count, CountDownLatch release)
            throws InterruptedException {
        CountDownLatch readOnce = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            builder.start(() -> {
                srcu.readUnlock(srcu.readLock());
                readOnce.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        readOnce.await();
    }

    /** A domain with one platform thread running sections of {@value #SECTION_NANOS} ns back to back. */
    @State(Scope.Benchmark)
    public static class BusyReader {
        /** How long the reader stays inside each section. */
        static final long SECTION_NANOS = 20_000;

        final Srcu srcu = Srcu.create("bench-sync-busy-reader");
        private volatile boolean running = true;
        private Thread thread;

        /** Starts the reader. */
        @Setup
        public void start() {
            thread = Thread.ofPlatform().daemon().name("bench-busy-reader").start(() -> {
                while (running) {
                    int token = srcu.readLock();
                    long until = System.nanoTime() + SECTION_NANOS;
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                    srcu.readUnlock(token);
                }
            });
        }

        /**
         * Stops the reader and closes the domain.
         *
         * @throws InterruptedException if interrupted while joining the reader
         */
        @TearDown
        public void stop() throws InterruptedException {
            running = false;
            thread.join();
            srcu.close();
        }
    }
}
