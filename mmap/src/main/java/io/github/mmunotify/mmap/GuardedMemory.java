package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Revocable;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * Typed, bounds-checked access to a window of off-heap memory, every access guarded by a
 * {@link Revocable} (or, for the reads of a region with count-free reads, by the revoked flag and
 * the trap; see below): the common access paths of a {@link Region} and of a {@link Mapping}.
 *
 * <h2>Algorithm</h2>
 * Each counted access is, in order: a bounds check of {@code [offset, offset + size)} against the window
 * ({@link IndexOutOfBoundsException} naming the window, offset, size and length); for a write, the
 * read-only check ({@link ReadOnlyMappingException}); {@code guard.tryEnter()}, which fails once a
 * revoke has begun ({@link SigBusException} naming why and when); the memory access itself (see
 * {@code Memory}); {@code guard.exit()}. A revoke waits for every entered access to exit before it
 * unmaps, so an access that entered always finds its memory mapped. (Count-free reads, below,
 * are not waited for.)
 *
 * <p>The one fault an entered access can still meet is a file truncated by another process under a
 * file-backed window. HotSpot turns that {@code SIGBUS} into an {@link InternalError}, in compiled
 * code possibly only at the next safepoint poll; so for file-backed windows each access ends with
 * a non-critical downcall that makes any such error surface inside the access's own {@code try}
 * block (see {@link Libc#deliverPendingFaults()}), where it becomes a {@link SigBusException}.
 * Anonymous windows have no file behind them, cannot be truncated, and skip that step.
 *
 * <h2>Count-free reads</h2>
 * On a region with count-free reads ({@link Region#hasCountFreeReads()}: a standalone anonymous
 * region admitted by the budget) the plain, volatile and acquire reads do not enter the guard:
 * a bounds check, the load, an acquire fence, then whether the guard is revoked (the moment a
 * counted access would be refused: after the mapping listeners have run); if it is, the
 * value is discarded and the read throws the same {@link SigBusException} as a refused access.
 * A revoke does not wait for such
 * reads: a racing read either completed on the memory before the trap replaced it, and is ordered
 * before the revoke, or throws. Writes, atomics, bulk copies and every access through a
 * {@link Mapping} are counted on every region, and revokes wait for them.
 *
 * <h2>Implementation notes</h2>
 * The count-free path rests on the order of the revoke: the guard's revoked state (a volatile
 * write, W in {@code Region.finishRevoke}, the same state {@code tryEnter} reads) precedes the {@code mremap}/{@code mmap(MAP_FIXED)} that replaces the
 * pages by a blank of zero pages; the read's fence F keeps its flag load after its memory load; so
 * a load that read the blank always sees the flag. A load that read the region's own page read its
 * value: the kernel frees the old pages only after the TLB shootdown. The range is never a trap
 * while the region is reachable: a faulting load in compiled code is recovered only if HotSpot can
 * decode the instruction, and C2 folds loads into instructions it cannot ({@code movslq}: the JVM
 * aborts). {@code Reference.reachabilityFence(this)} at the end of each read keeps the region
 * reachable across the load, and the blank stays until the region is unreachable
 * ({@code CountFreeTrapRelease}), so the load never meets an unmapped hole ({@code SIGSEGV}). The
 * counted path is in a method of its own, so the count-free one stays small
 * enough to inline.
 *
 * <p>Every primitive has a plain accessor (native byte order, any alignment, no ordering towards
 * other threads). Bytes, shorts, chars, ints and longs have volatile accessors; ints and longs
 * also acquire/release accessors and atomics ({@code compareAndSet}, {@code getAndAdd},
 * {@code getAndSet}), with the memory effects of the {@link java.lang.invoke.VarHandle} access
 * mode of the same name. These need a naturally aligned address and throw
 * {@link IllegalArgumentException} naming the offset and the alignment otherwise. A guarded access
 * implies no ordering beyond its access mode: the guard's entry and exit are not a fence the
 * caller may rely on.
 *
 * <p>Thread-safety: every method may be called from any thread; atomics are atomic with respect
 * to other atomics on the same address from any mapping or view of the same memory.
 */
public abstract sealed class GuardedMemory permits Region, Mapping {
    /** Absolute address of offset 0 of this window. */
    final long base;
    /** Length of this window in bytes. */
    final long length;
    /** Guards every access; revoked when the window goes away. */
    final Revocable guard;
    /** Whether accesses must surface pending faults (file-backed memory can be truncated by others). */
    final boolean faultable;
    /**
     * Whether plain, volatile and acquire reads skip the guard (see "Count-free reads"); only ever
     * true for a {@link Region} that {@code Region.allocate} admitted. A final field, so the choice
     * costs a predictable branch and no call.
     */
    final boolean countFree;

    GuardedMemory(long base, long length, Revocable guard, boolean faultable, boolean countFree) {
        this.base = base;
        this.length = length;
        this.guard = guard;
        this.faultable = faultable;
        this.countFree = countFree;
    }

    /**
     * The length of this window in bytes.
     *
     * @return the length, fixed at creation
     */
    public final long length() {
        return length;
    }

    /**
     * The region this memory belongs to.
     *
     * @return the region (for a region: itself)
     */
    public abstract Region region();

    /** The revocation to report for an access refused by the guard. */
    abstract Revocation revocation();

    /** Describes this window in exception messages, e.g. {@code region 'ring'}. */
    abstract String describe();

    /**
     * Whether writes are allowed right now.
     *
     * @return true if writes are allowed; false if they throw {@link ReadOnlyMappingException}
     */
    public abstract boolean isWritable();

    // -------------------------------------------------------------------------------------------
    // Typed access (generated from one table: every primitive, plain; volatile, acquire/release and
    // atomics where the adapters need them)

    /**
     * Reads the byte at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the byte in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final byte getByte(long offset) {
        long address = address(offset, Byte.BYTES);
        if (!countFree) {
            return countedGetByte(address, offset);
        }
        try {
            byte result = Memory.getByte(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private byte countedGetByte(long address, long offset) {
        enter(offset);
        try {
            byte result = Memory.getByte(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the byte at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the byte in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putByte(long offset, byte value) {
        long address = writableAddress(offset, Byte.BYTES);
        enter(offset);
        try {
            Memory.putByte(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the short (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the short in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final short getShort(long offset) {
        long address = address(offset, Short.BYTES);
        if (!countFree) {
            return countedGetShort(address, offset);
        }
        try {
            short result = Memory.getShort(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private short countedGetShort(long address, long offset) {
        enter(offset);
        try {
            short result = Memory.getShort(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the short (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the short in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putShort(long offset, short value) {
        long address = writableAddress(offset, Short.BYTES);
        enter(offset);
        try {
            Memory.putShort(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the char (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the char in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final char getChar(long offset) {
        long address = address(offset, Character.BYTES);
        if (!countFree) {
            return countedGetChar(address, offset);
        }
        try {
            char result = Memory.getChar(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private char countedGetChar(long address, long offset) {
        enter(offset);
        try {
            char result = Memory.getChar(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the char (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the char in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putChar(long offset, char value) {
        long address = writableAddress(offset, Character.BYTES);
        enter(offset);
        try {
            Memory.putChar(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the int (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the int in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final int getInt(long offset) {
        long address = address(offset, Integer.BYTES);
        if (!countFree) {
            return countedGetInt(address, offset);
        }
        try {
            int result = Memory.getInt(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private int countedGetInt(long address, long offset) {
        enter(offset);
        try {
            int result = Memory.getInt(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the int (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putInt(long offset, int value) {
        long address = writableAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            Memory.putInt(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the long (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the long in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final long getLong(long offset) {
        long address = address(offset, Long.BYTES);
        if (!countFree) {
            return countedGetLong(address, offset);
        }
        try {
            long result = Memory.getLong(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private long countedGetLong(long address, long offset) {
        enter(offset);
        try {
            long result = Memory.getLong(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the long (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putLong(long offset, long value) {
        long address = writableAddress(offset, Long.BYTES);
        enter(offset);
        try {
            Memory.putLong(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the float (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the float in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final float getFloat(long offset) {
        long address = address(offset, Float.BYTES);
        if (!countFree) {
            return countedGetFloat(address, offset);
        }
        try {
            float result = Memory.getFloat(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private float countedGetFloat(long address, long offset) {
        enter(offset);
        try {
            float result = Memory.getFloat(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the float (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the float in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putFloat(long offset, float value) {
        long address = writableAddress(offset, Float.BYTES);
        enter(offset);
        try {
            Memory.putFloat(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the double (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the double in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final double getDouble(long offset) {
        long address = address(offset, Double.BYTES);
        if (!countFree) {
            return countedGetDouble(address, offset);
        }
        try {
            double result = Memory.getDouble(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private double countedGetDouble(long address, long offset) {
        enter(offset);
        try {
            double result = Memory.getDouble(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the double (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the double in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putDouble(long offset, double value) {
        long address = writableAddress(offset, Double.BYTES);
        enter(offset);
        try {
            Memory.putDouble(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the byte at {@code offset} with volatile semantics.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the byte in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final byte getByteVolatile(long offset) {
        long address = alignedAddress(offset, Byte.BYTES);
        if (!countFree) {
            return countedGetByteVolatile(address, offset);
        }
        try {
            byte result = Memory.getByteVolatile(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private byte countedGetByteVolatile(long address, long offset) {
        enter(offset);
        try {
            byte result = Memory.getByteVolatile(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the byte at {@code offset} with volatile semantics.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the byte in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putByteVolatile(long offset, byte value) {
        long address = writableAlignedAddress(offset, Byte.BYTES);
        enter(offset);
        try {
            Memory.putByteVolatile(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the short (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the short in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final short getShortVolatile(long offset) {
        long address = alignedAddress(offset, Short.BYTES);
        if (!countFree) {
            return countedGetShortVolatile(address, offset);
        }
        try {
            short result = Memory.getShortVolatile(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private short countedGetShortVolatile(long address, long offset) {
        enter(offset);
        try {
            short result = Memory.getShortVolatile(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the short (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the short in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putShortVolatile(long offset, short value) {
        long address = writableAlignedAddress(offset, Short.BYTES);
        enter(offset);
        try {
            Memory.putShortVolatile(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the char (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the char in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final char getCharVolatile(long offset) {
        long address = alignedAddress(offset, Character.BYTES);
        if (!countFree) {
            return countedGetCharVolatile(address, offset);
        }
        try {
            char result = Memory.getCharVolatile(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private char countedGetCharVolatile(long address, long offset) {
        enter(offset);
        try {
            char result = Memory.getCharVolatile(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the char (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the char in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putCharVolatile(long offset, char value) {
        long address = writableAlignedAddress(offset, Character.BYTES);
        enter(offset);
        try {
            Memory.putCharVolatile(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the int (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final int getIntVolatile(long offset) {
        long address = alignedAddress(offset, Integer.BYTES);
        if (!countFree) {
            return countedGetIntVolatile(address, offset);
        }
        try {
            int result = Memory.getIntVolatile(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private int countedGetIntVolatile(long address, long offset) {
        enter(offset);
        try {
            int result = Memory.getIntVolatile(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the int (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putIntVolatile(long offset, int value) {
        long address = writableAlignedAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            Memory.putIntVolatile(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the long (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final long getLongVolatile(long offset) {
        long address = alignedAddress(offset, Long.BYTES);
        if (!countFree) {
            return countedGetLongVolatile(address, offset);
        }
        try {
            long result = Memory.getLongVolatile(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private long countedGetLongVolatile(long address, long offset) {
        enter(offset);
        try {
            long result = Memory.getLongVolatile(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the long (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putLongVolatile(long offset, long value) {
        long address = writableAlignedAddress(offset, Long.BYTES);
        enter(offset);
        try {
            Memory.putLongVolatile(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the int at {@code offset} with acquire semantics:
     * no later access of this thread is reordered before it.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAcquire}; pairs with {@link #putIntRelease}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final int getIntAcquire(long offset) {
        long address = alignedAddress(offset, Integer.BYTES);
        if (!countFree) {
            return countedGetIntAcquire(address, offset);
        }
        try {
            int result = Memory.getIntAcquire(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private int countedGetIntAcquire(long address, long offset) {
        enter(offset);
        try {
            int result = Memory.getIntAcquire(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the int at {@code offset} with release semantics:
     * no earlier access of this thread is reordered after it.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setRelease}; pairs with {@link #getIntAcquire}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putIntRelease(long offset, int value) {
        long address = writableAlignedAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            Memory.putIntRelease(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically sets the int at {@code offset} to {@code update} if it equals {@code expected}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#compareAndSet}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param expected the value expected at {@code offset}
     * @param update the value to write if it is there
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final boolean compareAndSetInt(long offset, int expected, int update) {
        long address = writableAlignedAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            boolean result = Memory.compareAndSetInt(address, expected, update);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically adds {@code delta} to the int at {@code offset}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndAdd}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param delta the amount to add (wrapping on overflow)
     * @return the value before the addition
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final int getAndAddInt(long offset, int delta) {
        long address = writableAlignedAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            int result = Memory.getAndAddInt(address, delta);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically replaces the int at {@code offset} by {@code value}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndSet}.
     *
     * @param offset the offset of the int in this window, in bytes
     * @param value the value to write
     * @return the value before the replacement
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final int getAndSetInt(long offset, int value) {
        long address = writableAlignedAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            int result = Memory.getAndSetInt(address, value);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Reads the long at {@code offset} with acquire semantics:
     * no later access of this thread is reordered before it.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAcquire}; pairs with {@link #putLongRelease}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final long getLongAcquire(long offset) {
        long address = alignedAddress(offset, Long.BYTES);
        if (!countFree) {
            return countedGetLongAcquire(address, offset);
        }
        try {
            long result = Memory.getLongAcquire(address);
            requireLiveAfterCountFreeLoad(offset);
            return result;
        } catch (InternalError fault) {
            throw trapped(offset, fault);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private long countedGetLongAcquire(long address, long offset) {
        enter(offset);
        try {
            long result = Memory.getLongAcquire(address);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes the long at {@code offset} with release semantics:
     * no earlier access of this thread is reordered after it.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setRelease}; pairs with {@link #getLongAcquire}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final void putLongRelease(long offset, long value) {
        long address = writableAlignedAddress(offset, Long.BYTES);
        enter(offset);
        try {
            Memory.putLongRelease(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically sets the long at {@code offset} to {@code update} if it equals {@code expected}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#compareAndSet}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param expected the value expected at {@code offset}
     * @param update the value to write if it is there
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final boolean compareAndSetLong(long offset, long expected, long update) {
        long address = writableAlignedAddress(offset, Long.BYTES);
        enter(offset);
        try {
            boolean result = Memory.compareAndSetLong(address, expected, update);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically adds {@code delta} to the long at {@code offset}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndAdd}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param delta the amount to add (wrapping on overflow)
     * @return the value before the addition
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final long getAndAddLong(long offset, long delta) {
        long address = writableAlignedAddress(offset, Long.BYTES);
        enter(offset);
        try {
            long result = Memory.getAndAddLong(address, delta);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Atomically replaces the long at {@code offset} by {@code value}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndSet}.
     *
     * @param offset the offset of the long in this window, in bytes
     * @param value the value to write
     * @return the value before the replacement
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the window
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                  was truncated under the access; nothing was read or written then
     */
    public final long getAndSetLong(long offset, long value) {
        long address = writableAlignedAddress(offset, Long.BYTES);
        enter(offset);
        try {
            long result = Memory.getAndSetLong(address, value);
            surfaceFaults();
            return result;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    // -------------------------------------------------------------------------------------------
    // Bulk copies

    /**
     * Copies {@code count} bytes from {@code offset} into {@code dst[dstIndex ...]}.
     *
     * @param offset   the offset in this window of the first byte to copy
     * @param dst      the array to copy into
     * @param dstIndex the index in {@code dst} of the first byte written
     * @param count    the number of bytes to copy
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code [dstIndex, dstIndex + count)} is not inside {@code dst}
     *                                   or {@code [offset, offset + count)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                   was truncated under the copy
     */
    public final void getBytes(long offset, byte[] dst, int dstIndex, int count) {
        Objects.checkFromIndexSize(dstIndex, count, Objects.requireNonNull(dst, "dst").length);
        long address = address(offset, count);
        enter(offset);
        try {
            Memory.copyToArray(address, dst, dstIndex, count);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Copies {@code dst.length} bytes from {@code offset} into {@code dst}.
     *
     * @param offset the offset in this window of the first byte to copy
     * @param dst    the array to fill
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code [offset, offset + dst.length)} is not inside the window
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                   was truncated under the copy
     */
    public final void getBytes(long offset, byte[] dst) {
        getBytes(offset, dst, 0, dst.length);
    }

    /**
     * Copies {@code src[srcIndex ...]}, {@code count} bytes, to {@code offset}.
     *
     * @param offset   the offset in this window of the first byte written
     * @param src      the array to copy from
     * @param srcIndex the index in {@code src} of the first byte to copy
     * @param count    the number of bytes to copy
     * @throws NullPointerException      if {@code src} is null
     * @throws IndexOutOfBoundsException if {@code [srcIndex, srcIndex + count)} is not inside {@code src}
     *                                   or {@code [offset, offset + count)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                   was truncated under the copy
     */
    public final void putBytes(long offset, byte[] src, int srcIndex, int count) {
        Objects.checkFromIndexSize(srcIndex, count, Objects.requireNonNull(src, "src").length);
        long address = writableAddress(offset, count);
        enter(offset);
        try {
            Memory.copyFromArray(src, srcIndex, address, count);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /**
     * Copies all of {@code src} to {@code offset}.
     *
     * @param offset the offset in this window of the first byte written
     * @param src    the array to copy
     * @throws NullPointerException      if {@code src} is null
     * @throws IndexOutOfBoundsException if {@code [offset, offset + src.length)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                   was truncated under the copy
     */
    public final void putBytes(long offset, byte[] src) {
        putBytes(offset, src, 0, src.length);
    }

    /**
     * Sets {@code count} bytes from {@code offset} to {@code value}.
     *
     * @param offset the offset in this window of the first byte set
     * @param count  the number of bytes to set
     * @param value  the value every byte gets
     * @throws IndexOutOfBoundsException if {@code [offset, offset + count)} is not inside the window
     * @throws ReadOnlyMappingException  if the window is read-only
     * @throws SigBusException           once the window is revoked or unmapped, or if the file behind it
     *                                   was truncated under the write
     */
    public final void setMemory(long offset, long count, byte value) {
        long address = writableAddress(offset, count);
        enter(offset);
        try {
            Memory.fill(address, count, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    // -------------------------------------------------------------------------------------------
    // The steps every access shares

    /** Bounds-checks {@code [offset, offset + size)} and returns its absolute address. */
    final long address(long offset, long size) {
        if (offset < 0 || size < 0 || offset > length - size) {
            throw outOfBounds(offset, size);
        }
        return base + offset;
    }

    private long writableAddress(long offset, long size) {
        long address = address(offset, size);
        checkWritable(offset);
        return address;
    }

    /**
     * Bounds-checks {@code [offset, offset + size)} and returns its absolute address, which must be
     * {@code size}-aligned (a power of two): volatile and atomic accesses need naturally aligned
     * addresses, and the address, not the offset, decides (a mapping may start at any offset).
     */
    final long alignedAddress(long offset, long size) {
        long address = address(offset, size);
        if ((address & (size - 1)) != 0) {
            throw misaligned(describe(), offset, size, address);
        }
        return address;
    }

    private long writableAlignedAddress(long offset, long size) {
        long address = alignedAddress(offset, size);
        checkWritable(offset);
        return address;
    }

    /** The exception for a volatile or atomic access at a misaligned address (shared with {@link Pin}). */
    static IllegalArgumentException misaligned(String where, long offset, long size, long address) {
        return new IllegalArgumentException(where + ": offset " + offset + " is not " + size
                + "-byte aligned in memory (address 0x" + Long.toHexString(address) + "); volatile and atomic"
                + " accesses of " + size + " bytes need " + size + "-byte aligned addresses");
    }

    final void checkWritable(long offset) {
        if (!isWritable()) {
            throw new ReadOnlyMappingException(describe() + " is read-only: write at offset " + offset + " refused");
        }
    }

    /** Enters the guard or throws the {@link SigBusException} of the revocation. */
    final void enter(long offset) {
        if (!guard.tryEnter()) {
            throw revoked(offset);
        }
    }

    final void surfaceFaults() {
        if (faultable) {
            Libc.deliverPendingFaults();
        }
    }

    /**
     * The end of every count-free read, after its load: throws the refusal if the guard is revoked.
     * A count-free read is refused from the same moment as a counted access (after the mapping
     * listeners have run, not when the revoke is recorded). The guard's state is a volatile field,
     * written before the revoke replaces the memory. One fence site for all fourteen readers.
     */
    private void requireLiveAfterCountFreeLoad(long offset) {
        /* F: pairs with W in Region.finishRevoke(); see "Count-free reads" in the class comment. */
        VarHandle.acquireFence();
        if (guard.isRevoked()) {
            throw revoked(offset); // the value loaded (its own page, or the blank's zero) is discarded
        }
    }

    /**
     * A count-free read that faulted, which neither its live memory (anonymous) nor the blank that
     * replaces it can make happen: kept so that such a fault still becomes a {@link SigBusException},
     * the revoke's if there is one, with the fault as its cause.
     */
    private SigBusException trapped(long offset, InternalError fault) {
        Revocation gone = revocation();
        return gone == null ? faulted(offset, fault)
                : SigBusException.revoked(region().name(), describe(), offset, gone, fault);
    }

    final SigBusException revoked(long offset) {
        return SigBusException.revoked(region().name(), describe(), offset, revocation());
    }

    final SigBusException faulted(long offset, InternalError fault) {
        return SigBusException.faulted(region().name(), describe(), offset, fault);
    }

    final IndexOutOfBoundsException outOfBounds(long offset, long size) {
        return new IndexOutOfBoundsException(describe() + ": access of " + size + " bytes at offset " + offset
                + " is out of bounds for length " + length);
    }
}
