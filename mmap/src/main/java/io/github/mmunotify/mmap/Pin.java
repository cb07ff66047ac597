package io.github.mmunotify.mmap;

import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a {@link Region} mapped for a batch of accesses, so that each access inside the batch is a
 * bounds check and a load or store, at the speed of a raw {@code UnsafeBuffer}. Taking a pin enters
 * the region's guard once; closing it exits. A {@link Region#revoke()} that begins meanwhile waits
 * for the pin to close; the holder sees {@link #revokeRequested()} become true and should finish
 * or abandon the batch promptly. The revoke's kick also unparks the holder, so a holder parked
 * inside its batch ({@code LockSupport.park}, a timed wait built on it) wakes up to check.
 *
 * <pre>{@code
 * try (Pin pin = region.pin()) {
 *     for (long i = 0; i < n && !pin.revokeRequested(); i++) sum += pin.getLong(i * 8);
 * }
 * }</pre>
 *
 * <p>Thread-confined: a pin belongs to the thread that took it (the guard counts entries per
 * thread); using or closing it from another thread throws {@link IllegalStateException}, and so
 * does any access after {@link #close()}, so a stale pin never touches memory.
 *
 * <p>The accessors are those of {@link GuardedMemory}, with the same names, bounds checks,
 * read-only checks and alignment rules (volatile and atomic accesses need naturally aligned
 * addresses and throw {@link IllegalArgumentException} naming the offset and alignment otherwise),
 * and the same memory effects per access mode.
 *
 * <p>On a file-backed region, a truncation of the file by another process during the batch
 * surfaces as HotSpot's {@link InternalError} at the faulting access or at the next safepoint poll
 * of the caller's loop; {@link #close()} turns one still pending into a {@link SigBusException}.
 */
public final class Pin implements AutoCloseable {
    private final Region region;
    private final long base;
    private final long length;
    /** The holder while the pin is open; null once closed. Checked by every access. */
    private Thread owner;
    /** The holder, kept for the revoke's kick (which runs on another thread). */
    private final Thread holder;

    Pin(Region region) {
        this.region = region;
        this.base = region.base;
        this.length = region.length;
        this.owner = Thread.currentThread();
        this.holder = owner;
    }

    /** The thread that took the pin (for a timed-out revoke's message). */
    Thread holder() {
        return holder;
    }

    /** Unparks the holder (the revoke's kick); harmless if it is not parked. */
    void wakeHolder() {
        LockSupport.unpark(holder);
    }

    /**
     * The pinned region.
     *
     * @return the region this pin holds mapped
     */
    public Region region() {
        return region;
    }

    /**
     * Whether a revoke of the region has begun and is waiting for this pin to close.
     *
     * @return true once the holder should finish or abandon its batch and close the pin
     */
    public boolean revokeRequested() {
        return region.guard.isRevoked();
    }

    /**
     * Whether this pin is still open.
     *
     * @return true until {@link #close()}
     */
    public boolean isOpen() {
        return owner != null;
    }

    // -------------------------------------------------------------------------------------------
    // Typed access: the same accessors as GuardedMemory's, without the guard (the pin holds it)

    /**
     * Reads the byte at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the byte in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public byte getByte(long offset) {
        return Memory.getByte(address(offset, Byte.BYTES));
    }

    /**
     * Writes the byte at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the byte in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putByte(long offset, byte value) {
        Memory.putByte(writableAddress(offset, Byte.BYTES), value);
    }

    /**
     * Reads the short (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the short in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public short getShort(long offset) {
        return Memory.getShort(address(offset, Short.BYTES));
    }

    /**
     * Writes the short (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the short in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putShort(long offset, short value) {
        Memory.putShort(writableAddress(offset, Short.BYTES), value);
    }

    /**
     * Reads the char (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the char in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public char getChar(long offset) {
        return Memory.getChar(address(offset, Character.BYTES));
    }

    /**
     * Writes the char (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the char in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putChar(long offset, char value) {
        Memory.putChar(writableAddress(offset, Character.BYTES), value);
    }

    /**
     * Reads the int (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public int getInt(long offset) {
        return Memory.getInt(address(offset, Integer.BYTES));
    }

    /**
     * Writes the int (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putInt(long offset, int value) {
        Memory.putInt(writableAddress(offset, Integer.BYTES), value);
    }

    /**
     * Reads the long (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public long getLong(long offset) {
        return Memory.getLong(address(offset, Long.BYTES));
    }

    /**
     * Writes the long (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putLong(long offset, long value) {
        Memory.putLong(writableAddress(offset, Long.BYTES), value);
    }

    /**
     * Reads the float (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the float in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public float getFloat(long offset) {
        return Memory.getFloat(address(offset, Float.BYTES));
    }

    /**
     * Writes the float (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the float in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putFloat(long offset, float value) {
        Memory.putFloat(writableAddress(offset, Float.BYTES), value);
    }

    /**
     * Reads the double (native byte order) at {@code offset}.
     * A plain read: no ordering towards other threads.
     *
     * @param offset the offset of the double in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public double getDouble(long offset) {
        return Memory.getDouble(address(offset, Double.BYTES));
    }

    /**
     * Writes the double (native byte order) at {@code offset}.
     * A plain write: no ordering towards other threads.
     *
     * @param offset the offset of the double in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putDouble(long offset, double value) {
        Memory.putDouble(writableAddress(offset, Double.BYTES), value);
    }

    /**
     * Reads the byte at {@code offset} with volatile semantics.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the byte in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public byte getByteVolatile(long offset) {
        return Memory.getByteVolatile(alignedAddress(offset, Byte.BYTES));
    }

    /**
     * Writes the byte at {@code offset} with volatile semantics.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the byte in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 1)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putByteVolatile(long offset, byte value) {
        Memory.putByteVolatile(writableAlignedAddress(offset, Byte.BYTES), value);
    }

    /**
     * Reads the short (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the short in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public short getShortVolatile(long offset) {
        return Memory.getShortVolatile(alignedAddress(offset, Short.BYTES));
    }

    /**
     * Writes the short (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the short in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putShortVolatile(long offset, short value) {
        Memory.putShortVolatile(writableAlignedAddress(offset, Short.BYTES), value);
    }

    /**
     * Reads the char (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the char in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public char getCharVolatile(long offset) {
        return Memory.getCharVolatile(alignedAddress(offset, Character.BYTES));
    }

    /**
     * Writes the char (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 2-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the char in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 2)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putCharVolatile(long offset, char value) {
        Memory.putCharVolatile(writableAlignedAddress(offset, Character.BYTES), value);
    }

    /**
     * Reads the int (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public int getIntVolatile(long offset) {
        return Memory.getIntVolatile(alignedAddress(offset, Integer.BYTES));
    }

    /**
     * Writes the int (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putIntVolatile(long offset, int value) {
        Memory.putIntVolatile(writableAlignedAddress(offset, Integer.BYTES), value);
    }

    /**
     * Reads the long (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getVolatile}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public long getLongVolatile(long offset) {
        return Memory.getLongVolatile(alignedAddress(offset, Long.BYTES));
    }

    /**
     * Writes the long (native byte order) at {@code offset} with volatile semantics.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setVolatile}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putLongVolatile(long offset, long value) {
        Memory.putLongVolatile(writableAlignedAddress(offset, Long.BYTES), value);
    }

    /**
     * Reads the int at {@code offset} with acquire semantics:
     * no later access of this thread is reordered before it.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAcquire}; pairs with {@link #putIntRelease}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public int getIntAcquire(long offset) {
        return Memory.getIntAcquire(alignedAddress(offset, Integer.BYTES));
    }

    /**
     * Writes the int at {@code offset} with release semantics:
     * no earlier access of this thread is reordered after it.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setRelease}; pairs with {@link #getIntAcquire}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putIntRelease(long offset, int value) {
        Memory.putIntRelease(writableAlignedAddress(offset, Integer.BYTES), value);
    }

    /**
     * Atomically sets the int at {@code offset} to {@code update} if it equals {@code expected}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#compareAndSet}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param expected the value expected at {@code offset}
     * @param update the value to write if it is there
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public boolean compareAndSetInt(long offset, int expected, int update) {
        return Memory.compareAndSetInt(writableAlignedAddress(offset, Integer.BYTES), expected, update);
    }

    /**
     * Atomically adds {@code delta} to the int at {@code offset}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndAdd}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param delta the amount to add (wrapping on overflow)
     * @return the value before the addition
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public int getAndAddInt(long offset, int delta) {
        return Memory.getAndAddInt(writableAlignedAddress(offset, Integer.BYTES), delta);
    }

    /**
     * Atomically replaces the int at {@code offset} by {@code value}.
     * The address of {@code offset} must be 4-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndSet}.
     *
     * @param offset the offset of the int in this pin's region, in bytes
     * @param value the value to write
     * @return the value before the replacement
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 4)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public int getAndSetInt(long offset, int value) {
        return Memory.getAndSetInt(writableAlignedAddress(offset, Integer.BYTES), value);
    }

    /**
     * Reads the long at {@code offset} with acquire semantics:
     * no later access of this thread is reordered before it.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAcquire}; pairs with {@link #putLongRelease}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @return the value read
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public long getLongAcquire(long offset) {
        return Memory.getLongAcquire(alignedAddress(offset, Long.BYTES));
    }

    /**
     * Writes the long at {@code offset} with release semantics:
     * no earlier access of this thread is reordered after it.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#setRelease}; pairs with {@link #getLongAcquire}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param value the value to write
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putLongRelease(long offset, long value) {
        Memory.putLongRelease(writableAlignedAddress(offset, Long.BYTES), value);
    }

    /**
     * Atomically sets the long at {@code offset} to {@code update} if it equals {@code expected}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#compareAndSet}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param expected the value expected at {@code offset}
     * @param update the value to write if it is there
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public boolean compareAndSetLong(long offset, long expected, long update) {
        return Memory.compareAndSetLong(writableAlignedAddress(offset, Long.BYTES), expected, update);
    }

    /**
     * Atomically adds {@code delta} to the long at {@code offset}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndAdd}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param delta the amount to add (wrapping on overflow)
     * @return the value before the addition
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public long getAndAddLong(long offset, long delta) {
        return Memory.getAndAddLong(writableAlignedAddress(offset, Long.BYTES), delta);
    }

    /**
     * Atomically replaces the long at {@code offset} by {@code value}.
     * The address of {@code offset} must be 8-byte aligned.
     * Memory consistency: as {@link java.lang.invoke.VarHandle#getAndSet}.
     *
     * @param offset the offset of the long in this pin's region, in bytes
     * @param value the value to write
     * @return the value before the replacement
     * @throws IndexOutOfBoundsException if {@code [offset, offset + 8)} is not inside the region
     * @throws IllegalArgumentException  if the address of {@code offset} is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public long getAndSetLong(long offset, long value) {
        return Memory.getAndSetLong(writableAlignedAddress(offset, Long.BYTES), value);
    }

    /**
     * Copies {@code count} bytes from {@code offset} into {@code dst[dstIndex ...]}.
     *
     * @param offset   the offset in the region of the first byte to copy
     * @param dst      the array to copy into
     * @param dstIndex the index in {@code dst} of the first byte written
     * @param count    the number of bytes to copy
     * @throws NullPointerException      if {@code dst} is null
     * @throws IndexOutOfBoundsException if {@code [dstIndex, dstIndex + count)} is not inside {@code dst}
     *                                   or {@code [offset, offset + count)} is not inside the region
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void getBytes(long offset, byte[] dst, int dstIndex, int count) {
        Objects.checkFromIndexSize(dstIndex, count, Objects.requireNonNull(dst, "dst").length);
        Memory.copyToArray(address(offset, count), dst, dstIndex, count);
    }

    /**
     * Copies {@code src[srcIndex ...]}, {@code count} bytes, to {@code offset}.
     *
     * @param offset   the offset in the region of the first byte written
     * @param src      the array to copy from
     * @param srcIndex the index in {@code src} of the first byte to copy
     * @param count    the number of bytes to copy
     * @throws NullPointerException      if {@code src} is null
     * @throws IndexOutOfBoundsException if {@code [srcIndex, srcIndex + count)} is not inside {@code src}
     *                                   or {@code [offset, offset + count)} is not inside the region
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws IllegalStateException     if the pin is closed or belongs to another thread
     */
    public void putBytes(long offset, byte[] src, int srcIndex, int count) {
        Objects.checkFromIndexSize(srcIndex, count, Objects.requireNonNull(src, "src").length);
        Memory.copyFromArray(src, srcIndex, writableAddress(offset, count), count);
    }

    private long address(long offset, long size) {
        if (owner != Thread.currentThread()) {
            throw notOwner("access");
        }
        if (offset < 0 || size < 0 || offset > length - size) {
            throw new IndexOutOfBoundsException("pin of " + region.describe() + ": access of " + size
                    + " bytes at offset " + offset + " is out of bounds for length " + length);
        }
        return base + offset;
    }

    private long writableAddress(long offset, long size) {
        long address = address(offset, size);
        region.checkWritable(offset);
        return address;
    }

    /** As {@link #address}, and the address must be {@code size}-aligned (a power of two). */
    private long alignedAddress(long offset, long size) {
        long address = address(offset, size);
        if ((address & (size - 1)) != 0) {
            throw GuardedMemory.misaligned("pin of " + region.describe(), offset, size, address);
        }
        return address;
    }

    private long writableAlignedAddress(long offset, long size) {
        long address = alignedAddress(offset, size);
        region.checkWritable(offset);
        return address;
    }

    private IllegalStateException notOwner(String what) {
        Thread holder = owner;
        return new IllegalStateException(what + " through " + this + " refused: "
                + (holder == null ? "the pin is closed" : "the pin belongs to thread " + holder.getName()));
    }

    /**
     * Releases the pin; a revoke waiting for it may proceed. Idempotent on the owning thread.
     *
     * @throws IllegalStateException    if called from a thread other than the holder
     * @throws SigBusException          if the file behind the region was truncated during the batch
     *                                  and the fault is still pending
     */
    @Override
    public void close() {
        Thread me = Thread.currentThread();
        if (owner == null) {
            return;
        }
        if (owner != me) {
            throw notOwner("close");
        }
        // Only what must precede the exit comes before it, inside its try: once the pin reads as
        // closed, no Throwable may skip the exit. Leaving the set comes after (a pin left there by
        // a StackOverflowError only makes the kick unpark this thread for nothing).
        owner = null;
        try {
            region.surfaceFaults();
        } catch (InternalError fault) {
            throw region.faulted(-1, fault);
        } finally {
            region.guard.exit();
            region.unpinned(this);
        }
    }

    @Override
    public String toString() {
        return "Pin[" + region.describe() + (owner == null ? ", closed" : ", held by " + owner.getName()) + "]";
    }
}
