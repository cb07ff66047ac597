package io.github.mmunotify.mmap;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * Where this module's background threads come from. There are two kinds:
 * <ul>
 *   <li>three process-wide daemon threads, running until the JVM exits. Two start the first time
 *       a region is revoked: {@code mmunotify-releaser}, which gives revoked memory back to the
 *       kernel ({@code munmap}, {@code close}) moments after a revoke, so that the revoking thread
 *       does not pay for it, and {@code mmunotify-trap-reaper}, which releases the trap mappings
 *       that stand in for revoked memory once their quarantine period is over. The third,
 *       {@code mmunotify-region-cleaner}, is the thread of the {@link java.lang.ref.Cleaner} that
 *       notices when a region with count-free reads ({@link Region#hasCountFreeReads()}) has been
 *       garbage-collected; it starts with the first such region;</li>
 *   <li>short-lived threads, one per revocation that must wait in the background: a guard's
 *       {@code revokeAsync()} (a region or mapping revoked while accesses are in flight, many
 *       drained in parallel) and the thread that finishes a region's revoke left unfinished by a
 *       timed-out {@code Region.revoke(Duration)} when its arena closes. By default these are
 *       virtual threads named {@code revoke-...} and {@code finish-revoke-...}.</li>
 * </ul>
 *
 * <p>By default the daemons are platform daemon threads with the names above. An application
 * that must account for, name or group every thread (an application server, a container with a
 * thread policy, a test harness that checks for leaked threads) can supply a
 * {@link ThreadFactory} for all of them with {@link #setThreadFactory}, once, at start-up,
 * before the first {@link Region} or {@link MappedArena} is created: every region takes its
 * threads from the factory in force when it is created, and the daemons, once started, stay.
 * This is why it is set-once rather than replaceable, like
 * {@link java.net.URL#setURLStreamHandlerFactory}.
 *
 * <p>The factory's threads are used as it makes them, except that the two long-lived threads
 * are made daemons (they never end, and must not keep the JVM alive). Thread-safe.
 */
public final class MmapThreads {

    private static final String RELEASER = "mmunotify-releaser";
    private static final String REAPER = "mmunotify-trap-reaper";
    private static final String CLEANER = "mmunotify-region-cleaner";

    /*
     * Implementation notes. The configuration changes only under the class's monitor, in one
     * direction: no factory and not used -> a factory set, or -> used (with or without a factory),
     * after which nothing changes. Both fields are volatile so that regions, created often (an
     * arena carves them), read a fixed configuration without the monitor: once firstUse is set,
     * factory never changes again. The user's factory is never called under the monitor.
     */

    /** The factory set, or null; written under the class's monitor. */
    private static volatile ThreadFactory factory;
    /** What first used the configuration, or null while it may still change; written under the monitor. */
    private static volatile String firstUse;
    /** Guarded by the class: the daemons the factory made when it was set, until they start. */
    private static Thread releaser;
    private static Thread reaper;

    private MmapThreads() {
    }

    /**
     * Makes {@code factory} the source of every background thread of this module (see the class
     * comment). It is asked at once for the two daemon threads, which start later, the first time
     * a region is revoked; so a factory that fails, fails here.
     *
     * @param factory makes the threads; must return new, unstarted threads
     * @throws NullPointerException if {@code factory} is null
     * @throws IllegalStateException if a factory was already set, or if the module already made a
     *         region (or started a background thread) with the defaults; the message says which.
     *         Also if {@code factory} throws (the cause), returns null or returns a thread already
     *         started: then nothing is set, and a later call may set another factory
     */
    public static void setThreadFactory(ThreadFactory factory) {
        Objects.requireNonNull(factory, "factory");
        requireSettable();
        // Asked outside the monitor: the factory is the user's code.
        Thread newReleaser = daemon(newThread(factory, DeferredRelease::serve, "the " + RELEASER + " daemon"));
        Thread newReaper = daemon(newThread(factory, TrapMappings::reap, "the " + REAPER + " daemon"));
        synchronized (MmapThreads.class) {
            requireSettable(); // again: another call may have set one, or the module been used, meanwhile
            MmapThreads.factory = factory;
            releaser = newReleaser;
            reaper = newReaper;
        }
    }

    private static synchronized void requireSettable() {
        ThreadFactory set = factory;
        if (set != null) {
            throw new IllegalStateException("the mmap thread factory is already set, to " + describe(set)
                    + "; it can be set only once");
        }
        if (firstUse != null) {
            throw new IllegalStateException("the mmap thread factory must be set before the module is first used;"
                    + " it was already used with the default threads by " + firstUse);
        }
    }

    /**
     * The factory set with {@link #setThreadFactory}, if any.
     *
     * @return the factory, or empty if none was set (the defaults are in use or will be)
     */
    public static Optional<ThreadFactory> threadFactory() {
        return Optional.ofNullable(factory);
    }

    /**
     * For a region being created: the factory its guards' {@code revokeAsync()} threads come
     * from, or null for the default. Fixes the configuration from now on.
     */
    static ThreadFactory forRegion(String region) {
        if (firstUse == null) {
            markUsed("creating region '" + region + "'");
        }
        return factory; // fixed: firstUse is set, so no factory can be set any more
    }

    private static synchronized void markUsed(String use) {
        if (firstUse == null) {
            firstUse = use;
        }
    }

    /**
     * Where the thread of the Cleaner that watches count-free regions comes from (asked once, when
     * the first count-free region is made): the factory if one is set, else a platform thread
     * called {@code mmunotify-region-cleaner}. {@link java.lang.ref.Cleaner} makes it a daemon.
     */
    static ThreadFactory cleanerThreads() {
        markUsed("starting the " + CLEANER + " daemon");
        ThreadFactory current = factory;
        return current != null ? current : Thread.ofPlatform().daemon().name(CLEANER).factory();
    }

    /** The started releaser daemon (called once, by {@code DeferredRelease}'s initialisation). */
    static Thread startReleaser() {
        return start(takeDaemon(true), RELEASER, DeferredRelease::serve);
    }

    /** The started trap reaper daemon (called once, by {@code TrapMappings}' initialisation). */
    static Thread startReaper() {
        return start(takeDaemon(false), REAPER, TrapMappings::reap);
    }

    private static synchronized Thread takeDaemon(boolean wantReleaser) {
        String name = wantReleaser ? RELEASER : REAPER;
        markUsed("starting the " + name + " daemon");
        Thread made = wantReleaser ? releaser : reaper;
        if (wantReleaser) {
            releaser = null;
        } else {
            reaper = null;
        }
        return made;
    }

    private static Thread start(Thread made, String name, Runnable loop) {
        Thread thread = made != null ? made : Thread.ofPlatform().daemon().name(name).unstarted(loop);
        thread.start();
        return thread;
    }

    /**
     * An unstarted thread for {@code task}: the factory's if one is set, else a virtual thread
     * called {@code name}.
     *
     * @throws IllegalStateException if the factory fails, naming it
     */
    static Thread newThread(String name, Runnable task) {
        if (firstUse == null) {
            markUsed("starting thread " + name);
        }
        ThreadFactory current = factory;
        return current == null ? Thread.ofVirtual().name(name).unstarted(task) : newThread(current, task, "thread " + name);
    }

    /**
     * A new, unstarted thread from {@code factory}.
     *
     * @throws IllegalStateException if the factory throws (the cause), returns null, or returns a
     *         thread that is already started or terminated
     */
    private static Thread newThread(ThreadFactory factory, Runnable task, String purpose) {
        Thread thread;
        try {
            thread = factory.newThread(task);
        } catch (Throwable failure) {
            throw new IllegalStateException("thread factory " + describe(factory) + " threw " + failure
                    + " when asked for " + purpose, failure);
        }
        if (thread == null) {
            throw new IllegalStateException("thread factory " + describe(factory) + " returned null when asked for "
                    + purpose);
        }
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException("thread factory " + describe(factory) + " returned thread '"
                    + thread.getName() + "' in state " + thread.getState() + " when asked for " + purpose
                    + "; a factory must return a new, unstarted thread");
        }
        return thread;
    }

    private static Thread daemon(Thread thread) {
        if (!thread.isVirtual()) {
            thread.setDaemon(true); // never ends: must not keep the JVM alive
        }
        return thread;
    }

    private static String describe(ThreadFactory factory) {
        try {
            return String.valueOf(factory);
        } catch (RuntimeException undescribable) {
            return factory.getClass().getName();
        }
    }
}
