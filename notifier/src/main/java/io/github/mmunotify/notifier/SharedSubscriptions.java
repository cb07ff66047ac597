package io.github.mmunotify.notifier;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The refcounted subscriptions of one address space (the kernel's {@code mmu_notifier_get} /
 * {@code mmu_notifier_put}, Linux 5.4+): one notifier per key, made by a factory on the first get,
 * registered through {@link Subscriptions}, unregistered without waiting by the last put, and
 * freed after a grace period on the {@link Mmu}'s callback thread.
 *
 * <p>Thread-safe. No foreign code (the factory, {@code free}, {@code toString} of a key in a
 * message) runs under this object's monitor.
 */
final class SharedSubscriptions {

    /*
     * Implementation notes.
     *
     * States of an Entry, all changes under this object's monitor:
     *
     *   CREATING --factory + register succeed--> LIVE (references >= 1) --last put--> DYING
     *       '--factory or register throws--> removed (nothing registered)
     *
     * Only CREATING and LIVE entries are in `byKey`; the last put removes its entry from `byKey` in
     * the same critical section that takes the count to zero (the kernel's kref_put with
     * kref_get_unless_zero on the get side). A get therefore either increments a count that is
     * still positive (it revives nothing: the subscription was never dying) or finds no entry and
     * creates a new notifier: it can never return one whose free is queued.
     *
     * A get that finds a CREATING entry waits on its latch outside the monitor and looks again:
     * the factory runs at most once per subscription, never under the monitor, and a factory that
     * throws lets the next waiter try its own. The creator registers (which waits, as register does, for the walks
     * that read the list before it) before it marks the entry LIVE, so a waiter never gets a notifier that some walk started
     * after the get could miss.
     *
     * `owned` holds every notifier of this space from its registration until its free starts, so
     * that a factory returning a notifier still in use here (LIVE under another key, or DYING with
     * its free not yet run) is refused instead of being freed under its new user. `anyOwned`
     * mirrors "owned is not empty" (written under the monitor after every change of `owned`) so
     * that unregister's refusal of a shared notifier (keyOf) costs one volatile read, not the
     * monitor, on a space that has no refcounted subscription: a notifier the caller holds was
     * put in `owned` before it could reach the caller (the get that returns it claimed it first),
     * so a read of false means it is not shared, exactly as an empty map under the monitor did.
     *
     * The last put removes the notifier from the subscriber array (SubscriberList.remove, a short
     * synchronized copy, no callback) and only then queues the free: the grace period that precedes
     * the free therefore covers every walk that read an array still holding it. A release that the
     * space's teardown is running concurrently is inside that teardown's read section, so the free
     * also waits for it.
     */

    private enum State { CREATING, LIVE, DYING }

    /** One subscription: a key, its notifier once made, and the count of its references. */
    static final class Entry {
        final Object key;
        final CountDownLatch created = new CountDownLatch(1);
        // Guarded by the owning SharedSubscriptions.
        MmuNotifier notifier;
        int references;
        State state = State.CREATING;

        Entry(Object key) {
            this.key = key;
        }
    }

    private final AddressSpace space;
    private final Subscriptions subscriptions;
    private final Mmu mmu;
    private final CallbackFailures failures;

    // Guarded by this.
    private final Map<Object, Entry> byKey = new HashMap<>();
    private final Map<MmuNotifier, Entry> owned = new IdentityHashMap<>();
    private boolean closed;
    /** Whether {@code owned} is not empty; written under this object's monitor, read without it. */
    private volatile boolean anyOwned;

    // space: handed to factories and references, never called here but for its name.
    SharedSubscriptions(AddressSpace space, Subscriptions subscriptions, Mmu mmu, CallbackFailures failures) {
        this.space = space;
        this.subscriptions = subscriptions;
        this.mmu = mmu;
        this.failures = failures;
    }

    AddressSpace space() {
        return space;
    }

