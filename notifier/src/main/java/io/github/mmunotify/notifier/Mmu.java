package io.github.mmunotify.notifier;

import io.github.mmunotify.core.FailureReports;
import io.github.mmunotify.core.Srcu;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The notifier machinery of one "kernel": one SRCU domain that every {@link AddressSpace} it
 * creates walks its subscribers under, and the deferred-free queue that lets a subscriber free
 * itself without racing those walks (the kernel's global mmu-notifier {@code srcu_struct}, with
 * {@code mmu_notifier_call_srcu} and {@code mmu_notifier_synchronize}).
 *
 * <p><b>The lifetime pattern.</b> A subscriber that must die with the address space registers an
 * {@link MmuNotifier}; in {@link MmuNotifier#release} it calls
 * {@link AddressSpace#unregisterNoRelease} on itself and queues its own free with
 * {@link #callSrcu}. The free runs only after every walk that could still call the subscriber
 * has ended. Whoever unloads the subscriber's code calls {@link #barrier}, which returns only
 * once every queued free has run.
 * The refcounted form ({@link AddressSpace#getNotifier}, the kernel's {@code mmu_notifier_get}
 * since Linux 5.4) does the same for the subscriber: its last {@link NotifierReference#put}
 * queues {@link MmuNotifier#freeNotifier} here, and {@link #barrier} waits for it too.
 *
 * <p><b>Failures.</b> A queued free that throws is reported to the error handler like any callback
 * failure, and counts as run: {@link #barrier} and {@link #close} do not wait for it again.
 * The Mmu keeps no count of its own that a failed call could leave behind; what {@code barrier}
 * and {@code close} wait for is the SRCU domain's own bookkeeping.
 *
 * <p>Thread-safe. {@link #close} closes every address space, then the SRCU domain.
 */
public final class Mmu implements AutoCloseable {

    private static final AtomicInteger UNNAMED = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger(Mmu.class.getName());

    private final String name;
    private final Srcu srcu;
    private final Consumer<? super NotifierCallbackException> errorHandler;
    private final Set<AddressSpace> addressSpaces = ConcurrentHashMap.newKeySet();
    private final LongAdder callbackFailures = new LongAdder();
    private volatile boolean closed;
    // Guarded by this: a close() is running (concurrent callers return at once, as before).
    private boolean closing;
    /** Set once close() has closed the SRCU domain; a close() that failed before may be retried. */
    private volatile boolean domainClosed;
    /** Set once the address spaces are closed and the queue drained: callSrcu is refused after it. */
    private volatile boolean queueClosed;

    private Mmu(String name, Consumer<? super NotifierCallbackException> errorHandler, ThreadFactory callbackThreads) {
        this.name = name;
        this.errorHandler = errorHandler;
        Srcu.Builder domain = Srcu.builder("mmu-notifier:" + name).callbackErrorHandler(new FreeFailures());
        if (callbackThreads != null) {
            domain.threadFactory(callbackThreads);
        }
        this.srcu = domain.build();
    }

    /** Reports a queued free that threw (a class, not a lambda: see AddressSpace's notes). */
    private final class FreeFailures implements Consumer<Throwable> {
        @Override
        public void accept(Throwable failure) {
            try {
                report(new NotifierCallbackException(new StringBuilder("a free queued with callSrcu on mmu ")
                        .append(name).append(" threw ").append(failure.getClass().getName()).toString(), failure));
            } catch (Throwable unreportable) {
                // Counted by the domain; nowhere left to report it, and the queue must go on.
            }
        }
    }

    /**
     * Creates an Mmu named {@code mmu-N} whose callback failures are logged through
     * {@link System.Logger}.
     *
     * @return a new open Mmu; {@code N} counts the Mmus created by this method in this JVM
     */
    public static Mmu create() {
        return create("mmu-" + UNNAMED.incrementAndGet());
    }

    /**
     * Creates a named Mmu whose callback failures are logged through {@link System.Logger}.
     *
     * @param name what the Mmu is called in messages and in its SRCU domain's name; not blank
     * @return a new open Mmu
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Mmu create(String name) {
        return create(name, Mmu::log);
    }

    /**
     * Creates a named Mmu that hands every callback failure (a subscriber callback that threw or
     * refused a blockable range, a queued free that threw) to {@code errorHandler}, on the thread
     * where it happened (for frees: the domain's callback thread). A handler that throws is logged.
     *
     * @param name         what the Mmu is called in messages and in its SRCU domain's name; not blank
     * @param errorHandler receives every callback failure, on the thread where it happened (any
     *                     thread that changes, registers in or closes a space, and the callback
     *                     thread), so it must be thread-safe; it runs inside the walk, so it should
     *                     not block for long
     * @return a new open Mmu
     * @throws NullPointerException     if {@code name} or {@code errorHandler} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Mmu create(String name, Consumer<? super NotifierCallbackException> errorHandler) {
        checkArguments(name, errorHandler);
        return new Mmu(name, errorHandler, null);
    }

    /**
     * Creates a named Mmu like {@link #create(String, Consumer)} whose SRCU domain takes its
     * callback thread (the one thread that runs the frees queued with {@link #callSrcu}) from
     * {@code callbackThreads} instead of making a platform daemon thread of its own. The factory is
     * asked when the first free is queued, as {@link Srcu.Builder#threadFactory} describes; if it
     * throws, returns null or returns a started thread, that {@code callSrcu} throws
     * {@link IllegalStateException} naming the factory and the free is not queued.
     *
     * @param name the Mmu's name; not blank
     * @param errorHandler receives every callback failure
     * @param callbackThreads makes the domain's callback thread; must return a new, unstarted thread
     * @return the new Mmu
     * @throws NullPointerException if any argument is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Mmu create(String name, Consumer<? super NotifierCallbackException> errorHandler,
                             ThreadFactory callbackThreads) {
        checkArguments(name, errorHandler);
        Objects.requireNonNull(callbackThreads, "callbackThreads");
        return new Mmu(name, errorHandler, callbackThreads);
    }

    private static void checkArguments(String name, Consumer<? super NotifierCallbackException> errorHandler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(errorHandler, "errorHandler");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
        }
    }

    private static void log(NotifierCallbackException failure) {
        LOG.log(System.Logger.Level.WARNING, failure.getMessage(), failure.getCause());
    }

    /**
     * The name given at creation.
     *
     * @return the name given to {@link #create(String)}, or {@code mmu-N} for {@link #create()}
     */
    public String name() {
        return name;
    }

    /**
     * Creates an address space walked under this Mmu's SRCU domain.
     *
     * @param spaceName the space's name in messages; not blank (need not be unique)
     * @return a new open address space with no mapping or subscriber; {@link #close} closes it too
     * @throws NullPointerException     if {@code spaceName} is null
     * @throws IllegalArgumentException if {@code spaceName} is blank
     * @throws IllegalStateException if this Mmu is closed
     */
    public synchronized AddressSpace createAddressSpace(String spaceName) {
        Objects.requireNonNull(spaceName, "spaceName");
        if (spaceName.isBlank()) {
            throw new IllegalArgumentException("spaceName must not be blank, was '" + spaceName + "' (mmu " + name + ")");
        }
        if (closed) {
            throw new IllegalStateException("mmu " + name + " is closed; cannot create address space " + spaceName);
        }
        AddressSpace space = new AddressSpace(this, srcu, spaceName);
        addressSpaces.add(space);
        return space;
    }

    /**
     * The address spaces created and not yet closed.
     *
     * @return a new unmodifiable list (a snapshot), in no particular order
     */
    public List<AddressSpace> addressSpaces() {
        return List.copyOf(addressSpaces);
    }

    /**
     * Queues {@code free} to run after a grace period: once every invalidation walk, release call
     * and other callback of every address space of this Mmu that was running when this was called
     * has returned. Never blocks; runs on the SRCU domain's callback thread; must be quick. Legal
     * inside any callback.
     *
     * <p>Memory consistency: actions before this call, and everything those callbacks did,
     * happen-before {@code free} runs.
     *
     * @param free what to run after the grace period (typically: free a subscriber); what it throws
     *             is reported to the error handler
     * @throws NullPointerException  if {@code free} is null
     * @throws IllegalStateException if this Mmu is closed
     */
    public void callSrcu(Runnable free) {
        Objects.requireNonNull(free, "free");
        if (queueClosed) {
            throw new IllegalStateException("mmu " + name + " is closed; cannot queue " + free);
        }
        srcu.callSrcu(free);
    }

    /**
     * Returns only after every callback queued with {@link #callSrcu} before this call, from any
     * address space, has run: an SRCU barrier ({@link io.github.mmunotify.core.Srcu#barrier()},
     * the kernel's {@code srcu_barrier}, which {@code mmu_notifier_synchronize} wraps), not just a
     * grace period. After it returns, a subscriber freed that way has no callback running and will
     * get none; call it before unloading the code of such a subscriber.
     *
     * <p>Memory consistency: everything those callbacks did happens-before this method returns.
     *
     * @throws IllegalStateException if called inside a notifier callback or a queued callback of
     *                               this Mmu (it would wait for itself)
     */
    public void barrier() {
        if (srcu.isReaderOnCurrentThread()) {
            throw new IllegalStateException("Mmu.barrier on " + name
                    + " called inside a notifier callback: it would wait for that callback to return");
        }
        srcu.barrier();
    }

    /**
     * The callback barrier under the name used before 0.1.0; does exactly what {@link #barrier()}
     * does.
     *
     * @throws IllegalStateException if called inside a notifier callback or a queued callback of
     *                               this Mmu (it would wait for itself)
     * @deprecated use {@link #barrier()}: this waits for queued callbacks, like
     *             {@link io.github.mmunotify.core.Srcu#barrier()}, not for a grace period, which is
     *             what {@link io.github.mmunotify.core.Srcu#synchronize()} means
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public void synchronize() {
        barrier();
    }

    void report(NotifierCallbackException failure) {
        callbackFailures.increment();
        // Counted above; a handler or logger that throws must not stop the walk that reported this.
        FailureReports.report(failure, errorHandler, Mmu::log);
    }

    /** Whether the SRCU domain is closed: no walk can run any more, so there is nothing to wait for. */
    boolean isDomainClosed() {
        return queueClosed;
    }

    void closed(AddressSpace space) {
        addressSpaces.remove(space);
    }

    /**
     * Counters of this Mmu, for operators.
     *
     * @param addressSpaces    open address spaces
     * @param invalidations    completed invalidations, summed over the open address spaces
     * @param retries          TRY_AGAIN outcomes, summed over the open address spaces
     * @param callbackFailures callbacks that threw or broke their contract, over the Mmu's life
     * @param gracePeriods     SRCU grace periods completed (register, unregister and frees wait for them)
     * @param freesPending     callSrcu callbacks queued and not yet run
     */
    public record Stats(int addressSpaces, long invalidations, long retries, long callbackFailures,
                        long gracePeriods, long freesPending) {
    }

    /**
     * A snapshot of the counters, summed over the open address spaces for invalidations and retries.
     *
     * @return the counters now; legal at any time, also after {@link #close}
     */
    public Stats stats() {
        long invalidations = 0;
        long retries = 0;
        List<AddressSpace> spaces = addressSpaces();
        for (AddressSpace space : spaces) {
            AddressSpace.Stats stats = space.stats();
            invalidations += stats.invalidations();
            retries += stats.retries();
        }
        Srcu.Stats domain = srcu.stats();
        return new Stats(spaces.size(), invalidations, retries, callbackFailures.sum(),
                domain.gracePeriodsCompleted(), domain.callbacksPending());
    }

    /**
     * Whether {@link #close} was called.
     *
     * @return {@code true} once a {@link #close} call has begun (one refused for being called
     *         inside a callback does not count), even if it then threw; never turns back to
     *         {@code false}
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every address space (see {@link AddressSpace#close}), waits for every queued callback
     * to run, and closes the SRCU domain. Idempotent: a call while another is running returns at
     * once. If the domain cannot be closed (a thread is still inside a read section of it, for
     * example blocked in a callback), throws and may be called again later; no new address space
     * can be created meanwhile. No lock is held while release callbacks and frees run.
     *
     * @throws IllegalStateException if called inside a notifier callback of this Mmu, or if a
     *                               thread is inside a read section of the domain (see
     *                               {@link Srcu#close})
     */
    @Override
    public void close() {
        if (srcu.isReaderOnCurrentThread() || srcu.isCallbackThread()) {
            throw new IllegalStateException("Mmu.close on " + name
                    + " called inside a notifier callback or a queued callback: it would wait for itself");
        }
        synchronized (this) {
            closed = true;
            if (closing || domainClosed) {
                return;
            }
            closing = true;
        }
        try {
            closeAddressSpaces();
            srcu.barrier();
            queueClosed = true;
            srcu.close();
            domainClosed = true;
        } finally {
            synchronized (this) {
                closing = false;
            }
        }
    }

    /**
     * Closes every space even if one of them throws (anything: an Error or a sneaked checked
     * exception must not leave the later spaces open); rethrows the first failure.
     */
    private void closeAddressSpaces() {
        Throwable first = null;
        for (AddressSpace space : addressSpaces()) {
            try {
                space.close();
            } catch (Throwable failure) {
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            }
        }
        if (first != null) {
            Mmu.<RuntimeException>rethrow(first);
        }
    }

    /** Rethrows {@code failure} as it was thrown, checked or not. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void rethrow(Throwable failure) throws T {
        throw (T) failure;
    }

    @Override
    public String toString() {
        return "Mmu[" + name + ", addressSpaces=" + addressSpaces.size() + (closed ? ", closed" : "") + "]";
    }
}
