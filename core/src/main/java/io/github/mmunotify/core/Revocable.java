package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An object that can be taken away while handles to it are still open: a device that is
 * unplugged, a driver that is unloaded, a memory region that is unmapped. This is the kernel's
 * revoke machinery (libunload, {@code revoke(2)}'s revokable objects, kernfs open-file draining)
 * for the JVM.
 *
 * <h2>Use</h2>
 * The owner of the object {@linkplain #open opens} one {@link Handle} per client, with a
 * {@code release} action that tears down whatever the client holds. Every method of the object
 * that a client calls through its handle is bracketed by {@link #tryEnter()} and {@link #exit()}
 * (the kernel's start_using / stop_using):
 * <pre>{@code
 * if (!revocable.tryEnter()) {
 *     throw new RevokedException(revocable.name(), "write");   // or: return end of data
 * }
 * try {
 *     device.write(bytes);
 * } finally {
 *     revocable.exit();
 * }
 * }</pre>
 * {@link #revoke()} then, in order: makes every later {@code tryEnter()} fail and every later
 * {@code open} throw; calls the <em>kick</em> given at creation, so that methods blocked
 * indefinitely (a read waiting for data) wake up and leave; waits until every method in flight has
 * called {@code exit()}; runs the release of every handle still open, exactly once; and wakes every
 * poller with hang-up. When it returns, no method of the object is running and none will start.
 *
 * <h2>What callers get after revocation</h2>
 * One table, used by every module built on this class (mmap regions, notifiers, the samples):
 * <table class="striped">
 *   <caption>Result of each kind of operation once {@code revoke()} has begun</caption>
 *   <thead><tr><th>operation</th><th>result</th></tr></thead>
 *   <tbody>
 *   <tr><td>read</td><td>end of data (-1, an empty result, {@code false}); never an exception</td></tr>
 *   <tr><td>write, and every other operation</td><td>throws {@link RevokedException}</td></tr>
 *   <tr><td>{@link Handle#poll poll}</td><td>returns at once, reporting hang-up and error
 *       ({@link Events#hangUp()}, {@link Events#error()})</td></tr>
 *   <tr><td>access to memory mapped through the object</td><td>throws the mapping's
 *       {@code SigBusException} (module mmap)</td></tr>
 *   <tr><td>{@link #tryEnter()}</td><td>{@code false}</td></tr>
 *   <tr><td>{@link #open open}</td><td>throws {@link RevokedException}</td></tr>
 *   <tr><td>{@link Handle#close()}</td><td>returns normally once the handle's release has run
 *       (it runs once, by whichever of close and revoke got there first)</td></tr>
 *   <tr><td>{@link #notifyChanged()}</td><td>allowed; pollers already see hang-up</td></tr>
 *   <tr><td>{@link #revoke()} again</td><td>returns once the first revocation has completed</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Algorithm and invariants</h2>
 * The users in flight are a {@link StripedUseCount}: per-thread padded cells, so threads on
 * different cores do not write one shared word, and every entry is attributed to its thread
 * (which names it in a timeout, and lets entries of terminated threads be ignored);
 * {@code tryEnter()} is one atomic add and
 * {@code exit()} one release store, lock-free and allocation-free. {@code tryEnter()} counts
 * itself in, then reads the state; {@code revoke()} sets the state, then sums the counts. Both
 * first steps are full fences, so either the entering thread sees the revocation and backs out,
 * or the revoker sees it and waits for its {@code exit()}. An {@code exit()} that sees a
 * revocation in progress unparks the revoker; the revoker spins briefly, then parks with a
 * bounded back-off and re-checks, so it neither burns a core nor depends on that wake-up.
 *
 * <p>Each handle's release runs once, through a {@link Teardown}: whoever begins it,
 * {@link Handle#close()} or {@code revoke()}, runs the release; the other waits until it is done. A handle stays in the open set until its release has
 * finished, so a {@code revoke()} that races a {@code close()} also waits for that release.
 * Opening checks the state and adds the handle under the same lock that {@code revoke()} takes
 * after setting the state, so every handle is either refused or released.
 *
 * <h2>Misuse</h2>
 * <ul>
 *   <li>{@code revoke()} from a thread that is inside {@code tryEnter()} of this object would wait
 *       for itself: it throws {@link IllegalStateException}, changing nothing. Use
 *       {@link #revokeAsync()} there.</li>
 *   <li>{@code revoke()} from inside the kick or a release run by a revocation of this object
 *       throws {@link IllegalStateException} likewise; so does {@code revoke()} from inside a
 *       release run by {@link Handle#close()} while another thread's revocation is under way
 *       (that revocation waits for the release). From a close()'s release with no revocation
 *       under way, {@code revoke()} begins it and completes.</li>
 *   <li>{@code exit()} without a matching successful {@code tryEnter()} on the same thread throws
 *       {@link IllegalStateException} and changes nothing.</li>
 *   <li>A thread that terminates inside {@code tryEnter()} without exiting does not hold up
 *       {@code revoke()}: a dead thread runs no method, and every entry is counted in a cell
 *       owned by the thread that made it, so entries of dead threads are ignored.</li>
 *   <li>A thread that stays inside forever (blocked where the kick does not reach) makes
 *       {@code revoke()} wait forever; {@link #revoke(Duration)} times out naming it.</li>
 * </ul>
 *
 * <h2>Observability</h2>
 * While a JFR recording enables it, every revoke call is recorded as the event
 * {@code io.github.mmunotify.Revoke} (object name, duration, methods in flight waited for,
 * handles released, timed out or not). Without such a recording, nothing is allocated or timed.
 *
 * <p>Thread-safety: every method may be called from any thread; {@code tryEnter()} and
 * {@code exit()} must be paired on the same thread.
 */
public final class Revocable {

    /*
     * Implementation notes.
     *
     * Ordering points (grep the letters):
     *   A tryEnter() counts in (full fence), then re-reads the state     } Dekker: the entrant
     *   B beginRevocation() CASes the state (full fence), then C sums    } backs out or is waited for
     *   K exit()'s release store of the count, read by C; K' the volatile store that replaces K
     *     when a StackOverflowError strikes inside K's call chain or in the lookup of the cell
     *     (StripedUseCount.exit())
     *   L exit() reads the state with no fence after K: a lost wake-up, covered by C's bounded park
     *   J state written, then pollers woken; H in ChangeEvents.await() (pollers) and I (signal)
     *   Handle: its release runs once through a Teardown (waiters, re-entry, memory effects)
     *   D/E drain hand-over: a timed-out revoke abandons the revocation Teardown (D), a waiting
     *     revoke takes it over (E); the Teardown orders the first's work before the second's
     *   M REVOKED published after every release
     *
     * The drain. The thread that begins the revocation Teardown (from IDLE, while the state is
     * OPEN) owns the drain-and-release work, and only it then does B; every other revoke finds the
     * Teardown begun and waits.
     * A revoke(Duration) that times out or is interrupted, or any unexpected throwable in that work,
     * abandons it (D). Every other revoke waits in the Teardown's beginOrAwait for completion or an
     * abandoned revocation, which it takes over (E), so exactly one thread works at a time, and a
     * given-up revocation is finished by the next revoke (or one already waiting). revokeAsync()
     * hands the Teardown off after the kick and its thread adopts it. REVOKED is only published by
     * a worker that drained and released everything: a timeout never leaves the object looking
     * complete.
     *
     * Observability. Each revoke call (and the background part of revokeAsync) is a RevokeEvent
     * when a JFR recording enables it; the event, or null, is handed down the private steps,
     * which fill in what they waited for and released. Disabled, nothing is allocated or timed.
     */

    private static final int OPEN = 0;
    private static final int REVOKING = 1;
    private static final int REVOKED = 2;

    private final String name;
    private final Runnable kick;
    /** Makes the threads of {@link #revokeAsync()}; null for the default, virtual threads {@code revoke-<name>}. */
    private final ThreadFactory revokeThreads;
    private final StripedUseCount users = new StripedUseCount();
    private final ChangeEvents events = new ChangeEvents();

    /** OPEN, REVOKING or REVOKED; read on every tryEnter/exit, written once or twice. */
    private volatile int state;
    /**
     * The drain-and-release work, owned by the thread doing it right now (kick, drain, releases),
     * for wake-ups and misuse checks; begun by the winner of B, abandoned by a revoke that gives up.
     */
    private final Teardown revocation;

    /** Test seam: run by the revoke that begins the drain, before it changes the state; null otherwise. */
    volatile Runnable betweenBeginSteps;

    private final ReentrantLock handlesLock = new ReentrantLock();
    private final Set<Handle> handles = new LinkedHashSet<>();

    private Revocable(String name, Runnable kick, ThreadFactory revokeThreads) {
        this.name = name;
        this.kick = kick;
        this.revokeThreads = revokeThreads;
        this.revocation = new Teardown("Revocable[" + name + "]");
    }

    /**
     * Creates a revocable object without a kick hook.
     *
     * @param name shown in exceptions and {@link #toString()}; not blank
     * @return a new open object, with no handle and nothing in flight
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Revocable create(String name) {
        return create(name, () -> { });
    }

    /**
     * Creates a revocable object.
     *
     * @param name shown in exceptions and {@link #toString()}; not blank
     * @param kick called once by {@link #revoke()} after new entries are refused and before it
     *             waits for the methods in flight, to wake the ones that block indefinitely
     *             (signal a condition, interrupt, close a channel); must not block for long
     * @return a new open object, with no handle and nothing in flight
     * @throws NullPointerException     if {@code name} or {@code kick} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Revocable create(String name, Runnable kick) {
        checkArguments(name, kick);
        return new Revocable(name, kick, null);
    }

    /**
     * Creates a revocable object whose {@link #revokeAsync()} runs on threads from
     * {@code revokeThreads} instead of the default virtual threads named {@code revoke-<name>}.
     * The factory is asked for one thread per {@code revokeAsync()} call that needs one (none when
     * the revocation has already completed), and the thread is used as it is; it ends when that
     * revocation has completed. If the factory throws, returns null or returns a thread already
     * started, {@code revokeAsync()} throws {@link IllegalStateException} naming the factory
     * before it has changed anything.
     *
     * @param name shown in exceptions and {@link #toString()}; not blank
     * @param kick as {@link #create(String, Runnable)}
     * @param revokeThreads makes the threads that finish asynchronous revocations; must return
     *                      new, unstarted threads
     * @return the new object, open
     * @throws NullPointerException if any argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Revocable create(String name, Runnable kick, ThreadFactory revokeThreads) {
        checkArguments(name, kick);
        Objects.requireNonNull(revokeThreads, "revokeThreads");
        return new Revocable(name, kick, revokeThreads);
    }

    private static void checkArguments(String name, Runnable kick) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kick, "kick");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
    }

    /**
     * The name given at creation.
     *
     * @return the name passed to {@link #create(String, Runnable)}
     */
    public String name() {
        return name;
    }

    /**
     * Enters a method of the object (start_using). Lock-free and allocation-free; nestable.
     *
     * @return true if the caller may run the method and must then call {@link #exit()} on this
     *         thread; false once revocation has begun (then the caller must not call exit)
     */
    public boolean tryEnter() {
        if (state != OPEN) {
            return false;
        }
        Thread me = Thread.currentThread();
        /* A: the count-in is a full fence before the state is read again; pairs with B in
         * beginRevocation() and C in awaitUsersGone(): either we see REVOKING and back out, or
         * the drain sees our entry and waits for exit(). */
        users.enter(me);
        if (state != OPEN) {
            users.exit(me);
            wakeRevocationWorker();
            return false;
        }
        return true;
    }

    /**
     * Leaves a method entered with a successful {@link #tryEnter()} on this thread (stop_using).
     *
     * <p>Stack overflow: {@code exit()} is usually called from a {@code finally} block, possibly
     * at the bottom of an overflowing stack. A {@link StackOverflowError} thrown inside the
     * count's exit is caught and the exit completed without a call: thrown while the caller's
     * entry is looked up, the entry is found again by a scan of the count's fields; thrown by the
     * calls that store the lower count, the store is made directly. One thrown by the call that
     * wakes a waiting revoker needs nothing (the revoker re-checks the count on its own within a
     * bounded park). In every case the exit is complete and the error is <em>not</em> rethrown,
     * so a {@code finally} that calls {@code exit()} does not replace the exception it is running
     * for. What remains, thrown having changed nothing (the entry stays counted; a later
     * {@code exit()} on this thread, from a shallower frame, leaves it): an overflow on entry to
     * {@code exit()} itself when it is not inlined into the caller (the caller's frame had no
     * stack left for the call), in {@link Thread#currentThread()} (a native call when
     * {@code exit()} runs interpreted), or on entry to the count's exit, which holds the
     * fallback: without the thread, or without a frame to run the fallback in, no entry can be
     * found. An overflow while building the exception of an unmatched {@code exit()} is thrown
     * instead of that exception, and changes nothing either.
     *
     * @throws IllegalStateException if the thread has no matching entry; nothing is changed then
     */
    public void exit() {
        // Kept small (a few bytecodes), so that JITs inline it into the caller's finally: an
        // inlined exit() has no entry of its own where a stack overflow could strike.
        users.exit(Thread.currentThread());
        /* L: no full fence between the exit's release store (K) and this read, so a revoke that
         * has just begun may be missed and not woken; its bounded park in awaitUsersGone()
         * re-reads the count anyway, so the wake-up only shortens the wait. */
        if (state != OPEN) {
            wakeRevocationWorkerAfterExit();
        }
    }

    /** The wake-up after an exit, which is complete: an overflow here is not thrown. */
    private void wakeRevocationWorkerAfterExit() {
        try {
            wakeRevocationWorker();
        } catch (StackOverflowError noStackForTheWakeUp) {
            // The revoker's bounded park (C) finds the exit without the wake-up.
        }
    }

    /**
     * Whether the current thread is between a successful {@link #tryEnter()} and its {@link #exit()}.
     *
     * @return {@code true} if the calling thread holds at least one entry of this object (for
     *         checks that refuse an operation that would wait for the caller itself)
     */
    public boolean isInsideOnCurrentThread() {
        return users.isInside(Thread.currentThread());
    }

    /**
     * Attaches an open handle (make_revokable).
     *
     * @param release run exactly once: by {@link Handle#close()} or by {@link #revoke()}, whichever
     *                comes first; not null
     * @return the new open handle, whose {@link Handle#close()} detaches it
     * @throws NullPointerException if {@code release} is null
     * @throws RevokedException once revocation has begun; nothing is attached then
     */
    public Handle open(Runnable release) {
        Objects.requireNonNull(release, "release");
        Handle handle = new Handle(this, release, events.count());
        handlesLock.lock();
        try {
            if (state != OPEN) {
                throw new RevokedException(name, "open");
            }
            handles.add(handle);
        } finally {
            handlesLock.unlock();
        }
        return handle;
    }

    /**
     * Revokes the object. From the moment it starts, {@link #tryEnter()} fails and {@link #open}
     * throws. It calls the kick hook, waits until every method in flight has exited, runs the
     * release of every handle still open exactly once (waiting for releases that a concurrent
     * {@link Handle#close()} has started), and wakes every poller with hang-up. When it returns,
     * no method of the object is running and none will start. Concurrent and repeated calls all
     * return only after the first has completed. Waiting is not interruptible; the interrupt
     * status is kept.
     *
     * <p>If the kick or a release throws (any {@code Throwable}, {@code Error}s included), the
     * revocation still completes (every other release runs, every handle is marked released,
     * {@link #isRevocationComplete()} becomes true) and then this call rethrows the first failure
     * with the others suppressed. A later call neither reruns nor rethrows.
     *
     * <p>This call waits forever for a method that never exits (a live thread blocked inside that
     * the kick does not wake, or a close() whose release never returns); entries left by threads
     * that terminated inside are ignored. {@link #revoke(Duration)} bounds the wait and names what
     * it is stuck on.
     *
     * @throws IllegalStateException if the current thread is inside {@link #tryEnter()} of this
     *         object, or inside the kick or a release run by its revocation, or inside a release
     *         run by {@code close()} while another thread's revocation is under way (it would wait
     *         for itself); nothing is changed then. Use {@link #revokeAsync()} there.
     */
    public void revoke() {
        Thread me = Thread.currentThread();
        requireNotInside(me, "revoke()");
        try {
            revoke(me, Wait.FOREVER);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("an unbounded revoke() neither times out nor is interrupted", e);
        }
    }

    /**
     * Revokes the object like {@link #revoke()}, waiting at most {@code timeout} for methods in
     * flight to exit and for releases started by a concurrent {@link Handle#close()} to finish.
     * Returns normally exactly when {@code revoke()} would have returned, with the same
     * postcondition. The kick and the releases this call runs itself run on the calling thread and
     * are not bounded by the timeout.
     *
     * <p>On timeout the object stays revoked but not complete: {@link #tryEnter()} and
     * {@link #open} already fail, the handles not yet released stay open, and a later
     * {@code revoke()}, {@code revoke(Duration)} or {@link #revokeAsync()} (or a concurrent call
     * already waiting) takes over and finishes the job. A failure of the kick or of a release this
     * call ran is then attached to the {@code TimeoutException} as suppressed.
     *
     * @param timeout how long to wait; zero completes the revocation only if nothing is in flight
     * @throws TimeoutException      if the revocation did not complete in time; the message names
     *         the object, the timeout, and what it is stuck on: each live thread still inside
     *         (name, id, "alive"), or the handle whose release a close() is still running and the
     *         thread running it
     * @throws InterruptedException  if the thread is interrupted before or while waiting (the
     *         interrupt status is cleared); the object is then left as on timeout
     * @throws IllegalStateException as {@link #revoke()}, changing nothing
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws RuntimeException      (or {@code Error}) the first failure of the kick or a release,
     *         as {@link #revoke()}, once the revocation has completed
     */
    public void revoke(Duration timeout) throws InterruptedException, TimeoutException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        Thread me = Thread.currentThread();
        requireNotInside(me, "revoke(Duration)");
        if (Thread.interrupted()) {
            throw new InterruptedException("revoke(" + timeout + ") of " + name + " interrupted before it began");
        }
        revoke(me, new Wait(timeout));
    }

    private void revoke(Thread me, Wait wait) throws InterruptedException, TimeoutException {
        RevokeEvent event = RevokeEvent.beginIfEnabled(name, wait.interruptible() ? "revoke(Duration)" : "revoke()");
        try {
            if (!beginRevocation(me)) {
                if (event != null) {
                    event.joined = true;
                }
                awaitRevocation(me, wait, event);
                return;
            }
            List<Throwable> failures = new ArrayList<>(0);
            runKick(failures);
            finishRevocation(me, failures, wait, event);
            rethrowFirst(failures);
        } catch (InterruptedException | TimeoutException givenUp) {
            if (event != null) {
                event.timedOut = true;
            }
            throw givenUp;
        } finally {
            if (event != null) {
                event.commit();
            }
        }
    }

    /**
     * Begins revocation like {@link #revoke()} (refusing new entries and opens, and calling the
     * kick, on the calling thread, before it returns) and finishes it on a new virtual thread.
     * Safe from inside a method of this object: the revocation completes after that method exits.
     * If a timed {@link #revoke(Duration)} gave up waiting, the new thread takes over from it.
     *
     * <p>The thread is a virtual thread named {@code revoke-<name>}, or one from the factory given
     * to {@link #create(String, Runnable, ThreadFactory)}; it is made before anything changes, and
     * none is made when the revocation has already completed.
     *
     * @return a future completed when the revocation has completed, exceptionally with the first
     *         kick or release failure; if a revocation was already under way, completed with it
     * @throws IllegalStateException if the thread factory throws, returns null or returns a thread
     *         already started; the object is then unchanged (not revoked if it was not)
     */
    public CompletableFuture<Void> revokeAsync() {
        Thread me = Thread.currentThread();
        if (revocation.isDone()) {
            return CompletableFuture.completedFuture(null);
        }
        // The thread comes first: a factory that fails must fail before anything has changed.
        AsyncRevoke task = new AsyncRevoke();
        Thread worker = newRevokeThread(task);
        if (!beginRevocation(me)) {
            if (revocation.isDone()) {
                return CompletableFuture.completedFuture(null); // completed meanwhile: the thread is never started
            }
            task.joined = true;
            worker.start();
            return task.result;
        }
        runKick(task.failures);
        // The caller is no longer the worker: a revoke() it calls next waits like anyone else's.
        revocation.handOff();
        try {
            worker.start();
        } catch (Throwable t) {
            // No thread to finish it (OutOfMemoryError): let the next revoke take the work over.
            revocation.adopt();
            revocation.abandon();
            throw t;
        }
        return task.result;
    }

    /** An unstarted thread that will run {@code task}: the factory's, or the default virtual one. */
    private Thread newRevokeThread(Runnable task) {
        if (revokeThreads == null) {
            return Thread.ofVirtual().name("revoke-" + name).unstarted(task);
        }
        return ThreadFactories.newThread(revokeThreads, task, "a revokeAsync() thread of Revocable[" + name + "]");
    }

    /**
     * The background part of {@link #revokeAsync()}: finishes the revocation this call began, or
     * ({@code joined}) waits for the one another thread began, taking it over if it was given up.
     * Its fields are written before the thread starts, which orders them before {@link #run()}.
     */
    private final class AsyncRevoke implements Runnable {
        final CompletableFuture<Void> result = new CompletableFuture<>();
        /** The kick's failures. */
        final List<Throwable> failures = new ArrayList<>(0);
        boolean joined;

        @Override
        public void run() {
            RevokeEvent event = RevokeEvent.beginIfEnabled(name, "revokeAsync()");
            Throwable failure = null;
            try {
                if (joined) {
                    if (event != null) {
                        event.joined = true;
                    }
                    awaitRevocation(Thread.currentThread(), Wait.FOREVER, event);
                } else {
                    finishRevocation(Thread.currentThread(), failures, Wait.FOREVER, event);
                    if (!failures.isEmpty()) {
                        failure = withSuppressed(failures);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                // The event is committed before the future completes, so a caller that waited for
                // the future finds the event in a recording it stops next.
                try {
                    if (event != null) {
                        event.commit();
                    }
                } finally {
                    if (failure == null) {
                        result.complete(null);
                    } else {
                        result.completeExceptionally(failure);
                    }
                }
            }
        }
    }

    /**
     * Whether revocation has begun (it may still be waiting for methods in flight).
     *
     * @return {@code true} once a {@code revoke} or {@link #revokeAsync()} has begun; from then on
     *         {@link #tryEnter()} returns {@code false}. Never turns back to {@code false}
     */
    public boolean isRevoked() {
        return state != OPEN;
    }

    /**
     * Whether revocation has completed: no method runs, every release has run.
     *
     * <p>Memory consistency: once this returns {@code true}, everything the kick and the releases
     * did happens-before the return.
     *
     * @return {@code true} once the revocation has completed (even if the kick or a release threw);
     *         stays {@code true}
     */
    public boolean isRevocationComplete() {
        return state == REVOKED;
    }

    /**
     * Records a change of the object and wakes every poller (kernfs_notify): one atomic add, no
     * lock, never blocks; callable from any thread, from callbacks and from inside
     * {@link #tryEnter()}. After revocation it still counts, but pollers already see hang-up.
     */
    public void notifyChanged() {
        events.signal();
    }

    /**
     * The number of methods in flight (entered and not yet exited), for monitoring.
     *
     * @return the entries of live threads not yet exited (entries left by terminated threads are
     *         not counted); exact only while no thread enters or exits
     */
    public long usersInFlight() {
        return users.sum();
    }

    /** Entries counted in overflow cells of the users, whether their threads live or not (tests). */
    long overflowEntries() {
        return users.overflowCount();
    }

    /**
     * The number of handles attached and not yet released, for monitoring.
     *
     * @return the handles opened whose release has not finished (a handle whose release is running
     *         is still counted)
     */
    public int openHandles() {
        handlesLock.lock();
        try {
            return handles.size();
        } finally {
            handlesLock.unlock();
        }
    }

    /**
     * The number of {@link #notifyChanged()} calls so far.
     *
     * @return the calls made over the object's life, before and after revocation
     */
    public long changeCount() {
        return events.count();
    }

    @Override
    public String toString() {
        return "Revocable[" + name + ", " + stateName(state) + ", usersInFlight=" + usersInFlight()
                + ", openHandles=" + openHandles() + ", changes=" + events.count() + "]";
    }

    private static String stateName(int s) {
        return switch (s) {
            case OPEN -> "open";
            case REVOKING -> "revoking";
            default -> "revoked";
        };
    }

    // ---------------------------------------------------------------------------------------
    // Revocation steps

    private void requireNotInside(Thread me, String operation) {
        if (users.isInside(me)) {
            throw new IllegalStateException(operation + " of " + name + " from a thread inside tryEnter() of it"
                    + " would wait for itself; exit() first or use revokeAsync()");
        }
    }

    private boolean beginRevocation(Thread me) {
        // The drain is begun before the state changes: a revoke that loses either step finds the
        // drain owned and waits. (State first would leave a window in which a loser, already past
        // the state, could begin the drain itself and race the winner.)
        if (state != OPEN || !revocation.tryBegin()) {
            return false;
        }
        Runnable hook = betweenBeginSteps;
        if (hook != null) {
            hook.run(); // tests only: holds the winner between its two steps
        }
        /* B: full fence (CAS) after which the drain reads the users; pairs with A in tryEnter().
         * It cannot fail: only the thread that began the drain, once, moves the state from OPEN. */
        STATE.compareAndSet(this, OPEN, REVOKING);
        /* J: the state is written before the pollers are woken; pairs with H in
         * ChangeEvents.await(): pollers re-check the state when woken and report hang-up. */
        events.wakeAll();
        return true;
    }

    private void runKick(List<Throwable> failures) {
        try {
            kick.run();
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    /**
     * Drains the users, releases the handles, publishes REVOKED; runs on {@code worker}, which
     * holds the drain. On timeout, interrupt or any unexpected throwable it gives the drain up
     * instead, so that another revoke can finish the job: nothing is published half-done.
     */
    private void finishRevocation(Thread worker, List<Throwable> failures, Wait wait, RevokeEvent event)
            throws InterruptedException, TimeoutException {
        if (!revocation.isOwnedByCurrentThread()) {
            revocation.adopt(); // revokeAsync()'s thread, taking over from the caller that kicked
        }
        boolean finished = false;
        try {
            String stuck = awaitUsersGone(wait, event);
            if (stuck == null) {
                stuck = releaseRemainingHandles(worker, failures, wait, event);
            }
            if (stuck != null) {
                throw withSuppressed(timedOut(wait, stuck), failures);
            }
            finished = true;
        } catch (InterruptedException e) {
            throw withSuppressed(e, failures);
        } finally {
            if (finished) {
                publishRevoked();
            } else {
                giveUpDrain();
            }
        }
    }

    /** Returns null once no user is left, or what is still inside when the wait times out. */
    private String awaitUsersGone(Wait wait, RevokeEvent event) throws InterruptedException {
        Backoff backoff = Backoff.forUsers();
        if (event != null) {
            event.methodsInFlight = users.sum();
        }
        try {
            /* C: reads every cell after B; pairs with A in tryEnter(), K in UseCell.ownerPublish() and K'
             * in StripedUseCount. */
            while (users.sum() != 0) {
                long left = wait.remainingNanos();
                if (left <= 0 && backoff.spinsDone()) {
                    return users.describeInside(); // even a zero timeout spins first: exits come quickly
                }
                backoff.idle(Math.max(left, 1));
                if (wait.interruptible() && backoff.takeInterrupt()) {
                    throw new InterruptedException("revoke of " + name + " interrupted while "
                            + users.describeInside());
                }
            }
            return null;
        } finally {
            backoff.restoreInterrupt();
        }
    }

    /** Returns null once every handle is released, or the handle still releasing when the wait times out. */
    private String releaseRemainingHandles(Thread worker, List<Throwable> failures, Wait wait, RevokeEvent event)
            throws InterruptedException {
        List<Handle> remaining;
        handlesLock.lock();
        try {
            remaining = new ArrayList<>(handles);
        } finally {
            handlesLock.unlock();
        }
        for (Handle handle : remaining) {
            if (handle.beginRelease(worker)) {
                handle.runRelease(true, failures);
                if (event != null) {
                    event.handlesReleased++;
                }
            } else {
                String stuck = handle.awaitReleasedUnlessOwnRelease(worker, wait);
                if (stuck != null) {
                    return stuck;
                }
            }
        }
        return null;
    }

    private void publishRevoked() {
        handlesLock.lock();
        try {
            handles.clear();
        } finally {
            handlesLock.unlock();
        }
        /* M: REVOKED is written after every release ran; a thread that reads it (isRevocationComplete())
         * or waits in the revocation Teardown sees the releases' effects. */
        state = REVOKED;
        revocation.complete();
        events.wakeAll();
    }

    /** Lets the next revoke take the unfinished drain over. */
    private void giveUpDrain() {
        /* D: publishes the abandoned drain; pairs with E in awaitRevocation(). */
        revocation.abandon();
    }

    /**
     * Waits until the revocation that another thread began has completed, taking the drain over if
     * that thread gave it up (a timed-out or interrupted {@link #revoke(Duration)}).
     */
    private void awaitRevocation(Thread me, Wait wait, RevokeEvent event) throws InterruptedException, TimeoutException {
        if (revocation.isOwnedByCurrentThread()) {
            throw new IllegalStateException("revoke() of " + name
                    + " from inside its own kick or release would wait for itself");
        }
        if (runsAReleaseOfThisObject(me)) {
            throw new IllegalStateException("revoke() of " + name + " from inside the release of one of its"
                    + " handles, run by close(), would wait for the revocation already under way, which"
                    + " waits for that release; use revokeAsync()");
        }
        /* E: takes over an abandoned drain, or waits for completion; pairs with D in giveUpDrain(). */
        if (!beginOrAwaitRevocation(wait)) {
            return; // completed by another thread
        }
        List<Throwable> failures = new ArrayList<>(0);
        finishRevocation(me, failures, wait, event);
        rethrowFirst(failures);
    }

    /** Whether this thread now owns the drain (taken over); false once the revocation is complete. */
    private boolean beginOrAwaitRevocation(Wait wait) throws InterruptedException, TimeoutException {
        if (!wait.interruptible()) {
            return revocation.beginOrAwait();
        }
        try {
            return revocation.beginOrAwait(Math.max(0, wait.remainingNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException stillRunning) {
            Thread worker = revocation.owner();
            throw timedOut(wait, (worker == null ? "the revocation is being handed over"
                    : "the revocation is being completed by " + StripedUseCount.describe(worker))
                    + "; " + users.describeInside());
        } catch (InterruptedException e) {
            throw new InterruptedException("revoke of " + name + " interrupted while waiting for "
                    + "the revocation begun by another thread");
        }
    }

    /** Whether {@code me} is running the release of a handle of this object (by close()). */
    private boolean runsAReleaseOfThisObject(Thread me) {
        handlesLock.lock();
        try {
            for (Handle h : handles) {
                if (h.releaser() == me) {
                    return true;
                }
            }
            return false;
        } finally {
            handlesLock.unlock();
        }
    }

    private TimeoutException timedOut(Wait wait, String stuck) {
        return new TimeoutException("revoke of Revocable[" + name + "] timed out after " + wait.timeout()
                + ": " + stuck);
    }

    private void wakeRevocationWorker() {
        Thread worker = revocation.owner();
        if (worker != null) {
            LockSupport.unpark(worker);
        }
    }

    private void detach(Handle handle) {
        handlesLock.lock();
        try {
            handles.remove(handle);
        } finally {
            handlesLock.unlock();
        }
    }

    private static void rethrowFirst(List<Throwable> failures) {
        if (failures.isEmpty()) {
            return;
        }
        Throwable first = withSuppressed(failures);
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(first);
    }

    private static <T extends Throwable> T withSuppressed(T thrown, List<Throwable> failures) {
        for (Throwable f : failures) {
            thrown.addSuppressed(f);
        }
        return thrown;
    }

    private static Throwable withSuppressed(List<Throwable> failures) {
        Throwable first = failures.get(0);
        for (int i = 1; i < failures.size(); i++) {
            first.addSuppressed(failures.get(i));
        }
        return first;
    }

    // ---------------------------------------------------------------------------------------

    /**
     * What {@link Handle#poll(Duration)} observed.
     *
     * @param changes the number of {@link #notifyChanged()} calls since the handle last polled
     *                (or was opened)
     * @param hangUp  the object has been revoked: no more data will come
     * @param error   the object has been revoked: operations other than read fail
     */
    public record Events(long changes, boolean hangUp, boolean error) {

        /**
         * Whether anything happened: a change or a hang-up.
         *
         * @return {@code true} if {@code changes > 0} or {@code hangUp}
         */
        public boolean any() {
            return changes > 0 || hangUp;
        }
    }

    /**
     * One client's attachment to a {@link Revocable}, opened with {@link Revocable#open}. Its
     * release runs exactly once, by {@link #close()} or by {@link Revocable#revoke()}.
     * Thread-safe.
     */
    public static final class Handle implements AutoCloseable {

        private final Revocable owner;
        private final Runnable release;
        /** The release, run once by close() or a revocation; its owner is the thread running it. */
        private final Teardown releasing;
        /** Written before {@link #releasing} completes, so a reader that sees it done sees this. */
        private volatile boolean releasedByRevoke;
        /** The change count this handle has reported up to. */
        private volatile long seen;

        private Handle(Revocable owner, Runnable release, long seen) {
            this.owner = owner;
            this.release = release;
            this.releasing = new Teardown("a handle of Revocable[" + owner.name + "]");
            this.seen = seen;
        }

        /**
         * The object this handle is attached to.
         *
         * @return the {@link Revocable} whose {@link Revocable#open} returned this handle
         */
        public Revocable revocable() {
            return owner;
        }

        /**
         * Whether the release has run and it was {@link Revocable#revoke()} that ran it (rather
         * than {@link #close()}): the client lost its object to a revocation.
         *
         * @return {@code true} once the release has finished and a revocation ran it; {@code false}
         *         while it is open or releasing, or if {@link #close()} ran it
         */
        public boolean isReleasedByRevoke() {
            return releasing.isDone() && releasedByRevoke;
        }

        /**
         * Whether the release has neither run nor started.
         *
         * @return {@code true} until {@link #close()} or a revocation starts the release
         */
        public boolean isOpen() {
            return !releasing.hasBegun();
        }

        /**
         * Closes the handle, running its release if {@link Revocable#revoke()} has not. If a
         * revocation is running the release at this moment, returns only after it has finished.
         * Idempotent; a call from inside the release itself returns at once. Waiting is not
         * interruptible; the interrupt status is kept.
         *
         * @throws RuntimeException whatever the release threw, when this call ran it (the handle
         *         is released all the same)
         */
        @Override
        public void close() {
            Thread me = Thread.currentThread();
            if (beginRelease(me)) {
                List<Throwable> failures = new ArrayList<>(0);
                runRelease(false, failures);
                owner.detach(this);
                rethrowFirst(failures);
            } else {
                try {
                    awaitReleasedUnlessOwnRelease(me, Wait.FOREVER);
                } catch (InterruptedException e) {
                    throw new AssertionError("an uninterruptible wait was interrupted", e);
                }
            }
        }

        /**
         * Waits up to {@code timeout} for a change to the object and returns what happened since
         * this handle last polled. Returns at once when something already has; after revocation
         * it always returns at once with hang-up and error. An interrupt ends the wait early; the
         * interrupt status is kept.
         *
         * @param timeout how long to wait; zero only checks; not negative
         * @return what happened since this handle last polled: the number of changes (0 if none
         *         came before the timeout or an interrupt), and hang-up and error once the object
         *         is revoked
         * @throws NullPointerException     if {@code timeout} is null
         * @throws IllegalArgumentException if {@code timeout} is negative
         * @throws IllegalStateException    if this handle was closed by its owner
         */
        public Events poll(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative: " + timeout);
            }
            if (releasing.hasBegun() && !releasedByRevoke && !owner.isRevoked()) {
                throw new IllegalStateException("poll() on a closed handle of " + owner.name);
            }
            long since = seen;
            if (!owner.isRevoked() && owner.events.count() <= since && !timeout.isZero()) {
                long deadline = System.nanoTime() + saturatedNanos(timeout);
                owner.events.await(since, owner::isRevoked, deadline);
            }
            long changes = advanceSeen(owner.events.count());
            boolean hangUp = owner.isRevoked();
            return new Events(changes, hangUp, hangUp);
        }

        @Override
        public String toString() {
            String s = !releasing.hasBegun() ? "open"
                    : !releasing.isDone() ? "releasing"
                    : releasedByRevoke ? "released by revoke" : "closed";
            return "Revocable.Handle[" + owner.name + ", " + s + "]";
        }

        private long advanceSeen(long now) {
            while (true) {
                long before = seen;
                if (now <= before) {
                    return 0;
                }
                if (SEEN.compareAndSet(this, before, now)) {
                    return now - before;
                }
            }
        }

        /**
         * Whether {@code me} (the calling thread) now runs the release: false if another thread
         * runs or ran it, or if {@code me} is running it already (a close() or revoke() from inside
         * the release, which then does not wait for itself).
         */
        boolean beginRelease(Thread me) {
            return releasing.owner() != me && releasing.tryBegin();
        }

        void runRelease(boolean byRevoke, List<Throwable> failures) {
            try {
                release.run();
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                releasedByRevoke = byRevoke;
                // Completed normally even if the release threw: the failure goes to whoever ran it,
                // and a waiting close() or revoke() returns as the release has run.
                releasing.complete();
            }
        }

        /** The thread running the release, or null. */
        Thread releaser() {
            return releasing.owner();
        }

        /**
         * Waits until the release another thread is running has finished; returns null then (or
         * at once when {@code me} is running it), or what it is stuck on when {@code wait} ends.
         */
        String awaitReleasedUnlessOwnRelease(Thread me, Wait wait) throws InterruptedException {
            Thread running = releasing.owner();
            if (releasing.isDone() || running == me) {
                return null;
            }
            if (!wait.interruptible()) {
                releasing.await();
                return null;
            }
            long left = Math.max(0, wait.remainingNanos());
            if (releasing.await(Duration.ofNanos(left))) {
                return null;
            }
            return "the release of " + this + " begun by close() on "
                    + (running == null ? "another thread" : StripedUseCount.describe(running))
                    + " has not finished";
        }

        private static final VarHandle SEEN;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                SEEN = lookup.findVarHandle(Handle.class, "seen", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /** How long a revoke may wait: forever and uninterruptibly, or up to a deadline. */
    private record Wait(Duration timeout, long deadlineNanos) {

        static final Wait FOREVER = new Wait(null, 0);

        Wait(Duration timeout) {
            this(timeout, System.nanoTime() + saturatedNanos(timeout));
        }

        boolean interruptible() {
            return timeout != null;
        }

        /** Nanoseconds left; Long.MAX_VALUE when unbounded. */
        long remainingNanos() {
            return timeout == null ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
        }
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Revocable.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