    /** See {@link AddressSpace#getNotifier}. */
    <N extends MmuNotifier> NotifierReference<N> get(Object key, Function<? super AddressSpace, ? extends N> factory) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(factory, "factory");
        subscriptions.requireOutsideCallbacks("getNotifier");
        for (;;) {
            Entry entry;
            boolean mine = false;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("address space " + space.name()
                            + " is closing; cannot get a notifier");
                }
                entry = byKey.get(key);
                if (entry == null) {
                    entry = new Entry(key);
                    byKey.put(key, entry);
                    mine = true;
                } else if (entry.state == State.LIVE) {
                    entry.references++;
                    return reference(entry);
                }
            }
            if (mine) {
                return create(entry, factory);
            }
            awaitCreation(entry);
        }
    }

    @SuppressWarnings("unchecked") // the entry's notifier is the N its creator's factory returned
    private <N extends MmuNotifier> NotifierReference<N> reference(Entry entry) {
        return new NotifierReference<>(this, entry, (N) entry.notifier);
    }

    private <N extends MmuNotifier> NotifierReference<N> create(Entry entry,
                                                               Function<? super AddressSpace, ? extends N> factory) {
        boolean live = false;
        try {
            N notifier = factory.apply(space);
            if (notifier == null) {
                throw new NullPointerException("the factory for key " + entry.key + " of address space "
                        + space.name() + " returned null");
            }
            claim(entry, notifier);
            try {
                subscriptions.registerShared(notifier);
            } catch (RuntimeException | Error refused) {
                synchronized (this) {
                    owned.remove(notifier);
                    anyOwned = !owned.isEmpty();
                }
                throw refused;
            }
            synchronized (this) {
                entry.notifier = notifier;
                entry.references = 1;
                entry.state = State.LIVE;
                live = true;
            }
            return new NotifierReference<>(this, entry, notifier);
        } finally {
            if (!live) {
                synchronized (this) {
                    byKey.remove(entry.key, entry);
                }
            }
            entry.created.countDown();
        }
    }

    /** Records the factory's notifier as this space's, refusing one still in use here. */
    private void claim(Entry entry, MmuNotifier notifier) {
        Entry holder;
        synchronized (this) {
            holder = owned.putIfAbsent(notifier, entry);
            anyOwned = true;
        }
        if (holder != null) {
            throw new IllegalArgumentException("the factory for key " + entry.key + " of address space "
                    + space.name() + " returned " + notifier + ", which is still the notifier of key "
                    + holder.key + " here (live, or put and not yet freed); a factory must make a new notifier");
        }
    }

    /** Waits until a concurrent creation of the same key has succeeded or failed. */
    private static void awaitCreation(Entry entry) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    entry.created.await();
                    return;
                } catch (InterruptedException e) {
                    // The creation is bounded (a factory call and register's wait); finish waiting.
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Drops one reference; the caller (a NotifierReference) has made sure it held one. */
    void put(Entry entry) {
        MmuNotifier notifier;
        synchronized (this) {
            if (--entry.references > 0) {
                return;
            }
            entry.state = State.DYING;
            byKey.remove(entry.key, entry);
            notifier = entry.notifier;
        }
        subscriptions.removeShared(notifier);
        Free free = new Free(this, entry, notifier);
        try {
            mmu.callSrcu(free);
        } catch (IllegalStateException closed) {
            if (!mmu.isDomainClosed()) {
                throw closed;
            }
            // The domain is closed: no walk or callback can run any more, so the grace period is over.
            try {
                free.run();
            } catch (Throwable failure) {
                failures.report("free", notifier, failure);
            }
        }
    }

    /**
     * The key of a shared notifier, for messages; null if it is not shared. Without the monitor
     * while this space has no refcounted subscription (see the implementation notes).
     */
    Object keyOf(MmuNotifier notifier) {
        if (!anyOwned) {
            return null;
        }
        synchronized (this) {
            Entry entry = owned.get(notifier);
            return entry == null ? null : entry.key;
        }
    }

    /** Refuses further gets; live subscriptions stay until their last put. */
    synchronized void close() {
        closed = true;
    }

    /** Live subscriptions (keys with a notifier that has references). */
    synchronized int size() {
        int live = 0;
        for (Entry entry : byKey.values()) {
            if (entry.state == State.LIVE) {
                live++;
            }
        }
        return live;
    }

    /** The deferred free of one notifier: forget it, then call its {@code freeNotifier}. */
    private static final class Free implements Runnable {
        private final SharedSubscriptions owner;
        private final Entry entry;
        private final MmuNotifier notifier;

        Free(SharedSubscriptions owner, Entry entry, MmuNotifier notifier) {
            this.owner = owner;
            this.entry = entry;
            this.notifier = notifier;
        }

        @Override
        public void run() {
            synchronized (owner) {
                owner.owned.remove(notifier, entry);
                owner.anyOwned = !owner.owned.isEmpty();
            }
            notifier.freeNotifier();
        }

        @Override
        public String toString() {
            return "free of " + notifier + " (key " + entry.key + ", address space " + owner.space.name() + ")";
        }
    }

    @Override
    public String toString() {
        return "SharedSubscriptions[" + space.name() + ", live=" + size() + "]";
    }
}
