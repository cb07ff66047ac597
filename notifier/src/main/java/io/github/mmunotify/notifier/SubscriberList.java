package io.github.mmunotify.notifier;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

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
 */
final class SubscriberList {

    private static final MmuNotifier[] NONE = {};

    private static final class Registration {
        boolean releaseClaimed;
    }

    private volatile MmuNotifier[] subscribers = NONE;

    // Guarded by this.
    private final Map<MmuNotifier, Registration> registrations = new IdentityHashMap<>();
    private boolean closed;

    /** The current snapshot; never modified after publication. */
    MmuNotifier[] snapshot() {
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
        MmuNotifier[] current = subscribers;
        MmuNotifier[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = notifier;
        subscribers = next;
    }

    /** Throws {@link IllegalArgumentException} unless the notifier is registered. */
    synchronized void requireRegistered(MmuNotifier notifier, String spaceName) {
        if (!registrations.containsKey(notifier)) {
            throw new IllegalArgumentException(notifier + " is not registered with " + spaceName);
        }
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

    /** Removes a registration and its array entry; false if it was not registered. */
    synchronized boolean remove(MmuNotifier notifier) {
        if (registrations.remove(notifier) == null) {
            return false;
        }
        MmuNotifier[] current = subscribers;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == notifier) {
                MmuNotifier[] next = new MmuNotifier[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                subscribers = next;
                break;
            }
        }
        return true;
    }

    /** Refuses further registrations. */
    synchronized void close() {
        closed = true;
    }

    /** Empties the array (walks that start later call nobody); registrations stay. */
    synchronized void detachAll() {
        subscribers = NONE;
    }

    @Override
    public String toString() {
        return "SubscriberList[" + subscribers.length + " attached]";
    }
}
