package io.github.mmunotify.notifier;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;

/**
 * The registrations of one {@link SubscriberList}, by subscriber identity: for each subscriber
 * registered there once, whether it is registered now, its slot in the subscriber array and
 * whether its {@code release} was claimed. An entry outlives its removal as a tombstone, so that
 * {@code unregister} of a removed subscriber (the documented pattern: its {@code release} called
 * {@code unregisterNoRelease}) is told apart from one never registered; a tombstone holds the
 * subscriber only weakly and goes with it, and a new registration of the same object reuses it.
 *
 * <p>Not thread-safe: guarded by the owning list's monitor.
 */
final class Registrations {

    /*
     * Implementation notes.
     *
     * A chained hash table keyed by System.identityHashCode whose entries are the weak references
     * themselves, one per subscriber object for as long as it lives: a register/unregister cycle
     * of the same subscriber allocates nothing (the tombstones this replaces cost a new weak
     * reference per removal, and another per lookup). A registered entry also holds its subscriber
     * strongly, so an entry can only be cleared by the GC once it is a tombstone; cleared entries
     * are unlinked when they show up on the reference queue, at the next change.
     *
     * An entry also remembers whether its subscriber's class overrides release (ReleaseOverrides,
     * a ClassValue lookup of a few nanoseconds): asked once when the entry is made, so that a
     * register/unregister cycle of the same subscriber does not ask again. Asking runs
     * Class.getMethod on the first subscriber of a class and a cached lookup after that; neither
     * calls the subscriber, so it may run under the list's monitor.
     */

    /** One subscriber's entry: a weak reference to it, strong while it is registered. */
    static final class Registration extends WeakReference<MmuNotifier> {
        final int hash;
        Registration next;
        /** The subscriber while registered, else null (a tombstone). */
        MmuNotifier registered;
        /** Its slot in the current subscriber array, or -1 while it is not in the array. */
        int slot = -1;
        /** Whether the call of its {@code release} was claimed during this registration. */
        boolean releaseClaimed;
        /**
         * {@link ReleaseOverrides#of} for the subscriber: whether its {@code release} may do
         * something. A class never changes, so it is asked once per entry, not per unregister.
         */
        final boolean releases;

        Registration(MmuNotifier subscriber, int hash, ReferenceQueue<MmuNotifier> queue) {
            super(subscriber, queue);
            this.hash = hash;
            this.releases = ReleaseOverrides.of(subscriber); // JDK reflection: no subscriber code runs
        }

        boolean isRegistered() {
            return registered != null;
        }

        @Override
        public String toString() {
            return "Registration[" + registered + ", slot " + slot + (releaseClaimed ? ", released]" : "]");
        }
    }

    private final ReferenceQueue<MmuNotifier> collected = new ReferenceQueue<>();
    private Registration[] table = new Registration[16];
    /** Entries in the table, tombstones included. */
    private int entries;
    /** Entries registered now. */
    private int registered;

    /** The entry of {@code subscriber} (registered or a tombstone), or null if it has none. */
    Registration find(MmuNotifier subscriber) {
        int hash = System.identityHashCode(subscriber);
        for (Registration e = table[hash & (table.length - 1)]; e != null; e = e.next) {
            if (e.hash == hash && e.refersTo(subscriber)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Registers {@code subscriber}, reusing its tombstone if it has one; it must not be registered
     * now. {@code found} is what {@link #find} returned for it under the same monitor hold (an
     * expunge cannot drop it: the caller holds the subscriber, so its entry is not cleared).
     */
    Registration register(MmuNotifier subscriber, Registration found) {
        expungeCollected();
        Registration entry = found;
        if (entry == null) {
            int hash = System.identityHashCode(subscriber);
            if (entries + 1 > table.length - (table.length >>> 2)) {
                resize();
            }
            entry = new Registration(subscriber, hash, collected);
            int bucket = hash & (table.length - 1);
            entry.next = table[bucket];
            table[bucket] = entry;
            entries++;
        }
        entry.registered = subscriber;
        entry.slot = -1;
        entry.releaseClaimed = false;
        registered++;
        return entry;
    }

    /** Makes a registered entry a tombstone. */
    void unregister(Registration entry) {
        expungeCollected();
        entry.registered = null;
        entry.slot = -1;
        registered--;
    }

    /** How many subscribers are registered now. */
    int registered() {
        return registered;
    }

    /** Marks every registered entry as out of the subscriber array (a teardown detached them all). */
    void detachAll() {
        for (Registration head : table) {
            for (Registration e = head; e != null; e = e.next) {
                e.slot = -1;
            }
        }
    }

    private void resize() {
        Registration[] old = table;
        Registration[] grown = new Registration[old.length * 2];
        for (Registration head : old) {
            for (Registration e = head, next; e != null; e = next) {
                next = e.next;
                int bucket = e.hash & (grown.length - 1);
                e.next = grown[bucket];
                grown[bucket] = e;
            }
        }
        table = grown;
    }

    private void expungeCollected() {
        for (Reference<? extends MmuNotifier> dead; (dead = collected.poll()) != null; ) {
            Registration gone = (Registration) dead;
            int bucket = gone.hash & (table.length - 1);
            for (Registration e = table[bucket], previous = null; e != null; previous = e, e = e.next) {
                if (e == gone) {
                    if (previous == null) {
                        table[bucket] = e.next;
                    } else {
                        previous.next = e.next;
                    }
                    entries--;
                    break;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Registrations[" + registered + " registered, " + (entries - registered) + " removed]";
    }
}
