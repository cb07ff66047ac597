package io.github.mmunotify.mmap;

import io.github.mmunotify.core.Revocable;
import org.agrona.UnsafeApi;

import java.util.Objects;

/**
 * Typed, bounds-checked access to a window of off-heap memory, every access guarded by a
 * {@link Revocable}: the common access paths of a {@link Region} and of a {@link Mapping}.
 *
 * <h2>Algorithm</h2>
 * Each access is, in order: a bounds check of {@code [offset, offset + size)} against the window
 * ({@link IndexOutOfBoundsException} naming the window, offset, size and length); for a write, the
 * read-only check ({@link ReadOnlyMappingException}); {@code guard.tryEnter()}, which fails once a
 * revoke has begun ({@link SigBusException} naming why and when); the memory access itself through
 * {@code Unsafe}; {@code guard.exit()}. A revoke waits for every entered access to exit before it
 * unmaps, so an access that entered always finds its memory mapped.
 *
 * <p>The one fault an entered access can still meet is a file truncated by another process under a
 * file-backed window. HotSpot turns that {@code SIGBUS} into an {@link InternalError}, in compiled
 * code possibly only at the next safepoint poll; so for file-backed windows each access ends with
 * a non-critical downcall that makes any such error surface inside the access's own {@code try}
 * block (see {@link Libc#deliverPendingFaults()}), where it becomes a {@link SigBusException}.
 * Anonymous windows have no file behind them, cannot be truncated, and skip that step.
 *
 * <p>Thread-safety: every method may be called from any thread; atomics are atomic with respect
 * to other atomics on the same address from any mapping or view of the same memory.
 */
public abstract sealed class GuardedMemory permits Region, Mapping {
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

    /** Absolute address of offset 0 of this window. */
    final long base;
    /** Length of this window in bytes. */
    final long length;
    /** Guards every access; revoked when the window goes away. */
    final Revocable guard;
    /** Whether accesses must surface pending faults (file-backed memory can be truncated by others). */
    final boolean faultable;

    GuardedMemory(long base, long length, Revocable guard, boolean faultable) {
        this.base = base;
        this.length = length;
        this.guard = guard;
        this.faultable = faultable;
    }

    /** The length of this window in bytes. */
    public final long length() {
        return length;
    }

    /** The region this memory belongs to (for a region: itself). */
    public abstract Region region();

    /** The revocation to report for an access refused by the guard. */
    abstract Revocation revocation();

    /** Describes this window in exception messages, e.g. {@code region 'ring'}. */
    abstract String describe();

    /** Whether writes are allowed right now. */
    public abstract boolean isWritable();

    // -------------------------------------------------------------------------------------------
    // Typed access

