package io.github.mmunotify.notifier;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The list subscribers of one address space: a copy-on-write array that invalidation walks read
 * without any lock, and the registrations behind it.
 *
 * <p><b>Publication.</b> {@code register} and the removals build a new array under this object's
 * monitor and publish it with a volatile write; a walk reads the field once (a volatile read) and
 * iterates that snapshot. A walk therefore never waits for a registration change, and a subscriber
 * added or removed during a walk is either in its snapshot (called for start and end) or not
 * (called for neither). Waiting for walks that may still hold an old snapshot is the caller's job
 * (the address space synchronizes the SRCU domain the walks read under).
 *
 * <p><b>Registrations.</b> Each registered notifier has one {@link Registration} recording
 * whether its {@code release} was claimed, so that {@code release} runs at most once even when
 * {@code unregister} races the space's teardown. Teardown detaches every subscriber from the array
 * but keeps the registrations, so that a later {@code unregister} or {@code unregisterNoRelease}
 * (the normal driver teardown) is still legal.
 *
 * <p><b>Removed subscribers.</b> A removal leaves a tombstone: a weak, identity-keyed record that
 * the notifier was registered here once. {@code unregister} of a removed subscriber (its own
 * {@code release} already called {@code unregisterNoRelease}, the documented pattern) is then told
 * apart from one that was never registered, without keeping the subscriber alive: the tombstone
 * dies with it, and a new registration of the same object clears it.
 */
final class SubscriberList {

    private static final MmuNotifier[] NONE = {};

    private static final class Registration {
        boolean releaseClaimed;
    }

    /** What {@link #beginUnregister} found. */
    enum Unregistering {
        /** Registered, and the caller now owns the call of its {@code release}. */
        CALL_RELEASE,
        /** Registered, and its {@code release} was already claimed (by teardown or another unregister). */
        RELEASED,
        /** Registered here once and removed since: nothing to do but wait. */
        ALREADY_REMOVED
    }

    /** Identity of a removed subscriber, weakly held so that the record never keeps it alive. */
    private static final class Tombstone extends WeakReference<MmuNotifier> {
        private final int hash;

        Tombstone(MmuNotifier notifier, ReferenceQueue<MmuNotifier> queue) {
            super(notifier, queue);
            hash = System.identityHashCode(notifier);
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Tombstone tombstone)) {
                return false;
            }
            MmuNotifier notifier = get();
            return notifier != null && notifier == tombstone.get();
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private volatile MmuNotifier[] subscribers = NONE;

    // Guarded by this.
    private final Map<MmuNotifier, Registration> registrations = new IdentityHashMap<>();
    private final Set<Tombstone> removed = new HashSet<>();
    private final ReferenceQueue<MmuNotifier> collected = new ReferenceQueue<>();
    private boolean closed;

    /** The current snapshot; never modified after publication. */
    MmuNotifier[] snapshot() {
        /* S2: one volatile read per walk; pairs with S1 in add(), remove() and detachAll() */
        return subscribers;
    }

    synchronized int size() {
        return registrations.size();
    }

    synchronized boolean isRegistered(MmuNotifier notifier) {
        return registrations.containsKey(notifier);
    }

    /** Adds a subscriber; throws if it is already registered or the list is closed. */
    synchronized void add(MmuNotifier notifier, String spaceName) {
        if (closed) {
            throw new IllegalStateException("address space " + spaceName + " is closing; cannot register " + notifier);
        }
        if (registrations.containsKey(notifier)) {
            throw new IllegalArgumentException(notifier + " is already registered with " + spaceName);
        }
        registrations.put(notifier, new Registration());
        if (!removed.isEmpty()) {
            removed.remove(new Tombstone(notifier, null));
        }
        MmuNotifier[] current = subscribers;
        MmuNotifier[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = notifier;
        /* S1: publish the new array; pairs with S2 in snapshot(); register() then waits a grace period */
        subscribers = next;
    }

    /**
     * Starts an unregister: claims the call of {@code release} if nobody has, or reports that the
     * notifier was already removed.
     *
     * @throws IllegalArgumentException if the notifier was never registered here (or was removed
     *                                  so long ago that it has since been collected, which a
     *                                  caller holding it cannot observe)
     */
    synchronized Unregistering beginUnregister(MmuNotifier notifier, String spaceName) {
        Registration registration = registrations.get(notifier);
        if (registration != null) {
            if (registration.releaseClaimed) {
                return Unregistering.RELEASED;
            }
            registration.releaseClaimed = true;
            return Unregistering.CALL_RELEASE;
        }
        if (wasRemoved(notifier)) {
            return Unregistering.ALREADY_REMOVED;
        }
        throw notRegistered(notifier, spaceName);
    }

    /** Whether the notifier was registered here once and has been removed since. */
    synchronized boolean wasRemoved(MmuNotifier notifier) {
        return !removed.isEmpty() && removed.contains(new Tombstone(notifier, null));
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
        Registration registration = registrations.get(notifier);
        if (registration == null || registration.releaseClaimed) {
            return false;
        }
        registration.releaseClaimed = true;
        return true;
    }

    /** Removes a registration and its array entry, leaving a tombstone; false if it was not registered. */
    synchronized boolean remove(MmuNotifier notifier) {
        if (registrations.remove(notifier) == null) {
            return false;
        }
        expungeCollected();
        removed.add(new Tombstone(notifier, collected));
        MmuNotifier[] current = subscribers;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == notifier) {
                MmuNotifier[] next = new MmuNotifier[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                /* S1: publish the smaller array; pairs with S2 in snapshot() */
                subscribers = next;
                break;
            }
        }
        return true;
    }

    private void expungeCollected() {
        for (Reference<? extends MmuNotifier> dead; (dead = collected.poll()) != null; ) {
            removed.remove(dead);
        }
    }

    /** Refuses further registrations. */
    synchronized void close() {
        closed = true;
    }

    /** Empties the array (walks that start later call nobody); registrations stay. */
    synchronized void detachAll() {
        /* S1: publish the empty array; pairs with S2 in snapshot() */
        subscribers = NONE;
    }

    @Override
    public String toString() {
        return "SubscriberList[" + subscribers.length + " attached]";
    }
}
