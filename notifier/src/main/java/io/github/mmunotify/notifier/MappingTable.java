package io.github.mmunotify.notifier;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.MappingListener;
import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.UnmapCause;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mappings of one address space, by address (the kernel's VMA tree, mm/mmap.c): placing,
 * finding, claiming and unmapping them, and the {@link Change}s an unmap or a protection change
 * makes inside an invalidation. It runs no invalidation itself: when a region takes a mapping away
 * on its own (revoke, arena close, a direct {@code Mapping.unmap()}), it tells its
 * {@link Evictions}, which the address space implements by running one.
 *
 * <p><b>Lock.</b> The table is guarded by {@code mapLock}, which is never held while a callback,
 * a listener or the region runs, so a region revoke (which calls back into the table through a
 * {@link MappingListener}) cannot deadlock with a change made here. Each mapping is claimed for
 * removal exactly once, by whoever gets there first: an unmap, the space's teardown, or the
 * listener when the region is revoked or the mapping is unmapped directly.
 *
 * <p><b>Protection.</b> The table takes each mapping's {@link Mapping.ProtectionKey} when it
 * installs it, before the mapping is returned to anyone, so {@code Mapping.setWritable} refuses
 * for it; the key is used only by the change of a protect, which runs inside an invalidation walk.
 *
 * <p>Thread-safe.
 */
final class MappingTable {

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
     * Unmap against revoke. An unmap claims its ranges inside its walk (UnmapChange.run) and unmaps
     * them there; a region revoke that reaches a claimed range first must not free the memory before
     * the claiming walk's ends, and the claiming walk must not wait (in Mapping.unmap) for that
     * revoke's listener, which waits for it: fences C1/C2 decide under mapLock which of the two does
     * the unmap, and E orders the walk's ends before the revoke goes on.
     *
     * Protect with nobody watching (the kernel's mm_has_notifiers() test). protectUnwatched() asks
     * its Watchers under mapLock, which it takes anyway to find the mappings, and when nobody would
     * hear of the change it checks and changes the mappings right there, with no walk, no read
     * section and no allocation. The lock is what makes that safe: register() and the first interval
     * insert publish their subscriber (or set hasIntervals) first and then pass through mapLock
     * (awaitUnwatchedChanges), so a protect that read "nobody" under the lock has ended before they
     * go on, and one that takes the lock after them sees their subscriber (lock order is a total
     * order, and both sides' accesses are inside or before it). The change under the lock is a
     * field check of the region and the mapping's volatile protection store: it calls out to
     * nothing and waits for nothing, so the rule that mapLock is never held while a callback, a
     * listener or the region runs is kept in its intent (no deadlock with a revoke's listener).
     * Unmap gets no such path: Mapping.unmap() runs listeners and waits for accesses.
     */

    /** What the table asks of its owner when a region takes a mapping away by itself. */
    interface Evictions {
        /**
         * Runs an invalidation of {@code [start, end)} with no change of its own (the region makes
         * it after this returns), on memory still mapped.
         */
        void evicted(long start, long end, UnmapCause cause);
    }

    /** Who would hear of a change: asked by {@link #protectUnwatched} under {@code mapLock}. */
    interface Watchers {
        /**
         * Whether an invalidation walk starting now would call nobody and record nothing. Must
         * not block, take a lock or call out: it runs under {@code mapLock}.
         */
        boolean none();
    }

    /** {@link #protectUnwatched}: somebody watches; nothing was checked or changed, run the walk. */
    static final int WATCHED = -1;
    /** {@link #protectUnwatched}: non-blockable and {@code mapLock} was busy; nothing was changed. */
    static final int BUSY = -2;
    /** {@link #protectUnwatched}: no mapping in the range; nothing was changed. */
    static final int NOTHING_MAPPED = -3;

    /** See {@link AddressSpace#PAGE_SIZE}. */
    static final long PAGE_SIZE = 4096;

    /** See {@link AddressSpace#FIRST_ADDRESS}. */
    static final long FIRST_ADDRESS = 0x10000;

    private final String space;
    private final CallbackFailures failures;
    private final Evictions evictions;

    private final ReentrantLock mapLock = new ReentrantLock();
    // Guarded by mapLock.
    private final TreeMap<Long, MappedRange> mappingsByAddress = new TreeMap<>();
    private long nextAddress = FIRST_ADDRESS;
    private boolean mappingClosed;
    /** Protection changes made by {@link #protectUnwatched} with no walk. */
    private long unwatchedChanges;

    MappingTable(String space, CallbackFailures failures, Evictions evictions) {
        this.space = space;
        this.failures = failures;
        this.evictions = evictions;
    }

    /** One mapping of the space, and the listener that learns when its region takes it away. */
    final class MappedRange implements MappingListener {
        final long address;
        final long length;
        // Guarded by mapLock.
        Mapping mapping;
        /** The only right to change the mapping's protection: used by ProtectChange alone, inside a walk. */
        Mapping.ProtectionKey protection;
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

    // ---------------------------------------------------------------------------------------------
    // Placing mappings

    /** See {@link AddressSpace#map}. */
    Mapping map(Region region, long offset, long length) {
        Objects.requireNonNull(region, "region");
        requirePositiveLength(space, "map", length);
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

    /** See {@link AddressSpace#mapAt}. */
    Mapping mapAt(long address, Region region, long offset, long length) {
        Objects.requireNonNull(region, "region");
        requireRange(space, "mapAt", address, length);
        MappedRange range;
        mapLock.lock();
        try {
            requireMappingOpen();
            MappedRange clash = firstOverlapping(address, address + length);
            if (clash != null) {
                throw new IllegalArgumentException("cannot map at 0x" + Long.toHexString(address) + " (+" + length
                        + " bytes) in " + space + ": overlaps the mapping at " + clash);
            }
            range = reserve(address, length);
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
            throw new IllegalArgumentException(new StringBuilder("map in address space ").append(space)
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

    private MappedRange reserve(long address, long length) {
        MappedRange range = new MappedRange(address, length);
        mappingsByAddress.put(address, range);
        return range;
    }

    private Mapping install(MappedRange range, Region region, long offset) {
        Mapping mapping = null;
        Mapping.ProtectionKey protection;
        try {
            mapping = region.mapAt(range.address, offset, range.length);
            // Before anyone else sees the mapping: its protection changes only inside a walk.
            protection = mapping.takeProtection(new StringBuilder("address space ").append(space).toString());
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
            range.protection = protection;
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
        throw new IllegalStateException("mapping " + range + " of " + region.name() + " in " + space
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

    // ---------------------------------------------------------------------------------------------
    // Looking mappings up

    /** See {@link AddressSpace#find}. */
    Mapping find(long address) {
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

    /** See {@link AddressSpace#mappings}. */
    List<Mapping> mappings() {
        mapLock.lock();
        try {
            List<Mapping> result = new ArrayList<>(mappingsByAddress.size());
            for (MappedRange range : mappingsByAddress.values()) {
                if (isLive(range)) {
                    result.add(range.mapping);
                }
            }
            return result;
        } finally {
            mapLock.unlock();
        }
    }

    /** The number of installed mappings. */
    int size() {
        mapLock.lock();
        try {
            int live = 0;
            for (MappedRange range : mappingsByAddress.values()) {
                if (isLive(range)) {
                    live++;
                }
            }
            return live;
        } finally {
            mapLock.unlock();
        }
    }

    /**
     * The installed mappings inside {@code [start, end)}, in address order, in a list the caller
     * must not modify; {@code null} if the table was busy and the caller may not block. Throws if a
     * mapping straddles a boundary.
     */
    List<MappedRange> collect(long start, long end, boolean blockable, String operation) {
        if (blockable) {
            mapLock.lock();
        } else if (!mapLock.tryLock()) {
            return null;
        }
        try {
            // Entry navigation, not a subMap view and its iterator: the entries and boxed keys of
            // these lookups do not escape, so the JIT removes them (as in protectUnwatched), and
            // the usual single target costs one small immutable list, not an ArrayList, a view,
            // an iterator and their arrays (about 230 of the 312 bytes a protect walk allocated).
            Map.Entry<Long, MappedRange> before = mappingsByAddress.lowerEntry(start);
            if (before != null && before.getValue().end() > start && isLive(before.getValue())) {
                throw straddles(operation, start, end, before.getValue());
            }
            MappedRange first = null;
            List<MappedRange> targets = null; // from the second target on
            for (Map.Entry<Long, MappedRange> entry = mappingsByAddress.ceilingEntry(start);
                 entry != null && entry.getKey() < end; entry = mappingsByAddress.higherEntry(entry.getKey())) {
                MappedRange range = entry.getValue();
                if (!isLive(range)) {
                    continue;
                }
                if (range.end() > end) {
                    throw straddles(operation, start, end, range);
                }
                if (first == null) {
                    first = range;
                } else {
                    if (targets == null) {
                        targets = new ArrayList<>();
                        targets.add(first);
                    }
                    targets.add(range);
                }
                if (range.end() == end) {
                    break; // ranges in the table do not overlap: no later one starts before end
                }
            }
            return targets != null ? targets : first != null ? List.of(first) : List.of();
        } finally {
            mapLock.unlock();
        }
    }

    private static boolean isLive(MappedRange range) {
        return range.installed && !range.gone;
    }

    private IllegalArgumentException straddles(String operation, long start, long end, MappedRange range) {
        return new IllegalArgumentException(operation + " of 0x" + Long.toHexString(start) + "-0x" + Long.toHexString(end)
                + " in " + space + " would split the mapping at " + range
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

    // ---------------------------------------------------------------------------------------------
    // Taking mappings away

    /** Empties the table and refuses new mappings; returns the installed mappings that were in it. */
    List<MappedRange> closeAndTakeAll() {
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
     * {@code Mapping.unmap()}), and its memory is still accessible: unless the space already
     * claimed the mapping, remove it from the table and have the owner invalidate its range. The
     * region makes the change after this returns; as the mapping is out of the table before the
     * invalidation starts, no subscriber can fault it in again once its start callback has run.
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
                    return; // claimed by the teardown, or by this very walk, whose ends come after this returns
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
        evictions.evicted(range.address, range.end(), cause);
    }

    /**
     * Unmaps every one of {@code ranges} (already out of the table) even if one of them throws, so
     * that no mapping is left out of the table but still mapped. What an unmap throws comes from
     * foreign code (a {@code MappingListener}, or the region reporting one), so it is reported as a
     * callback failure, like any other, and the change goes on.
     */
    void unmapAll(List<MappedRange> ranges, String operation) {
        for (MappedRange range : ranges) {
            try {
                range.mapping.unmap();
            } catch (Throwable failure) {
                failures.report(operation, range.mapping, failure);
            }
        }
    }

    /**
     * {@link #unmapAll} for a non-blockable change: {@link Mapping#tryUnmap()}, which does not wait
     * for an unmap, revoke or arena close of the mapping that another thread has already begun.
     */
    private void tryUnmapAll(List<MappedRange> ranges, String operation) {
        for (MappedRange range : ranges) {
            try {
                range.mapping.tryUnmap();
            } catch (Throwable failure) {
                failures.report(operation, range.mapping, failure);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The changes made inside a walk

    /**
     * The change of an unmap of {@code targets}, which counts the mappings it claimed into
     * {@code count[0]}. A non-blockable one never waits for another thread's unmap of a target.
     */
    UnmapChange unmapChange(List<MappedRange> targets, int[] count, boolean blockable) {
        return new UnmapChange(targets, count, blockable);
    }

    /**
     * The change of a protection change of {@code targets}, which counts the mappings it changed
     * into {@code count[0]}. Checks every target first, so that a change that cannot be made
     * throws here, before the walk starts, with nothing changed.
     *
     * @throws ReadOnlyMappingException if {@code writable} and a target maps a read-only region
     */
    Change protectChange(List<MappedRange> targets, boolean writable, int[] count, String operation) {
        if (writable) {
            for (MappedRange target : targets) {
                if (!target.mapping.region().isWritable()) {
                    throw readOnly(operation, targets.getFirst(), targets.getLast(), target);
                }
            }
        }
        return new ProtectChange(targets, writable, count);
    }

    private ReadOnlyMappingException readOnly(String operation, MappedRange first, MappedRange last, MappedRange target) {
        Region region = target.mapping.region();
        return new ReadOnlyMappingException(operation + " of " + first + " .. " + last + " in " + space
                + " to writable refused: the mapping at " + target + " maps read-only region '" + region.name()
                + "' (" + target.mapping + "); nothing was changed and no invalidation ran");
    }

    /**
     * A protect of the mappings in {@code [start, end)} when nobody would hear of it: under
     * {@code mapLock}, asks {@code watchers}; if nobody watches, checks every mapping in the range
     * as {@link #collect} and {@link #protectChange} do (same exceptions, nothing changed when one
     * is thrown) and changes their protection, with no walk. See the implementation notes.
     *
     * @return the number of mappings changed, or {@link #WATCHED}, {@link #BUSY} or
     *         {@link #NOTHING_MAPPED} (then nothing was changed)
     */
    int protectUnwatched(long start, long end, boolean writable, boolean blockable, String operation,
                         Watchers watchers) {
        if (!watchers.none()) {
            return WATCHED; // a hint, read without the lock: a walk runs anyway (the common case with watchers)
        }
        if (blockable) {
            mapLock.lock();
        } else if (!mapLock.tryLock()) {
            return BUSY;
        }
        try {
            if (!watchers.none()) {
                return WATCHED; // the answer that counts, under the lock (see the implementation notes)
            }
            // One lookup finds both the mapping that might straddle start and, when a mapping
            // starts exactly there (the usual protect of one mapping), the first one inside.
            Map.Entry<Long, MappedRange> floor = mappingsByAddress.floorEntry(start);
            Map.Entry<Long, MappedRange> inside = floor;
            if (floor == null || floor.getKey() != start) {
                if (floor != null && floor.getValue().end() > start && isLive(floor.getValue())) {
                    throw straddles(operation, start, end, floor.getValue());
                }
                inside = floor == null ? mappingsByAddress.ceilingEntry(start) : mappingsByAddress.higherEntry(floor.getKey());
            }
            MappedRange first = null;
            MappedRange last = null;
            MappedRange readOnly = null;
            for (Map.Entry<Long, MappedRange> entry = inside;
                 entry != null && entry.getKey() < end; entry = mappingsByAddress.higherEntry(entry.getKey())) {
                MappedRange range = entry.getValue();
                if (!isLive(range)) {
                    continue;
                }
                if (range.end() > end) {
                    throw straddles(operation, start, end, range);
                }
                if (writable && readOnly == null && !range.mapping.region().isWritable()) {
                    readOnly = range;
                }
                if (first == null) {
                    first = range;
                }
                last = range;
                if (range.end() == end) {
                    break; // ranges in the table do not overlap: no later one starts before end
                }
            }
            if (first == null) {
                return NOTHING_MAPPED;
            }
            if (readOnly != null) {
                throw readOnly(operation, first, last, readOnly);
            }
            if (first == last) {
                unwatchedChanges++;
                return protectOne(first, writable);
            }
            int changed = 0;
            for (Map.Entry<Long, MappedRange> entry = mappingsByAddress.ceilingEntry(first.address);
                 entry != null && entry.getKey() <= last.address; entry = mappingsByAddress.higherEntry(entry.getKey())) {
                MappedRange range = entry.getValue();
                if (isLive(range)) {
                    changed += protectOne(range, writable);
                }
            }
            unwatchedChanges++;
            return changed;
        } finally {
            mapLock.unlock();
        }
    }

    /** ProtectChange's work for one live range, under mapLock: 1 if changed, 0 if its mapping was unmapped. */
    private static int protectOne(MappedRange range, boolean writable) {
        if (range.mapping.isUnmapped()) {
            return 0;
        }
        range.protection.setWritable(writable);
        return 1;
    }

    /**
     * Waits until every {@link #protectUnwatched} that read "nobody watches" has ended: called by
     * whoever just made somebody watch (a registration, the first interval), after publishing it.
     */
    void awaitUnwatchedChanges() {
        // A protect that read "nobody" before the caller published its watcher took mapLock before
        // that publication and holds it until its change is made. If the lock is free when read
        // here (a volatile read of its state, after the publication), that protect's unlock came
        // before this read, so its change happens-before the caller goes on; no lock to take.
        if (!mapLock.isLocked()) {
            return;
        }
        mapLock.lock(); // the protects that read "nobody" hold it; later ones see the new watcher
        mapLock.unlock();
    }

    /** Protect changes made with no walk (nobody watched), over the space's life. */
    long unwatchedChanges() {
        mapLock.lock();
        try {
            return unwatchedChanges;
        } finally {
            mapLock.unlock();
        }
    }

    /**
     * Unmaps the targets this walk claims; a mapping taken meanwhile by someone else is skipped. A
     * claimed mapping whose region's revoke got to it first (its listener waits for this walk's
     * ends, see {@link #mappingGoingAway}) is unmapped after the walk instead: unmapping it inside
     * would wait for that listener, which waits for this walk.
     *
     * <p>A non-blockable change (tryUnmap) waits for no other thread: it unmaps with
     * {@link Mapping#tryUnmap()}, which gives up at once on a mapping whose region's revoke won it
     * after this walk committed, and it leaves the mappings a revoke took over before the commit to
     * that revoke instead of waiting for the revoke's listeners after its ends. Either way the
     * revoke has already begun the mapping's unmap (it is {@code isUnmapped()}) and finishes it.
     */
    final class UnmapChange implements Change {
        private final List<MappedRange> targets;
        private final int[] count;
        private final boolean blockable;
        private final Thread walker = Thread.currentThread();
        private final CountDownLatch ended = new CountDownLatch(1);
        private List<MappedRange> leftToRegion = List.of();

        UnmapChange(List<MappedRange> targets, int[] count, boolean blockable) {
            this.targets = targets;
            this.count = count;
            this.blockable = blockable;
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
                    if (blockable) {
                        unmapAll(now, "unmap (a MappingListener of the mapping or its region threw)");
                    } else {
                        tryUnmapAll(now, "tryUnmap (a MappingListener of the mapping or its region threw)");
                    }
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
            if (blockable) {
                // Their region's revoke is unmapping them and now goes on; wait for it as unmap() promises.
                unmapAll(leftToRegion, "unmap (after a region revoke took the mapping)");
            }
            // Non-blockable: the revoke owns their unmap; waiting would wait for its listeners.
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

        @Override
        public String toString() {
            return "UnmapChange[" + targets + " in " + space + "]";
        }
    }

    /**
     * Changes the protection of the targets, every one of which {@link #protectChange} checked. A
     * mapping unmapped meanwhile (its region revoked, or a direct {@code Mapping.unmap()}) is left
     * alone and not counted: its own invalidation covers its range, and a protection nobody can
     * access through is no change.
     */
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
                if (!target.mapping.isUnmapped()) {
                    target.protection.setWritable(writable);
                    count[0]++;
                }
            }
        }

        @Override
        public String toString() {
            return "ProtectChange[" + targets + (writable ? " rw]" : " ro]");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Checks

    private void requireMappingOpen() {
        if (mappingClosed) {
            throw new IllegalStateException("address space " + space + " is closing; cannot map");
        }
    }

    static void requirePositiveLength(String space, String operation, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException(operation + " in address space " + space
                    + ": length must be positive, was " + length);
        }
    }

    /**
     * Checks that {@code [address, address + length)} is a non-empty range whose exclusive end is
     * at most 2^63 - 1, so that no sum over it can wrap.
     */
    static void requireRange(String space, String operation, long address, long length) {
        requirePositiveLength(space, operation, length);
        if (address < 0) {
            throw new IllegalArgumentException(operation + " in address space " + space + ": address 0x"
                    + Long.toHexString(address) + " (" + address + ") is negative");
        }
        if (address > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException(operation + " in address space " + space + ": range at address 0x"
                    + Long.toHexString(address) + " of length " + length
                    + " runs past the end of the address space (2^63 - 1)");
        }
    }

    @Override
    public String toString() {
        return "MappingTable[" + space + ", mappings=" + size() + (mappingClosed ? ", closed]" : "]");
    }
}
