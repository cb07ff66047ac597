package io.github.mmunotify.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unit of code that registers drivers in {@link Registry registries} and can be unloaded without
 * racing the lookups that use them: raceless module unloading, after the kernel's module rwsems.
 *
 * <p><b>Name.</b> Called {@code Module} before 0.1.0, a name that clashed with
 * {@link java.lang.Module} (ambiguous under {@code import io.github.mmunotify.core.*;}); the kernel
 * calls these "loadable modules". The library was unreleased, so no deprecated alias is kept:
 * {@code Module} appeared in {@link Registry#register} and {@link Registry.Hold#module()}, where an
 * alias type could not stand in for it.
 *
 * <h2>Guarantee</h2>
 * A {@link Registry#lookup lookup} happens under the registry's read lock and returns a
 * {@link Registry.Hold} that holds the module owning the driver until it is closed. {@link #unload()}
 * takes the write lock of every registry the module registered in, always in one global order (the
 * order in which the registries were created), so two unloads can never deadlock. Holding them,
 * it checks the holds: if any is open it throws {@link ModuleBusyException} naming them and changes
 * nothing; otherwise it runs the module's exit hooks and removes its entries, then releases the
 * locks. No lookup can run in between, so none observes a half-unloaded module, and a lookup that
 * finds a driver never has to cope with "the module is going away": holding cannot fail.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Holds are only created under a registry read lock; the unload holds every relevant write
 *       lock while it checks them, so the hold set can only shrink during the check.</li>
 *   <li>The set of registries only grows while the module is loaded, under this module's monitor;
 *       an unload re-checks it after locking and retries if a registration slipped in.</li>
 *   <li>The thread running the exit hooks holds registry write locks out of any other unload's
 *       order, so registry operations from inside an exit hook that could wait for another lock
 *       throw {@link IllegalStateException} instead of risking a deadlock: {@code register},
 *       {@code lookup} and {@code unload} always, {@code contains}, {@code keys} and {@code size}
 *       on a registry this unload does not hold.</li>
 * </ul>
 *
 * <h2>Exit hooks run under the write locks</h2>
 * Like the kernel's module exit, the hooks run while every registry of the module is
 * write-locked: that is what guarantees that no lookup sees a half-torn-down driver. This is the
 * one place where this package calls foreign code under a lock, so a hook must not wait for
 * another thread that looks up, registers in or unloads through these registries (that thread
 * waits for the lock the hook's unload holds); the calls above that would wait on this thread are
 * refused. Whatever a hook throws, {@code Error}s included, is caught: every other hook still
 * runs (each at most once, even if the unload is retried), the entries are removed, the module
 * is marked unloaded, every write lock is released, and then the first failure is rethrown with
 * the others suppressed. If {@code unload()} itself fails with an unexpected throwable after the
 * hooks ran (an {@code OutOfMemoryError} removing entries), the locks are still released and the
 * module stays "unloading"; calling {@code unload()} again finishes it without rerunning a
 * hook.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class LoadableModule {

    private static final ThreadLocal<LoadableModule> RUNNING_EXIT_HOOKS = new ThreadLocal<>();

    private enum State { LOADED, UNLOADING, UNLOADED }

    private final String name;
    /** Guarded by this. */
    private final Set<Registry<?, ?>> registries = new HashSet<>();
    /** Guarded by this. */
    private final List<Runnable> exitHooks = new ArrayList<>();
    /** Guarded by this (written), volatile for cheap reads. */
    private volatile State state = State.LOADED;
    private final Set<Registry.Hold<?, ?>> holds = ConcurrentHashMap.newKeySet();

    private LoadableModule(String name) {
        this.name = name;
    }

    /**
     * Creates a loaded module with no drivers.
     *
     * @param name shown in exceptions and {@link #toString()}; not blank
     * @return a new loaded module with no drivers, hooks or holds
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static LoadableModule create(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new LoadableModule(name);
    }

    /**
     * The name given at creation.
     *
     * @return the name passed to {@link #create(String)}
     */
    public String name() {
        return name;
    }

    /**
     * Adds a hook that {@link #unload()} runs, with every registry of the module write-locked,
     * before it removes the module's entries. Hooks run in the reverse order of adding (the last
     * initialised is the first torn down).
     *
     * @param hook run at most once, by the unload that finds no hold open, on its thread; not
     *             null. It must not wait for a thread that uses these registries (see the class
     *             comment); the registry calls that could wait throw {@link IllegalStateException}
     *             from it
     * @throws NullPointerException  if {@code hook} is null
     * @throws IllegalStateException if the module is unloading or unloaded
     */
    public synchronized void addExitHook(Runnable hook) {
        Objects.requireNonNull(hook, "hook");
        requireLoaded("addExitHook");
        exitHooks.add(hook);
    }

    /**
     * Whether the module is loaded (not yet, or not successfully, unloaded).
     *
     * @return {@code false} once an {@link #unload()} has marked it unloaded (also one that then
     *         rethrew an exit hook's failure); {@code true} before, while an unload runs, after one
     *         refused with {@link ModuleBusyException}, and after one that failed unexpectedly
     *         (until a retry finishes it)
     */
    public boolean isLoaded() {
        return state != State.UNLOADED;
    }

    /**
     * The number of open holds, for monitoring.
     *
     * @return the {@link Registry.Hold}s of this module's drivers not yet closed (a snapshot)
     */
    public int holdCount() {
        return holds.size();
    }

    /**
     * The number of open holds, under the name used before 0.1.0.
     *
     * @return the same as {@link #holdCount()}
     * @deprecated use {@link #holdCount()}: the lookup result is now {@link Registry.Hold}, so
     *             {@code pin} no longer collides with the {@code mmap} module's {@code Pin}
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public int pinCount() {
        return holdCount();
    }

    /**
     * Unloads the module: takes the write lock of every registry it registered in, in the global
     * order; if a hold is open, throws {@link ModuleBusyException} and changes nothing; otherwise
     * runs the exit hooks (every one, even if one throws), removes every entry of the module, and
     * marks it unloaded. Returns at once if already unloaded; a concurrent unload of the same
     * module waits for this one.
     *
     * @throws ModuleBusyException   if holds are open; nothing was changed
     * @throws IllegalStateException if called from inside an exit hook; nothing was changed
     * @throws RuntimeException      the first exception an exit hook threw, with the others
     *                               suppressed, after the unload has completed
     */
    public void unload() {
        requireNotInExitHook("unload() of " + name);
        while (true) {
            List<Registry<?, ?>> ordered;
            synchronized (this) {
                if (state == State.UNLOADED) {
                    return;
                }
                ordered = new ArrayList<>(registries);
            }
            ordered.sort(Comparator.comparingLong(Registry::order));
            int locked = 0;
            try {
                // Counted one by one: a lock() that throws leaves exactly the ones taken to release.
                for (Registry<?, ?> registry : ordered) {
                    registry.writeLock().lock();
                    locked++;
                }
                List<Runnable> hooks;
                synchronized (this) {
                    if (state == State.UNLOADED) {
                        return;
                    }
                    if (registries.size() != ordered.size()) {
                        continue; // a registration in another registry slipped in: lock it too
                    }
                    List<String> open = describeHolds();
                    if (!open.isEmpty()) {
                        throw new ModuleBusyException(name, open);
                    }
                    hooks = List.copyOf(exitHooks);
                    // From here the hooks are this unload's alone: a retry after an unexpected
                    // throwable below finishes the unload without running any of them twice.
                    exitHooks.clear();
                    state = State.UNLOADING;
                }
                List<Throwable> failures = runExitHooks(hooks);
                for (Registry<?, ?> registry : ordered) {
                    registry.removeEntriesOf(this);
                }
                synchronized (this) {
                    registries.clear();
                    state = State.UNLOADED;
                }
                rethrowFirst(failures);
                return;
            } finally {
                for (int i = locked - 1; i >= 0; i--) {
                    ordered.get(i).writeLock().unlock();
                }
            }
        }
    }

    @Override
    public String toString() {
        int registryCount;
        synchronized (this) {
            registryCount = registries.size();
        }
        return "LoadableModule[" + name + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + ", registries="
                + registryCount + ", holds=" + holds.size() + "]";
    }

    // ---------------------------------------------------------------------------------------
    // Used by Registry, always with the registry's write lock (register) or read lock (hold).

    /** Records that this module has an entry in {@code registry}; the caller holds its write lock. */
    synchronized void attach(Registry<?, ?> registry) {
        requireLoaded("register in " + registry.name());
        registries.add(registry);
    }

    void addHold(Registry.Hold<?, ?> hold) {
        holds.add(hold);
    }

    void removeHold(Registry.Hold<?, ?> hold) {
        holds.remove(hold);
    }

    /** Whether the current thread is running exit hooks of some module. */
    static boolean isRunningExitHooks() {
        return RUNNING_EXIT_HOOKS.get() != null;
    }

    static void requireNotInExitHook(String operation) {
        LoadableModule running = RUNNING_EXIT_HOOKS.get();
        if (running != null) {
            throw new IllegalStateException(operation + " from inside an exit hook of module '"
                    + running.name + "' could deadlock with another unload; do it before or after");
        }
    }

    // ---------------------------------------------------------------------------------------

    private void requireLoaded(String operation) {
        if (state != State.LOADED) {
            throw new IllegalStateException(operation + ": module '" + name + "' is "
                    + state.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private List<String> describeHolds() {
        List<String> open = new ArrayList<>();
        for (Registry.Hold<?, ?> hold : holds) {
            open.add(hold.toString());
        }
        return open;
    }

    /** Runs every hook, last added first, catching every Throwable; never calls a hook twice. */
    private List<Throwable> runExitHooks(List<Runnable> hooks) {
        List<Throwable> failures = new ArrayList<>(0);
        RUNNING_EXIT_HOOKS.set(this);
        try {
            for (int i = hooks.size() - 1; i >= 0; i--) {
                try {
                    hooks.get(i).run();
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        } finally {
            RUNNING_EXIT_HOOKS.remove();
        }
        return failures;
    }

    private static void rethrowFirst(List<Throwable> failures) {
        if (failures.isEmpty()) {
            return;
        }
        Throwable first = failures.get(0);
        for (int i = 1; i < failures.size(); i++) {
            first.addSuppressed(failures.get(i));
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(first);
    }
}
