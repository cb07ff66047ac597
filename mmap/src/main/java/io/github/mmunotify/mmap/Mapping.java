package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Teardown;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A window of a {@link Region}, like a VMA: {@code [offset(), offset() + length())} of the region,
 * placed at virtual address {@link #address()}, with typed access at mapping-relative offsets
 * (inherited from {@link GuardedMemory}). A region may have any number of mappings; each can be
 * made read-only on its own ({@link #setWritable}) and unmapped on its own ({@link #unmap()})
 * while the region and its other mappings stay usable. Revoking the region unmaps them all.
 *
 * <h2>Who may change the protection</h2>
 * A mapping made by {@link Region#map} or {@link Region#mapAt} belongs to its caller, who changes
 * its protection with {@link #setWritable}. A manager that must run something around every change
 * (an mmu notifier's address space runs an invalidation walk, the kernel's {@code mprotect} under
 * {@code mmu_notifier_invalidate_range_start}) takes the mapping's {@link ProtectionKey} with
 * {@link #takeProtection} as soon as it has made the mapping; from then on {@link #setWritable}
 * refuses, and only the key's holder changes the protection.
 *
 * <h2>Lifecycle</h2>
 * {@code LIVE -> UNMAPPING -> UNMAPPED}, the first step by CAS: whoever wins it (an
 * {@code unmap()}, the region's revoke, the arena's close) calls every {@link MappingListener}
 * once, while the memory is still accessible through this mapping, then revokes the mapping's own
 * guard, which refuses new accesses and waits for the ones in flight. A caller that loses the CAS
 * waits until the winner has called every listener before it touches the guard or the memory, so
 * whichever call returns first, every listener has completed on mapped memory (a region revoke
 * that lost to an {@code unmap()} does not release the memory under that unmap's listeners).
 * After {@code unmap()} returns every access through this mapping throws {@link SigBusException},
 * whoever won.
 *
 * <p>Read-only is enforced in software, before the memory is touched: the region's memory is one
 * kernel mapping shared by all windows.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class Mapping extends GuardedMemory implements AutoCloseable {
    private static final int LIVE = 0;
    private static final int UNMAPPING = 1;
    private static final int UNMAPPED = 2;

    private final Region region;
    private final long address;
    private final long offset;
    private final List<MappingListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger state = new AtomicInteger(LIVE);
    private volatile boolean writable;
    private volatile Revocation revocation;
    private volatile UnmapCause cause;
    /**
     * Telling the listeners, begun by the winner of LIVE -> UNMAPPING, done once it has called every
     * one; its owner is the thread calling them, so that a listener's own unmap() does not wait for itself.
     */
    private final Teardown telling;
    /** Guards {@code protectionHolder} and the writes of {@link #setWritable} against {@link #takeProtection}. */
    private final Object protectionLock = new Object();
    /** Who took the {@link ProtectionKey}, or null while {@link #setWritable} may change the protection. */
    private String protectionHolder;

    Mapping(Region region, long address, long offset, long length) {
        super(region.base + offset, length, Region.newGuard("mapping of region " + region.name(), () -> { },
                region.revokeThreads), region.faultable, false);
        this.region = region;
        this.address = address;
        this.offset = offset;
        this.writable = region.isWritable();
        this.telling = new Teardown("the listeners of a mapping of region '" + region.name() + "'");
    }

    /**
     * The virtual address this mapping was placed at ({@code offset()} for {@link Region#map}).
     * Recorded, not interpreted: accesses use mapping-relative offsets.
     *
     * @return the {@code address} given to {@link Region#mapAt}, or {@link #offset()} for
     *         {@link Region#map}; not negative
     */
    public long address() {
        return address;
    }

    /**
     * The offset of this window in its region.
     *
     * @return the region offset of this mapping's byte 0; not negative
     */
    public long offset() {
        return offset;
    }

    @Override
    public Region region() {
        return region;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    /**
     * Makes the mapping writable or read-only. Writes through a read-only mapping throw
     * {@link ReadOnlyMappingException}; a write already past its check completes. The change is a
     * single volatile write, seen by every access that starts after it. It runs nothing else: a
     * mapping whose changes must run something first (a mapping of an mmu notifier's address
     * space) has had its {@link ProtectionKey} taken, and this method refuses.
     *
     * @param writable {@code true} to allow writes, {@code false} to make the mapping read-only
     * @throws ReadOnlyMappingException if asked to make a mapping of a read-only region writable
     * @throws IllegalStateException    if the protection was taken with {@link #takeProtection}
     *                                  (the message names the holder; for an address space's
     *                                  mapping use its {@code protect}); nothing is changed
     */
    public void setWritable(boolean writable) {
        synchronized (protectionLock) {
            if (protectionHolder != null) {
                throw new IllegalStateException(describe() + ": its protection is managed by " + protectionHolder
                        + " and changes only through it (for an address space: AddressSpace.protect, which"
                        + " runs the invalidation first); setWritable(" + writable + ") refused");
            }
            change(writable);
        }
    }

    private void change(boolean writable) {
        if (writable && !region.isWritable()) {
            throw new ReadOnlyMappingException(describe() + " cannot be made writable: region '"
                    + region.name() + "' is read-only");
        }
        this.writable = writable;
    }

    /**
     * Takes the right to change this mapping's protection: from now on {@link #setWritable}
     * refuses, and only the returned key changes it. For a manager that must run something around
     * every protection change (an mmu notifier address space's invalidation walk); take it right
     * after making the mapping, before anyone else can see it. The key cannot be given back.
     *
     * <p>Memory consistency: a {@link #setWritable} either completes before this returns or
     * refuses.
     *
     * @param holder who holds the key, named in the refusal of {@link #setWritable}; not null
     * @return the only key of this mapping
     * @throws NullPointerException  if {@code holder} is null
     * @throws IllegalStateException if the key was already taken (naming its holder)
     */
    public ProtectionKey takeProtection(String holder) {
        Objects.requireNonNull(holder, "holder");
        synchronized (protectionLock) {
            if (protectionHolder != null) {
                throw new IllegalStateException("the protection of " + describe() + " was already taken by "
                        + protectionHolder);
            }
            protectionHolder = holder;
            return new ProtectionKey(this);
        }
    }

    /**
     * The right to change one mapping's protection, from {@link Mapping#takeProtection}: whoever
     * holds it is the only one who can, so it can run what must come first (an invalidation walk)
     * around every change. Keep it private to that code.
     *
     * <p>Thread-safety: {@link #setWritable} may be called from any thread; the holder orders
     * concurrent calls of its own.
     */
    public static final class ProtectionKey {
        private final Mapping mapping;

        private ProtectionKey(Mapping mapping) {
            this.mapping = mapping;
        }

        /**
         * Makes the mapping writable or read-only, as {@link Mapping#setWritable} would if the key
         * had not been taken: a single volatile write, seen by every access that starts after it.
         * Legal on an unmapped mapping (it changes nothing anyone can see).
         *
         * @param writable {@code true} to allow writes, {@code false} to make the mapping read-only
         * @throws ReadOnlyMappingException if asked to make a mapping of a read-only region
         *                                  writable; nothing is changed
         */
        public void setWritable(boolean writable) {
            mapping.change(writable);
        }

        /**
         * The mapping this key changes.
         *
         * @return the mapping whose {@link Mapping#takeProtection} returned this key
         */
        public Mapping mapping() {
            return mapping;
        }

        @Override
        public String toString() {
            return "ProtectionKey[" + mapping.describe() + "]";
        }
    }

    /**
     * Whether this mapping has begun going away. Its listeners may still be reading through it;
     * once they have run, every new access throws {@link SigBusException}.
     *
     * @return {@code true} once an {@link #unmap()}, its region's revoke or its arena's close has
     *         begun on this mapping; never turns back to {@code false}
     */
    public boolean isUnmapped() {
        return state.get() != LIVE;
    }

    /**
     * Adds a listener told once, before this mapping goes away (see {@link MappingListener}).
     * Listeners are told in the order they were added. The same listener added twice is told
     * twice.
     *
     * @param listener the listener; not null
     * @throws NullPointerException  if {@code listener} is null
     * @throws IllegalStateException if the mapping is already unmapped
     */
    public void addListener(MappingListener listener) {
        Objects.requireNonNull(listener, "listener");
        // Under the lock that also guards leaving LIVE: a listener is either added before the
        // unmap's snapshot of the list (and called) or refused.
        /* L: pairs with L in notifyListeners(): an add either precedes leaving LIVE or is refused. */
        synchronized (listeners) {
            if (state.get() != LIVE) {
                throw new IllegalStateException(describe() + " is already unmapped; listener not added");
            }
            listeners.add(listener);
        }
    }

    /**
     * Removes a listener, so that it is not told when the mapping goes away (unless the unmap has
     * already begun telling listeners).
     *
     * @param listener the listener to remove (one occurrence, compared with {@code equals})
     * @return {@code true} if it was registered
     */
    public boolean removeListener(MappingListener listener) {
        return listeners.remove(listener);
    }

    /**
     * Unmaps this mapping alone: tells the listeners ({@link UnmapCause#UNMAPPED}), refuses new
     * accesses and waits for those in flight. The region and its other mappings are unaffected.
     * Idempotent: a later or concurrent call (or the region's revoke) returns once accesses have
     * drained.
     *
     * A call from one of this mapping's own listeners returns at once (the unmap it is part of
     * completes after the listener returns).
     *
     * <p>Memory consistency: everything the listeners did happens-before this call returns, whoever
     * called them.
     */
    public void unmap() {
        if (notifyListeners(UnmapCause.UNMAPPED)) {
            beginUnmap(Revocation.now("mapping unmapped by Mapping.unmap()"), UnmapCause.UNMAPPED).join();
            markUnmapped();
            region.forget(this);
        } else if (!telling.isOwnedByCurrentThread()) {
            // Lost to another unmap, the region's revoke or the arena's close: wait for its
            // listeners, then drain the guard here rather than wait for the winner's whole
            // teardown, which may be waiting for a listener that called this.
            awaitListeners();
            Region.drain(guard).join();
        }
    }

    /**
     * Unmaps this mapping unless its going away has already begun: the form of {@link #unmap()}
     * for a caller that must not wait on another thread (the non-blockable unmap of an address
     * space). If this call wins, it does what {@link #unmap()} does, on this thread: tells the
     * listeners ({@link UnmapCause#UNMAPPED}), refuses new accesses and waits for the single
     * accesses in flight through this mapping. If an {@code unmap()}, the region's revoke or the
     * arena's close has already begun, returns {@code false} at once: it does not wait for that
     * winner's listeners, which may block, nor for its drain; the winner finishes the unmap.
     *
     * <p>Memory consistency: if this returns {@code true}, everything the listeners did
     * happens-before it returns; if {@code false}, nothing is promised about the winner's progress.
     *
     * @return {@code true} if this call unmapped the mapping; {@code false} if someone else had
     *         already begun to (then {@link #isUnmapped()} is {@code true} but accesses may still
     *         succeed until the winner's listeners have run)
     */
    public boolean tryUnmap() {
        if (!notifyListeners(UnmapCause.UNMAPPED)) {
            return false;
        }
        beginUnmap(Revocation.now("mapping unmapped by Mapping.tryUnmap()"), UnmapCause.UNMAPPED).join();
        markUnmapped();
        region.forget(this);
        return true;
    }

    /** Same as {@link #unmap()}. */
    @Override
    public void close() {
        unmap();
    }

    /**
     * Moves the mapping out of LIVE and calls the listeners, if this caller wins the CAS.
     *
     * @return whether this caller won and must finish the unmap
     */
    boolean notifyListeners(UnmapCause unmapCause) {
        /* L: pairs with L in addListener(): the list is snapshotted only after every add that saw LIVE. */
        synchronized (listeners) {
            if (!state.compareAndSet(LIVE, UNMAPPING)) {
                return false;
            }
        }
        cause = unmapCause;
        telling.tryBegin(); // always wins: only the winner of LIVE -> UNMAPPING gets here
        try {
            for (MappingListener listener : listeners) {
                try {
                    listener.beforeUnmap(this, unmapCause);
                } catch (Throwable e) {
                    // Throwable, not RuntimeException | Error: a checked exception sneaked out of a
                    // listener must not stop the unmap half-way either (UNMAPPING, memory still mapped).
                    Region.report(() -> "MappingListener " + listener + " threw in beforeUnmap(" + this + ", "
                            + unmapCause + "); the unmap goes on", e);
                }
            }
        } finally {
            /* T: pairs with T in awaitListeners(): the listeners' effects happen-before the loser goes on. */
            telling.complete();
        }
        return true;
    }

    /**
     * Waits until the winner of LIVE -> UNMAPPING has called every listener (for a caller that lost
     * the CAS); returns at once on the notifying thread itself (a listener's own call).
     */
    void awaitListeners() {
        try {
            awaitListeners(Deadline.FOREVER);
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("an unbounded wait neither times out nor is interrupted", e);
        }
    }

    /** {@link #awaitListeners()} until {@code deadline}. */
    void awaitListeners(Deadline deadline) throws InterruptedException, java.util.concurrent.TimeoutException {
        if (telling.isOwnedByCurrentThread()) {
            return;
        }
        /* T: pairs with T in notifyListeners(). */
        deadline.await(telling, () -> {
            Thread running = telling.owner();
            return "a MappingListener of " + describe() + " is still running"
                    + (running == null ? "" : " on " + Region.describe(running));
        });
    }

    /** Whether the calling thread is running this mapping's listeners right now. */
    boolean isNotifyingOnCurrentThread() {
        return telling.isOwnedByCurrentThread();
    }

    /** Records why, refuses new accesses and waits for the accesses in flight until {@code deadline}. */
    void beginUnmap(Revocation why, UnmapCause unmapCause, Deadline deadline)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        recordWhy(why, unmapCause);
        deadline.revoke(guard);
    }

    /** Records why, refuses new accesses and returns a future of the drain of accesses in flight. */
    CompletableFuture<Void> beginUnmap(Revocation why, UnmapCause unmapCause) {
        recordWhy(why, unmapCause);
        return Region.drain(guard);
    }

    private void recordWhy(Revocation why, UnmapCause unmapCause) {
        if (revocation != null && unmapCause != UnmapCause.UNMAPPED) {
            return; // a later finisher of the same region revoke: keep the first record
        }
        revocation = unmapCause == UnmapCause.UNMAPPED ? why
                : new Revocation("region '" + region.name() + "' " + why.reason() + " (" + unmapCause + ")", why.at());
    }

    void markUnmapped() {
        state.set(UNMAPPED);
        listeners.clear();
    }

    @Override
    Revocation revocation() {
        Revocation why = revocation;
        return why != null ? why : Revocation.now("mapping is being unmapped");
    }

    @Override
    String describe() {
        return "mapping at 0x" + Long.toHexString(address) + " of region '" + region.name() + "' [offset "
                + offset + ", length " + length + "]";
    }

    @Override
    public String toString() {
        int s = state.get();
        UnmapCause why = cause;
        return "Mapping[address=0x" + Long.toHexString(address) + ", region=" + region.name() + ", offset=" + offset
                + ", length=" + length + ", " + (writable ? "rw" : "ro") + ", "
                + (s == LIVE ? "live" : (s == UNMAPPING ? "unmapping" : "unmapped") + " (" + why + ")") + "]";
    }
}
