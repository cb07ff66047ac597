package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Teardown;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One large anonymous or file-backed mapping carved into {@link Region}s, for users who create and
 * tear down many regions together. {@link #allocate} hands out page-aligned, zeroed regions;
 * {@link #free} (or the region's own {@code revoke()}/{@code close()}) takes one back;
 * {@link #close()} revokes every region still live with a single wait for readers, then flushes
 * and unmaps the whole mapping at once.
 *
 * <h2>Algorithm</h2>
 * Free space is a set of page-aligned extents ordered by offset, coalesced on return, allocated
 * first-fit. A region that is revoked is not handed out again at once: its pages are replaced by a
 * trap mapping (see {@code TrapMappings}) for the quarantine period, so that a raw address that
 * escaped the old region faults instead of reading the new one; only then are fresh pages mapped
 * back over them (zero pages, or the arena's file, which is zeroed on allocation) and the extent
 * returned to the free set. {@code close()} first records
 * that the arena is closed (no allocation succeeds after it), then, for every live region, tells
 * its mapping listeners ({@link UnmapCause#ARENA_CLOSED}) and begins revoking its guards without
 * waiting; then waits once for all of them to drain; then replaces the whole mapping with one trap.
 *
 * <p>Invariants: an extent is in exactly one of: free, a live region, quarantine. Everything that
 * changes the extents, the live set or the mapping takes {@link #lock}; waiting for readers never
 * happens under it, and neither does any call into another object: a trap evicted early by
 * {@code TrapMappings} (possibly another arena's, whose restore takes that arena's lock) is
 * released after the lock is let go.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class MappedArena implements AutoCloseable {
    private final String name;
    private final MappedMemory memory;
    private final Object lock = new Object();
    /** Free extents: offset to length, page-aligned, coalesced. Guarded by lock. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** Regions handed out and not yet revoked. Guarded by lock. */
    private final Set<Region> live = new LinkedHashSet<>();
    private long allocatedBytes;
    private long quarantinedBytes;
    private long regionsAllocated;
    private boolean closed;
    /** Begun, under {@link #lock}, by the close that sets {@link #closed}; concurrent closes wait for it. */
    private final Teardown closing;

    private MappedArena(String name, MappedMemory memory) {
        this.name = name;
        this.memory = memory;
        this.closing = new Teardown("arena '" + name + "'");
        free.put(0L, memory.mapLength);
    }

    /**
     * An arena of {@code capacity} bytes (rounded up to whole pages) of anonymous memory.
     *
     * @param name     the arena's name, used in messages and by {@link #name()}; not null
     * @param capacity the arena's size in bytes; positive, rounded up to whole pages
     * @return a new open arena, all of it free
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code capacity <= 0}, or too large to round up to whole pages
     * @throws NativeMemoryException    if the kernel refuses the memory (naming the call and errno)
     * @throws IllegalCallerException   if the JVM does not allow this module native access (see
     *                                  {@link Region#allocate})
     */
    public static MappedArena anonymous(String name, long capacity) {
        Objects.requireNonNull(name, "name");
        return new MappedArena(name, MappedMemory.anonymous(name, "capacity", capacity));
    }

    /**
     * An arena over the first {@code capacity} bytes of {@code file}, created or extended as
     * needed, mapped writable and shared; closing it flushes every region to the file.
     *
     * @param file     the file to map from offset 0; created if missing, extended to
     *                 {@code capacity} bytes if shorter; not null
     * @param capacity the arena's size in bytes; positive, rounded up to whole pages
     * @return a new open arena named after the file's name, all of it free
     * @throws NullPointerException     if {@code file} is null
     * @throws IllegalArgumentException if {@code capacity <= 0}, or too large to round up to whole
     *                                  pages, or {@code file} is not a regular file (a FIFO, a
     *                                  directory, a device, a socket: refused without blocking,
     *                                  naming the path and its type)
     * @throws java.io.UncheckedIOException if the file cannot be opened or inspected; the cause is the
     *                                  {@code java.nio.file} exception for the error (see {@link Region#mapFile})
     * @throws NativeMemoryException    if {@code ftruncate} or {@code mmap} fail (naming the call and errno)
     * @throws IllegalCallerException   if the JVM does not allow this module native access (see
     *                                  {@link Region#allocate})
     */
    public static MappedArena mapFile(Path file, long capacity) {
        Objects.requireNonNull(file, "file");
        MappedArena arena = new MappedArena(String.valueOf(file.getFileName()),
                MappedMemory.file(file, 0, capacity, true));
        return arena;
    }

    /**
     * The arena's name.
     *
     * @return the name given to {@link #anonymous}, or for {@link #mapFile} the file's name
     */
    public String name() {
        return name;
    }

    /**
     * The capacity in bytes (whole pages).
     *
     * @return the size of the arena's mapping: the requested capacity rounded up to whole pages
     */
    public long capacity() {
        return memory.mapLength;
    }

    /**
     * Carves a zeroed region of {@code bytes} (its extent rounded up to whole pages).
     *
     * @param regionName the region's name, used in messages and by {@link Region#name()}; not null
     * @param bytes      the region's length in bytes; positive, at most {@link #capacity()}
     * @return a new live, writable region of exactly {@code bytes} bytes, all zero, carved from
     *         the first free extent (by offset) that holds it
     * @throws NullPointerException     if {@code regionName} is null
     * @throws IllegalArgumentException if {@code bytes <= 0} or {@code bytes > capacity()} (it could
     *                                  never fit)
     * @throws IllegalStateException    if the arena is closed, or no free extent is large enough
     *                                  (freed extents come back after their quarantine); nothing
     *                                  changes then. Also, for a file-backed arena, if a concurrent
     *                                  {@link #close()} revoked the region before it was zeroed and
     *                                  handed out
     * @throws SigBusException          if zeroing a file-backed region faulted (the file was
     *                                  truncated by another process); the region is revoked then
     */
    public Region allocate(String regionName, long bytes) {
        Objects.requireNonNull(regionName, "regionName");
        if (bytes <= 0 || bytes > capacity()) {
            throw new IllegalArgumentException("arena '" + name + "': size of region '" + regionName
                    + "' must be > 0 and at most the capacity " + capacity() + ", was " + bytes);
        }
        long extent = Libc.alignUp(bytes); // bytes <= capacity, a whole number of pages: cannot wrap
        long offset;
        boolean mustZero;
        Region region;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("arena '" + name + "' is closed; cannot allocate '" + regionName + "'");
            }
            offset = takeFirstFit(extent);
            if (offset < 0) {
                throw new IllegalStateException("arena '" + name + "' is full: no free extent of " + extent + " bytes for '"
                        + regionName + "' (" + stats() + ")");
            }
            // Anonymous extents are fresh zero pages (first use, or remapped after quarantine);
            // a file's extents hold whatever the file or an earlier region left there.
            mustZero = memory.fileBacked;
            allocatedBytes += extent;
            regionsAllocated++;
            region = new Region(regionName, memory, memory.mapAddress + offset, bytes, this);
            live.add(region);
        }
        if (mustZero) {
            zero(region, extent);
        }
        return region;
    }

    /**
     * Zeroes a new file-backed region's extent inside its guard: the region is already in the live
     * set, so a concurrent close revokes it, and the guard makes that close wait for the zeroing
     * instead of trapping the memory under it. The region has not been handed out yet, so nobody
     * else can see the old contents meanwhile.
     */
    private void zero(Region region, long extent) {
        /* Z: pairs with the guard revoke in Region.beginArenaRevoke(), which close() runs on every
         * live region: either close waits for this zeroing, or this entry fails and nothing is written. */
        if (!region.guard.tryEnter()) {
            throw new IllegalStateException("arena '" + name + "' was closed while allocating '" + region.name()
                    + "'; the region was revoked before it was handed out");
        }
        InternalError fault = null;
        try {
            Memory.fill(region.base, extent, (byte) 0);
            region.surfaceFaults();
        } catch (InternalError truncated) {
            fault = truncated; // the arena's file was truncated by another process under the write
        } finally {
            region.guard.exit();
        }
        if (fault != null) {
            region.revoke("zeroing faulted in MappedArena.allocate()", UnmapCause.REGION_REVOKED);
            throw region.faulted(0, fault);
        }
    }

    /**
     * Revokes {@code region} and returns its extent to the arena (after the quarantine). Same as
     * {@code region.close()}; freeing a revoked region returns once its revoke has completed.
     *
     * @param region a region {@link #allocate} of this arena returned; not null
     * @throws NullPointerException     if {@code region} is null
     * @throws IllegalArgumentException if the region was not carved from this arena
     * @throws IllegalStateException    as {@link Region#revoke()}: if the calling thread holds a pin
     *                                  of the region or runs a listener of one of its mappings
     */
    public void free(Region region) {
        if (region.arena != this) {
            throw new IllegalArgumentException(region + " does not belong to arena '" + name + "'");
        }
        region.revoke("freed by MappedArena.free()", UnmapCause.REGION_REVOKED);
    }

    /**
     * Whether the arena is closed (or closing).
     *
     * @return {@code true} once a {@link #close()} has got past its checks; from then on
     *         {@link #allocate} throws. Never turns back to {@code false}
     */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /**
     * Revokes every live region (their mapping listeners are told {@link UnmapCause#ARENA_CLOSED}),
     * waits once for every access in flight to drain, flushes a file-backed arena and unmaps it.
     * When this returns every access through any region of the arena throws
     * {@link SigBusException}. Idempotent; concurrent calls return once the first has completed.
     *
     * @throws IllegalStateException if the calling thread holds a pin of one of the regions, or is
     *                               running a {@link MappingListener} of a mapping of one of them
     *                               (its unmap or its region's revoke is under way on this thread);
     *                               either would wait for itself. Nothing is changed then: the arena
     *                               stays open and no region is revoked. Also thrown by a call from
     *                               inside this close (a listener it runs), which would wait for itself
     * @throws java.util.concurrent.CompletionException wrapping what the first close threw, when a
     *                               concurrent or later close waited for that failed close
     */
    @Override
    public void close() {
        List<Region> victims;
        synchronized (lock) {
            if (closed) {
                victims = null;
            } else {
                // Every refusal is decided here, before anything changes: a region's own check in
                // beginArenaRevoke() would come after the arena is marked closed and the regions
                // before it revoked, leaving the arena closed but never torn down.
                for (Region region : live) {
                    if (region.guard.isInsideOnCurrentThread()) {
                        throw new IllegalStateException("close of arena '" + name + "' from a thread holding a pin of "
                                + region + " would wait for itself; close the pin first");
                    }
                    Mapping notifying = region.mappingNotifyingOnCurrentThread();
                    if (notifying != null) {
                        throw new IllegalStateException("close of arena '" + name + "' from a MappingListener of "
                                + notifying + " would wait for that listener to return; nothing was changed");
                    }
                }
                closed = true;
                closing.tryBegin(); // the first begin: always wins (closed was false, under the lock)
                victims = new ArrayList<>(live);
            }
        }
        if (victims == null) {
            closing.await(); // from inside this close (a listener it runs): throws instead of waiting for itself
            Throwable failed = closing.failure();
            if (failed != null) {
                throw new CompletionException(failed);
            }
            return;
        }
        try {
            List<CompletableFuture<Void>> drains = new ArrayList<>(victims.size());
            String reason = "arena '" + name + "' closed by MappedArena.close()";
            for (Region region : victims) {
                drains.addAll(region.beginArenaRevoke(reason));
            }
            CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new)).join();
            TrapMappings.Evicted evicted;
            synchronized (lock) {
                live.clear();
                evicted = memory.releaseIntoTrap();
            }
            closing.complete();
            evicted.release();
        } catch (Throwable e) {
            closing.completeExceptionally(e); // whatever it is, a concurrent close must not wait forever
            throw e;
        }
    }

    /** Called by a region of this arena revoked on its own, once its accesses have drained. */
    void release(Region region) {
        long extent = Libc.alignUp(region.length);
        TrapMappings.Evicted evicted;
        synchronized (lock) {
            live.remove(region);
            if (closed) {
                return;
            }
            allocatedBytes -= extent;
            memory.flush(region.base - memory.address, region.length);
            // The trap goes in under the lock, so that close() cannot trap and unmap the whole
            // mapping in between (this trap would then land on whatever reused the range).
            evicted = TrapMappings.install(region.base, extent, this::restore);
            quarantinedBytes += extent;
        }
        // Outside the lock: the evicted trap may be another arena's, whose restore takes its lock.
        evicted.release();
    }

    /** Ends the quarantine of an extent: maps the arena's file back and returns it to the free set. */
    private void restore(long address, long extent) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            memory.remap(address, extent);
            quarantinedBytes -= extent;
            giveBack(address - memory.mapAddress, extent);
        }
    }

    private long takeFirstFit(long extent) {
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            if (e.getValue() >= extent) {
                long offset = e.getKey();
                free.remove(offset);
                if (e.getValue() > extent) {
                    free.put(offset + extent, e.getValue() - extent);
                }
                return offset;
            }
        }
        return -1;
    }

    private void giveBack(long offset, long extent) {
        long start = offset;
        long length = extent;
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            start = before.getKey();
            length += before.getValue();
            free.remove(before.getKey());
        }
        Long afterLength = free.remove(offset + extent);
        if (afterLength != null) {
            length += afterLength;
        }
        free.put(start, length);
    }

    /**
     * A snapshot of the arena's bookkeeping, for operators; the fields are consistent with each
     * other (taken under the arena's lock).
     *
     * @return the bookkeeping now; legal at any time, also after {@link #close()}
     */
    public Stats stats() {
        synchronized (lock) {
            long freeBytes = free.values().stream().mapToLong(Long::longValue).sum();
            return new Stats(capacity(), live.size(), allocatedBytes, freeBytes, quarantinedBytes, free.size(),
                    regionsAllocated, closed);
        }
    }

    /**
     * Arena bookkeeping.
     *
     * @param capacity          bytes in the mapping
     * @param liveRegions       regions handed out and not revoked
     * @param allocatedBytes    bytes (whole pages) held by live regions
     * @param freeBytes         bytes ready to be allocated
     * @param quarantinedBytes  bytes of revoked regions still trapped, not yet reusable
     * @param freeExtents       number of free extents (fragmentation)
     * @param regionsAllocated  regions allocated since creation
     * @param closed            whether the arena is closed
     */
    public record Stats(long capacity, int liveRegions, long allocatedBytes, long freeBytes, long quarantinedBytes,
                        int freeExtents, long regionsAllocated, boolean closed) {
    }

    @Override
    public String toString() {
        return "MappedArena[" + name + ", " + memory + ", " + stats() + "]";
    }
}
