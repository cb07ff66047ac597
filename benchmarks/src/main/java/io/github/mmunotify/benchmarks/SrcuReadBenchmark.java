package io.github.mmunotify.benchmarks;

import io.github.mmunotify.core.Srcu;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Read-side cost: entering and leaving one read section of an {@link Srcu} domain, against the
 * JVM's usual ways of pinning something while reading it: a {@code ReentrantReadWriteLock} read
 * lock, a {@code StampedLock} read lock, a shared {@code AtomicLong} reference count (the way
 * Chronicle's {@code reserve}/{@code release} pins), and a {@code LongAdder} reader count.
 *
 * <p>Throughput, summed over threads, at one thread ({@link OneThread}) and two ({@link TwoThreads})
 * in the same run: an SRCU reader writes only its own cache line, so it should scale, while the
 * shared-word baselines bounce one line between the cores. {@code threadConfinedCounters} shares
 * nothing at all and shows how far that can scale on the machine at hand.
 *
 * <p>{@code Srcu} on both of its read sides ({@link Srcu#readBarrier()}), each in forks of its own
 * (the side is chosen once per JVM): {@code srcuReadLockUnlockFenced}, a full fence per section,
 * and {@code srcuReadLockUnlockMembarrier}, no processor fence; and the same two sides through the
 * thread-bound handle ({@link Srcu#registerReader()}), {@code srcuReaderHandleLockUnlockFenced} and
 * {@code srcuReaderHandleLockUnlockMembarrier}. Regex for just these:
 * {@code -Dbench="SrcuReadBenchmark.*(srcuReadLockUnlock|srcuReaderHandleLockUnlock)"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class SrcuReadBenchmark {

    private final Srcu srcu = Srcu.create("bench-read");
    private final ReentrantReadWriteLock readWriteLock = new ReentrantReadWriteLock();
    private final StampedLock stampedLock = new StampedLock();
    private final AtomicLong referenceCount = new AtomicLong(1);
    private final LongAdder readerCount = new LongAdder();

    /**
     * The reader's fence B is a full fence ({@link Srcu.ReadBarrier#FENCED}): the read side as it
     * was before membarrier, and as it stays where native access or membarrier is unavailable.
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dmmunotify.srcu.readBarrier=fenced")
    public void srcuReadLockUnlockFenced() {
        srcu.readUnlock(srcu.readLock());
    }

    /**
     * The reader's fence B is a compiler barrier only ({@link Srcu.ReadBarrier#MEMBARRIER}); grace
     * periods pay a membarrier(2) instead (see {@code SrcuSynchronizeBenchmark}).
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dmmunotify.srcu.readBarrier=membarrier")
    public void srcuReadLockUnlockMembarrier() {
        srcu.readUnlock(srcu.readLock());
    }

    /**
     * {@link Srcu.Reader}, the thread-bound handle ({@link Srcu#registerReader()}): the same read
     * section as {@link #srcuReadLockUnlockFenced()}, without the per-call lookup of the thread's
     * reader. Fenced side.
     *
     * @param handle this benchmark thread's handle
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dmmunotify.srcu.readBarrier=fenced")
    public void srcuReaderHandleLockUnlockFenced(Handle handle) {
        Srcu.Reader reader = handle.of(srcu);
        reader.unlock(reader.lock());
    }

    /**
     * {@link #srcuReaderHandleLockUnlockFenced(Handle)} on the membarrier side.
     *
     * @param handle this benchmark thread's handle
     */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dmmunotify.srcu.readBarrier=membarrier")
    public void srcuReaderHandleLockUnlockMembarrier(Handle handle) {
        Srcu.Reader reader = handle.of(srcu);
        reader.unlock(reader.lock());
    }

    /**
     * Each benchmark thread's {@link Srcu.Reader}, registered on that thread the first time it is
     * needed (a thread-scoped state cannot reach the shared domain in its own setup): a load and a
     * null test per call, what a reader that keeps its handle in a field pays.
     */
    @State(Scope.Thread)
    public static class Handle {
        private Srcu.Reader reader;

        Srcu.Reader of(Srcu srcu) {
            Srcu.Reader mine = reader;
            return mine != null ? mine : (reader = srcu.registerReader());
        }
    }

    /**
     * Fails the trial if the fork does not run the read side its method's name promises (a run
     * with {@code -f 0}, or {@code -jvmArgsAppend} on the command line, replaces the methods' own
     * fork flags).
     *
     * @param params which benchmark this trial runs
     */
    @Setup
    public void checkReadBarrier(BenchmarkParams params) {
        String method = params.getBenchmark();
        Srcu.ReadBarrier expected = method.endsWith("Fenced") ? Srcu.ReadBarrier.FENCED
                : method.endsWith("Membarrier") ? Srcu.ReadBarrier.MEMBARRIER : null;
        if (expected != null && Srcu.readBarrier() != expected) {
            throw new IllegalStateException(method + " needs read barrier " + expected + " but this fork runs "
                    + Srcu.readBarrier() + ": keep the method's own @Fork flags (forked, no -jvmArgsAppend)");
        }
    }

    @Benchmark
    public void reentrantReadWriteLockRead() {
        ReentrantReadWriteLock.ReadLock lock = readWriteLock.readLock();
        lock.lock();
        lock.unlock();
    }

    @Benchmark
    public void stampedLockRead() {
        stampedLock.unlockRead(stampedLock.readLock());
    }

    @Benchmark
    public long atomicLongReserveRelease() {
        referenceCount.incrementAndGet();
        return referenceCount.decrementAndGet();
    }

    @Benchmark
    public void longAdderReaderCount() {
        readerCount.increment();
        readerCount.decrement();
    }

    /**
     * The machine's ceiling for work that shares nothing, not a way to pin anything: each thread
     * bumps two counters of its own with opaque stores, as a read section's lock and unlock do,
     * without a check or a fence. Its two-thread figure over its one-thread figure is how far
     * perfectly partitioned work scales here (clock and core resources the two vCPUs share
     * included), the bar against which the readers' two-thread figures are read.
     *
     * @param counters this benchmark thread's counters
     */
    @Benchmark
    public void threadConfinedCounters(OwnCounters counters) {
        counters.enterAndLeave();
    }

    /** Two counters owned by one benchmark thread (JMH pads thread-scoped state). */
    @State(Scope.Thread)
    public static class OwnCounters {
        private static final VarHandle ENTERED;
        private static final VarHandle LEFT;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                ENTERED = lookup.findVarHandle(OwnCounters.class, "entered", long.class);
                LEFT = lookup.findVarHandle(OwnCounters.class, "left", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long entered;
        private long left;

        void enterAndLeave() {
            ENTERED.setOpaque(this, entered + 1);
            LEFT.setOpaque(this, left + 1);
        }
    }

    @TearDown
    public void close() {
        srcu.close();
    }

    /** Every read-side benchmark on one thread. */
    @Threads(1)
    public static class OneThread extends SrcuReadBenchmark {
    }

    /** Every read-side benchmark on two threads sharing the same domain and locks. */
    @Threads(2)
    public static class TwoThreads extends SrcuReadBenchmark {
    }
}
