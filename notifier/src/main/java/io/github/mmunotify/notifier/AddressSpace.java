package io.github.mmunotify.notifier;

import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.core.Teardown;
import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.MappingListener;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.mmap.UnmapCause;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An address space (the kernel's {@code mm_struct}): regions mapped at virtual addresses, and the
 * subscribers that mirror them and must hear of every change first. Created by
 * {@link Mmu#createAddressSpace}.
 *
 * <p><b>Changes run invalidations first.</b> {@link #unmap}, {@link #protect}, a revoke of a
 * mapped {@link Region} (in every address space that maps it) and {@link #close} each run, on the
 * calling thread: {@code invalidate} of every {@link IntervalNotifier} whose range overlaps, then
 * {@link MmuNotifier#invalidateRangeStart} on every list subscriber, then the change, then the end
 * of the interval invalidation (waking {@link IntervalNotifier#readBegin}), then
 * {@link MmuNotifier#invalidateRangeEnd} on every list subscriber that accepted the start. The
 * non-blockable forms ({@link #tryUnmap}, {@link #tryProtect}) let subscribers refuse, in which
 * case nothing changes and the caller gets {@link InvalidationOutcome#TRY_AGAIN}.
 *
 * <p><b>Walks never wait for registrations.</b> The whole invalidation runs inside one read
 * section of the {@link Mmu}'s SRCU domain and walks an immutable version of the subscriber
 * array (see {@code SubscriberList}); {@link #register} and {@link #unregister} publish a new
 * version and then wait for the walks that may hold the old one (a grace period of the domain,
 * skipped when no walk of this space is inside), so they wait for walks, never the other way
 * round. This
 * is what makes "{@code unregister} returns only when no callback of the subscriber runs" and
 * "{@code register} returns only when every invalidation its subscriber could have missed the start
 * of has ended" true.
 *
 * <p><b>Refcounted subscriptions.</b> {@link #getNotifier} returns a reference to the one
 * notifier of a key in this space, made and registered on the first get; the last
 * {@link NotifierReference#put} unregisters it without waiting and frees it
 * ({@link MmuNotifier#freeNotifier}) after a grace period, on the {@link Mmu}'s callback thread (the
 * kernel's {@code mmu_notifier_get}/{@code mmu_notifier_put}). The owner-registered form
 * ({@link #register}, {@link #unregister}, {@link #unregisterNoRelease} with
 * {@link Mmu#callSrcu}) stays supported; a notifier is in one form or the other.
 *
 * <p><b>Mappings.</b> The table of mappings is guarded by a lock that is never held while a
 * callback or the region runs, so a region revoke (which calls back into this space through a
 * {@link MappingListener}) cannot deadlock with a change made here. Each mapping is claimed for
 * removal exactly once, by whoever gets there first: {@link #unmap}, {@link #close}, or the
 * listener when the region is revoked or the mapping is unmapped directly. A partial unmap or
 * protection change of a mapping is not supported and throws {@link IllegalArgumentException}
 * without changing anything.
 * The protection of a mapping of this space changes only through {@link #protect} and
 * {@link #tryProtect}, inside the invalidation: the space holds the mapping's
 * {@link Mapping.ProtectionKey}, so {@link Mapping#setWritable} throws
 * {@link IllegalStateException} for it.
 *
 * <p><b>Re-entrant changes are refused.</b> A callback of this space's own invalidation walk that
 * calls {@link #unmap}, {@link #tryUnmap}, {@link #protect} or {@link #tryProtect} of this space
 * gets {@link IllegalStateException} (the kernel would deadlock on its own mmap lock; recursing
 * here would invalidate the same range again and again until the stack overflows). Changes of
 * other spaces from a callback are allowed.
 *
 * <p><b>Callback failures.</b> Whatever a callback throws (any {@link Throwable}, including
 * {@link StackOverflowError} and {@link OutOfMemoryError}) is reported to the {@link Mmu}'s error
 * handler and never reaches the caller: the change is made, every subscriber that got a start gets
 * its end, and the walk's read section, the interval invalidation and the mapping table are left
 * as if the callback had returned.
 *
 * <p><b>Observability.</b> While a JFR recording enables it, each invalidation is recorded as the
 * event {@code io.github.mmunotify.InvalidationWalk} (space name, range, cause, blockable or not,
 * subscriber and interval-notifier counts, outcome, duration; default threshold 10 ms). Without
 * such a recording the walk allocates and times nothing for it.
 *
 * <p>Thread-safe. {@code AutoCloseable}: {@link #close} tears the space down.
 */
public final class AddressSpace implements AutoCloseable {

    /*
     * Implementation notes.
     *
     * A facade over three parts, one job each (the kernel keeps them apart too: mm/mmap.c for the
     * VMAs, mm/mmu_notifier.c for the subscriptions and the walk). Dependencies go one way:
     *
     *   AddressSpace  (public API, argument checks, the teardown's order; implements nothing)
     *     |--> MappingTable       the VMA table; builds the Changes an unmap or protect makes;
     *     |      |                a protect nobody watches is made here, under its lock, with no walk
     *     |      '--> Change, CallbackFailures, MappingTable.Evictions and .Watchers (interfaces it owns)
     *     |--> InvalidationWalk   SRCU read section, starts, the Change, ends; JFR event; nothingToWalk()
     *     |      |--> Subscriptions.snapshot(), .readers(), .requireOutsideCallbacks()
     *     |      |--> IntervalNotifiers.invalidateStart()/invalidateEnd(), WalkDepth, Change
     *     |      '--> MappingTable.awaitUnwatchedChanges() (first interval insert)
     *     |--> SharedSubscriptions  getNotifier/put: one refcounted notifier per key, free after a grace period
     *     |      '--> Subscriptions (registerShared, removeShared), Mmu.callSrcu
     *     |--> Subscriptions      register/unregister, the wait for walks, release once, detach
     *     |      |--> SubscriberList (SubscriberArray versions, Registrations), CallbackFailures
     *     |      '--> SnapshotReaders (walks in/out, stats), MappingTable.awaitUnwatchedChanges()
     *     '--> IntervalNotifiers  the interval tree and its sequence
     *            '--> WalkDepth, CallbackFailures;  IntervalNotifier --> IntervalNotifiers only
     *
     * The walk reads only Subscriptions.snapshot() and .readers() and calls IntervalNotifiers'
     * start/end. The table runs no walk: a region that takes a mapping away reaches the facade
     * through MappingTable.Evictions (implemented by a private class here), and the facade runs the
     * walk; before a protect the table asks MappingTable.Watchers (Unwatched here, which asks
     * InvalidationWalk.nothingToWalk()) and makes the change itself when nobody watches. The table
     * is made first, so that Subscriptions and the walk can pass through its lock; Evictions reads
     * the walk only when a region evicts.
     * IntervalNotifiers and Subscriptions hold this object only to hand it back to users
     * (IntervalNotifier.addressSpace(), MmuNotifier.release(space)); nothing below the facade
     * calls into it. Fence labels move with their code: S (Subscriptions, SubscriberList), W
     * (InvalidationWalk), R (SnapshotReaders), I (IntervalNotifiers), C and E (MappingTable).
     *
     * Addresses are checked (MappingTable.requireRange) before any part sees them, so that no sum
     * over a range can wrap: 0 <= address, length > 0, address <= 2^63 - 1 - length.
     */

    /** Addresses the space chooses are multiples of this, and mappings are a page apart. */
    public static final long PAGE_SIZE = MappingTable.PAGE_SIZE;

    /** The lowest address the space chooses by itself (as the kernel's mmap_min_addr). */
    public static final long FIRST_ADDRESS = MappingTable.FIRST_ADDRESS;

    private enum State { OPEN, CLOSING, CLOSED }

    private final Mmu mmu;
    private final String name;
    private final CallbackFailures failures;
    private final WalkDepth depth = new WalkDepth();
    private final Subscriptions subscriptions;
    private final SharedSubscriptions shared;
    private final IntervalNotifiers intervals;
    private final InvalidationWalk walk;
    private final MappingTable table;
    private final Unwatched unwatched;
    private final Teardown closing;

    private volatile State state = State.OPEN;

    AddressSpace(Mmu mmu, Srcu srcu, String name) {
        this.mmu = mmu;
        this.name = name;
        this.closing = new Teardown("address space " + name);
        this.failures = new CallbackFailures(mmu, name);
        this.table = new MappingTable(name, failures, new Evictions(this));
        this.subscriptions = new Subscriptions(this, name, mmu, srcu, failures, table);
        this.shared = new SharedSubscriptions(this, subscriptions, mmu, failures);
        this.intervals = new IntervalNotifiers(this, name, depth, failures);
        this.walk = new InvalidationWalk(name, srcu, subscriptions, intervals, depth, failures, table);
        this.unwatched = new Unwatched(walk);
    }

    /**
     * The name given at creation.
     *
     * @return the name passed to {@link Mmu#createAddressSpace}; used in every message about this space
     */
    public String name() {
        return name;
    }

    /**
     * The {@link Mmu} that created this space, whose SRCU domain its walks run under and whose
     * error handler hears of its callback failures.
     *
     * @return the creating {@link Mmu}; never null
     */
    public Mmu mmu() {
        return mmu;
    }

    /**
     * Whether {@link #close} has started. The teardown may still be running when this turns true.
     *
     * @return {@code true} once {@link #close} (or {@link Mmu#close}) has begun on this space; never
     *         turns back to {@code false}
     */
    public boolean isClosed() {
        return state != State.OPEN;
    }

    // ---------------------------------------------------------------------------------------------
    // Mappings (MappingTable)

    /**
     * Maps {@code [offset, offset + length)} of a region at an address the space chooses (page
     * aligned, a guard page away from every other mapping). No invalidation runs: nothing that a
     * subscriber mirrors changes.
     *
     * @param region the region to map; not null
     * @param offset the offset in the region of the window's first byte; not negative
     * @param length the window's length in bytes; positive, and {@code offset + length} at most the
     *               region's length
     * @return the mapping, whose {@code address()} is where it was placed; access through it as
     *         through any mapping of the region, until it is unmapped (then: {@link SigBusException})
     * @throws IllegalStateException     if the space is closing, or the region was revoked while
     *                                   the mapping was being installed
     * @throws SigBusException           if the region is already revoked
     * @throws NullPointerException      if {@code region} is null
     * @throws IndexOutOfBoundsException if the window is not inside the region (checked after an
     *                                   address is found, as {@link #mapAt} checks the address range
     *                                   first)
     * @throws IllegalArgumentException  if {@code length} is not positive, or no free range of the
     *                                   address space below 2^63 - 1 can hold it with its guard
     *                                   pages (naming the length; this comes first, whatever the
     *                                   region: {@code map(region, 1, Long.MAX_VALUE)} is this); the
     *                                   mapping table is then unchanged
     */
    public Mapping map(Region region, long offset, long length) {
        return table.map(region, offset, length);
    }

    /**
     * Maps {@code [offset, offset + length)} of a region at {@code address} (as
     * {@code MAP_FIXED_NOREPLACE}: an overlap with an existing mapping is an error, nothing is
     * replaced). No invalidation runs. Unlike {@link #map}, no guard page is kept: a mapping may
     * start right where another ends.
     *
     * @param address the address to place the mapping at; not negative, and
     *                {@code address + length} at most 2^63 - 1; need not be page aligned
     * @param region  the region to map; not null
     * @param offset  the offset in the region of the window's first byte; not negative
     * @param length  the window's length in bytes; positive, and {@code offset + length} at most the
     *                region's length
     * @return the mapping, whose {@code address()} is {@code address}; access through it as through
     *         any mapping of the region, until it is unmapped (then: {@link SigBusException})
     * @throws NullPointerException      if {@code region} is null
     * @throws IllegalArgumentException  if the range overlaps a mapping, is negative or empty, or
     *                                   runs past 2^63 - 1; the mapping table is then unchanged
     * @throws IllegalStateException     if the space is closing, or the region was revoked while
     *                                   the mapping was being installed
     * @throws SigBusException           if the region is already revoked
     * @throws IndexOutOfBoundsException if the window is not inside the region
     */
    public Mapping mapAt(long address, Region region, long offset, long length) {
        return table.mapAt(address, region, offset, length);
    }

    /**
     * The mapping containing {@code address} (the kernel's {@code find_vma}, without its "or the
     * next one above"). A mapping being installed, or claimed by an unmap, a revoke or
     * {@link #close}, is not found.
     *
     * @param address any address; a negative one or one outside every mapping finds nothing
     * @return the installed mapping whose {@code [address(), address() + length())} contains
     *         {@code address}, or {@code null} if none does
     */
    public Mapping find(long address) {
        return table.find(address);
    }

    /**
     * A snapshot of the installed mappings, by address.
     *
     * @return a new list, not backed by the space, of the installed mappings in increasing address
     *         order; empty once {@link #close} has returned
     */
    public List<Mapping> mappings() {
        return table.mappings();
    }

    /**
     * Unmaps every mapping inside {@code [address, address + length)}: invalidates the span they
     * cover (event {@link InvalidationEvent#UNMAP}, blockable), unmaps them, ends the invalidation.
     * When this returns, access through any of them throws {@link SigBusException} and every
     * subscriber has seen the invalidation end. A range with no mapping is a no-op.
     *
     * @param address the first address of the range; not negative
     * @param length  the length of the range in bytes; positive, and {@code address + length} at
     *                most 2^63 - 1
     * @return the number of mappings unmapped (one that a concurrent unmap, revoke or close took
     *         first is not counted)
     * @throws IllegalArgumentException if a mapping straddles a boundary of the range (partial
     *                                  unmap is not supported; nothing is changed), or the range
     *                                  is empty, negative or runs past 2^63 - 1
     * @throws IllegalStateException    if called from a callback of an invalidation of this space
     *                                  on this thread (a re-entrant change; nothing is changed)
     */
    public int unmap(long address, long length) {
        int[] count = {0};
        unmap(address, length, true, count);
        return count[0];
    }

    /**
     * {@link #unmap} with a non-blockable invalidation: callbacks must not block and may refuse.
     * Never waits for the space's own locks, nor for another thread's unmap, region revoke or
     * arena close of a mapping in the range: a mapping whose region's revoke reached it first
     * (before this call claimed it, or after, but before this call began to unmap it) is left to
     * that revoke, which finishes it: when this returns it {@code isUnmapped()}, and access through
     * it throws {@link SigBusException} once the revoke's listeners have run. A mapping this call
     * unmaps itself is unmapped when it returns, as with {@link #unmap}. A range with no mapping
     * is {@code DONE}.
     *
     * @param address the first address of the range; not negative
     * @param length  the length of the range in bytes; positive, and {@code address + length} at
     *                most 2^63 - 1
     * @return {@link InvalidationOutcome#DONE}, or {@link InvalidationOutcome#TRY_AGAIN} if a
     *         subscriber refused or the mapping table was busy; then nothing was changed
     * @throws IllegalArgumentException as {@link #unmap}
     * @throws IllegalStateException    as {@link #unmap}
     */
    public InvalidationOutcome tryUnmap(long address, long length) {
        return unmap(address, length, false, new int[1]);
    }

    private InvalidationOutcome unmap(long address, long length, boolean blockable, int[] count) {
        String operation = blockable ? "unmap" : "tryUnmap";
        MappingTable.requireRange(name, operation, address, length);
        int[] walking = requireNotInOwnWalk(operation, address, length);
        List<MappingTable.MappedRange> targets = table.collect(address, address + length, blockable, operation);
        if (targets == null) {
            walk.countRetry();
            return InvalidationOutcome.TRY_AGAIN;
        }
        if (targets.isEmpty()) {
            return InvalidationOutcome.DONE;
        }
        InvalidationRange range = new InvalidationRange(this, targets.getFirst().address, targets.getLast().end(),
                InvalidationEvent.UNMAP, blockable);
        MappingTable.UnmapChange change = table.unmapChange(targets, count, blockable);
        try {
            return walk.invalidate(range, change, walking);
        } finally {
            change.walkEnded();
        }
    }

    /**
     * Makes every mapping inside {@code [address, address + length)} read-only or read-write:
     * invalidates the span they cover (event {@link InvalidationEvent#PROTECTION_CHANGE},
     * blockable), changes their protection, ends the invalidation. A write through a read-only
     * mapping throws the region's {@code ReadOnlyMappingException}. This is the only way to change
     * the protection of a mapping of this space: the space holds its
     * {@link Mapping.ProtectionKey}, so {@code Mapping.setWritable} refuses for it.
     *
     * @param address  the first address of the range; not negative
     * @param length   the length of the range in bytes; positive, and {@code address + length} at
     *                 most 2^63 - 1
     * @param writable {@code true} to make the mappings read-write, {@code false} to make them
     *                 read-only
     * @return the number of mappings changed (one that a concurrent unmap or region revoke took
     *         before the change is not counted, and is left alone)
     * @throws IllegalArgumentException if nothing is mapped in the range, or a mapping straddles a
     *                                  boundary of it, or the range is empty, negative or runs
     *                                  past 2^63 - 1 (nothing is changed)
     * @throws IllegalStateException    if called from a callback of an invalidation of this space
     *                                  on this thread (a re-entrant change; nothing is changed)
     * @throws io.github.mmunotify.mmap.ReadOnlyMappingException
     *                                  if {@code writable} is {@code true} and a mapping in the
     *                                  range belongs to a read-only region (the message names
     *                                  it); thrown before the invalidation starts: no mapping is
     *                                  changed and no callback is called
     */
    public int protect(long address, long length, boolean writable) {
        int[] count = {0};
        protect(address, length, writable, true, count);
        return count[0];
    }

    /**
     * {@link #protect} with a non-blockable invalidation: callbacks must not block and may refuse.
     *
     * @param address  the first address of the range; not negative
     * @param length   the length of the range in bytes; positive, and {@code address + length} at
     *                 most 2^63 - 1
     * @param writable {@code true} to make the mappings read-write, {@code false} to make them
     *                 read-only
     * @return {@link InvalidationOutcome#DONE}, or {@link InvalidationOutcome#TRY_AGAIN} if a
     *         subscriber refused or the mapping table was busy; then nothing was changed
     * @throws IllegalArgumentException as {@link #protect}
     * @throws IllegalStateException    as {@link #protect}
     * @throws io.github.mmunotify.mmap.ReadOnlyMappingException as {@link #protect}
     */
    public InvalidationOutcome tryProtect(long address, long length, boolean writable) {
        return protect(address, length, writable, false, new int[1]);
    }

    private InvalidationOutcome protect(long address, long length, boolean writable, boolean blockable,
                                        int[] count) {
        String operation = blockable ? "protect" : "tryProtect";
        MappingTable.requireRange(name, operation, address, length);
        int[] walking = requireNotInOwnWalk(operation, address, length);
        // Nobody to tell (the kernel's mm_has_notifiers() false): the table changes the mappings
        // under its lock with no walk, or says that somebody watches.
        int unwalked = table.protectUnwatched(address, address + length, writable, blockable, operation, unwatched);
        if (unwalked >= 0) {
            count[0] = unwalked;
            return InvalidationOutcome.DONE;
        }
        if (unwalked == MappingTable.NOTHING_MAPPED) {
            throw nothingMapped(address, length);
        }
        if (unwalked == MappingTable.BUSY) {
            walk.countRetry();
            return InvalidationOutcome.TRY_AGAIN;
        }
        List<MappingTable.MappedRange> targets = table.collect(address, address + length, blockable, operation);
        if (targets == null) {
            walk.countRetry();
            return InvalidationOutcome.TRY_AGAIN;
        }
        if (targets.isEmpty()) {
            throw nothingMapped(address, length);
        }
        InvalidationRange range = new InvalidationRange(this, targets.getFirst().address, targets.getLast().end(),
                InvalidationEvent.PROTECTION_CHANGE, blockable);
        Change change = table.protectChange(targets, writable, count, operation); // checks every target first
        return walk.invalidate(range, change, walking);
    }

    private IllegalArgumentException nothingMapped(long address, long length) {
        return new IllegalArgumentException("protect of 0x" + Long.toHexString(address) + " (+" + length
                + " bytes) in " + name + ": nothing is mapped there");
    }

    /**
     * What the table asks when a region takes a mapping away by itself: a whole invalidation of its
     * range, with no change of its own (the region's is made after). A class, not a lambda, and not
     * this class's own public method: see the implementation notes.
     */
    private static final class Evictions implements MappingTable.Evictions {
        private final AddressSpace space;

        // The space's walk is read when a region evicts, not here: the table is made before it.
        Evictions(AddressSpace space) {
            this.space = space;
        }

        @Override
        public void evicted(long start, long end, UnmapCause cause) {
            InvalidationEvent event = cause == UnmapCause.UNMAPPED ? InvalidationEvent.UNMAP
                    : InvalidationEvent.REGION_REVOKED;
            space.walk.invalidate(new InvalidationRange(space, start, end, event, true), Change.NONE);
        }

        @Override
        public String toString() {
            return "Evictions[" + space.name + "]";
        }
    }

    /**
     * What the table asks before a protect: whether its walk would call nobody, so that the table
     * can make the change under its lock with no walk. A class, not a lambda: see the notes.
     */
    private static final class Unwatched implements MappingTable.Watchers {
        private final InvalidationWalk walk;

        Unwatched(InvalidationWalk walk) {
            this.walk = walk;
        }

        @Override
        public boolean none() {
            return walk.nothingToWalk();
        }

        @Override
        public String toString() {
            return "Unwatched[" + walk + "]";
        }
    }

    // ---------------------------------------------------------------------------------------------
    // List subscribers (Subscriptions)

    /**
     * Registers a list subscriber. When this returns, every invalidation that started before the
     * subscriber was visible has ended, so from now on it sees every change of the space as a
     * complete start/end pair. As it waits for callbacks, the caller must not hold a lock that a
     * callback of this Mmu takes.
     *
     * <p>Memory consistency: actions before the call happen-before every callback of the
     * subscriber.
     *
     * @param subscriber the subscriber to add to this space's list; not null, not registered here
     *                   yet (one unregistered before may register again)
     * @throws NullPointerException     if {@code subscriber} is null
     * @throws IllegalArgumentException if it is already registered with this space
     * @throws IllegalStateException    once the space is closing, or if called inside a notifier
     *                                  callback of this {@link Mmu} (it would wait for itself)
     */
    public void register(MmuNotifier subscriber) {
        subscriptions.register(subscriber);
    }

    /**
     * Unregisters a subscriber (the kernel's {@code mmu_notifier_unregister}): calls its
     * {@code release} if that has not run yet, removes it if it is still registered, then waits
     * until no callback of it is running on any thread. When this returns, no callback of the
     * subscriber runs or will run. A subscriber already removed (by its own {@code release}
     * calling {@link #unregisterNoRelease}, the documented pattern, by an earlier
     * {@code unregister}, or after {@link #close}) is success: nothing is released again, and the
     * wait still happens. Legal after the space was closed. As it waits for callbacks, the caller
     * must not hold a lock that a callback of this Mmu takes. A subscriber whose class inherits
     * the no-op default {@link MmuNotifier#release} is removed without that call (it would do
     * nothing), which makes its unregister cheaper.
     *
     * <p>Memory consistency: everything a callback of the subscriber did happens-before this
     * returns (the grace period, or the walks' counting out that showed none inside).
     *
     * @param subscriber the subscriber to remove; not null, and registered with this space at some
     *                   time
     * @throws NullPointerException     if {@code subscriber} is null
     * @throws IllegalArgumentException if the subscriber was never registered with this space
     *                                  (the kernel treats that as a bug), or it is the notifier of
     *                                  a refcounted subscription ({@link #getNotifier}; only its
     *                                  last put ends it); nothing is changed
     * @throws IllegalStateException    if called inside a notifier callback of this {@link Mmu}
     *                                  (the wait would wait for itself; use
     *                                  {@link #unregisterNoRelease} there); nothing is changed
     */
    public void unregister(MmuNotifier subscriber) {
        requireNotShared("unregister", subscriber);
        subscriptions.unregister(subscriber);
    }

    /**
     * Removes a subscriber without calling {@code release} and without waiting: callbacks of it
     * that are running may still be running, and walks already under way may still call it. Legal
     * anywhere, including inside its own {@code release}; pair it with {@link Mmu#callSrcu} to free
     * the subscriber once no callback of it can run. Removing an already removed subscriber does
     * nothing.
     *
     * @param subscriber the subscriber to remove; not null, and registered with this space at some
     *                   time
     * @throws NullPointerException     if {@code subscriber} is null
     * @throws IllegalArgumentException if it was never registered with this space, or it is the
     *                                  notifier of a refcounted subscription
     *                                  ({@link #getNotifier}; only its last put ends it)
     */
    public void unregisterNoRelease(MmuNotifier subscriber) {
        requireNotShared("unregisterNoRelease", subscriber);
        subscriptions.unregisterNoRelease(subscriber);
    }

    /**
     * Whether the subscriber is registered (and not yet unregistered). A snapshot: a concurrent
     * register or unregister may change the answer as soon as it is returned.
     *
     * @param subscriber the subscriber to look for; null is never registered
     * @return {@code true} if {@code subscriber} was registered with this space and has not been
     *         removed since (by {@link #unregister}, {@link #unregisterNoRelease} or {@link #close})
     */
    public boolean isRegistered(MmuNotifier subscriber) {
        return subscriptions.isRegistered(subscriber);
    }

    private void requireOutsideCallbacks(String operation) {
        subscriptions.requireOutsideCallbacks(operation);
    }

    private void requireNotShared(String operation, MmuNotifier subscriber) {
        Object key = subscriber == null ? null : shared.keyOf(subscriber);
        if (key != null) {
            throw new IllegalArgumentException(new StringBuilder(operation).append(" of ").append(subscriber)
                    .append(" on address space ").append(name).append(" refused: it is the refcounted notifier of key ")
                    .append(key).append(" (getNotifier); its last NotifierReference.put() unregisters it").toString());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Refcounted subscriptions (SharedSubscriptions)

    /**
     * The refcounted subscription of {@code key} in this space (the kernel's
     * {@code mmu_notifier_get}): returns a new reference to the one notifier registered here for
     * {@code key}, making it with {@code factory} and registering it (as {@link #register}, waiting
     * a grace period) if there is none. Every reference must be given back with exactly one
     * {@link NotifierReference#put}; the last put unregisters the notifier without blocking and
     * runs its {@link MmuNotifier#freeNotifier} after a grace period on the {@link Mmu}'s callback thread.
     *
     * <p>A get racing the last put of the same key either got its reference before that put took
     * the count to zero (and that put was then not the last), or makes a new notifier: it never
     * returns one whose free is queued. Concurrent gets of a key with no subscription call the
     * factory once; the others wait for it and share its notifier (if it throws, the next one
     * tries its own factory). The factory runs on the calling thread with no lock held.
     *
     * <p>When the space is closed ({@link #close}, {@link Mmu#close}) while references are held,
     * the notifier gets its {@code release} like every list subscriber and is detached, but stays
     * this space's until its last put, which frees it as usual: free runs exactly once, after the
     * last put and after the release has returned (the kernel's {@code mmu_notifier_put} after
     * {@code exit_mmap}). A reference that is never put is never freed.
     *
     * <p>Memory consistency: the factory's actions happen-before every callback of the notifier
     * and the return of every get that shares it.
     *
     * @param <N>     the notifier's type
     * @param key     identifies the subscription in this space (compared with {@code equals}, as
     *                a map key; the kernel uses the driver's ops table); not null
     * @param factory makes the notifier when the key has none; given this space; must return a new
     *                notifier, registered nowhere in this space
     * @return a new reference, whose {@link NotifierReference#notifier()} is the key's notifier
     * @throws NullPointerException     if {@code key} or {@code factory} is null, or the factory
     *                                  returned null; nothing is registered
     * @throws IllegalArgumentException if the factory returned a notifier already registered with
     *                                  this space or still the notifier of a key here; nothing is
     *                                  registered
     * @throws IllegalStateException    once the space is closing, or if called inside a notifier
     *                                  callback of this {@link Mmu} (a creation may wait a grace
     *                                  period, which would wait for itself); nothing is registered
     * @throws RuntimeException         whatever the factory threw, as it threw it; nothing is registered
     */
    public <N extends MmuNotifier> NotifierReference<N> getNotifier(Object key,
                                                                   Function<? super AddressSpace, ? extends N> factory) {
        return shared.get(key, factory);
    }

    // ---------------------------------------------------------------------------------------------
    // Interval notifiers (IntervalNotifiers; the walk visits them once enabled)

    /**
     * Subscribes {@code callback} to invalidations that overlap {@code [start, start + length)}.
     * If an invalidation is in progress, waits until it has ended (the interval then takes part in
     * every later one). Interval notifiers are invalidated before list subscribers. The first insert
     * into the space also waits a grace period of the {@link Mmu}'s SRCU domain, so that every walk
     * from then on visits the intervals.
     *
     * @param start    the first address of the range; not negative
     * @param length   the length of the range in bytes; positive, and {@code start + length} at most
     *                 2^63 - 1
     * @param callback called, on the invalidating thread, for every invalidation that overlaps the
     *                 range, until the notifier is removed; not null
     * @return the new interval notifier; {@link IntervalNotifier#remove} (or {@code close}) ends the
     *         subscription
     * @throws NullPointerException     if {@code callback} is null
     * @throws IllegalArgumentException if the range is negative, empty or overflows
     * @throws IllegalStateException    once the space is closing; if called from inside an
     *                                  invalidation of this space on this thread; or if the first
     *                                  insert into the space is called inside a notifier callback of
     *                                  this {@link Mmu}
     */
    public IntervalNotifier insert(long start, long length, IntervalCallback callback) {
        Objects.requireNonNull(callback, "callback");
        MappingTable.requireRange(name, "insert", start, length);
        if (state != State.OPEN) {
            throw new IllegalStateException("address space " + name + " is closing; cannot insert an interval");
        }
        if (!walk.intervalsEnabled()) {
            walk.enableIntervals();
        }
        return intervals.insert(start, length, callback);
    }

    // ---------------------------------------------------------------------------------------------
    // Teardown: the order across the three parts

    /**
     * Tears the space down (the kernel's exit_mmap with {@code mmu_notifier_release}): refuses new
     * registrations, inserts and mappings; invalidates the whole space with
     * {@link InvalidationEvent#RELEASE} (interval notifiers first, then the start on every list
     * subscriber); calls every list subscriber's {@code release} once (unless {@code unregister}
     * already did); unmaps every mapping (later access: {@link SigBusException}); ends the
     * invalidation; detaches every list subscriber; and waits until no callback of this space runs
     * on any thread. A callback that throws is reported and the teardown goes on. Interval
     * notifiers stay until removed; later calls to {@code unregister} and
     * {@code unregisterNoRelease} of subscribers registered before are still legal. Refcounted
     * subscriptions ({@link #getNotifier}) are released like the others and freed after their
     * last {@link NotifierReference#put}, which stays legal. Idempotent.
     *
     * @throws IllegalStateException if called inside a notifier callback of this {@link Mmu}, or from
     *                               inside this close (a {@code MappingListener} it runs): it would
     *                               wait for itself
     */
    @Override
    public void close() {
        requireOutsideCallbacks("close");
        closing.run(() -> {
            state = State.CLOSING;
            try {
                tearDown();
            } finally {
                state = State.CLOSED;
                mmu.closed(this);
            }
        });
    }

    private void tearDown() {
        shared.close();
        subscriptions.close();
        intervals.close();
        try {
            List<MappingTable.MappedRange> all = table.closeAndTakeAll();
            walk.invalidate(new InvalidationRange(this, 0, Long.MAX_VALUE, InvalidationEvent.RELEASE, true),
                    new ReleaseChange(subscriptions, table, all));
        } finally {
            subscriptions.detachAll();
            subscriptions.awaitCallbacks();
        }
    }

    /**
     * The change of a teardown: detach every list subscriber (walks that start later call nobody),
     * call each {@code release} not yet claimed, unmap every mapping. Failures are reported and the
     * teardown goes on.
     */
    private static final class ReleaseChange implements Change {
        private final Subscriptions subscriptions;
        private final MappingTable table;
        private final List<MappingTable.MappedRange> mapped;

        ReleaseChange(Subscriptions subscriptions, MappingTable table, List<MappingTable.MappedRange> mapped) {
            this.subscriptions = subscriptions;
            this.table = table;
            this.mapped = mapped;
        }

        @Override
        public void run() {
            subscriptions.releaseAll();
            table.unmapAll(mapped, "unmap during close (a MappingListener of the mapping or its region threw)");
        }

        @Override
        public String toString() {
            return "ReleaseChange[" + mapped.size() + " mappings]";
        }
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Counters and sizes of this space, for operators; a snapshot whose fields are read one after
     * another, not atomically together.
     *
     * @param mappings         installed mappings
     * @param subscribers      registered list subscribers ({@link MmuNotifier}s)
     * @param intervals        inserted interval notifiers not yet removed
     * @param invalidations    invalidations whose change was made, over the space's life
     * @param retries          {@link InvalidationOutcome#TRY_AGAIN} outcomes (a refusal or a busy
     *                         mapping table), over the space's life
     * @param callbackFailures callbacks of this space that threw or broke their contract (each
     *                         reported to the {@link Mmu}'s error handler), over the space's life
     * @param intervalSequence the interval invalidation sequence: odd while an invalidation is in
     *                         progress that {@link IntervalNotifier#readBegin} must wait out, even
     *                         otherwise
     */
    public record Stats(int mappings, int subscribers, int intervals, long invalidations, long retries,
                        long callbackFailures, long intervalSequence) {
    }

    /**
     * A snapshot of this space's counters.
     *
     * @return the counters and sizes now; legal at any time, also after {@link #close}
     */
    public Stats stats() {
        int mapped = table.size();
        return new Stats(mapped, subscriptions.size(), intervals.size(),
                walk.invalidations() + table.unwatchedChanges(), walk.retries(), failures.count(), intervals.sequence());
    }

    /**
     * Throws if the current thread is inside a walk of this space; else returns its walk-depth
     * cell, which the caller hands to its walk so that one thread-local lookup serves both, or
     * {@code null} when the walk's readers show that the thread is inside none (no lookup made:
     * the protects with no walk then make none at all).
     */
    private int[] requireNotInOwnWalk(String operation, long address, long length) {
        if (!walk.mayBeWalkingOnThisThread()) {
            return null;
        }
        int[] walking = depth.cell();
        if (walking[0] > 0) {
            throw new IllegalStateException(new StringBuilder(operation).append(" of 0x")
                    .append(Long.toHexString(address)).append(" (+").append(length).append(" bytes) in address space ")
                    .append(name).append(" refused: called from a notifier callback of an invalidation of ")
                    .append(name).append(" on this thread; a change of the space from inside its own"
                            + " invalidation would invalidate again from inside itself (re-entrant change)")
                    .toString());
        }
        return walking;
    }

    @Override
    public String toString() {
        Stats stats = stats();
        return "AddressSpace[" + name + ", " + state + ", mappings=" + stats.mappings() + ", subscribers="
                + stats.subscribers() + ", intervals=" + stats.intervals() + ", invalidations=" + stats.invalidations() + "]";
    }
}
