package io.github.mmunotify.notifier;

import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.core.Teardown;
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
import java.util.concurrent.CountDownLatch;
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
     * Addresses. Every address and length is checked before it is used: a range [address,
     * address + length) must satisfy 0 <= address and length > 0 and address <= 2^63 - 1 - length,
     * so that its exclusive end is representable and no sum below can wrap. map() chooses an address
     * above the highest mapping (bottom-up, a guard page between mappings); when that does not fit
     * below 2^63 - 1 it falls back to the first gap, from FIRST_ADDRESS up, that does. guardedEnd()
     * saturates at Long.MAX_VALUE, a value no mapping can start at, so "no room" never wraps into a
     * low address. Whatever is chosen is checked against the table once more before it is reserved.
     *
     * The walk. invalidate() is one read section of the Mmu's SRCU domain around: interval starts,
     * list starts, the change, interval end, list ends. Every stage that began is ended in a
     * finally block of its own, innermost first, and the read section's unlock is the outermost
     * finally, so a Throwable from any stage (a callback's, which is caught and reported anyway, or
     * one raised by the JVM inside our own code) cannot leave a section open, an interval
     * invalidation active or a subscriber without its end. The walk, the failure reports and the
     * changes use no lambdas and no string concatenation (invokedynamic): a call site whose first
     * linkage fails (a StackOverflowError during the bootstrap) stays broken for the life of the
     * JVM, which would make every later walk or report throw BootstrapMethodError.
     *
     * walkDepth counts, per thread, the walks of this space the thread is inside; it refuses
     * re-entrant changes and the interval operations that would wait for the thread's own walk.
     *
     * Observability. A walk is an InvalidationWalkEvent when a JFR recording enables it. The walk
     * asks InvalidationWalkEvent.enabled() once (one read of the type's settings) and, when it is
     * off, runs exactly as before with a null event: nothing allocated, no clock read. The event
     * class is initialised with this class, so that its initialisation cannot first happen (and
     * fail for good) at the bottom of a deep stack inside a walk; like the walk, the recorded path
     * uses no lambda and no string concatenation.
     */

    static {
        InvalidationWalkEvent.enabled(); // initialises the event class now: see the notes above
    }

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
    private final Teardown closing;

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

    /** Walks of this space the current thread is inside (see the implementation notes). */
    private final ThreadLocal<int[]> walkDepth = new ThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[1];
        }
    };

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
        /** The unmap walk that claimed this range, if an unmap did; counted down after its ends. */
        UnmapChange claimedBy;
        /** The claiming walk has committed to calling {@code mapping.unmap()} inside its change. */
        boolean unmapCommitted;
        /** The region's listener waits for the claiming walk: it must leave the unmap until after its ends. */
        boolean unmapLeftToRegion;

        MappedRange(long address, long length) {
            this.address = address;
            this.length = length;
        }

        long end() {
            return address + length; // never wraps: checked by requireRange or chooseAddress
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
        this.closing = new Teardown("address space " + name);
        this.intervals = new IntervalNotifiers(this);
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
    // Mappings

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
        Objects.requireNonNull(region, "region");
        requirePositiveLength("map", length);
        MappedRange range;
        mapLock.lock();
        try {
            requireMappingOpen();
            long address = chooseAddress(length);
            range = reserve(address, length);
            nextAddress = guardedEnd(address, length);
        } finally {
            mapLock.unlock();
        }
        return install(range, region, offset);
    }

    /**
     * A page-aligned address where {@code length} bytes fit with a guard page to either side:
     * above the highest mapping if there is room below the top, else the lowest gap that holds it.
     * Caller holds mapLock.
     */
    private long chooseAddress(long length) {
        long candidate = nextAddress;
        Map.Entry<Long, MappedRange> highest = mappingsByAddress.lastEntry();
        if (highest != null) {
            candidate = Math.max(candidate, guardedEnd(highest.getKey(), highest.getValue().length));
        }
        if (!fitsBelowTop(candidate, length)) {
            candidate = FIRST_ADDRESS;
            for (MappedRange next : mappingsByAddress.values()) {
                if (fitsBelowTop(candidate, length) && guardedEnd(candidate, length) <= next.address) {
                    break;
                }
                candidate = Math.max(candidate, guardedEnd(next.address, next.length));
            }
        }
        if (!fitsBelowTop(candidate, length) || firstOverlapping(candidate, candidate + length) != null) {
            throw new IllegalArgumentException(new StringBuilder("map in address space ").append(name)
                    .append(": length ").append(length).append(" does not fit in any free range below 2^63 - 1 (with ")
                    .append(mappingsByAddress.size()).append(" mappings and their guard pages)").toString());
        }
        return candidate;
    }

    /** Whether {@code [address, address + length)} ends at or below 2^63 - 1. */
    private static boolean fitsBelowTop(long address, long length) {
        return address <= Long.MAX_VALUE - length;
    }

    /**
     * The lowest address a mapping may start at above {@code [address, address + length)}: its end
     * rounded up to a page, plus a guard page; {@link Long#MAX_VALUE} (where nothing fits) if that
     * is beyond the address space.
     */
    private static long guardedEnd(long address, long length) {
        long end = address + length; // address <= MAX - length for every range here
        if (end > Long.MAX_VALUE - (2 * PAGE_SIZE - 1)) {
            return Long.MAX_VALUE;
        }
        return ((end + PAGE_SIZE - 1) & -PAGE_SIZE) + PAGE_SIZE;
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
        Objects.requireNonNull(region, "region");
        requireRange("mapAt", address, length);
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
        Mapping mapping = null;
        try {
            mapping = region.mapAt(range.address, offset, range.length);
            mapping.addListener(range);
        } catch (Throwable failure) {
            releaseReservation(range);
            if (mapping != null) {
                mapping.unmap(); // created but not watched: nobody else would ever unmap it
            }
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

    /**
     * A snapshot of the installed mappings, by address.
     *
     * @return a new list, not backed by the space, of the installed mappings in increasing address
     *         order; empty once {@link #close} has returned
     */
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
     * Never waits for the space's own locks. A range with no mapping is {@code DONE}.
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
        requireRange(operation, address, length);
        requireNotInOwnWalk(operation, address, length);
        List<MappedRange> targets = collect(address, address + length, blockable, operation);
        if (targets == null) {
            retries.increment();
            return InvalidationOutcome.TRY_AGAIN;
        }
        if (targets.isEmpty()) {
            return InvalidationOutcome.DONE;
        }
        InvalidationRange range = new InvalidationRange(this, targets.getFirst().address, targets.getLast().end(),
                InvalidationEvent.UNMAP, blockable);
        UnmapChange change = new UnmapChange(targets, count);
        try {
            return invalidate(range, change);
        } finally {
            change.walkEnded();
        }
    }

    /**
     * Makes every mapping inside {@code [address, address + length)} read-only or read-write:
     * invalidates the span they cover (event {@link InvalidationEvent#PROTECTION_CHANGE},
     * blockable), changes their protection, ends the invalidation. A write through a read-only
     * mapping throws the region's {@code ReadOnlyMappingException}. Change protection through this
     * method, not through {@code Mapping.setWritable}, which runs no invalidation.
     *
     * @param address  the first address of the range; not negative
     * @param length   the length of the range in bytes; positive, and {@code address + length} at
     *                 most 2^63 - 1
     * @param writable {@code true} to make the mappings read-write, {@code false} to make them
     *                 read-only
     * @return the number of mappings changed
     * @throws IllegalArgumentException if nothing is mapped in the range, or a mapping straddles a
     *                                  boundary of it, or the range is empty, negative or runs
     *                                  past 2^63 - 1 (nothing is changed)
     * @throws IllegalStateException    if called from a callback of an invalidation of this space
     *                                  on this thread (a re-entrant change; nothing is changed)
     * @throws io.github.mmunotify.mmap.ReadOnlyMappingException
     *                                  if {@code writable} is {@code true} and a mapping in the
     *                                  range belongs to a read-only region; thrown from inside the
     *                                  invalidation (every subscriber still gets its end), after
     *                                  the mappings below it in the range were made writable
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
        requireRange(operation, address, length);
        requireNotInOwnWalk(operation, address, length);
        List<MappedRange> targets = collect(address, address + length, blockable, operation);
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
        return invalidate(range, new ProtectChange(targets, writable, count));
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

    /** Takes the still-live targets out of the table for {@code walk}; each mapping is claimed exactly once. */
    private List<MappedRange> claim(List<MappedRange> targets, UnmapChange walk) {
        List<MappedRange> claimed = new ArrayList<>(targets.size());
        mapLock.lock();
        try {
            for (MappedRange range : targets) {
                if (!range.gone) {
                    range.gone = true;
                    range.claimedBy = walk;
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
        UnmapChange claimer = null;
        boolean waitForClaimer = false;
        mapLock.lock();
        try {
            if (!range.gone) {
                range.gone = true;
                mappingsByAddress.remove(range.address, range);
                if (!range.installed) {
                    return;
                }
            } else {
                claimer = range.claimedBy;
                if (claimer == null || claimer.isOnCurrentThread()) {
                    return; // claimed by close(), or by this very walk, whose ends come after this returns
                }
                if (!range.unmapCommitted) {
                    /* C1: pairs with C2 in UnmapChange.run(): the claimer sees this under mapLock and
                     * leaves the unmap until after its ends, so it never waits for this listener. */
                    range.unmapLeftToRegion = true;
                    waitForClaimer = true;
                }
            }
        } finally {
            mapLock.unlock();
        }
        if (waitForClaimer) {
            // Another thread's unmap claimed the range and ran its starts on mapped memory: the region
            // may release the memory only after that walk's ends (the change is the region's own).
            claimer.awaitWalkEnd();
            return;
        }
        // Not claimed; or claimed by an unmap that is already calling mapping.unmap() and so waits
        // for this listener: it cannot end first, so give every subscriber a whole invalidation of
        // the range here, on mapped memory. Its own end then comes later, after the memory is gone.
        InvalidationEvent event = cause == UnmapCause.UNMAPPED ? InvalidationEvent.UNMAP : InvalidationEvent.REGION_REVOKED;
        invalidate(new InvalidationRange(this, range.address, range.end(), event, true), NO_CHANGE);
    }

    // ---------------------------------------------------------------------------------------------
    // The invalidation walk

    /** What an invalidation changes between the starts and the ends. */
    private interface Change {
        void run();
    }

    private static final Change NO_CHANGE = new Change() {
        @Override
        public void run() {
        }
    };

    /**
     * Unmaps the targets this walk claims; a mapping taken meanwhile by someone else is skipped. A
     * claimed mapping whose region's revoke got to it first (its listener waits for this walk's
     * ends, see {@link #mappingGoingAway}) is unmapped after the walk instead: unmapping it inside
     * would wait for that listener, which waits for this walk.
     */
    private final class UnmapChange implements Change {
        private final List<MappedRange> targets;
        private final int[] count;
        private final Thread walker = Thread.currentThread();
        private final CountDownLatch ended = new CountDownLatch(1);
        private List<MappedRange> leftToRegion = List.of();

        UnmapChange(List<MappedRange> targets, int[] count) {
            this.targets = targets;
            this.count = count;
        }

        @Override
        public void run() {
            List<MappedRange> claimed = claim(targets, this);
            count[0] = claimed.size();
            List<MappedRange> now = new ArrayList<>(claimed.size());
            List<MappedRange> later = new ArrayList<>();
            for (MappedRange range : claimed) {
                mapLock.lock();
                try {
                    /* C2: pairs with C1 in mappingGoingAway(). */
                    if (range.unmapLeftToRegion) {
                        later.add(range);
                    } else {
                        range.unmapCommitted = true;
                        now.add(range);
                    }
                } finally {
                    mapLock.unlock();
                }
                if (!now.isEmpty()) {
                    unmapAll(now, "unmap (a MappingListener of the mapping or its region threw)");
                    now.clear();
                }
            }
            leftToRegion = later;
        }

        boolean isOnCurrentThread() {
            return walker == Thread.currentThread();
        }

        /** Called once the walk (starts, change, ends) is over, whatever it threw. */
        void walkEnded() {
            /* E: pairs with the await in awaitWalkEnd(): every end callback happens-before the region goes on. */
            ended.countDown();
            // Their region's revoke is unmapping them and now goes on; wait for it as unmap() promises.
            unmapAll(leftToRegion, "unmap (after a region revoke took the mapping)");
        }

        void awaitWalkEnd() {
            boolean interrupted = false;
            while (true) {
                try {
                    /* E: pairs with walkEnded(). */
                    ended.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the region's teardown must not go on early; keep the status
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Changes the protection of the targets; one revoked meanwhile is covered by its own invalidation. */
    private static final class ProtectChange implements Change {
        private final List<MappedRange> targets;
        private final boolean writable;
        private final int[] count;

        ProtectChange(List<MappedRange> targets, boolean writable, int[] count) {
            this.targets = targets;
            this.writable = writable;
            this.count = count;
        }

        @Override
        public void run() {
            for (MappedRange target : targets) {
                try {
                    target.mapping.setWritable(writable);
                    count[0]++;
                } catch (SigBusException revokedMeanwhile) {
                    // The region was revoked concurrently; its own invalidation covers the range.
                }
            }
        }
    }

    /**
     * Unmaps every one of {@code ranges} (already out of the table) even if one of them throws, so
     * that no mapping is left out of the table but still mapped. What an unmap throws comes from
     * foreign code (a {@code MappingListener}, or the region reporting one), so it is reported as a
     * callback failure, like any other, and the change goes on.
     */
    private void unmapAll(List<MappedRange> ranges, String operation) {
        for (MappedRange range : ranges) {
            try {
                range.mapping.unmap();
            } catch (Throwable failure) {
                reportCallbackFailure(operation, range.mapping, failure);
            }
        }
    }

    /**
     * Runs one invalidation around {@code change}, inside one SRCU read section: intervals start,
     * list start, change, intervals end, list end. On a refusal the subscribers that accepted get
     * their end, the change is skipped and the outcome is TRY_AGAIN. See the implementation notes
     * for why every stage ends in a finally block of its own.
     */
    private InvalidationOutcome invalidate(InvalidationRange range, Change change) {
        if (InvalidationWalkEvent.enabled()) {
            return invalidateRecorded(range, change);
        }
        // The body is invalidateRecorded's without the event, kept apart on purpose: one more
        // frame on this path costs the JIT the inlining that lets escape analysis remove the
        // range and change objects (88 bytes per walk in NotifierWalkBenchmark with -prof gc).
        int[] depth = walkDepth.get();
        int token = srcu.readLock();
        depth[0]++;
        try {
            return walk(range, change);
        } finally {
            depth[0]--;
            srcu.readUnlock(token);
        }
    }

    /** {@link #invalidate(InvalidationRange, Change)} recorded as an {@link InvalidationWalkEvent}. */
    private InvalidationOutcome invalidateRecorded(InvalidationRange range, Change change) {
        InvalidationWalkEvent event = new InvalidationWalkEvent();
        event.addressSpace = name;
        event.start = range.start();
        event.end = range.end();
        event.cause = range.event().name();
        event.blockable = range.blockable();
        event.intervalNotifiers = hasIntervals ? intervals.size() : 0;
        event.outcome = "THREW"; // replaced below unless the walk throws
        event.begin();
        try {
            int[] depth = walkDepth.get();
            int token = srcu.readLock();
            depth[0]++;
            try {
                event.subscribers = subscribers.snapshot().length; // the walk takes its own snapshot next
                InvalidationOutcome outcome = walk(range, change);
                event.outcome = outcome.name();
                return outcome;
            } finally {
                depth[0]--;
                srcu.readUnlock(token);
            }
        } finally {
            event.commit();
        }
    }

    /** The walk itself; runs inside the read section taken by {@link #invalidate}. */
    private InvalidationOutcome walk(InvalidationRange range, Change change) {
        /* W1: read once per walk; pairs with W2 in enableIntervals() (the grace period after it) */
        if (hasIntervals) {
            if (!intervals.invalidateStart(range)) {
                retries.increment(); // the refusal already ended the interval invalidation
                return InvalidationOutcome.TRY_AGAIN;
            }
            try {
                return walkList(range, change);
            } finally {
                intervals.invalidateEnd();
            }
        }
        return walkList(range, change);
    }

    private InvalidationOutcome walkList(InvalidationRange range, Change change) {
        MmuNotifier[] list = subscribers.snapshot();
        int owed = 0; // subscribers that got a start and are owed an end
        boolean done = false;
        try {
            while (owed < list.length) {
                owed++;
                if (!start(list[owed - 1], range)) {
                    owed--; // a refuser gets no end
                    break;
                }
            }
            if (owed == list.length) {
                change.run();
                done = true;
            }
        } finally {
            endAll(list, owed, range);
            if (done) {
                invalidations.increment();
            } else {
                retries.increment();
            }
        }
        return done ? InvalidationOutcome.DONE : InvalidationOutcome.TRY_AGAIN;
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

    /** Calls the end of the first {@code count} subscribers; one that throws does not stop the rest. */
    private void endAll(MmuNotifier[] list, int count, InvalidationRange range) {
        for (int i = 0; i < count; i++) {
            try {
                list[i].invalidateRangeEnd(range);
            } catch (Throwable failure) {
                reportCallbackFailure("invalidateRangeEnd", list[i], failure);
            }
        }
    }

    /**
     * Counts and reports a callback failure. Never throws: describing the subscriber or the
     * failure runs foreign code (toString, getMessage) that may throw again, and so may the
     * handler; a report that cannot be made is only counted.
     */
    void reportCallbackFailure(String callback, Object subscriber, Throwable failure) {
        callbackFailures.increment();
        try {
            StringBuilder message = new StringBuilder(callback).append(" of ");
            describe(message, subscriber);
            message.append(" on address space ").append(name);
            if (failure != null) {
                message.append(" threw ");
                describe(message, failure);
            }
            mmu.report(new NotifierCallbackException(message.toString(), failure));
        } catch (Throwable unreportable) {
            // Counted above; there is nowhere left to report it, and the walk must go on.
        }
    }

    /** Appends {@code String.valueOf(object)}, or its class name if that throws. */
    private static void describe(StringBuilder message, Object object) {
        int mark = message.length();
        try {
            message.append(object);
        } catch (Throwable undescribable) {
            message.setLength(mark);
            message.append(object.getClass().getName()).append(" (toString threw ")
                    .append(undescribable.getClass().getName()).append(')');
        }
    }

    // ---------------------------------------------------------------------------------------------
    // List subscribers

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
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("register");
        subscribers.add(subscriber, name);
        /* S3: waits out every walk that read the array before S1 in SubscriberList.add() */
        srcu.synchronize();
    }

    /**
     * Unregisters a subscriber (the kernel's {@code mmu_notifier_unregister}): calls its
     * {@code release} if that has not run yet, removes it if it is still registered, then waits
     * until no callback of it is running on any thread. When this returns, no callback of the
     * subscriber runs or will run. A subscriber already removed (by its own {@code release}
     * calling {@link #unregisterNoRelease}, the documented pattern, by an earlier
     * {@code unregister}, or after {@link #close}) is success: nothing is released again, and the
     * wait still happens. Legal after the space was closed. As it waits for callbacks, the caller
     * must not hold a lock that a callback of this Mmu takes.
     *
     * <p>Memory consistency: everything a callback of the subscriber did happens-before this
     * returns (the grace period).
     *
     * @param subscriber the subscriber to remove; not null, and registered with this space at some
     *                   time
     * @throws NullPointerException     if {@code subscriber} is null
     * @throws IllegalArgumentException if the subscriber was never registered with this space
     *                                  (the kernel treats that as a bug); nothing is changed
     * @throws IllegalStateException    if called inside a notifier callback of this {@link Mmu}
     *                                  (the wait would wait for itself; use
     *                                  {@link #unregisterNoRelease} there); nothing is changed
     */
    public void unregister(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        requireOutsideCallbacks("unregister");
        SubscriberList.Unregistering found = subscribers.beginUnregister(subscriber, name);
        try {
            if (found == SubscriberList.Unregistering.CALL_RELEASE) {
                releaseInReadSection(subscriber);
            }
        } finally {
            // Removed even if release threw past its report; false if release removed it itself.
            subscribers.remove(subscriber);
            awaitCallbacks();
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
     * Waits a grace period: every walk that could still hold a snapshot with a removed subscriber
     * has ended. Once the domain is closed no walk runs, so there is nothing to wait for.
     */
    private void awaitCallbacks() {
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
     * @throws IllegalArgumentException if it was never registered with this space
     */
    public void unregisterNoRelease(MmuNotifier subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        if (!subscribers.remove(subscriber) && !subscribers.wasRemoved(subscriber)) {
            throw SubscriberList.notRegistered(subscriber, name);
        }
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
        requireRange("insert", start, length);
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
            /* W2: walks that start later visit the tree; pairs with W1 in walk(), the grace period
             * below waiting out the walks that read false */
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
        subscribers.close();
        intervals.close();
        try {
            List<MappedRange> all = takeAllMappings();
            invalidate(new InvalidationRange(this, 0, Long.MAX_VALUE, InvalidationEvent.RELEASE, true),
                    new ReleaseChange(all));
        } finally {
            subscribers.detachAll();
            awaitCallbacks();
        }
    }

    /** Empties the table and refuses new mappings; returns the installed mappings that were in it. */
    private List<MappedRange> takeAllMappings() {
        mapLock.lock();
        try {
            mappingClosed = true;
            List<MappedRange> all = new ArrayList<>();
            for (MappedRange range : mappingsByAddress.values()) {
                if (!range.gone) {
                    range.gone = true;
                    if (range.installed) {
                        all.add(range);
                    }
                }
            }
            mappingsByAddress.clear();
            return all;
        } finally {
            mapLock.unlock();
        }
    }

    /**
     * The change of a teardown: detach every list subscriber (walks that start later call nobody),
     * call each {@code release} not yet claimed, unmap every mapping. Failures are reported and the
     * teardown goes on.
     */
    private final class ReleaseChange implements Change {
        private final List<MappedRange> mapped;

        ReleaseChange(List<MappedRange> mapped) {
            this.mapped = mapped;
        }

        @Override
        public void run() {
            MmuNotifier[] list = subscribers.snapshot();
            subscribers.detachAll();
            for (MmuNotifier subscriber : list) {
                if (subscribers.claimRelease(subscriber)) {
                    callRelease(subscriber);
                }
            }
            unmapAll(mapped, "unmap during close (a MappingListener of the mapping or its region threw)");
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

    private void requirePositiveLength(String operation, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException(operation + " in address space " + name
                    + ": length must be positive, was " + length);
        }
    }

    /**
     * Checks that {@code [address, address + length)} is a non-empty range whose exclusive end is
     * at most 2^63 - 1, so that no sum over it can wrap.
     */
    private void requireRange(String operation, long address, long length) {
        requirePositiveLength(operation, length);
        if (address < 0) {
            throw new IllegalArgumentException(operation + " in address space " + name + ": address 0x"
                    + Long.toHexString(address) + " (" + address + ") is negative");
        }
        if (address > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException(operation + " in address space " + name + ": range at address 0x"
                    + Long.toHexString(address) + " of length " + length
                    + " runs past the end of the address space (2^63 - 1)");
        }
    }

    /** Whether the current thread is inside an invalidation walk of this space. */
    boolean isWalkingOnThisThread() {
        return walkDepth.get()[0] > 0;
    }

    private void requireNotInOwnWalk(String operation, long address, long length) {
        if (isWalkingOnThisThread()) {
            throw new IllegalStateException(new StringBuilder(operation).append(" of 0x")
                    .append(Long.toHexString(address)).append(" (+").append(length).append(" bytes) in address space ")
                    .append(name).append(" refused: called from a notifier callback of an invalidation of ")
                    .append(name).append(" on this thread; a change of the space from inside its own"
                            + " invalidation would invalidate again from inside itself (re-entrant change)")
                    .toString());
        }
    }

    @Override
    public String toString() {
        Stats stats = stats();
        return "AddressSpace[" + name + ", " + state + ", mappings=" + stats.mappings() + ", subscribers="
                + stats.subscribers() + ", intervals=" + stats.intervals() + ", invalidations=" + stats.invalidations() + "]";
    }
}
