package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.Teardown;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;

/**
 * A memory object that can be taken away while other threads still use it: anonymous off-heap
 * memory or a range of a file, of any length (beyond 2 GiB too), with typed, bounds-checked
 * access (inherited from {@link GuardedMemory}), {@link Mapping}s (windows of it, like VMAs),
 * {@link Pin}s for raw-speed batches. (Guarded Agrona and Chronicle views of a region live in their
 * own modules: {@code GuardedAtomicBuffer} in {@code mmunotify-agrona}, {@code GuardedBytes} in
 * {@code mmunotify-chronicle}.)
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
 *       early), except the reads of a region with count-free reads (below), which are not counted;</li>
 *   <li>dirty pages of a writable file mapping are written back ({@code msync});</li>
 *   <li>the memory is replaced by a trap mapping (see {@code TrapMappings}): a raw address that
 *       escaped the library now raises an {@link InternalError} rather than crashing the JVM or
 *       reading reused memory; after a quarantine period the range is released to the kernel.
 *       A region carved from a {@link MappedArena} goes back to the arena instead. A region with
 *       count-free reads gets a blank first, and the trap once it is garbage-collected (below).</li>
 * </ol>
 * When {@code revoke()} returns, no access can observe or change the memory any more, and none
 * will start. Concurrent and repeated calls return once the first has completed.
 *
 * <h2>Count-free reads</h2>
 * A standalone anonymous region ({@link #allocate}, not carved from an arena), admitted by a
 * JVM-wide budget when it is made ({@code mmunotify.mmap.maxCountFreeRegions}, default 8192,
 * counted from creation until the region is garbage-collected), has <em>count-free reads</em>
 * ({@link #hasCountFreeReads()}): its plain, volatile and acquire reads ({@code getLong},
 * {@code getIntVolatile}, {@code getLongAcquire}, ...) do not enter and exit the guard, so they cost
 * about what an unguarded read does. {@code revoke()} does not wait for such reads in flight;
 * instead a racing read either completed on the memory before the trap replaced it (it is ordered
 * before the revoke) or throws {@link SigBusException}, its value discarded; when {@code revoke()}
 * returns, every read throws. Writes, atomics, bulk copies, pins, mappings and views are counted
 * and waited for as on every region. Because a count-free read may still load from the range
 * after the revoke, its memory is replaced by a blank (zero pages, which a racing read discards)
 * rather than the trap; the trap replaces the blank only once the region is unreachable (a
 * {@link java.lang.ref.Cleaner}; every count-free read keeps its region reachable across the load),
 * for the rest of the quarantine; the range is never released early. Until then a raw address
 * that escaped the library reads zeros there instead of faulting. File-backed
 * regions (a truncation by another process raises no flag to check), regions of an arena (their
 * range is carved again) and regions past the budget count every access. {@link #revoke(Duration)}
 * bounds the wait and names what holds it up (a pin that is never closed, a holder that died).
 *
 * <h2>Implementation notes</h2>
 * A count-free read relies on three facts. The guard's revoked state (volatile, the state
 * {@code tryEnter} reads) is written before the blank replaces the memory, and the read loads it
 * after its own load (fence F in {@code GuardedMemory}); so a read that met the blank sees the
 * guard revoked and throws. A count-free read is refused from the moment a counted access is,
 * after the mapping listeners have run (they may read through the region). A load
 * that read the region's own page read its value: the pages are replaced atomically and the kernel
 * frees them only after the TLB shootdown. And the range neither faults nor is a hole while the
 * region is reachable ({@link CountFreeTrapRelease} says why a fault would be fatal too).
 *
 * <p>The revocation is recorded once, under {@link #lock}, with the mappings to tear down. Every
 * revoke call, first or not, then runs the same idempotent steps: tell the listeners (each
 * mapping's CAS picks who calls them; a loser waits until the winner has called them, since a
 * listener reads through its mapping), then, under the finish lock, drain every mapping's guard
 * and the region's, release the memory and complete {@code released}. A timed revoke that gives
 * up leaves the steps to the next caller; the memory is released exactly once, by whoever holds
 * the finish lock when the drains complete. No foreign code runs under {@link #lock}; listeners
 * run under no lock at all.
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
    /** The mappings the revoke tears down; set once, with {@link #revocation}, under {@link #lock}. */
    private List<Mapping> victims;
    /**
     * Owned while a revoke drains the guards and releases the memory, so that happens once; a timed
     * revoke that gives up abandons it, and the next revoke resumes.
     */
    private final Teardown finishing;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Open pins, so that the revoke's kick can wake their holders. */
    private final Set<Pin> pins;
    /** Where the guards of this region and its mappings get their revokeAsync() threads; null: the default. */
    final ThreadFactory revokeThreads;
    /** Holds the trap of a count-free region until the region is collected; null if every access counts. */
    private final CountFreeTrapRelease countFreeRelease;

    Region(String name, MappedMemory memory, long base, long length, MappedArena arena) {
        this(name, memory, base, length, arena, null);
    }

    /** {@code countFreeRelease}: the budget slot of a count-free region, or null for one whose accesses all count. */
    private Region(String name, MappedMemory memory, long base, long length, MappedArena arena,
                   CountFreeTrapRelease countFreeRelease) {
        this(name, memory, base, length, arena, countFreeRelease, ConcurrentHashMap.newKeySet());
    }

    private Region(String name, MappedMemory memory, long base, long length, MappedArena arena,
                   CountFreeTrapRelease countFreeRelease, Set<Pin> pins) {
        this(name, memory, base, length, arena, countFreeRelease, pins, MmapThreads.forRegion(name));
    }

    private Region(String name, MappedMemory memory, long base, long length, MappedArena arena,
                   CountFreeTrapRelease countFreeRelease, Set<Pin> pins, ThreadFactory revokeThreads) {
        super(base, length, newGuard("region " + name, () -> kick(pins), revokeThreads), memory.fileBacked,
                countFreeRelease != null);
        if (countFreeRelease != null && (arena != null || memory.fileBacked)) {
            throw new AssertionError("count-free reads are only sound on a standalone anonymous region: " + name);
        }
        this.countFreeRelease = countFreeRelease;
        this.revokeThreads = revokeThreads;
        this.pins = pins;
        this.name = name;
        this.memory = memory;
        this.arena = arena;
        this.writable = memory.writable;
        this.finishing = new Teardown("region '" + name + "'");
    }

    /**
     * Allocates {@code bytes} of zeroed anonymous off-heap memory (a private anonymous mapping:
     * no file behind it, so no one can truncate it; pages are committed when first touched).
     *
     * @param name  the region's name, used in every message and by {@link #name()}; not null
     * @param bytes the length in bytes; positive, any size (beyond 2 GiB too) that rounds up to whole
     *              pages without overflowing
     * @return a new live region of {@code bytes} bytes, writable, with no mappings
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code bytes <= 0}, or too large to round up to whole pages
     *                                  (the message names {@code bytes} and its value)
     * @throws NativeMemoryException    if the kernel refuses the memory (the message names the call
     *                                  and the errno, e.g. {@code errno 12 (ENOMEM: Cannot allocate memory)})
     * @throws IllegalCallerException   if the JVM does not allow this module native access; the
     *                                  message names the flag to add ({@code --enable-native-access=ALL-UNNAMED}
     *                                  on the class path, {@code --enable-native-access=io.github.mmunotify.mmap}
     *                                  on the module path)
     */
    public static Region allocate(String name, long bytes) {
        Objects.requireNonNull(name, "name");
        MappedMemory memory = MappedMemory.anonymous(name, "bytes", bytes);
        CountFreeTrapRelease slot = CountFreeTrapRelease.admit(name);
        Region region;
        try {
            region = new Region(name, memory, memory.address, memory.length, null, slot);
        } catch (Throwable e) {
            if (slot != null) {
                slot.abandon();
            }
            throw e;
        }
        if (slot != null) {
            slot.watch(region);
        }
        return region;
    }

    /**
     * Maps {@code length} bytes of {@code file} from {@code offset}, shared with every other
     * process mapping the same file. A writable region creates the file if needed and extends it to
     * {@code offset + length}; a read-only one requires the file to be that long already, and
     * every write through it throws {@link ReadOnlyMappingException}.
     *
     * <p>A file that cannot be opened or inspected raises an {@link java.io.UncheckedIOException}
     * whose cause is the {@code java.nio.file} exception {@code Files} would throw:
     * {@link java.nio.file.NoSuchFileException} (a missing file, read-only),
     * {@link java.nio.file.AccessDeniedException} (no permission), {@link java.nio.file.FileSystemException}
     * otherwise (a path through a non-directory, a symbolic link loop, ...), its reason naming the
     * call and the errno, e.g. {@code open(O_RDONLY|O_NONBLOCK) failed: errno 2 (ENOENT: No such file or
     * directory)}. Unchecked, like every other failure of this method, so that mapping a file reads
     * like allocating memory; catch {@code UncheckedIOException} and look at its cause.
     *
     * @param file     the file to map; created (and extended) if {@code writable}, otherwise it must
     *                 exist and be at least {@code offset + length} bytes long; not null
     * @param offset   the offset in the file of the region's first byte; not negative
     * @param length   the length of the region in bytes; positive
     * @param writable whether the region may be written (the file is opened read-write)
     * @return a new live region named {@code <file name>@<offset>}, with no mappings
     * @throws NullPointerException     if {@code file} is null
     * @throws IllegalArgumentException on a negative offset, a non-positive length, a range whose
     *                                  page-rounded size overflows, a read-only range beyond the end of
     *                                  the file, or a file that is not a regular file (a FIFO, a
     *                                  directory, a device, a socket: refused without blocking, naming
     *                                  the path and its type)
     * @throws java.io.UncheckedIOException if the file cannot be opened or inspected; the cause is the
     *                                  {@link java.nio.file.FileSystemException} (or subclass) for the error
     * @throws NativeMemoryException    if {@code ftruncate} or {@code mmap} fail (naming the call and errno)
     * @throws IllegalCallerException   if the JVM does not allow this module native access (see
     *                                  {@link #allocate})
     */
    public static Region mapFile(Path file, long offset, long length, boolean writable) {
        Objects.requireNonNull(file, "file");
        MappedMemory memory = MappedMemory.file(file, offset, length, writable);
        return new Region(file.getFileName() + "@" + offset, memory, memory.address, memory.length, null);
    }

    /**
     * The name given at creation.
     *
     * @return the name given to {@link #allocate}, or for a file region its file name and offset
     *         ({@code data.bin@4096})
     */
    public String name() {
        return name;
    }

    @Override
    public Region region() {
        return this;
    }

    /**
     * Whether the region is writable (anonymous memory, or a file mapped writable). Fixed at
     * creation.
     *
     * @return {@code true} for anonymous memory and a file mapped writable, {@code false} for a
     *         file mapped read-only
     */
    @Override
    public boolean isWritable() {
        return writable;
    }

    /**
     * Whether the region is backed by a file (and {@link #force()} writes to disk). Fixed at
     * creation.
     *
     * @return {@code true} for a region made by {@link #mapFile}, {@code false} for anonymous memory
     */
    public boolean isFileBacked() {
        return memory.fileBacked;
    }

    /**
     * Whether the region's plain, volatile and acquire reads are count-free: they do not enter
     * the guard, so they cost a bounds check, the load and a flag check, and {@link #revoke()}
     * does not wait for them (see "Count-free reads" in the class comment for what it promises
     * instead). True for a region made by {@link #allocate} while the JVM-wide budget
     * ({@code mmunotify.mmap.maxCountFreeRegions}, default 8192, of regions not yet
     * garbage-collected) had room; false for file-backed regions, regions of a
     * {@link MappedArena} and regions made past the budget, whose every access counts. Fixed at
     * creation. Writes, atomics, bulk copies, pins and mappings count on every region.
     *
     * @return whether reads of this region are count-free
     */
    public boolean hasCountFreeReads() {
        return countFree;
    }

    /** The gate of this count-free region's trap, or null if every access counts; for tests. */
    CountFreeTrapRelease countFreeRelease() {
        return countFreeRelease;
    }

    /**
     * Whether a revoke has begun: from then on every access throws {@link SigBusException}. The
     * revoke may still be waiting for accesses in flight when this turns true.
     *
     * @return {@code true} once {@link #revoke()}, {@link #revoke(Duration)}, {@link #close()} or
     *         the close of its arena has begun; never turns back to {@code false}
     */
    public boolean isRevoked() {
        return revocation != null;
    }

    /**
     * Trap mappings installed, released and held by this JVM, for operators.
     *
     * @return a snapshot of the JVM-wide trap counters (all regions together)
     * @throws IllegalCallerException if the JVM does not allow this module native access (see {@link #allocate})
     */
    public static TrapStats trapStats() {
        NativeAccess.require();
        return TrapMappings.stats();
    }

    /**
     * The number of live mappings, for monitoring.
     *
     * @return the mappings made and not yet unmapped; 0 once a revoke has begun (its mappings are
     *         then being torn down)
     */
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
     * @return an open pin of this region, belonging to the calling thread; close it (try-with-
     *         resources) on the same thread
     * @throws SigBusException once the region is revoked
     */
    public Pin pin() {
        // Everything that allocates or may fail comes before the entry, so that no Throwable (a
        // StackOverflowError, an OutOfMemoryError) can come between the entry and the caller's
        // pin: after tryEnter() succeeds, only the return remains. A pin in the set but not yet
        // entered is harmless (the kick unparks its holder for nothing).
        Pin pin = new Pin(this);
        pins.add(pin);
        /* K: the add precedes the entry's full fence; pairs with K in kick(): a revoke whose state
         * change this entry did not see iterates the set after it, so it finds and wakes this pin. */
        if (!guard.tryEnter()) {
            pins.remove(pin);
            throw revoked(0);
        }
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
        /* K: runs after the guard's state change; pairs with K in pin(). */
        for (Pin pin : pins) {
            pin.wakeHolder();
        }
    }

    /**
     * Maps {@code [offset, offset + length)} of the region: a window with accesses at
     * mapping-relative offsets, which can be unmapped on its own. Its {@link Mapping#address()} is
     * {@code offset}. Same as {@code mapAt(offset, offset, length)}.
     *
     * @param offset the offset in the region of the window's first byte; not negative
     * @param length the window's length in bytes; positive, and {@code offset + length} at most
     *               {@link #length()}
     * @return a new live mapping, which the region's revoke will tear down
     * @throws IndexOutOfBoundsException if the window is not inside the region, or is empty
     * @throws SigBusException           once the region is revoked
     */
    public Mapping map(long offset, long length) {
        return mapAt(offset, offset, length);
    }

    /**
     * Maps {@code [offset, offset + length)} of the region, placed at virtual address
     * {@code address} of whoever manages addresses (a notifier's address space). The address is
     * recorded, not interpreted.
     *
     * @param address the virtual address to record as the mapping's {@link Mapping#address()}; not
     *                negative, and {@code address + length} at most {@link Long#MAX_VALUE}
     * @param offset  the offset in the region of the window's first byte; not negative
     * @param length  the window's length in bytes; positive, and {@code offset + length} at most
     *                {@link #length()}
     * @return a new live mapping, which the region's revoke will tear down
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
        /* M: pairs with M in beginRevoke(): a mapping is added before the revocation is recorded
         * (and torn down by it) or refused. */
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
     * Revokes the region (see the class comment for the steps). When this returns no access can
     * observe or change the memory, none will start, writes to a file are flushed and the memory
     * is gone. Counted accesses in flight are waited for; count-free reads
     * ({@link #hasCountFreeReads()}) are not: each either completed before the memory was replaced
     * or throws {@link SigBusException}. Waits as long
     * as it takes (a pin that is never closed holds it forever); {@link #revoke(Duration)} bounds
     * the wait. Not interruptible.
     *
     * @throws IllegalStateException if called by a thread holding a pin of this region, or from a
     *                               {@link MappingListener} of one of its mappings (either would
     *                               wait for itself); nothing is changed then
     */
    public void revoke() {
        revoke("revoked by Region.revoke()", UnmapCause.REGION_REVOKED);
    }

    /**
     * Revokes the region like {@link #revoke()}, waiting at most {@code timeout} for accesses and
     * pins in flight, for listeners that an {@code unmap()} racing this revoke is running, and for
     * another revoke finishing. Returns normally exactly when {@code revoke()} would have, with the
     * same postcondition. The listeners this call runs itself are not bounded by the timeout.
     *
     * <p>On timeout the region stays revoked but not complete: every new access, pin and view call
     * already throws {@link SigBusException}, the memory stays mapped, and a later {@code revoke()}
     * or {@code revoke(Duration)} (or a concurrent one) finishes the job.
     *
     * @param timeout how long to wait; zero completes the revoke only if nothing is in flight
     * @throws TimeoutException         if the revoke did not complete in time; the message names the
     *                                  region, the timeout and what it is stuck on: every open pin's
     *                                  holder (thread name, id, alive or terminated), the threads
     *                                  still inside the guard (or the count of entries that cannot be
     *                                  attributed), a listener still running
     * @throws InterruptedException     if interrupted before or while waiting (the status is cleared);
     *                                  the region is then left as on timeout
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    as {@link #revoke()}, changing nothing
     */
    public void revoke(Duration timeout) throws InterruptedException, TimeoutException {
        Deadline deadline = Deadline.after(timeout);
        if (Thread.interrupted()) {
            throw new InterruptedException("revoke(" + timeout + ") of " + describe() + " interrupted before it began");
        }
        try {
            revoke("revoked by Region.revoke(" + timeout + ")", UnmapCause.REGION_REVOKED, deadline);
        } catch (TimeoutException stuck) {
            TimeoutException named = new TimeoutException("revoke of " + describe() + " timed out after " + timeout
                    + ": " + stuck.getMessage() + describePins());
            named.initCause(stuck);
            throw named;
        }
    }

    /** Same as {@link #revoke()}, recording that the region was closed. */
    @Override
    public void close() {
        revoke("closed by Region.close()", UnmapCause.REGION_REVOKED);
    }

    void revoke(String reason, UnmapCause cause) {
        try {
            revoke(reason, cause, Deadline.FOREVER);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("an unbounded revoke neither times out nor is interrupted", e);
        }
    }

    /**
     * Begins the revoke if no one has, then finishes it: every caller, first or not, runs the same
     * idempotent steps, so that a revoke abandoned by a timed-out caller is finished by the next.
     */
    private void revoke(String reason, UnmapCause cause, Deadline deadline)
            throws InterruptedException, TimeoutException {
        Begun begun = beginRevoke(reason);
        RegionRevokeEvent event = beginEvent(reason, begun);
        try {
            finishRevoke(begun.victims(), cause, deadline);
        } catch (InterruptedException | TimeoutException givenUp) {
            if (event != null) {
                event.timedOut = true;
            }
            throw givenUp;
        } finally {
            if (event != null) {
                event.commit();
            }
        }
    }

    /** A started {@link RegionRevokeEvent} if a recording enables it, else null (nothing allocated). */
    private RegionRevokeEvent beginEvent(String reason, Begun begun) {
        if (!RegionRevokeEvent.enabled()) {
            return null;
        }
        RegionRevokeEvent event = new RegionRevokeEvent();
        event.region = name;
        event.reason = reason;
        event.joined = !begun.first();
        event.mappings = begun.victims().size();
        long inFlight = guard.usersInFlight();
        for (Mapping mapping : begun.victims()) {
            inFlight += mapping.guard.usersInFlight();
        }
        event.accessesInFlight = inFlight;
        event.begin();
        return event;
    }

    /** The steps every revoke call runs once the revocation is recorded; see {@link #revoke(String, UnmapCause, Deadline)}. */
    private void finishRevoke(List<Mapping> all, UnmapCause cause, Deadline deadline)
            throws InterruptedException, TimeoutException {
        if (released.isDone()) {
            awaitReleased();
            return;
        }
        tellListeners(all, cause, deadline);
        if (!deadline.begin(finishing, this::describeFinisher)) {
            awaitReleased(); // finished by another revoke; its failure, if any, is rethrown here
            return;
        }
        try {
            if (released.isDone()) { // finished by the arena's close
                finishing.complete();
                awaitReleased();
                return;
            }
            for (Mapping mapping : all) {
                mapping.beginUnmap(revocation, cause, deadline);
            }
            /* W: revoking the guard writes its state (volatile) before releaseIntoBlank() below
             * replaces the pages; pairs with F in GuardedMemory.requireLiveAfterCountFreeLoad(), which
             * reads that state after its own load: a load that met the blank sees it revoked. */
            deadline.revoke(guard);
            for (Mapping mapping : all) {
                mapping.markUnmapped();
            }
            if (arena == null) {
                if (countFreeRelease == null) {
                    memory.releaseIntoTrap().release();
                } else {
                    memory.releaseIntoBlank(countFreeRelease);
                }
            } else {
                arena.release(this);
            }
            released.complete(null);
            finishing.complete();
        } catch (InterruptedException | TimeoutException givenUp) {
            finishing.abandon(); // a timed revoke gave up: the next caller finishes the job
            throw givenUp;
        } catch (Throwable e) {
            released.completeExceptionally(e); // any other failure: a later caller must not wait forever
            if (finishing.isOwnedByCurrentThread()) {
                finishing.completeExceptionally(e);
            }
            throw e;
        }
    }

    /**
     * Calls the listeners of every mapping this revoke wins; for a mapping whose {@code unmap()}
     * (or another revoke) won, waits until the winner has called its listeners. Only then may any
     * guard be revoked or the memory released: a listener reads through its mapping while it runs.
     */
    private static void tellListeners(List<Mapping> victims, UnmapCause cause, Deadline deadline)
            throws InterruptedException, TimeoutException {
        for (Mapping mapping : victims) {
            if (!mapping.notifyListeners(cause)) {
                mapping.awaitListeners(deadline);
            }
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
     * Records the revocation (once) and returns every mapping the revoke must tear down.
     *
     * @throws IllegalStateException from a pin holder or a listener of one of the mappings, before
     *                               anything is changed
     */
    private Begun beginRevoke(String reason) {
        if (guard.isInsideOnCurrentThread()) {
            throw new IllegalStateException("revoke of " + describe()
                    + " from a thread holding a pin of it would wait for itself; close the pin first");
        }
        /* M: pairs with M in mapAt(). */
        synchronized (lock) {
            List<Mapping> all = revocation == null ? mappings : victims;
            for (Mapping mapping : all) {
                if (mapping.isNotifyingOnCurrentThread()) {
                    throw new IllegalStateException("revoke of " + describe() + " from a MappingListener of "
                            + mapping + " would wait for that listener to return; nothing was changed");
                }
            }
            boolean first = revocation == null;
            if (first) {
                revocation = Revocation.now(reason);
                victims = List.copyOf(mappings);
                mappings.clear();
            }
            return new Begun(victims, first);
        }
    }

    /**
     * The mapping whose listeners the calling thread is running (an {@code unmap()} or a revoke of
     * this region under way on this thread), or null; for callers that must refuse before changing
     * anything, as {@link #beginRevoke} does.
     */
    Mapping mappingNotifyingOnCurrentThread() {
        synchronized (lock) {
            for (Mapping mapping : revocation == null ? mappings : victims) {
                if (mapping.isNotifyingOnCurrentThread()) {
                    return mapping;
                }
            }
            return null;
        }
    }

    /** The mappings a revoke tears down, and whether this call began it. */
    private record Begun(List<Mapping> victims, boolean first) {
    }

    /** The open pins, for a timed-out revoke: who holds each, and whether that thread still lives. */
    private String describePins() {
        StringBuilder out = new StringBuilder();
        int count = 0;
        for (Pin pin : pins) {
            if (!pin.isOpen()) {
                continue;
            }
            out.append(count++ == 0 ? "" : ", ").append("held by ").append(describe(pin.holder()));
        }
        return count == 0 ? "; no pin is open" : "; " + count + (count == 1 ? " pin" : " pins") + " open: " + out;
    }

    private String describeFinisher() {
        Thread finisher = finishing.owner();
        return "another revoke of " + describe() + " is finishing"
                + (finisher == null ? "" : " on " + describe(finisher));
    }

    /** A thread as timeout messages name it: {@code thread 'name' (#id, alive)}. */
    static String describe(Thread thread) {
        return "thread '" + thread.getName() + "' (#" + thread.threadId() + ", "
                + (thread.isAlive() ? "alive" : "terminated") + ")";
    }

    /** Starts the revoke on behalf of an arena: records it, tells listeners, begins every drain. */
    List<CompletableFuture<Void>> beginArenaRevoke(String reason) {
        Begun begun = beginRevoke(reason);
        if (!begun.first()) {
            if (released.isDone()) {
                return List.of(released);
            }
            // Begun by a Region.revoke(), which may have timed out and left it: finish it here.
            CompletableFuture<Void> finished = new CompletableFuture<>();
            MmapThreads.newThread("finish-revoke-" + name, () -> {
                try {
                    revoke(reason, UnmapCause.ARENA_CLOSED);
                    finished.complete(null);
                } catch (Throwable t) {
                    finished.completeExceptionally(t);
                }
            }).start();
            return List.of(finished);
        }
        List<Mapping> all = begun.victims();
        List<CompletableFuture<Void>> drains = new ArrayList<>(all.size() + 1);
        try {
            tellListeners(all, UnmapCause.ARENA_CLOSED, Deadline.FOREVER);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("an unbounded wait neither times out nor is interrupted", e);
        }
        /* Z: pairs with Z in MappedArena.zero(). */
        drains.add(drain(guard));
        for (Mapping mapping : all) {
            drains.add(mapping.beginUnmap(revocation, UnmapCause.ARENA_CLOSED));
        }
        CompletableFuture<Void> allDrained = CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new));
        allDrained.whenComplete((ignored, failure) -> {
            all.forEach(Mapping::markUnmapped);
            if (failure == null) {
                released.complete(null);
            } else {
                released.completeExceptionally(failure);
            }
        });
        return List.of(released);
    }

    /** A guard whose revokeAsync() threads come from {@code revokeThreads}, or are the default virtual ones if null. */
    static Revocable newGuard(String name, Runnable kick, ThreadFactory revokeThreads) {
        return revokeThreads == null ? Revocable.create(name, kick) : Revocable.create(name, kick, revokeThreads);
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

    /** Reports a listener's failure; never throws (see {@link FailureReports}). */
    static void report(java.util.function.Supplier<String> what, Throwable failure) {
        FailureReports.log(LOG, System.Logger.Level.ERROR, what, failure);
    }

    @Override
    public String toString() {
        Revocation gone = revocation;
        return "Region[" + name + ", " + (arena == null ? "" : "in arena " + arena.name() + ", ") + memory
                + ", length=" + length + (countFree ? ", count-free reads" : "") + ", "
                + (gone == null ? "live" : gone.toString()) + ", mappings="
                + mappingCount() + "]";
    }
}
