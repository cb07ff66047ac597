package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The callback side of one domain: a lock-free queue that {@code callSrcu} appends to, and one
 * daemon thread that notes everything queued so far, waits out one grace period for it, runs
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
 * <h2>No count without a callback</h2>
 * A count that no callback will ever match hangs every barrier and close. So everything that can
 * fail happens before the count: the thread is started and the queue entry allocated first; after
 * the CAS comes only {@link SrcuCallbackQueue#append}, which allocates nothing and cannot fail, and
 * an unpark. On the thread, {@code finished} advances in a {@code finally} per callback, and
 * nothing a callback or the error handler throws escapes the loop.
 *
 * <h2>Sleeping</h2>
 * J: the thread announces {@code sleeping}, re-checks for work, then parks; a producer appends,
 * then unparks it only if it announced sleeping. Both sides write before they read (volatile), so
 * at least one of them sees the other.
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

    private final String domain;
    private final String threadName;
    /** Makes the callback thread; null for the default, a platform daemon named {@code threadName}. */
    private final ThreadFactory threadFactory;
    private final SrcuGracePeriods gracePeriods;
    private final Consumer<? super Throwable> errorHandler;
    /** Where a failure goes when {@link #errorHandler} throws reporting it. */
    private final Consumer<Throwable> handlerThrew;
    private final SrcuFaults faults;
    private final SrcuCallbackQueue queue = new SrcuCallbackQueue();
    private final AtomicLong admitted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition progressed = progressLock.newCondition();

    @SuppressWarnings("unused") // accessed through FINISHED
    private volatile long finished;
    private volatile Thread thread;
    private volatile boolean sleeping;
    private volatile boolean stopping;
    /** Whether the thread is inside a callback right now (for timeout messages). */
    private volatile boolean running;

    SrcuCallbacks(String domain, ThreadFactory threadFactory, SrcuGracePeriods gracePeriods,
                  Consumer<? super Throwable> errorHandler, SrcuFaults faults) {
        this.domain = domain;
        this.threadName = "srcu-" + domain + "-callbacks";
        this.threadFactory = threadFactory;
        this.gracePeriods = gracePeriods;
        this.errorHandler = errorHandler;
        // Made here, not while reporting: a report may be made out of memory.
        String handlerThrewMessage = threadName + ": callback error handler threw";
        this.handlerThrew = failure -> System.getLogger(Srcu.class.getName()).log(System.Logger.Level.ERROR,
                handlerThrewMessage, failure);
        this.faults = faults;
    }

    /**
     * Queues {@code callback}; never blocks. If it throws (the thread or the entry could not be
     * allocated, or the queue is refusing), nothing was counted or queued.
     *
     * @param refused builds the exception thrown when the queue is refusing callbacks
     */
    void submit(Runnable callback, Supplier<? extends RuntimeException> refused) {
        Thread runner = ensureStarted();
        SrcuFaults.fire(faults.queueAllocation);
        SrcuCallbackQueue.Entry entry = SrcuCallbackQueue.entry(callback);
        long seen;
        do {
            seen = admitted.get();
            if ((seen & REFUSING) != 0) {
                throw refused.get();
            }
        } while (!admitted.compareAndSet(seen, seen + 1));
        queue.append(entry); // cannot fail: the count above is always matched by this entry
        /* J: pairs with J in sleepUntilWork(). */
        if (sleeping) {
            LockSupport.unpark(runner);
        }
    }

    /** Makes sure the thread runs and will look for work (callbacks or polled grace periods). */
    void wake() {
        Thread runner = ensureStarted();
        /* J: pairs with J in sleepUntilWork(). */
        if (sleeping) {
            LockSupport.unpark(runner);
        }
    }

    /**
     * Starts the thread if it is not running yet; returns it. May throw (the JVM cannot create a
     * thread); then nothing changed.
     */
    Thread ensureStarted() {
        Thread current = thread;
        return current != null ? current : start();
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
        /* K: acquire, pairs with K in runBatch(): the callbacks counted have run. */
        return (long) FINISHED.getVolatile(this);
    }

    long failedCount() {
        return failed.get();
    }

    /** Whether the thread is running a callback right now (a racy snapshot, for messages). */
    boolean isRunningCallback() {
        return running;
    }

    /** The callback thread, or null if it never started. */
    Thread thread() {
        return thread;
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

    /**
     * Waits until {@code target} callbacks have run or {@code deadline} (a {@link System#nanoTime()}
     * value) has passed; returns whether they have.
     */
    boolean awaitFinished(long target, long deadline) throws InterruptedException {
        if (finishedCount() >= target) {
            return true;
        }
        progressLock.lockInterruptibly();
        try {
            while (finishedCount() < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progressed.awaitNanos(left);
            }
            return true;
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
            Thread started = newThread();
            thread = started; // before start(): the thread's first callback may ask isCallbackThread()
            try {
                started.start();
            } catch (Throwable e) {
                thread = null; // e.g. OutOfMemoryError "unable to create native thread": try again next time
                throw e;
            }
        }
        return thread;
    }

    /** The callback thread, unstarted; throws (changing nothing) if the factory fails. */
    private Thread newThread() {
        if (threadFactory == null) {
            return Thread.ofPlatform().daemon().name(threadName).unstarted(this::runLoop);
        }
        return ThreadFactories.newThread(threadFactory, this::runLoop,
                "the callback thread of srcu '" + domain + "'");
    }

    private void runLoop() {
        while (true) {
            try {
                if (!runOnce()) {
                    return;
                }
            } catch (Throwable unexpected) {
                // Nothing in the loop should throw (callbacks and handlers are contained), but an
                // Error here (e.g. OutOfMemoryError in a stall report) must not end the thread that
                // every barrier and close depend on. The batch is still in the queue; retry.
                reportFailure(unexpected);
            }
        }
    }

    /** One round: waits for work, then a grace period for it, then runs it; false once stopped. */
    private boolean runOnce() {
        SrcuCallbackQueue.Entry last = queue.lastLinked();
        if (last == null && !gracePeriods.hasUnservedRequest()) {
            if (stopping && queue.isEmpty()) {
                return false;
            }
            sleepUntilWork();
            return true;
        }
        long cookie = gracePeriods.highestRequested();
        if (last != null) {
            // Taken after noting the batch: the grace period it waits for starts after every callback in it.
            long forBatch = gracePeriods.cookie();
            cookie = (forBatch - cookie > 0) ? forBatch : cookie;
        }
        gracePeriods.awaitDone(cookie, "callback thread");
        if (last != null) {
            runBatch(last);
        }
        return true;
    }

    private void sleepUntilWork() {
        /* J: announce, then re-check (pairs with J in submit() and wake()). */
        sleeping = true;
        if (queue.isEmpty() && !gracePeriods.hasUnservedRequest() && !stopping) {
            LockSupport.park(this);
        } else if (!queue.isEmpty()) {
            Thread.onSpinWait(); // a producer is between swapping the tail and linking its entry
        }
        sleeping = false;
        Thread.interrupted(); // an interrupt must not turn parking into spinning
    }

    /** Runs every queued callback up to and including {@code last}, in order. */
    private void runBatch(SrcuCallbackQueue.Entry last) {
        do {
            Runnable callback = queue.take();
            running = true;
            try {
                callback.run();
            } catch (Throwable t) {
                failed.incrementAndGet();
                reportFailure(t);
            } finally {
                running = false;
                Thread.interrupted(); // a callback's interrupt is not meant for the next one
                /* K: release, pairs with K in finishedCount(). */
                FINISHED.setRelease(this, (long) FINISHED.get(this) + 1);
            }
        } while (!queue.tookUpTo(last));
        progressLock.lock();
        try {
            progressed.signalAll();
        } finally {
            progressLock.unlock();
        }
    }

    /** Hands {@code failure} to the error handler; nothing either of them throws gets out. */
    private void reportFailure(Throwable failure) {
        FailureReports.report(failure, errorHandler, handlerThrew);
    }

    @Override
    public String toString() {
        return "callbacks queued=" + admittedCount() + ", run=" + finishedCount() + ", failed=" + failedCount();
    }
}
