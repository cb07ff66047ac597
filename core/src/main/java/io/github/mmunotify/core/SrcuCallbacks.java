package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

/**
 * The callback side of one domain: an unbounded lock-free queue that {@code callSrcu} appends to,
 * and one daemon thread that drains it, waits out one grace period for everything it drained, runs
 * those callbacks in queue order, and also drives the grace periods that polled requests are owed.
 *
 * <h2>Admission and barriers</h2>
 * {@code admitted} counts callbacks accepted so far; its top bit, once set, refuses new ones
 * (closing). Admission is a CAS on that word, so a callback is either counted before the bit is
 * set or refused: nothing slips in behind a close. {@code finished} counts callbacks that have run
 * (returned or thrown). Callbacks run in queue order, and every callback accepted before a barrier
 * began is ahead in the queue of every one accepted after, so "finished has reached the admitted
 * count read at the start" means every earlier callback has run. Waiters sleep on a condition that
 * the thread signals after each batch.
 *
 * <h2>Sleeping</h2>
 * The thread announces {@code sleeping}, re-checks for work, then parks; a producer appends, then
 * unparks it only if it announced sleeping. Both sides write before they read (volatile), so at
 * least one of them sees the other.
 *
 * <p>The thread starts lazily, with the first callback or polled request, and stops on
 * {@link #stop()}. Thread-safe.
 */
final class SrcuCallbacks {
    private static final long REFUSING = 1L << 62;
    private static final VarHandle FINISHED;

    static {
        try {
            FINISHED = MethodHandles.lookup().findVarHandle(SrcuCallbacks.class, "finished", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String threadName;
    private final SrcuGracePeriods gracePeriods;
    private final Consumer<? super Throwable> errorHandler;
    private final ManyToOneConcurrentLinkedQueue<Runnable> queue = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition progressed = progressLock.newCondition();

    @SuppressWarnings("unused") // accessed through FINISHED
    private volatile long finished;
    private volatile Thread thread;
    private volatile boolean sleeping;
    private volatile boolean stopping;

    SrcuCallbacks(String threadName, SrcuGracePeriods gracePeriods, Consumer<? super Throwable> errorHandler) {
        this.threadName = threadName;
        this.gracePeriods = gracePeriods;
        this.errorHandler = errorHandler;
    }

    /**
     * Queues {@code callback}; never blocks.
     *
     * @param refused builds the exception thrown when the queue is refusing callbacks
     */
    void submit(Runnable callback, Supplier<? extends RuntimeException> refused) {
        long seen;
        do {
            seen = admitted.get();
            if ((seen & REFUSING) != 0) {
                throw refused.get();
            }
        } while (!admitted.compareAndSet(seen, seen + 1));
        queue.offer(callback);
        wake();
    }

    /** Makes sure the thread runs and will look for work (callbacks or polled grace periods). */
    void wake() {
        Thread current = thread;
        if (current == null) {
            current = start();
        }
        if (sleeping) {
            LockSupport.unpark(current);
        }
    }

    /** Whether the calling thread is this domain's callback thread. */
    boolean isCallbackThread() {
        return isCallbackThread(Thread.currentThread());
    }

    /** Whether {@code candidate} is this domain's callback thread. */
    boolean isCallbackThread(Thread candidate) {
        return thread == candidate;
    }

    /** Callbacks accepted so far. */
    long admittedCount() {
        return admitted.get() & ~REFUSING;
    }

    /** Callbacks that have run, whether they returned or threw. */
    long finishedCount() {
        return (long) FINISHED.getVolatile(this);
    }

    long failedCount() {
        return failed.get();
    }

    /** Waits, ignoring interrupts (and restoring them afterwards), until {@code target} callbacks have run. */
    void awaitFinished(long target) {
        if (finishedCount() >= target) {
            return;
        }
        progressLock.lock();
        try {
            while (finishedCount() < target) {
                progressed.awaitUninterruptibly();
            }
        } finally {
            progressLock.unlock();
        }
    }

    /** Refuses callbacks from now on; returns how many were accepted before. */
    long refuse() {
        return admitted.getAndUpdate(v -> v | REFUSING) & ~REFUSING;
    }

    /** Accepts callbacks again (a close that had to be abandoned). */
    void accept() {
        admitted.getAndUpdate(v -> v & ~REFUSING);
    }

    /** Stops the thread once it has nothing left to do, and waits for it to end. */
    void stop() {
        Thread current;
        synchronized (this) {
            stopping = true;
            current = thread;
        }
        if (current == null) {
            return;
        }
        LockSupport.unpark(current);
        boolean interrupted = false;
        while (current.isAlive()) {
            try {
                current.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized Thread start() {
        if (thread == null && !stopping) {
            Thread started = Thread.ofPlatform().daemon().name(threadName).unstarted(this::runLoop);
            thread = started;
            started.start();
        }
        return thread;
    }

    private void runLoop() {
        List<Runnable> batch = new ArrayList<>();
        while (true) {
            for (Runnable callback; (callback = queue.poll()) != null; ) {
                batch.add(callback);
            }
            if (batch.isEmpty() && !gracePeriods.hasUnservedRequest()) {
                if (stopping) {
                    return;
                }
                sleepUntilWork();
                continue;
            }
            long cookie = gracePeriods.highestRequested();
            if (!batch.isEmpty()) {
                // Taken after the drain: the grace period it waits for starts after every callback drained.
                long forBatch = gracePeriods.cookie();
                cookie = (forBatch - cookie > 0) ? forBatch : cookie;
            }
            gracePeriods.awaitDone(cookie);
            runBatch(batch);
            batch.clear();
        }
    }

    private void sleepUntilWork() {
        sleeping = true;
        if (queue.isEmpty() && !gracePeriods.hasUnservedRequest() && !stopping) {
            LockSupport.park(this);
        }
        sleeping = false;
        Thread.interrupted(); // an interrupt must not turn parking into spinning
    }

    private void runBatch(List<Runnable> batch) {
        for (Runnable callback : batch) {
            try {
                callback.run();
            } catch (Throwable t) {
                failed.incrementAndGet();
                reportFailure(t);
            }
            Thread.interrupted(); // a callback's interrupt is not meant for the next one
            FINISHED.setRelease(this, finishedCount() + 1);
        }
        progressLock.lock();
        try {
            progressed.signalAll();
        } finally {
            progressLock.unlock();
        }
    }

    private void reportFailure(Throwable failure) {
        try {
            errorHandler.accept(failure);
        } catch (Throwable handlerFailure) {
            failure.addSuppressed(handlerFailure);
            System.getLogger(Srcu.class.getName()).log(System.Logger.Level.ERROR,
                    threadName + ": callback error handler threw", failure);
        }
    }

    @Override
    public String toString() {
        return "callbacks queued=" + admittedCount() + ", run=" + finishedCount() + ", failed=" + failedCount();
    }
}
