package io.github.mmunotify.samples;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongUnaryOperator;

/**
 * A quick look at what the notifiers cost: the invalidation walk by number of subscribers, and
 * the read side of the epochs, each next to what a JVM programmer would write without the library.
 *
 * <p>This is a rough in-process measurement (a warm-up, then the best of a few timed runs), good
 * for orders of magnitude on your machine. The figures docs/benchmarks.md quotes come from the JMH
 * benchmarks, whose command this sample prints. Its checks are about behaviour, not speed: every
 * subscriber saw every invalidation start and end, and no reader was left inside a section.
 */
final class NotifierOverheadSample implements Sample {

    private static final int[] SUBSCRIBERS = {0, 1, 4, 16, 64};
    private static final int INVALIDATIONS = Integer.getInteger("mmunotify.samples.overhead.invalidations", 100_000);
    private static final int READ_SECTIONS = Integer.getInteger("mmunotify.samples.overhead.reads", 2_000_000);
    private static final int RUNS = 5;
    private static final long ADDRESS = 0x1000_0000L;
    private static final int PAGE = 4096;

    /** Keeps results alive so the JIT cannot drop the measured work. */
    private long sink;

    @Override
    public String name() {
        return "overhead";
    }

    @Override
    public String title() {
        return "what an invalidation and a read section cost, next to the JVM's alternatives";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Checks checks = new Checks(out);
        out.println("   one invalidation, ns per call: the library's protect() of a mapped page (walk, change, walk)");
        out.println("   next to a bare start + end walk over a copy-on-write listener list under a read lock:");
        out.printf("   %12s %26s %30s%n", "subscribers", "AddressSpace.protect()", "COW listener list + RW lock");
        boolean everyCallSeen = true;
        try (Mmu mmu = Mmu.create("overhead"); Region region = Region.allocate("overhead", PAGE)) {
            for (int n : SUBSCRIBERS) {
                try (AddressSpace space = mmu.createAddressSpace("space-" + n)) {
                    space.mapAt(ADDRESS, region, 0, PAGE);
                    List<CountingNotifier> subscribers = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        CountingNotifier subscriber = new CountingNotifier();
                        subscribers.add(subscriber);
                        space.register(subscriber);
                    }
                    double library = nanosPerOp(INVALIDATIONS, i -> space.protect(ADDRESS, PAGE, (i & 1) == 0));
                    double baseline = nanosPerOp(INVALIDATIONS, new ListenerListBaseline(n)::invalidate);
                    out.printf("   %12d %26.1f %30.1f%n", n, library, baseline);
                    long expected = (long) INVALIDATIONS * (RUNS + 1);
                    for (CountingNotifier subscriber : subscribers) {
                        everyCallSeen &= subscriber.starts.get() == expected && subscriber.ends.get() == expected;
                    }
                }
            }
        }
        checks.check("every subscriber saw every invalidation start and end", everyCallSeen);

        out.println("   read side, ns per enter + exit on one thread:");
        try (Srcu srcu = Srcu.create("overhead")) {
            Revocable revocable = Revocable.create("overhead");
            ReentrantReadWriteLock rwLock = new ReentrantReadWriteLock();
            AtomicInteger refCount = new AtomicInteger();
            row(out, "Srcu.readLock/readUnlock", nanosPerOp(READ_SECTIONS, i -> {
                int token = srcu.readLock();
                srcu.readUnlock(token);
                return token;
            }));
            row(out, "Revocable.tryEnter/exit", nanosPerOp(READ_SECTIONS, i -> {
                boolean entered = revocable.tryEnter();
                revocable.exit();
                return entered ? 1 : 0;
            }));
            row(out, "ReentrantReadWriteLock read", nanosPerOp(READ_SECTIONS, i -> {
                rwLock.readLock().lock();
                rwLock.readLock().unlock();
                return i;
            }));
            row(out, "AtomicInteger inc/dec", nanosPerOp(READ_SECTIONS, i -> {
                refCount.incrementAndGet();
                return refCount.decrementAndGet();
            }));
            checks.check("no reader was left inside a section (" + srcu.stats() + ")",
                    srcu.stats().readersActive() == 0 && revocable.usersInFlight() == 0);
        }
        out.println("   for real figures (JMH, baselines in the same run):");
        out.println("   mvn -B -ntp -q -Pbench -DskipTests -pl benchmarks -am package "
                + "-Dbench=\"NotifierWalkBenchmark|SrcuReadBenchmark\"");
        return checks.allHeld();
    }

    private static void row(PrintStream out, String what, double nanos) {
        out.printf("   %-30s %8.1f%n", what, nanos);
    }

    /** Runs {@code op} once to warm up, then {@link #RUNS} times; returns the best ns per call. */
    private double nanosPerOp(int count, LongUnaryOperator op) {
        double best = Double.MAX_VALUE;
        for (int run = 0; run <= RUNS; run++) {
            long start = System.nanoTime();
            long acc = 0;
            for (int i = 0; i < count; i++) {
                acc += op.applyAsLong(i);
            }
            long elapsed = System.nanoTime() - start;
            sink += acc;
            if (run > 0) {
                best = Math.min(best, (double) elapsed / count);
            }
        }
        return best;
    }

    /** A subscriber that only counts, to measure the walk itself. */
    private static final class CountingNotifier implements MmuNotifier {
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger ends = new AtomicInteger();

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            starts.incrementAndGet();
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            ends.incrementAndGet();
        }
    }

    /** What one writes without the library: listeners in a copy-on-write list, walked under a read lock. */
    private static final class ListenerListBaseline {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final CopyOnWriteArrayList<AtomicInteger> listeners = new CopyOnWriteArrayList<>();

        ListenerListBaseline(int n) {
            for (int i = 0; i < n; i++) {
                listeners.add(new AtomicInteger());
            }
        }

        long invalidate(long i) {
            lock.readLock().lock();
            try {
                for (AtomicInteger listener : listeners) {
                    listener.incrementAndGet();
                }
                for (AtomicInteger listener : listeners) {
                    listener.incrementAndGet();
                }
                return i;
            } finally {
                lock.readLock().unlock();
            }
        }
    }
}
