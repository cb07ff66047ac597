package io.github.mmunotify.notifier;

import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.MappingListener;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.mmap.UnmapCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

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
 * section of the {@link Mmu}'s SRCU domain and walks a copy-on-write snapshot of the subscriber
 * array (see {@code SubscriberList}); {@link #register} and {@link #unregister} publish a new
 * array and then synchronize the domain, so they wait for walks, never the other way round. This
 * is what makes "{@code unregister} returns only when no callback of the subscriber runs" and
 * "{@code register} returns only when every invalidation its subscriber could have missed the start
 * of has ended" true.
 *
 * <p><b>Mappings.</b> The table of mappings is guarded by a lock that is never held while a
 * callback or the region runs, so a region revoke (which calls back into this space through a
 * {@link MappingListener}) cannot deadlock with a change made here. Each mapping is claimed for
 * removal exactly once, by whoever gets there first: {@link #unmap}, {@link #close}, or the
 * listener when the region is revoked or the mapping is unmapped directly. A partial unmap or
 * protection change of a mapping is not supported and throws {@link IllegalArgumentException}
 * without changing anything.
 *
 * <p>Thread-safe. {@code AutoCloseable}: {@link #close} tears the space down.
 */
public final class AddressSpace implements AutoCloseable {

    /** Addresses the space chooses are multiples of this, and mappings are a page apart. */
    public static final long PAGE_SIZE = 4096;

    /** The lowest address the space chooses by itself (as the kernel's mmap_min_addr). */
    public static final long FIRST_ADDRESS = 0x10000;

    private enum State { OPEN, CLOSING, CLOSED }

    private final Mmu mmu;
    private final Srcu srcu;
    private final String name;
    private final SubscriberList subscribers = new SubscriberList();
    private final IntervalNotifiers intervals;
    private final Object intervalsEnabling = new Object();
    private final Object closing = new Object();

    /** Read by walks: whether the interval notifiers must be visited at all. */
    private volatile boolean hasIntervals;
    /** Set once every walk that could have missed {@code hasIntervals} has ended. */
    private volatile boolean intervalsEnabled;
    private volatile State state = State.OPEN;

    private final ReentrantLock mapLock = new ReentrantLock();
    // Guarded by mapLock.
    private final TreeMap<Long, MappedRange> mappingsByAddress = new TreeMap<>();
    private long nextAddress = FIRST_ADDRESS;
    private boolean mappingClosed;

    private final LongAdder invalidations = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder callbackFailures = new LongAdder();

    /** One mapping of this space, and the listener that learns when its region takes it away. */
    private final class MappedRange implements MappingListener {
        final long address;
        final long length;
        // Guarded by mapLock.
        Mapping mapping;
        boolean installed;
        boolean gone;

        MappedRange(long address, long length) {
            this.address = address;
            this.length = length;
        }

        long end() {
            return address + length;
        }

        @Override
        public void beforeUnmap(Mapping unmapping, UnmapCause cause) {
            mappingGoingAway(this, cause);
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(address) + "-0x" + Long.toHexString(end());
        }
    }

    AddressSpace(Mmu mmu, Srcu srcu, String name) {
        this.mmu = mmu;
        this.srcu = srcu;
        this.name = name;
        this.intervals = new IntervalNotifiers(this);
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    /** The {@link Mmu} that created this space. */
    public Mmu mmu() {
        return mmu;
    }

    /** Whether {@link #close} has started. */
    public boolean isClosed() {
        return state != State.OPEN;
    }

    // ---------------------------------------------------------------------------------------------
    // Mappings

    /**
     * Maps {@code [offset, offset + length)} of a region at an address the space chooses (page
     * aligned, a guard page away from every other mapping). No invalidation runs: nothing that a
     * subscriber mirrors changes.
     *
     * @return the mapping, whose {@code address()} is where it was placed; access through it as
     *         through any mapping of the region, until it is unmapped (then: {@link SigBusException})
     * @throws IllegalStateException     if the space is closing, or the region was revoked while
     *                                   the mapping was being installed
     * @throws SigBusException           if the region is already revoked
     * @throws IndexOutOfBoundsException if the window is not inside the region
     * @throws IllegalArgumentException  if {@code length} is not positive
     */
    public Mapping map(Region region, long offset, long length) {
        Objects.requireNonNull(region, "region");
        requirePositiveLength(length);
        MappedRange range;
        mapLock.lock();
        try {
            requireMappingOpen();
            long address = nextAddress;
            Map.Entry<Long, MappedRange> highest = mappingsByAddress.lastEntry();
            if (highest != null && highest.getValue().end() + PAGE_SIZE > address) {
                address = roundUpToPage(highest.getValue().end()) + PAGE_SIZE;
            }
            nextAddress = roundUpToPage(Math.addExact(address, length)) + PAGE_SIZE;
            range = reserve(address, length);
        } finally {
            mapLock.unlock();
        }
        return install(range, region, offset);
    }

    /**
     * Maps {@code [offset, offset + length)} of a region at {@code address} (as
     * {@code MAP_FIXED_NOREPLACE}: an overlap with an existing mapping is an error, nothing is
     * replaced). No invalidation runs.
     *
     * @throws IllegalArgumentException  if the range overlaps a mapping, or is negative or empty
     * @throws IllegalStateException     if the space is closing, or the region was revoked while
     *                                   the mapping was being installed
     * @throws SigBusException           if the region is already revoked
     * @throws IndexOutOfBoundsException if the window is not inside the region
     */
    public Mapping mapAt(long address, Region region, long offset, long length) {
        Objects.requireNonNull(region, "region");
        requireRange(address, length);
        MappedRange range;
        mapLock.lock();
        try {
            requireMappingOpen();
            MappedRange clash = firstOverlapping(address, address + length);
            if (clash != null) {
                throw new IllegalArgumentException("cannot map at 0x" + Long.toHexString(address) + " (+" + length
                        + " bytes) in " + name + ": overlaps the mapping at " + clash);
            }
            range = reserve(address, length);
        } finally {
            mapLock.unlock();
        }
        return install(range, region, offset);
    }

    private MappedRange reserve(long address, long length) {
        MappedRange range = new MappedRange(address, length);
        mappingsByAddress.put(address, range);
        return range;
    }

    private Mapping install(MappedRange range, Region region, long offset) {
        Mapping mapping;
        try {
            mapping = region.mapAt(range.address, offset, range.length);
            mapping.addListener(range);
        } catch (RuntimeException | Error failure) {
            releaseReservation(range);
            throw failure;
        }
        mapLock.lock();
        try {
            range.mapping = mapping;
            if (!range.gone && !mapping.isUnmapped() && !mappingClosed) {
                range.installed = true;
                return mapping;
            }
            range.gone = true;
            mappingsByAddress.remove(range.address, range);
        } finally {
            mapLock.unlock();
        }
        mapping.unmap();
        throw new IllegalStateException("mapping " + range + " of " + region.name() + " in " + name
                + " was taken away while being installed (region revoked or space closed)");
    }

    private void releaseReservation(MappedRange range) {
        mapLock.lock();
        try {
            range.gone = true;
            mappingsByAddress.remove(range.address, range);
        } finally {
            mapLock.unlock();
        }
    }

    /** The mapping containing {@code address}, or {@code null} if none does (find_vma). */
    public Mapping find(long address) {
        mapLock.lock();
        try {
            Map.Entry<Long, MappedRange> entry = mappingsByAddress.floorEntry(address);
            if (entry == null) {
                return null;
            }
            MappedRange range = entry.getValue();
            return range.installed && !range.gone && address < range.end() ? range.mapping : null;
        } finally {
            mapLock.unlock();
        }
    }

    /** A snapshot of the installed mappings, by address. */
    public List<Mapping> mappings() {
        mapLock.lock();
        try {
            List<Mapping> result = new ArrayList<>(mappingsByAddress.size());
            for (MappedRange range : mappingsByAddress.values()) {
                if (range.installed && !range.gone) {
                    result.add(range.mapping);
                }
            }
            return result;
        } finally {
            mapLock.unlock();
        }
    }

    /**
     * Unmaps every mapping inside {@code [address, address + length)}: invalidates the span they
     * cover (event {@link InvalidationEvent#UNMAP}, blockable), unmaps them, ends the invalidation.
     * When this returns, access through any of them throws {@link SigBusException} and every
     * subscriber has seen the invalidation end. A range with no mapping is a no-op.
     *
     * @return the number of mappings unmapped
     * @throws IllegalArgumentException if a mapping straddles a boundary of the range (partial
     *                                  unmap is not supported; nothing is changed)
     */
    public int unmap(long address, long length) {
        int[] count = {0};
        unmap(address, length, true, count);
        return count[0];
    }

    /**
     * {@link #unmap} with a non-blockable invalidation: callbacks must not block and may refuse.
     * Never waits for the space's own locks.
     *
     * @return {@link InvalidationOutcome#DONE}, or {@link InvalidationOutcome#TRY_AGAIN} if a
     *         subscriber refused or the mapping table was busy; then nothing was changed
     */
    public InvalidationOutcome tryUnmap(long address, long length) {
        return unmap(address, length, false, new int[1]);
    }

    private InvalidationOutcome unmap(long address, long length, boolean blockable, int[] count) {
        requireRange(address, length);
        List<MappedRange> targets = collect(address, address + length, blockable, "unmap");
        if (targets == null) {
            retries.increment();
            return InvalidationOutcome.TRY_AGAIN;
        }
        if (targets.isEmpty()) {
            return InvalidationOutcome.DONE;
        }
        InvalidationRange range = new InvalidationRange(this, targets.getFirst().address, targets.getLast().end(),
                InvalidationEvent.UNMAP, blockable);
        return invalidate(range, () -> {
            List<MappedRange> claimed = claim(targets);
            for (MappedRange target : claimed) {
                target.mapping.unmap();
            }
            count[0] = claimed.size();
        });
    }

    /**
     * Makes every mapping inside {@code [address, address + length)} read-only or read-write:
     * invalidates the span they cover (event {@link InvalidationEvent#PROTECTION_CHANGE},
     * blockable), changes their protection, ends the invalidation. A write through a read-only
     * mapping throws the region's {@code ReadOnlyMappingException}. Change protection through this
     * method, not through {@code Mapping.setWritable}, which runs no invalidation.
     *
     * @return the number of mappings changed
     * @throws IllegalArgumentException if nothing is mapped in the range, or a mapping straddles a
     *                                  boundary of it (nothing is changed)
     */
    public int protect(long address, long length, boolean writable) {
        int[] count = {0};
        protect(address, length, writable, true, count);
        return count[0];
    }

    /**
     * {@link #protect} with a non-blockable invalidation: callbacks must not block and may refuse.
     *
     * @return {@link InvalidationOutcome#DONE}, or {@link InvalidationOutcome#TRY_AGAIN} if a
     *         subscriber refused or the mapping table was busy; then nothing was changed
     * @throws IllegalArgumentException as {@link #protect}
     */
    public InvalidationOutcome tryProtect(long address, long length, boolean writable) {
        return protect(address, length, writable, false, new int[1]);
    }

    private InvalidationOutcome protect(long address, long length, boolean writable, boolean blockable,
                                        int[] count) {
        requireRange(address, length);
        List<MappedRange> targets = collect(address, address + length, blockable, "protect");
        if (targets == null) {
            retries.increment();
            return InvalidationOutcome.TRY_AGAIN;
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("protect of 0x" + Long.toHexString(address) + " (+" + length
                    + " bytes) in " + name + ": nothing is mapped there");
        }
        InvalidationRange range = new InvalidationRange(this, targets.getFirst().address, targets.getLast().end(),
                InvalidationEvent.PROTECTION_CHANGE, blockable);
        return invalidate(range, () -> {
            for (MappedRange target : targets) {
                try {
                    target.mapping.setWritable(writable);
                    count[0]++;
                } catch (SigBusException revokedMeanwhile) {
                    // The region was revoked concurrently; its own invalidation covers the range.
                }
            }
        });
    }

    /**
     * The installed mappings inside {@code [start, end)}; {@code null} if the table was busy and
     * the caller may not block. Throws if a mapping straddles a boundary.
     */
    private List<MappedRange> collect(long start, long end, boolean blockable, String operation) {
        if (blockable) {
            mapLock.lock();
        } else if (!mapLock.tryLock()) {
            return null;
        }
        try {
            List<MappedRange> targets = new ArrayList<>();
            Map.Entry<Long, MappedRange> before = mappingsByAddress.lowerEntry(start);
            if (before != null && before.getValue().end() > start && isLive(before.getValue())) {
                throw straddles(operation, start, end, before.getValue());
            }
            for (MappedRange range : mappingsByAddress.subMap(start, end).values()) {
                if (!isLive(range)) {
                    continue;
                }
                if (range.end() > end) {
                    throw straddles(operation, start, end, range);
                }
                targets.add(range);
            }
            return targets;
        } finally {
            mapLock.unlock();
        }
    }

    private static boolean isLive(MappedRange range) {
        return range.installed && !range.gone;
    }

    private IllegalArgumentException straddles(String operation, long start, long end, MappedRange range) {
        return new IllegalArgumentException(operation + " of 0x" + Long.toHexString(start) + "-0x" + Long.toHexString(end)
                + " in " + name + " would split the mapping at " + range
                + "; partial unmap or protection change of a mapping is not supported");
    }

    private MappedRange firstOverlapping(long start, long end) {
        Map.Entry<Long, MappedRange> before = mappingsByAddress.floorEntry(start);
        if (before != null && before.getValue().end() > start) {
            return before.getValue();
        }
        Map.Entry<Long, MappedRange> after = mappingsByAddress.ceilingEntry(start);
        return after != null && after.getKey() < end ? after.getValue() : null;
    }

    /** Takes the still-live targets out of the table; each mapping is claimed exactly once. */
    private List<MappedRange> claim(List<MappedRange> targets) {
        List<MappedRange> claimed = new ArrayList<>(targets.size());
        mapLock.lock();
        try {
            for (MappedRange range : targets) {
                if (!range.gone) {
                    range.gone = true;
                    mappingsByAddress.remove(range.address, range);
                    claimed.add(range);
                }
            }
        } finally {
            mapLock.unlock();
        }
        return claimed;
    }

    /**
     * The region is taking the mapping away (revoke, arena close, or a direct
     * {@code Mapping.unmap()}), and its memory is still accessible: unless this space already
     * claimed the mapping, remove it from the table and invalidate its range. The region makes the
     * change after this returns; as the mapping is out of the table before the invalidation
     * starts, no subscriber can fault it in again once its start callback has run.
     */
    private void mappingGoingAway(MappedRange range, UnmapCause cause) {
        mapLock.lock();
        try {
            if (range.gone) {
                return;
            }
            range.gone = true;
            mappingsByAddress.remove(range.address, range);
            if (!range.installed) {
                return;
            }
        } finally {
            mapLock.unlock();
        }
        InvalidationEvent event = cause == UnmapCause.UNMAPPED ? InvalidationEvent.UNMAP : InvalidationEvent.REGION_REVOKED;
        invalidate(new InvalidationRange(this, range.address, range.end(), event, true), () -> { });
    }

    // ---------------------------------------------------------------------------------------------
    // The invalidation walk

    /**
     * Runs one invalidation around {@code change}, inside one SRCU read section: intervals start,
     * list start, change, intervals end, list end. On a refusal the subscribers that accepted get
     * their end, the change is skipped and the outcome is TRY_AGAIN.
     */
    private InvalidationOutcome invalidate(InvalidationRange range, Runnable change) {
        int token = srcu.readLock();
        try {
            boolean withIntervals = hasIntervals;
            if (withIntervals && !intervals.invalidateStart(range)) {
                retries.increment();
                return InvalidationOutcome.TRY_AGAIN;
            }
            MmuNotifier[] list = subscribers.snapshot();
            int refusedAt = startAll(list, range);
            if (refusedAt >= 0) {
                endAll(list, refusedAt, range);
                if (withIntervals) {
                    intervals.invalidateEnd();
                }
                retries.increment();
                return InvalidationOutcome.TRY_AGAIN;
            }
            try {
                change.run();
            } finally {
                if (withIntervals) {
                    intervals.invalidateEnd();
                }
                endAll(list, list.length, range);
                invalidations.increment();
            }
            return InvalidationOutcome.DONE;
        } finally {
            srcu.readUnlock(token);
        }
    }

    /** Calls every start; returns the index of the subscriber that refused, or -1. */
    private int startAll(MmuNotifier[] list, InvalidationRange range) {
        for (int i = 0; i < list.length; i++) {
            if (!start(list[i], range)) {
                return i;
            }
        }
        return -1;
    }

    private boolean start(MmuNotifier subscriber, InvalidationRange range) {
        boolean accepted;
        try {
            accepted = subscriber.invalidateRangeStart(range);
        } catch (Throwable failure) {
            reportCallbackFailure("invalidateRangeStart", subscriber, failure);
            return true;
        }
        if (!accepted && range.blockable()) {
            reportCallbackFailure("invalidateRangeStart (refused a blockable range, treated as accepted)",
                    subscriber, null);
            return true;
        }
        return accepted;
    }

    private void endAll(MmuNotifier[] list, int count, InvalidationRange range) {
        for (int i = 0; i < count; i++) {
            try {
                list[i].invalidateRangeEnd(range);
            } catch (Throwable failure) {
                reportCallbackFailure("invalidateRangeEnd", list[i], failure);
            }
        }
    }

    void reportCallbackFailure(String callback, Object subscriber, Throwable failure) {
        callbackFailures.increment();
        mmu.report(new NotifierCallbackException(callback + " of " + subscriber + " on address space " + name
                + (failure == null ? "" : " threw " + failure), failure));
    }

    // ---------------------------------------------------------------------------------------------
    // List subscribers

    /**
     * Registers a list subscriber. When this returns, every invalidation that started before the
     * subscriber was visible has ended, so from now on it sees every change of the space as a
     * complete start/end pair. As it waits for callbacks, the caller must not hold a lock that a
     * callback of this Mmu takes.
     *
     * @throws IllegalArgumentException if it is already registered with this space
     * @throws IllegalStateException    once the space is closing, or if called inside a notifier
     *                                  callback of this {@link Mmu} (it would wait for itself)
     */
    public void register(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("register");
        subscribers.add(subscriber, name);
        srcu.synchronize();
    }

    /**
     * Unregisters a subscriber: calls its {@code release} if that has not run yet (as the kernel's
     * {@code mmu_notifier_unregister}), removes it, then waits until no callback of it is running
     * on any thread. When this returns, no callback of the subscriber runs or will run. Legal after
     * the space was closed (then only the wait happens). As it waits for callbacks, the caller must
     * not hold a lock that a callback of this Mmu takes.
     *
     * @throws IllegalArgumentException if it is not registered with this space
     * @throws IllegalStateException    if called inside a notifier callback of this {@link Mmu}
     *                                  (the wait would wait for itself; use
     *                                  {@link #unregisterNoRelease} there); nothing is changed
     */
    public void unregister(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("unregister");
        subscribers.requireRegistered(subscriber, name);
        if (subscribers.claimRelease(subscriber) && !mmu.isDomainClosed()) {
            int token = srcu.readLock();
            try {
                callRelease(subscriber);
            } finally {
                srcu.readUnlock(token);
            }
        }
        if (!subscribers.remove(subscriber)) {
            throw new IllegalArgumentException(subscriber + " was unregistered from " + name + " concurrently");
        }
        if (!mmu.isDomainClosed()) {
            srcu.synchronize();
        }
    }

    /**
     * Removes a subscriber without calling {@code release} and without waiting: callbacks of it
     * that are running may still be running, and walks already under way may still call it. Legal
     * anywhere, including inside its own {@code release}; pair it with {@link Mmu#callSrcu} to free
     * the subscriber once no callback of it can run.
     *
     * @throws IllegalArgumentException if it is not registered with this space
     */
    public void unregisterNoRelease(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribers.remove(subscriber)) {
            throw new IllegalArgumentException(subscriber + " is not registered with " + name);
        }
    }

    /** Whether the subscriber is registered (and not yet unregistered). */
    public boolean isRegistered(MmuNotifier subscriber) {
        return subscribers.isRegistered(subscriber);
    }

    private void callRelease(MmuNotifier subscriber) {
        try {
            subscriber.release(this);
        } catch (Throwable failure) {
            reportCallbackFailure("release", subscriber, failure);
        }
    }

    private void requireOutsideCallbacks(String operation) {
        if (srcu.isReaderOnCurrentThread()) {
            throw new IllegalStateException(operation + " on " + name
                    + " called inside a notifier callback of mmu " + mmu.name()
                    + ": it waits for every callback to return, including this one"
                    + ("unregister".equals(operation) ? "; use unregisterNoRelease inside callbacks" : ""));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Interval notifiers

    /**
     * Subscribes {@code callback} to invalidations that overlap {@code [start, start + length)}.
     * If an invalidation is in progress, waits until it has ended (the interval then takes part in
     * every later one). Interval notifiers are invalidated before list subscribers.
     *
     * @throws IllegalArgumentException if the range is negative, empty or overflows
     * @throws IllegalStateException    once the space is closing; if called from inside an
     *                                  invalidation of this space on this thread; or if the first
     *                                  insert into the space is called inside a notifier callback of
     *                                  this {@link Mmu}
     */
    public IntervalNotifier insert(long start, long length, IntervalCallback callback) {
        Objects.requireNonNull(callback, "callback");
        requireRange(start, length);
        if (state != State.OPEN) {
            throw new IllegalStateException("address space " + name + " is closing; cannot insert an interval");
        }
        if (!intervalsEnabled) {
            enableIntervals();
        }
        return intervals.insert(start, length, callback);
    }

    /**
     * Makes walks visit the interval tree. Walks that read {@code hasIntervals == false} may still
     * be running and would miss a new interval, so the first insert waits for them.
     */
    private void enableIntervals() {
        synchronized (intervalsEnabling) {
            if (intervalsEnabled) {
                return;
            }
            requireOutsideCallbacks("the first insert");
            hasIntervals = true;
            srcu.synchronize();
            intervalsEnabled = true;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Teardown

    /**
     * Tears the space down (the kernel's exit_mmap with {@code mmu_notifier_release}): refuses new
     * registrations, inserts and mappings; invalidates the whole space with
     * {@link InvalidationEvent#RELEASE} (interval notifiers first, then the start on every list
     * subscriber); calls every list subscriber's {@code release} once (unless {@code unregister}
     * already did); unmaps every mapping (later access: {@link SigBusException}); ends the
     * invalidation; detaches every list subscriber; and waits until no callback of this space runs
     * on any thread. A callback that throws is reported and the teardown goes on. Interval
     * notifiers stay until removed; later calls to {@code unregister} and
     * {@code unregisterNoRelease} of subscribers registered before are still legal. Idempotent.
     *
     * @throws IllegalStateException if called inside a notifier callback of this {@link Mmu}
     */
    @Override
    public void close() {
        requireOutsideCallbacks("close");
        synchronized (closing) {
            if (state != State.OPEN) {
                return;
            }
            state = State.CLOSING;
            subscribers.close();
            intervals.close();
            List<MappedRange> all;
            mapLock.lock();
            try {
                mappingClosed = true;
                all = new ArrayList<>();
                for (MappedRange range : mappingsByAddress.values()) {
                    if (!range.gone) {
                        range.gone = true;
                        if (range.installed) {
                            all.add(range);
                        }
                    }
                }
                mappingsByAddress.clear();
            } finally {
                mapLock.unlock();
            }
            releaseEverything(all);
            srcu.synchronize();
            state = State.CLOSED;
        }
        mmu.closed(this);
    }

    private void releaseEverything(List<MappedRange> mapped) {
        InvalidationRange range = new InvalidationRange(this, 0, Long.MAX_VALUE, InvalidationEvent.RELEASE, true);
        int token = srcu.readLock();
        try {
            boolean withIntervals = hasIntervals;
            if (withIntervals) {
                intervals.invalidateStart(range);
            }
            MmuNotifier[] list = subscribers.snapshot();
            startAll(list, range);
            for (MmuNotifier subscriber : list) {
                if (subscribers.claimRelease(subscriber)) {
                    callRelease(subscriber);
                }
            }
            for (MappedRange target : mapped) {
                try {
                    target.mapping.unmap();
                } catch (Throwable failure) {
                    reportCallbackFailure("unmap during close", target.mapping, failure);
                }
            }
            if (withIntervals) {
                intervals.invalidateEnd();
            }
            endAll(list, list.length, range);
            subscribers.detachAll();
            invalidations.increment();
        } finally {
            srcu.readUnlock(token);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Counters and sizes of this space, for operators. */
    public record Stats(int mappings, int subscribers, int intervals, long invalidations, long retries,
                        long callbackFailures, long intervalSequence) {
    }

    /** A snapshot of this space's counters. */
    public Stats stats() {
        int mapped;
        mapLock.lock();
        try {
            mapped = (int) mappingsByAddress.values().stream().filter(AddressSpace::isLive).count();
        } finally {
            mapLock.unlock();
        }
        return new Stats(mapped, subscribers.size(), intervals.size(), invalidations.sum(), retries.sum(),
                callbackFailures.sum(), intervals.sequence());
    }

    private void requireMappingOpen() {
        if (mappingClosed) {
            throw new IllegalStateException("address space " + name + " is closing; cannot map");
        }
    }

    private static void requirePositiveLength(long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
    }

    private static void requireRange(long address, long length) {
        requirePositiveLength(length);
        if (address < 0 || address > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("range at " + address + " of " + length
                    + " bytes is outside the address space [0, 2^63 - 1)");
        }
    }

    private static long roundUpToPage(long address) {
        return Math.addExact(address, PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    @Override
    public String toString() {
        Stats stats = stats();
        return "AddressSpace[" + name + ", " + state + ", mappings=" + stats.mappings() + ", subscribers="
                + stats.subscribers() + ", intervals=" + stats.intervals() + ", invalidations=" + stats.invalidations() + "]";
    }
}
