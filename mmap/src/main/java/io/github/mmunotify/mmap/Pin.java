package io.github.mmunotify.mmap;

import org.agrona.UnsafeApi;

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
 * <p>On a file-backed region, a truncation of the file by another process during the batch
 * surfaces as HotSpot's {@link InternalError} at the faulting access or at the next safepoint poll
 * of the caller's loop; {@link #close()} turns one still pending into a {@link SigBusException}.
 */
public final class Pin implements AutoCloseable {
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

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

    /** The pinned region. */
    public Region region() {
        return region;
    }

    /** Whether a revoke of the region has begun and is waiting for this pin to close. */
    public boolean revokeRequested() {
        return region.guard.isRevoked();
    }

    /** Whether this pin is still open. */
    public boolean isOpen() {
        return owner != null;
    }

    /** Reads the long at {@code offset}: bounds check and load. */
    public long getLong(long offset) {
        return UnsafeApi.getLong(address(offset, Long.BYTES));
    }

    /** Writes the long at {@code offset}: bounds and read-only checks, then the store. */
    public void putLong(long offset, long value) {
        UnsafeApi.putLong(writableAddress(offset, Long.BYTES), value);
    }

    /** Reads the int at {@code offset}: bounds check and load. */
    public int getInt(long offset) {
        return UnsafeApi.getInt(address(offset, Integer.BYTES));
    }

    /** Writes the int at {@code offset}: bounds and read-only checks, then the store. */
    public void putInt(long offset, int value) {
        UnsafeApi.putInt(writableAddress(offset, Integer.BYTES), value);
    }

    /** Reads the byte at {@code offset}: bounds check and load. */
    public byte getByte(long offset) {
        return UnsafeApi.getByte(address(offset, Byte.BYTES));
    }

    /** Writes the byte at {@code offset}: bounds and read-only checks, then the store. */
    public void putByte(long offset, byte value) {
        UnsafeApi.putByte(writableAddress(offset, Byte.BYTES), value);
    }

    /** Reads the double at {@code offset}: bounds check and load. */
    public double getDouble(long offset) {
        return UnsafeApi.getDouble(address(offset, Double.BYTES));
    }

    /** Writes the double at {@code offset}: bounds and read-only checks, then the store. */
    public void putDouble(long offset, double value) {
        UnsafeApi.putDouble(writableAddress(offset, Double.BYTES), value);
    }

    /** Copies {@code count} bytes from {@code offset} into {@code dst[dstIndex ...]}. */
    public void getBytes(long offset, byte[] dst, int dstIndex, int count) {
        Objects.checkFromIndexSize(dstIndex, count, Objects.requireNonNull(dst, "dst").length);
        UnsafeApi.copyMemory(null, address(offset, count), dst, BYTE_ARRAY_BASE + dstIndex, count);
    }

    /** Copies {@code src[srcIndex ...]}, {@code count} bytes, to {@code offset}. */
    public void putBytes(long offset, byte[] src, int srcIndex, int count) {
        Objects.checkFromIndexSize(srcIndex, count, Objects.requireNonNull(src, "src").length);
        UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE + srcIndex, null, writableAddress(offset, count), count);
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
