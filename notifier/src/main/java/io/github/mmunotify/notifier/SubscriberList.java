package io.github.mmunotify.notifier;

/**
 * The list subscribers of one address space: a persistent {@link SubscriberArray} that
 * invalidation walks read without any lock, and the {@link Registrations} behind it.
 *
 * <p><b>Publication.</b> {@code register} and the removals build a new version of the array under
 * this object's monitor (copying one path of it, not the whole list) and publish it with a volatile
 * write; a walk reads the field once (a volatile read) and iterates that version. A walk therefore
 * never waits for a registration change, and a subscriber added or removed during a walk is either
 * in its version (called for start and end) or not (called for neither). Waiting for walks that may
 * still hold an old version is the caller's job (see {@code Subscriptions}).
 *
 * <p><b>Registrations.</b> Each registered notifier has one registration recording whether its
 * {@code release} was claimed, so that {@code release} runs at most once even when
 * {@code unregister} races the space's teardown. Teardown detaches every subscriber from the array
 * but keeps the registrations, so that a later {@code unregister} or {@code unregisterNoRelease}
 * (the normal driver teardown) is still legal.
 *
 * <p><b>Removed subscribers.</b> A removal leaves a tombstone: a weak, identity-keyed record that
 * the notifier was registered here once. {@code unregister} of a removed subscriber (its own
 * {@code release} already called {@code unregisterNoRelease}, the documented pattern) is then told
 * apart from one that was never registered, without keeping the subscriber alive: the tombstone
 * dies with it, and a new registration of the same object reuses it.
 *
 * <p><b>Cost.</b> A registration or removal copies O(log n) references (64-way paths) and
 * allocates nothing else once the subscriber has an entry; registering n subscribers is
 * O(n log n), not the O(n<sup>2</sup>) of a copy-on-write array.
 */
final class SubscriberList {

    /** What {@link #beginUnregister} found. */
    enum Unregistering {
        /** Registered, and the caller now owns the call of its {@code release}. */
        CALL_RELEASE,
        /**
         * Registered, its {@code release} unclaimed and a no-op: claimed and removed at once, so
         * the caller only waits for walks.
         */
        REMOVED,
        /** Registered, and its {@code release} was already claimed (by teardown or another unregister). */
        RELEASED,
        /** Registered here once and removed since: nothing to do but wait. */
        ALREADY_REMOVED
    }

    private volatile SubscriberArray subscribers = SubscriberArray.EMPTY;

    // Guarded by this.
    private final Registrations registrations = new Registrations();
    private boolean closed;

    /** The current version; never modified after publication. */
    SubscriberArray snapshot() {
        /* S2: one volatile read per walk; pairs with S1 in publish() */
        return subscribers;
    }

    synchronized int size() {
        return registrations.registered();
    }

    synchronized boolean isRegistered(MmuNotifier notifier) {
        Registrations.Registration entry = registrations.find(notifier);
        return entry != null && entry.isRegistered();
    }

    /** Adds a subscriber; throws if it is already registered or the list is closed. */
    synchronized void add(MmuNotifier notifier, String spaceName) {
        if (closed) {
            throw new IllegalStateException("address space " + spaceName + " is closing; cannot register " + notifier);
        }
        Registrations.Registration existing = registrations.find(notifier);
        if (existing != null && existing.isRegistered()) {
            throw new IllegalArgumentException(notifier + " is already registered with " + spaceName);
        }
        SubscriberArray current = subscribers;
        SubscriberArray next = current.append(notifier); // first: an OutOfMemoryError changes nothing
        Registrations.Registration entry = registrations.register(notifier, existing);
        entry.slot = current.slots;
        publish(next);
    }

    /**
     * Starts an unregister: claims the call of {@code release} if nobody has, or reports that the
     * notifier was already removed. If the claimed release would do nothing (the notifier's class
     * inherits the no-op default: {@link ReleaseOverrides}, remembered by its registration), the
     * notifier is also removed, in the same critical section.
     *
     * @throws IllegalArgumentException if the notifier was never registered here (or was removed
     *                                  so long ago that it has since been collected, which a
     *                                  caller holding it cannot observe)
     */
    synchronized Unregistering beginUnregister(MmuNotifier notifier, String spaceName) {
        Registrations.Registration entry = registrations.find(notifier);
        if (entry == null) {
            throw notRegistered(notifier, spaceName);
        }
        if (!entry.isRegistered()) {
            return Unregistering.ALREADY_REMOVED;
        }
        if (entry.releaseClaimed) {
            return Unregistering.RELEASED;
        }
        entry.releaseClaimed = true;
        if (!entry.releases) {
            removeEntry(entry);
            return Unregistering.REMOVED;
        }
        return Unregistering.CALL_RELEASE;
    }

    /** Whether the notifier was registered here once and has been removed since. */
    synchronized boolean wasRemoved(MmuNotifier notifier) {
        Registrations.Registration entry = registrations.find(notifier);
        return entry != null && !entry.isRegistered();
    }

    static IllegalArgumentException notRegistered(MmuNotifier notifier, String spaceName) {
        return new IllegalArgumentException(new StringBuilder().append(notifier)
                .append(" was never registered with address space ").append(spaceName).toString());
    }

    /**
     * Claims the right to call the notifier's {@code release}: true exactly once per registration,
     * and false once the notifier was unregistered.
     */
    synchronized boolean claimRelease(MmuNotifier notifier) {
        Registrations.Registration entry = registrations.find(notifier);
        if (entry == null || !entry.isRegistered() || entry.releaseClaimed) {
            return false;
        }
        entry.releaseClaimed = true;
        return true;
    }

    /** Removes a registration and its array slot, leaving a tombstone; false if it was not registered. */
    synchronized boolean remove(MmuNotifier notifier) {
        Registrations.Registration entry = registrations.find(notifier);
        if (entry == null || !entry.isRegistered()) {
            return false;
        }
        removeEntry(entry);
        return true;
    }

    /** Removes a registered entry and its array slot, leaving a tombstone. Under the monitor. */
    private void removeEntry(Registrations.Registration entry) {
        int slot = entry.slot;
        if (slot >= 0) {
            SubscriberArray next = subscribers.clear(slot); // first: an OutOfMemoryError changes nothing
            if (next.wantsCompaction()) {
                next = next.compacted();
                renumber(next);
            }
            registrations.unregister(entry);
            publish(next);
        } else {
            registrations.unregister(entry); // detached by a teardown: not in the array
        }
    }

    /** Gives every subscriber in {@code array} (a compacted version) its new slot. */
    private void renumber(SubscriberArray array) {
        for (int base = 0; base < array.slots; base += SubscriberArray.WIDTH) {
            MmuNotifier[] leaf = array.leafAt(base);
            for (int i = 0; i < leaf.length; i++) {
                registrations.find(leaf[i]).slot = base + i;
            }
        }
    }

    private void publish(SubscriberArray next) {
        /* S1: publish the new version; pairs with S2 in snapshot(); the caller then waits for walks */
        subscribers = next;
    }

    /** Refuses further registrations. */
    synchronized void close() {
        closed = true;
    }

    /** Empties the array (walks that start later call nobody); registrations stay. */
    synchronized void detachAll() {
        registrations.detachAll();
        publish(SubscriberArray.EMPTY);
    }

    @Override
    public String toString() {
        return "SubscriberList[" + subscribers.count + " attached]";
    }
}
