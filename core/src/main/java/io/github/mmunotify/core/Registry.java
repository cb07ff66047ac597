package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A table of drivers looked up by key, whose entries belong to {@link LoadableModule}s that can be
 * unloaded without racing the lookups: the kernel's "driver list guarded by an rwsem" (file
 * system types, net devices), with the module rwsem scheme for unloading.
 *
 * <p>{@link #lookup} runs under the read lock and returns a {@link Hold} that keeps the driver's
 * module loaded until it is closed; a module's {@link LoadableModule#unload()} takes this registry's write
 * lock (with those of its other registries, in one global order), so it never overlaps a lookup.
 * A lookup that finds a driver therefore always gets it: there is no "found but the module is going
 * away" case to handle. {@link #register} takes the write lock.
 *
 * <p>Registries are ordered by creation; that order is the global lock order of unloads.
 * Thread-safety: every method may be called from any thread, except that from inside a module's
 * exit hook {@link #register} and {@link #lookup} throw {@link IllegalStateException}, and so do
 * {@link #contains}, {@link #keys} and {@link #size} on a registry that the hook's own unload does
 * not hold (see {@link LoadableModule}); {@link #toString()} is always allowed.
 *
 * @param <K> the key type (e.g. a file system name)
 * @param <V> the driver type
 */
public final class Registry<K, V> {

    private static final AtomicLong CREATION_ORDER = new AtomicLong();

    private final String name;
    private final long order = CREATION_ORDER.incrementAndGet();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by lock. */
    private final Map<K, Entry<V>> entries = new HashMap<>();
    /** entries.size(), written under the write lock, read without a lock by toString(). */
    private volatile int driverCount;

    private record Entry<V>(LoadableModule module, V driver) { }

    private Registry(String name) {
        this.name = name;
    }

    /**
     * Creates an empty registry. Its place in the global lock order of unloads is its creation
     * order.
     *
     * @param <K>  the key type (keys are compared with {@code equals} and {@code hashCode})
     * @param <V>  the driver type
     * @param name shown in exceptions, holds and {@link #toString()}; not blank
     * @return a new empty registry
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static <K, V> Registry<K, V> create(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new Registry<>(name);
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
     * Registers {@code driver} under {@code key}, owned by {@code module}; it stays until the
     * module is unloaded.
     *
     * <p>Memory consistency: actions before this call happen-before every {@link #lookup} that
     * finds the driver.
     *
     * @param module the module that owns the entry (its {@link LoadableModule#unload()} removes it); not null
     * @param key    the key to register under; not null, not registered in this registry yet
     * @param driver the driver that lookups of {@code key} return; not null
     * @throws NullPointerException     if {@code module}, {@code key} or {@code driver} is null
     * @throws IllegalArgumentException if {@code key} is already registered; nothing changes
     * @throws IllegalStateException    if the module is unloading or unloaded, or when called from
     *                                  inside an exit hook; nothing changes
     */
    public void register(LoadableModule module, K key, V driver) {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(driver, "driver");
        LoadableModule.requireNotInExitHook("register in " + name);
        lock.writeLock().lock();
        try {
            Entry<V> existing = entries.get(key);
            if (existing != null) {
                throw new IllegalArgumentException("key " + key + " is already registered in " + name
                        + " by module '" + existing.module().name() + "'");
            }
            module.attach(this);
            entries.put(key, new Entry<>(module, driver));
            driverCount = entries.size();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Looks up the driver registered under {@code key} and holds its module until the returned hold
     * is closed. Use it in try-with-resources; a null resource is allowed there:
     * <pre>{@code
     * try (Registry.Hold<String, FsType> hold = fileSystems.lookup("ext4")) {
     *     if (hold == null) { ... no such driver ... }
     *     hold.driver().mount(device);
     * }
     * }</pre>
     *
     * @param key the key to look up; not null
     * @return the hold, owned by the caller, or null if no driver is registered under {@code key}
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException when called from inside an exit hook
     */
    public Hold<K, V> lookup(K key) {
        Objects.requireNonNull(key, "key");
        LoadableModule.requireNotInExitHook("lookup in " + name);
        lock.readLock().lock();
        try {
            Entry<V> entry = entries.get(key);
            if (entry == null) {
                return null;
            }
            Hold<K, V> hold = new Hold<>(this, key, entry.module(), entry.driver(), Thread.currentThread());
            entry.module().addHold(hold);
            return hold;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Whether a driver is registered under {@code key} (a snapshot: nothing is held, so the
     * answer may be stale by the time it is used; {@link #lookup} to use the driver).
     *
     * @param key the key to look for; not null
     * @return {@code true} if a driver was registered under {@code key} at the time of the call
     * @throws NullPointerException  if {@code key} is null
     * @throws IllegalStateException when called from inside an exit hook whose unload does not hold
     *                               this registry
     */
    public boolean contains(K key) {
        Objects.requireNonNull(key, "key");
        requireReadableFromHere("contains()");
        lock.readLock().lock();
        try {
            return entries.containsKey(key);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The keys registered now (a snapshot).
     *
     * @return an unmodifiable list of the keys, in no particular order
     * @throws IllegalStateException when called from inside an exit hook whose unload does not hold
     *                               this registry
     */
    public List<K> keys() {
        requireReadableFromHere("keys()");
        lock.readLock().lock();
        try {
            return List.copyOf(entries.keySet());
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The number of drivers registered now (a snapshot).
     *
     * @return the number of keys registered at the time of the call
     * @throws IllegalStateException when called from inside an exit hook whose unload does not hold
     *                               this registry
     */
    public int size() {
        requireReadableFromHere("size()");
        lock.readLock().lock();
        try {
            return entries.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String toString() {
        // No lock: callable from anywhere, an exit hook included.
        return "Registry[" + name + ", order=" + order + ", drivers=" + driverCount + "]";
    }

    /**
     * An exit hook may read the registries its own unload holds write-locked, but waiting for the
     * read lock of any other could close a cycle with another unload whose hook waits for one of
     * ours: refused.
     */
    private void requireReadableFromHere(String operation) {
        if (LoadableModule.isRunningExitHooks() && !lock.isWriteLockedByCurrentThread()) {
            LoadableModule.requireNotInExitHook(operation + " of " + name + ", a registry the unload does not hold,");
        }
    }

    // ---------------------------------------------------------------------------------------
    // Used by LoadableModule.unload.

    long order() {
        return order;
    }

    Lock writeLock() {
        return lock.writeLock();
    }

    /** Removes every entry of {@code module}; the caller holds the write lock. */
    void removeEntriesOf(LoadableModule module) {
        for (Iterator<Entry<V>> it = entries.values().iterator(); it.hasNext(); ) {
            if (it.next().module() == module) {
                it.remove();
            }
        }
        driverCount = entries.size();
    }

    /**
     * A driver found by {@link Registry#lookup}, holding its module loaded until {@link #close()}.
     * Close it on every path; an open hold makes {@link LoadableModule#unload()} fail with
     * {@link ModuleBusyException}, which names it. Thread-safe; closing is idempotent.
     *
     * <p>Called {@code Pin} before 0.1.0, which clashed with the {@code mmap} module's
     * {@code Pin} (a hold on an off-heap region, a different thing); kept without a deprecated
     * alias because {@link Registry#lookup} returns it and an alias type could not stand in.
     *
     * @param <K> the key type
     * @param <V> the driver type
     */
    public static final class Hold<K, V> implements AutoCloseable {

        private final Registry<K, V> registry;
        private final K key;
        private final LoadableModule module;
        private final V driver;
        private final String heldBy;
        private volatile boolean closed;

        private Hold(Registry<K, V> registry, K key, LoadableModule module, V driver, Thread heldBy) {
            this.registry = registry;
            this.key = key;
            this.module = module;
            this.driver = driver;
            this.heldBy = heldBy.toString();
        }

        /**
         * The driver; valid (its module loaded) until this hold is closed.
         *
         * @return the driver registered under {@link #key()} when the lookup ran
         * @throws IllegalStateException if the hold is closed
         */
        public V driver() {
            if (closed) {
                throw new IllegalStateException("driver() on a closed hold: " + this);
            }
            return driver;
        }

        /**
         * The key the driver was looked up by. Allowed after {@link #close()}.
         *
         * @return the key passed to {@link Registry#lookup}
         */
        public K key() {
            return key;
        }

        /**
         * The module this hold keeps loaded. Allowed after {@link #close()}.
         *
         * @return the module that registered the driver
         */
        public LoadableModule module() {
            return module;
        }

        /**
         * Whether {@link #close()} has been called.
         *
         * @return {@code true} once the hold is closed; stays {@code true}
         */
        public boolean isClosed() {
            return closed;
        }

        /** Releases the hold on the module. Idempotent. */
        @Override
        public void close() {
            if (CLOSED.compareAndSet(this, false, true)) {
                module.removeHold(this);
            }
        }

        @Override
        public String toString() {
            return "Hold[" + registry.name + "/" + key + " of module '" + module.name() + "', held by "
                    + heldBy + (closed ? ", closed" : "") + "]";
        }

        private static final VarHandle CLOSED;

        static {
            try {
                CLOSED = MethodHandles.lookup().findVarHandle(Hold.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
