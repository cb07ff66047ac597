package io.github.mmunotify.notifier;

import io.github.mmunotify.core.Srcu;
import java.util.Objects;

/**
 * The list subscribers of one address space and the protocol around them (the kernel's
 * mm/mmu_notifier.c registration half): register and unregister publish a new
 * {@link SubscriberList} array and then wait until no walk can hold the old one (a grace period of
 * the {@link Mmu}'s SRCU domain, skipped when no walk of this space is inside), so they wait for
 * walks, never the other way round; {@code release} runs at most once per subscriber, inside a
 * read section (an unregister skips both the call and the section when the subscriber's class
 * inherits the no-op default: {@link ReleaseOverrides}); the teardown detaches everyone.
 *
 * <p>The walk reads {@link #snapshot} and nothing else of this class. Subscriptions know nothing
 * of the walk or the mapping table; the address space they belong to is held only to be passed to
 * {@link MmuNotifier#release}.
 *
 * <p>Thread-safe.
 */
final class Subscriptions {

    private final AddressSpace space;
    private final String name;
    private final Mmu mmu;
    private final Srcu srcu;
    private final CallbackFailures failures;
    private final SubscriberList subscribers = new SubscriberList();
    private final SnapshotReaders readers = new SnapshotReaders();
    /** Only for {@link MappingTable#awaitUnwatchedChanges()}: protects made with no walk. */
    private final MappingTable table;

    // space: only passed to MmuNotifier.release, never called here.
    Subscriptions(AddressSpace space, String name, Mmu mmu, Srcu srcu, CallbackFailures failures, MappingTable table) {
        this.space = space;
        this.name = name;
        this.mmu = mmu;
        this.srcu = srcu;
        this.failures = failures;
        this.table = table;
    }

    /** The subscribers a walk starting now calls: a volatile read of the current array version. */
    SubscriberArray snapshot() {
        return subscribers.snapshot();
    }

    /** Who may hold a version of the array: the walk counts itself in and out here. */
    SnapshotReaders readers() {
        return readers;
    }

    /** See {@link AddressSpace#register}. */
    void register(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("register");
        subscribers.add(subscriber, name);
        awaitChangesThatMissedTheAdd();
    }

    /**
     * Registers a notifier of a refcounted subscription (see {@link SharedSubscriptions}): as
     * {@link #register}, but a failure after the notifier was added takes it out again, so that a
     * get that throws leaves nothing registered.
     */
    void registerShared(MmuNotifier subscriber) {
        subscribers.add(subscriber, name);
        boolean waited = false;
        try {
            awaitChangesThatMissedTheAdd();
            waited = true;
        } finally {
            if (!waited) {
                subscribers.remove(subscriber);
            }
        }
    }

    /**
     * The last put of a refcounted subscription: removes the notifier without calling
     * {@code release} and without waiting (the caller queues its free after a grace period). A
     * notifier the teardown detached is still registered and is removed here the same way.
     */
    void removeShared(MmuNotifier subscriber) {
        subscribers.remove(subscriber);
    }

    /** See {@link AddressSpace#unregister}. */
    void unregister(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("unregister");
        SubscriberList.Unregistering found = subscribers.beginUnregister(subscriber, name);
        if (found == SubscriberList.Unregistering.REMOVED) {
            // Claimed and removed at once: the release is the no-op default, so there is none to
            // run in a read section and none running elsewhere; only walks can still call it.
            awaitWalks();
            return;
        }
        try {
            if (found == SubscriberList.Unregistering.CALL_RELEASE) {
                releaseInReadSection(subscriber);
            }
        } finally {
            // Removed even if release threw past its report; false if release removed it itself.
            subscribers.remove(subscriber);
            if (found == SubscriberList.Unregistering.CALL_RELEASE) {
                // This call ran the release, so none is running elsewhere: only walks can still
                // call the subscriber. A protect made with no walk calls nobody.
                awaitWalks();
            } else {
                // The release was claimed by someone else (another unregister, a teardown) and may
                // still be running, in a read section: the grace period waits for it.
                awaitGracePeriod();
            }
        }
    }

    /**
     * Calls {@code release} inside a read section, so that a free it queues with
     * {@link Mmu#callSrcu} waits for it to return. Once the domain is closed (no walk can run) the
     * section is pointless and impossible, and release is called without one.
     */
    private void releaseInReadSection(MmuNotifier subscriber) {
        int token;
        try {
            token = srcu.readLock();
        } catch (IllegalStateException domainClosed) {
            callRelease(subscriber);
            return;
        }
        try {
            callRelease(subscriber);
        } finally {
            srcu.readUnlock(token);
        }
    }

