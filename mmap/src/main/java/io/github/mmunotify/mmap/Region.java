package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Revocable;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.concurrent.AtomicBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A memory object that can be taken away while other threads still use it: anonymous off-heap
 * memory or a range of a file, of any length (beyond 2 GiB too), with typed, bounds-checked
 * access (inherited from {@link GuardedMemory}), {@link Mapping}s (windows of it, like VMAs),
 * {@link Pin}s for raw-speed batches, and guarded Chronicle {@link Bytes} and Agrona
 * {@link AtomicBuffer} views.
 *
 * <h2>Revoke</h2>
 * {@link #revoke()} (and {@link #close()}) is the kernel's {@code unmap_mapping_range} followed by
 * a fault handler that answers {@code SIGBUS}. In order:
 * <ol>
 *   <li>the revocation (why and when) is recorded; no new mapping can be made;</li>
 *   <li>every {@link MappingListener} of every mapping is told, while the memory is still
 *       accessible through the mappings;</li>
 *   <li>the guards of the region and of all its mappings are revoked at once: new accesses, pins
 *       and view calls fail with {@link SigBusException}; the ones in flight are waited for
 *       (a pin holder sees {@link Pin#revokeRequested()} and is unparked by the revoke's kick, so it can bail out
 *       early);</li>
 *   <li>dirty pages of a writable file mapping are written back ({@code msync});</li>
 *   <li>the memory is replaced by a trap mapping (see {@code TrapMappings}): a raw address that
 *       escaped the library now raises an {@link InternalError} rather than crashing the JVM or
 *       reading reused memory; after a quarantine period the range is released to the kernel.
 *       A region carved from a {@link MappedArena} goes back to the arena instead.</li>
 * </ol>
 * When {@code revoke()} returns, no access to the memory is running and none will start.
 * Concurrent and repeated calls return once the first has completed.
 *
 * <h2>Invariants</h2>
 * The memory stays mapped as long as any guard (the region's or a mapping's) admits accesses: the
 * memory is released only after all of them have been revoked and drained. Mappings are added
 * and the revocation recorded under one lock, so every mapping is either refused or torn down.
 *
 * <p>Thread-safety: every method may be called from any thread. A pin belongs to the thread that
 * took it.
 */
public final class Region extends GuardedMemory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Region.class.getName());

    private final String name;
    /** The kernel mapping this region lives in (its own, or its arena's). */
    final MappedMemory memory;
    /** The arena this region was carved from, or null for a region with a mapping of its own. */
    final MappedArena arena;
    private final boolean writable;

    private final Object lock = new Object();
    /** Live mappings; guarded by {@link #lock}. */
    private final List<Mapping> mappings = new ArrayList<>();
    /** Set once, under {@link #lock}, when the revoke begins. */
    private volatile Revocation revocation;
    /** The thread running the revoke, to refuse re-entrant revokes from listeners. */
    private volatile Thread revoker;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Open pins, so that the revoke's kick can wake their holders. */
    private final Set<Pin> pins;

    Region(String name, MappedMemory memory, long base, long length, MappedArena arena) {
        this(name, memory, base, length, arena, ConcurrentHashMap.newKeySet());
    }

    private Region(String name, MappedMemory memory, long base, long length, MappedArena arena, Set<Pin> pins) {
        super(base, length, Revocable.create("region " + name, () -> kick(pins)), memory.fileBacked);
        this.pins = pins;
        this.name = name;
        this.memory = memory;
        this.arena = arena;
        this.writable = memory.writable;
    }

    /**
     * Allocates {@code bytes} of zeroed anonymous off-heap memory (a private anonymous mapping:
     * no file behind it, so no one can truncate it; pages are committed when first touched).
     *
     * @throws IllegalArgumentException if {@code bytes <= 0}
     * @throws NativeMemoryException    if the kernel refuses the memory
     */
    public static Region allocate(String name, long bytes) {
        Objects.requireNonNull(name, "name");
        MappedMemory memory = MappedMemory.anonymous(name, bytes);
        return new Region(name, memory, memory.address, memory.length, null);
    }

    /**
     * Maps {@code length} bytes of {@code file} from {@code offset}, shared with every other
     * process mapping the same file. A writable region creates the file if needed and extends it to
     * {@code offset + length}; a read-only one requires the file to be that long already, and
     * every write through it throws {@link ReadOnlyMappingException}.
     *
     * @throws IllegalArgumentException on a negative offset, a non-positive length, or a read-only
     *                                  range beyond the end of the file
     * @throws java.io.UncheckedIOException if the file cannot be inspected
     * @throws NativeMemoryException    if {@code open}, {@code ftruncate} or {@code mmap} fail
     */
    public static Region mapFile(Path file, long offset, long length, boolean writable) {
        Objects.requireNonNull(file, "file");
        MappedMemory memory = MappedMemory.file(file, offset, length, writable);
        return new Region(file.getFileName() + "@" + offset, memory, memory.address, memory.length, null);
    }

    /** The name given at creation (for a file region: file name and offset). */
    public String name() {
        return name;
    }

    @Override
    public Region region() {
        return this;
    }

    /** Whether the region is writable (anonymous memory, or a file mapped writable). */
    @Override
    public boolean isWritable() {
        return writable;
    }

    /** Whether the region is backed by a file (and {@link #force()} writes to disk). */
    public boolean isFileBacked() {
        return memory.fileBacked;
    }

    /** Whether a revoke has begun: from then on every access throws {@link SigBusException}. */
    public boolean isRevoked() {
        return revocation != null;
    }

    /** Trap mappings installed, released and held by this JVM, for operators. */
    public static TrapStats trapStats() {
        return TrapMappings.stats();
    }

    /** The number of live mappings, for monitoring. */
    public int mappingCount() {
        synchronized (lock) {
            return mappings.size();
        }
    }

    @Override
    Revocation revocation() {
        return revocation;
    }

    @Override
    String describe() {
        return "region '" + name + "'";
    }

    // -------------------------------------------------------------------------------------------
    // Flush, pins, views, mappings

    /**
     * Writes the region's dirty pages back to its file and waits for the disk ({@code msync}).
     * A no-op for anonymous and read-only regions.
     *
     * @throws SigBusException once the region is revoked
     */
    public void force() {
        enter(0);
        try {
            memory.flush(base - memory.address, length);
        } finally {
            guard.exit();
        }
    }

    /**
     * Keeps the region mapped for a batch of accesses at raw speed (a bounds check and the load or
     * store, nothing else) until the pin is closed. A revoke waits for the pin; the holder sees
     * {@link Pin#revokeRequested()} turn true and should close it soon.
     *
     * @throws SigBusException once the region is revoked
     */
    public Pin pin() {
        enter(0);
        Pin pin = new Pin(this);
        pins.add(pin);
        return pin;
    }

    void unpinned(Pin pin) {
        pins.remove(pin);
    }

    /**
     * The revoke's kick: runs once the guard refuses new entries and before the revoke waits, and
     * unparks every pin holder, so that one parked inside its batch wakes, sees
     * {@link Pin#revokeRequested()} and closes its pin.
     */
    private static void kick(Set<Pin> pins) {
        for (Pin pin : pins) {
            pin.wakeHolder();
        }
    }

    /**
     * A Chronicle {@link Bytes} over the whole region, for streaming reads and writes, with positions
     * of its own. On a writable region it starts empty, ready to write from offset 0 (reads follow the
     * writes; {@code readLimit(length())} exposes what is already there); on a read-only region it
     * starts with the whole region readable. Every call is guarded by the region's revocation and throws
     * {@link SigBusException} once it is revoked. Not thread-safe (as any {@code Bytes}).
     *
     * <p>Every offset, position and limit is checked against the region before anything is read or
     * written ({@link IndexOutOfBoundsException} or {@link IllegalArgumentException} naming the
     * method, argument and bounds; Chronicle's buffer exceptions for streaming past a limit); a
     * variable-width streaming write that does not fit writes nothing. Methods that would hand out
     * the region's memory past the guard (streams, readers, writers, stores, {@code ByteBuffer}s,
     * addresses) or switch checks off are refused with {@link UnsupportedOperationException} naming
     * what to use instead, as is any method the view does not know. Atomic, volatile and ordered
     * accesses need aligned addresses.
     */
    public Bytes<Void> bytes() {
        enter(0);
        try {
            return GuardedViews.bytes(this);
        } finally {
            guard.exit();
        }
    }

    /**
     * An Agrona {@link AtomicBuffer} over {@code [offset, offset + length)} of the region (at most
     * 2 GiB, Agrona's index limit). Every call is guarded by the region's revocation and throws
     * {@link SigBusException} once it is revoked. Every index and length is checked against the
     * window before anything is read or written, whether or not Agrona's own checks are on
     * ({@code agrona.disable.bounds.checks}); atomic, volatile and ordered accesses need aligned
     * addresses. {@code wrap}, {@code addressOffset()}, {@code byteBuffer()} and copies to or from
     * other buffers are refused with {@link UnsupportedOperationException} naming what to use
     * instead, since they would escape the guard.
     *
     * @throws IndexOutOfBoundsException if the window is not inside the region
     */
    public AtomicBuffer atomicBuffer(long offset, int length) {
        address(offset, length);
        enter(offset);
        try {
            return GuardedViews.atomicBuffer(this, offset, length);
        } finally {
            guard.exit();
        }
    }

    /**
     * Maps {@code [offset, offset + length)} of the region: a window with accesses at
     * mapping-relative offsets, which can be unmapped on its own. Its {@link Mapping#address()} is
     * {@code offset}.
     */
    public Mapping map(long offset, long length) {
        return mapAt(offset, offset, length);
    }

    /**
     * Maps {@code [offset, offset + length)} of the region, placed at virtual address
     * {@code address} of whoever manages addresses (a notifier's address space). The address is
     * recorded, not interpreted.
     *
     * @throws IndexOutOfBoundsException if the window is not inside the region, or is empty
     * @throws IllegalArgumentException  if {@code address} is negative or the window would wrap
     * @throws SigBusException           once the region is revoked
     */
    public Mapping mapAt(long address, long offset, long length) {
        if (length <= 0) {
            throw new IndexOutOfBoundsException(describe() + ": mapping length must be > 0, was " + length);
        }
        address(offset, length);
        if (address < 0 || address > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException(describe() + ": mapping address 0x" + Long.toHexString(address)
                    + " with length " + length + " is outside the address space");
        }
        synchronized (lock) {
            Revocation gone = revocation;
            if (gone != null) {
                throw SigBusException.revoked(name, describe(), offset, gone);
            }
            Mapping mapping = new Mapping(this, address, offset, length);
            mappings.add(mapping);
            return mapping;
        }
    }

    /** Called by a mapping once it is unmapped on its own. */
    void forget(Mapping mapping) {
        synchronized (lock) {
            mappings.remove(mapping);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Revoke

    /**
     * Revokes the region (see the class comment for the steps). When this returns no access is
     * running, none will start, writes to a file are flushed and the memory is gone.
     *
     * @throws IllegalStateException if called by a thread holding a pin of this region, or from a
     *                               {@link MappingListener} of this region's revoke (either would
     *                               wait for itself); nothing is changed then
     */
    public void revoke() {
        revoke("revoked by Region.revoke()", UnmapCause.REGION_REVOKED);
    }

    /** Same as {@link #revoke()}, recording that the region was closed. */
    @Override
    public void close() {
        revoke("closed by Region.close()", UnmapCause.REGION_REVOKED);
    }

    void revoke(String reason, UnmapCause cause) {
        List<Mapping> victims = beginRevoke(reason);
        if (victims == null) {
            awaitReleased();
            return;
        }
        try {
            for (Mapping mapping : victims) {
                mapping.notifyListeners(cause);
            }
            // Refuse new accesses everywhere, then wait once: mappings with accesses in flight drain
            // in the background while this thread drains the region's own guard.
            List<CompletableFuture<Void>> drains = new ArrayList<>(victims.size());
            for (Mapping mapping : victims) {
                drains.add(mapping.beginUnmap(revocation, cause));
            }
            guard.revoke();
            CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new)).join();
            for (Mapping mapping : victims) {
                mapping.markUnmapped();
            }
            if (arena == null) {
                memory.releaseIntoTrap();
            } else {
                arena.release(this);
            }
            released.complete(null);
        } catch (RuntimeException | Error e) {
            released.completeExceptionally(e);
            throw e;
        } finally {
            revoker = null;
        }
    }

    /** Waits for the revoke under way; its failure, if any, is rethrown as it was thrown. */
    private void awaitReleased() {
        try {
            released.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error failure) {
                throw failure;
            }
            throw e;
        }
    }

    /**
     * Records the revocation and returns the mappings to tear down, or null if a revoke was already
     * under way (the caller then waits for it).
     */
    private List<Mapping> beginRevoke(String reason) {
        Thread me = Thread.currentThread();
        if (guard.isInsideOnCurrentThread()) {
            throw new IllegalStateException("revoke of " + describe()
                    + " from a thread holding a pin of it would wait for itself; close the pin first");
        }
        synchronized (lock) {
            if (revocation != null) {
                if (revoker == me) {
                    throw new IllegalStateException("revoke of " + describe()
                            + " from a MappingListener of its own revoke would wait for itself");
                }
                return null;
            }
            revocation = Revocation.now(reason);
            revoker = me;
            List<Mapping> victims = new ArrayList<>(mappings);
            mappings.clear();
            return victims;
        }
    }

    /** Starts the revoke on behalf of an arena: records it, tells listeners, begins every drain. */
    List<CompletableFuture<Void>> beginArenaRevoke(String reason) {
        List<Mapping> victims = beginRevoke(reason);
        if (victims == null) {
            return List.of(released);
        }
        List<CompletableFuture<Void>> drains = new ArrayList<>(victims.size() + 1);
        try {
            for (Mapping mapping : victims) {
                mapping.notifyListeners(UnmapCause.ARENA_CLOSED);
            }
            drains.add(drain(guard));
            for (Mapping mapping : victims) {
                drains.add(mapping.beginUnmap(revocation, UnmapCause.ARENA_CLOSED));
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new));
            all.whenComplete((ignored, failure) -> {
                victims.forEach(Mapping::markUnmapped);
                if (failure == null) {
                    released.complete(null);
                } else {
                    released.completeExceptionally(failure);
                }
            });
            return List.of(released);
        } finally {
            revoker = null;
        }
    }

    /**
     * Revokes {@code guard} and returns the drain of its accesses in flight: at once on this thread
     * when none is in flight (the common case: no thread to start), in the background otherwise, so
     * that many guards revoked together are waited for in parallel, in one wait.
     */
    static CompletableFuture<Void> drain(Revocable guard) {
        if (guard.usersInFlight() == 0) {
            guard.revoke();
            return CompletableFuture.completedFuture(null);
        }
        return guard.revokeAsync();
    }

    static void report(String what, Throwable failure) {
        LOG.log(System.Logger.Level.ERROR, what, failure);
    }

    @Override
    public String toString() {
        Revocation gone = revocation;
        return "Region[" + name + ", " + (arena == null ? "" : "in arena " + arena.name() + ", ") + memory
                + ", length=" + length + ", " + (gone == null ? "live" : gone.toString()) + ", mappings="
                + mappingCount() + "]";
    }
}