    /** Reads the byte at {@code offset}. */
    public final byte getByte(long offset) {
        long address = address(offset, Byte.BYTES);
        enter(offset);
        try {
            byte value = UnsafeApi.getByte(address);
            surfaceFaults();
            return value;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Writes the byte at {@code offset}. */
    public final void putByte(long offset, byte value) {
        long address = writableAddress(offset, Byte.BYTES);
        enter(offset);
        try {
            UnsafeApi.putByte(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Reads the int (native byte order) at {@code offset}. */
    public final int getInt(long offset) {
        long address = address(offset, Integer.BYTES);
        enter(offset);
        try {
            int value = UnsafeApi.getInt(address);
            surfaceFaults();
            return value;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Writes the int (native byte order) at {@code offset}. */
    public final void putInt(long offset, int value) {
        long address = writableAddress(offset, Integer.BYTES);
        enter(offset);
        try {
            UnsafeApi.putInt(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Reads the long (native byte order) at {@code offset}. */
    public final long getLong(long offset) {
        long address = address(offset, Long.BYTES);
        enter(offset);
        try {
            long value = UnsafeApi.getLong(address);
            surfaceFaults();
            return value;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Writes the long (native byte order) at {@code offset}. */
    public final void putLong(long offset, long value) {
        long address = writableAddress(offset, Long.BYTES);
        enter(offset);
        try {
            UnsafeApi.putLong(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Reads the double at {@code offset}. */
    public final double getDouble(long offset) {
        long address = address(offset, Double.BYTES);
        enter(offset);
        try {
            double value = UnsafeApi.getDouble(address);
            surfaceFaults();
            return value;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Writes the double at {@code offset}. */
    public final void putDouble(long offset, double value) {
        long address = writableAddress(offset, Double.BYTES);
        enter(offset);
        try {
            UnsafeApi.putDouble(address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    // -------------------------------------------------------------------------------------------
    // Bulk copies

    /** Copies {@code count} bytes from {@code offset} into {@code dst[dstIndex ...]}. */
    public final void getBytes(long offset, byte[] dst, int dstIndex, int count) {
        Objects.checkFromIndexSize(dstIndex, count, Objects.requireNonNull(dst, "dst").length);
        long address = address(offset, count);
        enter(offset);
        try {
            UnsafeApi.copyMemory(null, address, dst, BYTE_ARRAY_BASE + dstIndex, count);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Copies {@code dst.length} bytes from {@code offset} into {@code dst}. */
    public final void getBytes(long offset, byte[] dst) {
        getBytes(offset, dst, 0, dst.length);
    }

    /** Copies {@code src[srcIndex ...]}, {@code count} bytes, to {@code offset}. */
    public final void putBytes(long offset, byte[] src, int srcIndex, int count) {
        Objects.checkFromIndexSize(srcIndex, count, Objects.requireNonNull(src, "src").length);
        long address = writableAddress(offset, count);
        enter(offset);
        try {
            UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE + srcIndex, null, address, count);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Copies all of {@code src} to {@code offset}. */
    public final void putBytes(long offset, byte[] src) {
        putBytes(offset, src, 0, src.length);
    }

    /** Sets {@code count} bytes from {@code offset} to {@code value}. */
    public final void setMemory(long offset, long count, byte value) {
        long address = writableAddress(offset, count);
        enter(offset);
        try {
            UnsafeApi.setMemory(address, count, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    // -------------------------------------------------------------------------------------------
    // Atomics on 8-byte aligned longs

    /** Volatile read of the aligned long at {@code offset}. */
    public final long getLongVolatile(long offset) {
        long address = alignedAddress(offset);
        enter(offset);
        try {
            long value = UnsafeApi.getLongVolatile(null, address);
            surfaceFaults();
            return value;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Volatile write of the aligned long at {@code offset}. */
    public final void putLongVolatile(long offset, long value) {
        long address = alignedAddress(offset);
        checkWritable(offset);
        enter(offset);
        try {
            UnsafeApi.putLongVolatile(null, address, value);
            surfaceFaults();
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Atomically sets the aligned long at {@code offset} to {@code update} if it equals {@code expected}. */
    public final boolean compareAndSetLong(long offset, long expected, long update) {
        long address = alignedAddress(offset);
        checkWritable(offset);
        enter(offset);
        try {
            boolean swapped = UnsafeApi.compareAndSetLong(null, address, expected, update);
            surfaceFaults();
            return swapped;
        } catch (InternalError fault) {
            throw faulted(offset, fault);
        } finally {
            guard.exit();
        }
    }

    /** Atomically adds {@code delta} to the aligned long at {@code offset}; returns the previous value. */
    public final long getAndAddLong(long offset, long delta) {
        long address = alignedAddress(offset);
        checkWritable(offset);
        enter(offset);
        try {
            long previous = UnsafeApi.getAndAddLong(null, address, delta);
            surfaceFaults();
            return previous;
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

    private long alignedAddress(long offset) {
        long address = address(offset, Long.BYTES);
        if ((address & (Long.BYTES - 1)) != 0) {
            throw new IllegalArgumentException(describe() + ": offset " + offset
                    + " is not 8-byte aligned in memory (address 0x" + Long.toHexString(address)
                    + "); atomic operations need aligned longs");
        }
        return address;
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
