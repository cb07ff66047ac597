package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A teardown that runs once: the first caller runs it, every other caller waits until it is done,
 * and a call from inside the teardown itself (the thread running it) is refused instead of waiting
 * for itself. This is the kernel's {@code struct completion} as its teardown paths use it
 * ({@code init_completion}, {@code complete_all}, {@code wait_for_completion}), with the
 * ownership those paths keep by hand. A building block: {@link Revocable}, its
 * {@link Revocable.Handle}, {@link Srcu#close()}, and in other modules mmap's {@code Region},
 * {@code Mapping} and {@code MappedArena} and notifier's {@code AddressSpace.close()} use one each.
 *
 * <h2>Use</h2>
 * The simple form runs a teardown once:
 * <pre>{@code
 * private final Teardown closing = new Teardown("Thing[" + name + "]");
 *
 * public void close() {
 *     closing.run(this::tearDown);   // first caller runs it; others wait; re-entry throws
 * }
 * }</pre>
 * The step form lets the owner give up half-way (a timed-out {@code revoke(Duration)}) so that the
 * next caller resumes the job:
 * <pre>{@code
 * if (teardown.beginOrAwait(timeout, NANOSECONDS)) {   // true: this caller owns it
 *     try {
 *         if (!finishWithin(timeout)) { teardown.abandon(); throw new TimeoutException(...); }
 *         teardown.complete();
 *     } catch (Throwable t) { teardown.completeExceptionally(t); throw t; }
 * } else if (teardown.failure() != null) { ... }      // done, by another caller
 * }</pre>
 *
 * <h2>States</h2>
 * {@code IDLE -> RUNNING -> DONE}, with {@code RUNNING -> ABANDONED -> RUNNING} for a given-up
 * teardown that a later caller resumes. Exactly one thread owns a {@code RUNNING} teardown (or, while
 * it is {@linkplain #handOff() handed off}, none until the next owner {@linkplain #adopt() adopts}
 * it). {@code DONE} is final: once {@link #isDone()} returns {@code true} it stays so, and no
 * caller will ever own the teardown again.
 *
 * <h2>Memory consistency</h2>
 * Everything the owner did before {@link #complete()} or {@link #completeExceptionally} happens-before
 * every return of {@link #isDone()} that sees {@code true} and every wait that ends because the
 * teardown is done; everything an owner did before {@link #abandon()} happens-before the next
 * owner's successful {@link #tryBegin()}.
 *
 * <h2>Misuse</h2>
 * A call of {@link #tryBegin()}, {@link #beginOrAwait()}, {@link #await()} or {@link #run} by
 * the thread that owns the teardown (from inside the teardown's own callbacks) throws
 * {@link IllegalStateException} naming the object, instead of deadlocking. {@link #complete()},
 * {@link #completeExceptionally}, {@link #abandon()} and {@link #handOff()} by a thread that does
 * not own it throw {@link IllegalStateException} and change nothing.
 *
 * <p>Thread-safety: every method may be called from any thread. {@link #isDone()} is one volatile
 * read, with no allocation. No lock is held while anything but this object's own fields are
 * touched: the teardown itself never runs under a lock of this class.
 */
public final class Teardown {

    /*
     * Implementation notes.
     *
     * state is CASed IDLE/ABANDONED -> RUNNING by the caller that wins; only the owner writes it
     * afterwards (DONE or ABANDONED). owner is written by the winner right after its CAS, so a
     * re-entry check on the owning thread always sees itself (program order); other threads may
     * see null for a moment, which only makes their messages vaguer.
     *
     * Waking waiters without taking the monitor on every completion (ordering points, grep the letters):
     *   W a waiter counts itself in (full fence), then reads the state        } Dekker: the waiter
     *   S the owner writes the state (volatile), then reads waiters            } sees the new state, or
     *                                                                          } the owner sees it and notifies
     * Waiters then re-check the state under the monitor before every wait(), and the owner notifies
     * under it, so no wake-up is lost. failure is a plain field written before S's volatile store
     * of DONE and read only after a volatile read of DONE.
     */

    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int ABANDONED = 2;
    private static final int DONE = 3;

    private final String name;
    private volatile int state;
    /** The thread running the teardown; null when none does (idle, abandoned, handed off, done). */
    private volatile Thread owner;
    /** Set by handOff(), cleared by the one adopt() that takes the teardown over. */
    private volatile boolean handedOff;
    /** Threads inside a wait; the owner takes the monitor to notify only when there are any. */
    private volatile int waiters;
    /** Waiters wait here; private, so that no caller's synchronized block can hold them up. */
    private final Object monitor = new Object();
    /** What the teardown threw, if completed exceptionally; published by the DONE store (S). */
    private Throwable failure;

    /**
     * Creates a teardown that has not begun.
     *
     * @param name the object torn down, as messages name it (e.g. {@code "Region[r1]"}); not blank
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Teardown(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        this.name = name;
    }

    /**
     * Runs {@code teardown} once: the first caller runs it; a concurrent or later call waits until
     * it has finished (uninterruptibly; the interrupt status is kept) and returns {@code false}. If
     * the teardown throws, it is done all the same (a later call does not rerun it; see
     * {@link #failure()}) and this call, the one that ran it, rethrows what it threw.
     *
     * @param teardown the work to do once; not null
     * @return {@code true} if this call ran the teardown, {@code false} if another had
     * @throws NullPointerException  if {@code teardown} is null
     * @throws IllegalStateException if called by the thread running this teardown (from inside it)
     */
    public boolean run(Runnable teardown) {
        Objects.requireNonNull(teardown, "teardown");
        if (!beginOrAwait()) {
            return false;
        }
        try {
            teardown.run();
        } catch (Throwable t) {
            completeExceptionally(t);
            throw t;
        }
        complete();
        return true;
    }

    /**
     * Takes ownership if the teardown has not begun or was {@linkplain #abandon() abandoned}.
     * Never blocks.
     *
     * @return {@code true} if the caller now owns the teardown and must end its turn with
     *         {@link #complete()}, {@link #completeExceptionally}, {@link #abandon()} or
     *         {@link #handOff()}; {@code false} if it is running on another thread or done
     * @throws IllegalStateException if the calling thread owns it already (a re-entrant call)
     */
    public boolean tryBegin() {
        Thread me = Thread.currentThread();
        int s = state;
        if (s == RUNNING && owner == me) {
            throw reentered(me, "begin");
        }
        if ((s == IDLE || s == ABANDONED) && STATE.compareAndSet(this, s, RUNNING)) {
            owner = me;
            return true;
        }
        // Lost to a caller that won the state we read; it may have abandoned since: the caller
        // loops (beginOrAwait) when it must not miss that.
        return s == ABANDONED && tryBegin();
    }

    /**
     * Takes ownership as {@link #tryBegin()} does, or waits until the teardown is done, taking
     * ownership if its owner abandons it meanwhile. Waiting is not interruptible; an interrupt
     * that arrives is kept in the thread's status.
     *
     * @return {@code true} if the caller now owns the teardown (as {@link #tryBegin()});
     *         {@code false} once it is done (completed by another caller, possibly exceptionally)
     * @throws IllegalStateException if the calling thread owns it already (a re-entrant call)
     */
    public boolean beginOrAwait() {
        try {
            return beginOrAwait(false, Long.MAX_VALUE, 0L);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("an unbounded, uninterruptible wait neither times out nor is interrupted", e);
        }
    }

    /**
     * {@link #beginOrAwait()} waiting at most {@code timeout}, interruptibly.
     *
     * @param timeout how long to wait; zero or negative only tries
     * @param unit    the unit of {@code timeout}; not null
     * @return as {@link #beginOrAwait()}
     * @throws InterruptedException  if interrupted before or while waiting (the status is cleared);
     *                               nothing is changed
     * @throws TimeoutException      if the teardown is still running on another thread when the
     *                               time is up; the message names this object and that thread
     * @throws NullPointerException  if {@code unit} is null
     * @throws IllegalStateException if the calling thread owns it already (a re-entrant call)
     */
    public boolean beginOrAwait(long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
        long nanos = unit.toNanos(timeout);
        if (Thread.interrupted()) {
            throw new InterruptedException("waiting for the teardown of " + name);
        }
        return beginOrAwait(true, nanos, System.nanoTime());
    }

    private boolean beginOrAwait(boolean timed, long nanos, long start)
            throws InterruptedException, TimeoutException {
        while (true) {
            if (tryBegin()) {
                return true;
            }
            if (state == DONE) {
                return false;
            }
            long left = timed ? nanos - (System.nanoTime() - start) : Long.MAX_VALUE;
            if (left <= 0) {
                throw new TimeoutException(stuckMessage());
            }
            awaitChange(timed, left, false);
        }
    }

    /**
     * Waits until the teardown is done, without taking it over (a waiter that must not run it).
     * Waiting is not interruptible; the interrupt status is kept. An abandoned teardown is waited
     * for until another caller resumes and completes it.
     *
     * @throws IllegalStateException if the calling thread owns it (it would wait for itself)
     */
    public void await() {
        try {
            awaitDone(false, Long.MAX_VALUE);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /**
     * Waits at most {@code timeout} until the teardown is done, without taking it over.
     *
     * @param timeout how long to wait; zero only checks; not negative, not null
     * @return {@code true} if it is done, {@code false} if the time ran out first
     * @throws InterruptedException     if interrupted before or while waiting (the status is cleared)
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the calling thread owns it (it would wait for itself)
     */
    public boolean await(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        if (Thread.interrupted()) {
            throw new InterruptedException("waiting for the teardown of " + name);
        }
        return awaitDone(true, saturatedNanos(timeout));
    }

    private boolean awaitDone(boolean timed, long nanos) throws InterruptedException {
        Thread me = Thread.currentThread();
        if (state == RUNNING && owner == me) {
            throw reentered(me, "wait for");
        }
        long start = System.nanoTime();
        while (state != DONE) {
            long left = timed ? nanos - (System.nanoTime() - start) : Long.MAX_VALUE;
            if (left <= 0) {
                return false;
            }
            awaitChange(timed, left, true);
        }
        return true;
    }

    /**
     * Parks until the teardown is done ({@code untilDone}) or no longer running (done or abandoned:
     * one to take over), {@code nanos} pass, or (timed) an interrupt; untimed waits keep the
     * interrupt for later.
     */
    private void awaitChange(boolean timed, long nanos, boolean untilDone) throws InterruptedException {
        boolean interrupted = false;
        /* W: counted in before the state is read again; pairs with S in wakeWaiters(). */
        WAITERS.getAndAdd(this, 1);
        try {
            synchronized (monitor) {
                long deadline = System.nanoTime() + nanos;
                while (untilDone ? state != DONE : state == RUNNING) {
                    long left = timed ? deadline - System.nanoTime() : Long.MAX_VALUE;
                    if (left <= 0) {
                        return;
                    }
                    try {
                        if (left == Long.MAX_VALUE) {
                            monitor.wait();
                        } else {
                            TimeUnit.NANOSECONDS.timedWait(monitor, left);
                        }
                    } catch (InterruptedException e) {
                        if (timed) {
                            throw new InterruptedException("waiting for the teardown of " + name);
                        }
                        interrupted = true;
                    }
                }
            }
        } finally {
            WAITERS.getAndAdd(this, -1);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Ends the teardown normally: it is done, every waiter returns, no one will own it again.
     *
     * @throws IllegalStateException if the calling thread does not own it; nothing is changed
     */
    public void complete() {
        finish(null);
    }

    /**
     * Ends the teardown with a failure: it is done (never rerun), every waiter returns, and
     * {@link #failure()} returns {@code failure}. What to tell the waiters is the caller's choice.
     *
     * @param failure what the teardown threw; not null
     * @throws NullPointerException  if {@code failure} is null
     * @throws IllegalStateException if the calling thread does not own it; nothing is changed
     */
    public void completeExceptionally(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        finish(failure);
    }

    private void finish(Throwable thrown) {
        requireOwner("complete");
        failure = thrown;
        owner = null;
        state = DONE;
        wakeWaiters();
    }

    /**
     * Gives the teardown up unfinished (a timed-out or interrupted owner): it is no longer owned,
     * and the next {@link #tryBegin()}, or a caller already waiting in {@link #beginOrAwait()},
     * takes it over and resumes it.
     *
     * @throws IllegalStateException if the calling thread does not own it; nothing is changed
     */
    public void abandon() {
        requireOwner("abandon");
        owner = null;
        state = ABANDONED;
        wakeWaiters();
    }

    /**
     * Keeps the teardown running but lets the calling thread go: no one owns it until another
     * thread {@linkplain #adopt() adopts} it (a teardown finished in the background). Until then,
     * re-entry is not detected and every other caller waits.
     *
     * @throws IllegalStateException if the calling thread does not own it; nothing is changed
     */
    public void handOff() {
        requireOwner("hand off");
        owner = null;
        handedOff = true;
    }

    /**
     * Makes the calling thread the owner of a teardown that was {@linkplain #handOff() handed off}.
     * Only one thread adopts each hand-off.
     *
     * @throws IllegalStateException if the teardown is not running handed off (not begun, owned,
     *                               abandoned, done, or adopted already); nothing is changed
     */
    public void adopt() {
        if (state != RUNNING || !HANDED_OFF.compareAndSet(this, true, false)) {
            throw new IllegalStateException("adopt() of the teardown of " + name + " while it is " + describe());
        }
        owner = Thread.currentThread();
    }

    private void requireOwner(String operation) {
        if (state != RUNNING || owner != Thread.currentThread()) {
            throw new IllegalStateException(operation + " of the teardown of " + name
                    + " by a thread that does not own it: it is " + describe());
        }
    }

    /** S: the state was written (volatile) before waiters is read; pairs with W in awaitChange(). */
    private void wakeWaiters() {
        if (waiters != 0) {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
    }

    /**
     * Whether the teardown is done: completed, normally or not. One volatile read; allocates nothing.
     *
     * @return {@code true} once {@link #complete()} or {@link #completeExceptionally} has been called;
     *         stays {@code true}
     */
    public boolean isDone() {
        return state == DONE;
    }

    /**
     * Whether a caller has ever begun the teardown.
     *
     * @return {@code false} until the first successful {@link #tryBegin()}; then {@code true} for good
     */
    public boolean hasBegun() {
        return state != IDLE;
    }

    /**
     * Whether the calling thread owns the teardown (is running it right now).
     *
     * @return {@code true} between this thread's successful {@link #tryBegin()} (or {@link #adopt()})
     *         and the end of its turn
     */
    public boolean isOwnedByCurrentThread() {
        return owner == Thread.currentThread() && state == RUNNING;
    }

    /**
     * The thread running the teardown, for messages.
     *
     * @return the owner, or null if none runs it right now (not begun, abandoned, handed off, done)
     */
    public Thread owner() {
        return owner;
    }

    /**
     * What the teardown threw.
     *
     * @return the throwable given to {@link #completeExceptionally}, or null if it is not done or
     *         completed normally
     */
    public Throwable failure() {
        return state == DONE ? failure : null;
    }

    private IllegalStateException reentered(Thread me, String operation) {
        return new IllegalStateException(operation + " the teardown of " + name + " from inside it, on "
                + me.getName() + " which is running it, would wait for itself");
    }

    private String stuckMessage() {
        Thread running = owner;
        return "the teardown of " + name + " is still running"
                + (running == null ? "" : " on thread '" + running.getName() + "' (#" + running.threadId() + ")");
    }

    private String describe() {
        return switch (state) {
            case IDLE -> "not begun";
            case RUNNING -> {
                Thread running = owner;
                yield running == null ? "running, handed off" : "running on " + running.getName();
            }
            case ABANDONED -> "abandoned";
            default -> failure == null ? "done" : "done, failed with " + failure.getClass().getName();
        };
    }

    static long saturatedNanos(Duration timeout) {
        try {
            return Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "Teardown[" + name + ", " + describe() + "]";
    }

    private static final VarHandle STATE;
    private static final VarHandle WAITERS;
    private static final VarHandle HANDED_OFF;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Teardown.class, "state", int.class);
            WAITERS = lookup.findVarHandle(Teardown.class, "waiters", int.class);
            HANDED_OFF = lookup.findVarHandle(Teardown.class, "handedOff", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