    /**
     * What a registration waits for after publishing its subscriber: every change that read the
     * array before it and so will not call the new subscriber. A protect made with no walk has read
     * the empty array under the mapping table's lock; a walk counted itself in before reading it.
     */
    private void awaitChangesThatMissedTheAdd() {
        /* S3': the protects that read the empty array under the table's lock (W1' in InvalidationWalk) */
        table.awaitUnwatchedChanges();
        /* S3: waits out every walk that read the array before S1 in SubscriberList.add() */
        awaitWalks();
    }

    /**
     * Waits until no callback of this space runs on any thread: every protect made with no walk
     * (it held the mapping table's lock), then a grace period (walks, and {@code release} calls
     * made by {@code unregister} in read sections). Once the domain is closed no walk runs, so there
     * is nothing to wait for. The teardown's wait; register and unregister wait for less.
     */
    void awaitCallbacks() {
        /* S3': the protects that read the empty array under the table's lock (W1' in InvalidationWalk) */
        table.awaitUnwatchedChanges();
        awaitGracePeriod();
    }

    /**
     * Waits until every walk that could still hold a version of the array older than the caller's
     * publication has ended: nothing to wait for when no walk of this space is inside
     * ({@link SnapshotReaders#noneInside()}, read after the publication), else a grace period.
     */
    private void awaitWalks() {
        /* S3: R2 in SnapshotReaders; a walk it misses reads the array after the caller's S1 */
        if (!readers.noneInside()) {
            awaitGracePeriod();
        }
    }

    /** A grace period of the Mmu's domain, unless it is closed (then no walk or release runs). */
    private void awaitGracePeriod() {
        if (mmu.isDomainClosed()) {
            return;
        }
        try {
            /* S3: waits out every walk that read the array before S1 in SubscriberList.remove() */
            srcu.synchronize();
        } catch (IllegalStateException closedMeanwhile) {
            if (!mmu.isDomainClosed()) {
                throw closedMeanwhile;
            }
            // The domain closed under us: it closes only with no reader inside, so none is left.
        }
    }

    /** See {@link AddressSpace#unregisterNoRelease}. */
    void unregisterNoRelease(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribers.remove(subscriber) && !subscribers.wasRemoved(subscriber)) {
            throw SubscriberList.notRegistered(subscriber, name);
        }
    }

    /** See {@link AddressSpace#isRegistered}. */
    boolean isRegistered(MmuNotifier subscriber) {
        return subscribers.isRegistered(subscriber);
    }

    /** Registered list subscribers. */
    int size() {
        return subscribers.size();
    }

    private void callRelease(MmuNotifier subscriber) {
        try {
            subscriber.release(space);
        } catch (Throwable failure) {
            failures.report("release", subscriber, failure);
        }
    }

    /**
     * Throws if the current thread is inside a read section of the Mmu's domain (a callback of any
     * space of this Mmu): {@code operation} waits a grace period, which would wait for itself.
     */
    void requireOutsideCallbacks(String operation) {
        if (srcu.isReaderOnCurrentThread()) {
            throw new IllegalStateException(operation + " on " + name
                    + " called inside a notifier callback of mmu " + mmu.name()
                    + ": it waits for every callback to return, including this one"
                    + ("unregister".equals(operation) ? "; use unregisterNoRelease inside callbacks" : ""));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Teardown

    /** Refuses further registrations. */
    void close() {
        subscribers.close();
    }

    /**
     * The subscriptions' part of a teardown's change: detach every list subscriber (walks that
     * start later call nobody) and call each {@code release} not yet claimed. Failures are reported
     * and the teardown goes on.
     */
    void releaseAll() {
        SubscriberArray list = subscribers.snapshot();
        subscribers.detachAll();
        for (int base = 0; base < list.slots; base += SubscriberArray.WIDTH) {
            for (MmuNotifier subscriber : list.leafAt(base)) {
                if (subscriber != null && subscribers.claimRelease(subscriber)) {
                    callRelease(subscriber);
                }
            }
        }
    }

    /** Detaches every list subscriber (again: one registered meanwhile is refused, but be sure). */
    void detachAll() {
        subscribers.detachAll();
    }

    @Override
    public String toString() {
        return "Subscriptions[" + name + ", subscribers=" + subscribers.size() + "]";
    }
}
