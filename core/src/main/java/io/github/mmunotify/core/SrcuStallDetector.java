package io.github.mmunotify.core;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Reports read sections that hold up a grace period for longer than the stall threshold, the way
 * the kernel prints an "RCU stall warning": once per stalled section, naming the holder's thread
 * and showing its stack.
 *
 * <p>A reader that blocks a grace period entered its section before the grace period started, so
 * when the grace period has waited longer than the threshold, every reader still active on the
 * index being waited for has held its section at least that long. Stalls are only detected while
 * a grace period waits (a section that blocks nobody is not a stall).
 *
 * <p>"Once" is tracked on the reader: it is marked with the index it was reported on, and the
 * mark is cleared when a scan of that index finds the domain clear. The sections counted on the
 * stripes (virtual threads, shared sections) have no reader to mark and no thread to name: they
 * are reported together as one stall per index ({@link Srcu.Stall#STRIPED}), tracked by one mark
 * of the detector's own. Only the grace-period driver
 * calls {@link #check} and {@link #clear}, under its lock; the count may be read by anyone.
 */
final class SrcuStallDetector {
    private final String domain;
    private final Duration threshold;
    /** The threshold in nanoseconds, saturated at Long.MAX_VALUE (~292 years: never). */
    private final long thresholdNanos;
    private final Consumer<? super Srcu.Stall> handler;
    private final SrcuReaderRegistry registry;
    private final AtomicLong reported = new AtomicLong();
    private boolean anyMarked;
    /** The index on which the stripes' sections were already reported, or -1 (driver-owned). */
    private int stripesReportedIndex = -1;

    SrcuStallDetector(String domain, Duration threshold, Consumer<? super Srcu.Stall> handler,
                      SrcuReaderRegistry registry) {
        this.domain = domain;
        this.threshold = threshold;
        // Beyond ~292 years the nanosecond count does not fit a long; no wait lasts that long, so
        // the saturated value means "never report", which is what such a threshold asks for.
        this.thresholdNanos = threshold.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                : threshold.toNanos();
        this.handler = handler;
        this.registry = registry;
    }

    /** Reports, once each, the readers still active on {@code index} if the wait began long enough ago. */
    void check(int index, long waitStartNanos) {
        long waited = System.nanoTime() - waitStartNanos;
        if (waited < thresholdNanos) {
            return;
        }
        // Plain loops here and in clear(), no lambda: see SrcuReaderRegistry.head().
        for (SrcuReader reader = registry.head(); reader != null; reader = reader.next()) {
            if (reader.appearsActiveOn(index) && reader.stallReportedIndex != index) {
                reader.stallReportedIndex = index;
                anyMarked = true;
                report(reader, waited);
            }
        }
        long striped = registry.stripes().activeOn(index);
        if (striped > 0 && stripesReportedIndex != index) {
            stripesReportedIndex = index;
            anyMarked = true;
            reportStriped(striped, waited);
        }
    }

    /** Forgets the reports made on {@code index}: a scan has just found it clear. */
    void clear(int index) {
        if (!anyMarked) {
            return;
        }
        boolean stillMarked = false;
        if (stripesReportedIndex == index) {
            stripesReportedIndex = -1;
        } else if (stripesReportedIndex >= 0) {
            stillMarked = true;
        }
        for (SrcuReader reader = registry.head(); reader != null; reader = reader.next()) {
            if (reader.stallReportedIndex == index) {
                reader.stallReportedIndex = -1;
            } else if (reader.stallReportedIndex >= 0) {
                stillMarked = true;
            }
        }
        anyMarked = stillMarked;
    }

    long reported() {
        return reported.get();
    }

    private void report(SrcuReader reader, long waitedNanos) {
        Thread owner = reader.owner;
        deliver(new Srcu.Stall(domain, owner.getName(), owner.threadId(), owner.isAlive(),
                Duration.ofNanos(waitedNanos), List.of(owner.getStackTrace())));
    }

    /**
     * Reports the sections counted on the stripes as one stall: the domain does not know which
     * virtual threads hold them, or who holds a shared section (see {@link Srcu.Stall}).
     */
    private void reportStriped(long sections, long waitedNanos) {
        deliver(new Srcu.Stall(domain, Srcu.Stall.stripedName(sections), Srcu.Stall.STRIPED, true,
                Duration.ofNanos(waitedNanos), List.of()));
    }

    private void deliver(Srcu.Stall stall) {
        reported.incrementAndGet();
        try {
            handler.accept(stall);
        } catch (Throwable e) {
            // A broken handler must not stop the grace period that is reporting through it, and
            // neither may logging that fails in turn (out of memory, out of stack).
            try {
                System.getLogger(Srcu.class.getName()).log(System.Logger.Level.ERROR,
                        "stall handler of srcu '" + domain + "' threw", e);
            } catch (Throwable loggingFailed) {
                // the stall was counted; nothing is left to report it to
            }
        }
    }

    Duration threshold() {
        return threshold;
    }
}
