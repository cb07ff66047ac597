package io.github.mmunotify.agrona;

import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import org.agrona.AsciiNumberFormatException;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An Agrona {@link AtomicBuffer} over a window {@code [offset, offset + length)} of a revocable
 * {@link Region}: code written against Agrona's buffers reads and writes the region, and a
 * {@link Region#revoke()} still waits for every call in flight and refuses every later one.
 *
 * <pre>{@code
 * try (Region region = Region.allocate("counters", 4096)) {
 *     AtomicBuffer counters = GuardedAtomicBuffer.wrap(region, 0, 4096);
 *     counters.getAndAddLong(8, 1);
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * Every method of {@code AtomicBuffer} is written out in this class, and each one either
 * <ul>
 *   <li>checks that every byte it touches is inside the window, whatever
 *       {@code agrona.disable.bounds.checks} says ({@link IndexOutOfBoundsException} naming the
 *       method, the index, the length and the window; {@link IllegalArgumentException} for a
 *       negative length; nothing is read or written), refuses a write to a read-only region with
 *       {@link ReadOnlyMappingException} before touching memory, and then makes the access through
 *       the region's own guarded accessors, so that once the region is revoked it throws
 *       {@link SigBusException} (which also reports a file truncated under a file-backed region);
 *       or</li>
 *   <li>is refused with {@link UnsupportedOperationException} naming it and what to use instead:
 *       {@code wrap(...)} (it would re-point the buffer past the guard), {@code addressOffset()},
 *       {@code byteArray()}, {@code byteBuffer()} and {@code wrapAdjustment()} (they would hand
 *       out the memory, or a way to compute its address, outside the guard).</li>
 * </ul>
 * Metadata methods ({@link #capacity()}, {@link #isExpandable()}, {@link #checkLimit(int)},
 * {@link #boundsCheck(int, int)}, {@link #toString()}) touch no memory and work after a revoke.
 *
 * <p>Atomic, volatile, ordered, release, acquire and opaque accesses need an address aligned to
 * their width, as Agrona asks of an {@code AtomicBuffer} (an unaligned atomic is not atomic); a
 * misaligned one throws {@link IllegalArgumentException} naming the method and index. Opaque
 * and ordered forms run as the region's release or acquire forms, and the {@code add*Ordered},
 * {@code add*Release} and {@code add*Opaque} forms as an atomic {@code getAndAdd}: stronger than
 * Agrona asks, never weaker. Byte-order overloads take a non-null {@link ByteOrder}.
 *
 * <h2>Memory consistency</h2>
 * Each access has the ordering of the region accessor it runs as (plain, volatile, acquire,
 * release, atomic), and with respect to a revoke: an access either completes before the revoke
 * unmaps the memory or throws {@link SigBusException} having touched nothing.
 *
 * <h2>Cost</h2>
 * A fixed-width access is the region's accessor plus one window check: the guard's enter and exit
 * around the load or store, no allocation; as fast as {@code Region.getLong} and some 6 to 10 ns
 * slower than a raw {@code UnsafeBuffer} access (see the package summary for figures). Strings,
 * ASCII numbers and copies to or from other buffers allocate a heap copy of the bytes.
 *
 * <h2>Differences from {@code UnsafeBuffer}</h2>
 * Copies to and from other Agrona buffers and {@code ByteBuffer}s go through a heap array, since
 * this buffer has no address to copy from; {@code getStringAscii(int, Appendable)} and its
 * siblings report an {@link IOException} of the appendable as {@link UncheckedIOException};
 * {@code putNatural*Ascii} refuse negative values with {@link IllegalArgumentException};
 * {@code putNaturalPaddedIntAscii} refuses a value too wide for its field before writing;
 * {@code putNaturalIntAsciiFromEnd(0, end)} writes {@code "0"} (Agrona 2.6 writes nothing).
 * {@link #equals(Object)}, {@link #hashCode()} and {@link #compareTo(DirectBuffer)} compare
 * contents as Agrona's buffers do, reading them through the guard (so they throw
 * {@link SigBusException} after a revoke: do not use a guarded buffer as a hash key).
 *
 * <p>Thread-safety: as safe as the memory access each method makes; the buffer itself is
 * immutable (the window never moves). A buffer may be shared between threads.
 */
public final class GuardedAtomicBuffer implements AtomicBuffer {
    /*
     * Implementation notes.
     *
     * Every access goes through the region's public accessors, nothing else: they bounds-check
     * against the region, refuse writes to read-only memory, enter and exit the region's guard
     * around the access, and turn a fault of a truncated file into SigBusException. (A Pin would
     * save the guard's enter and exit per access, but its raw accesses report such a fault as
     * HotSpot's InternalError, by Pin's contract; so the adapter takes a Pin only to learn that
     * the region is revoked, in wrap.)
     *
     * Two shapes of method, chosen so that every write is one region access (all or nothing with
     * respect to a revoke: a file-backed region never keeps half a string) and so that no caller
     * code runs inside the region's guard (a revoke waits for the guard; it must never wait for a
     * caller's CharSequence, Appendable or buffer):
     *  1. A fixed-width get/put/atomic, a bulk byte[] copy, setMemory: a window check, then one
     *     region access. No allocation.
     *  2. Encoded writes and copies that involve the caller's objects (strings, ASCII numbers,
     *     other buffers, ByteBuffers, Appendables): encoded or copied through a heap byte[]
     *     outside the guard, then written with one region access; or read with one region access
     *     (two for a length-prefixed string: the prefix, then the bytes it announces) and handed
     *     to the caller's object after the guard is exited.
     * equals, hashCode and compareTo read a long at a time, each read guarded.
     *
     * Window checks compare with `index > capacity - width` (both sides non-negative ints, or
     * longs when the width is a string with its header), which cannot overflow; the region offset
     * `offset + index` is a long and cannot either. The region then checks again against the
     * region (a second line, never the only one).
     *
     * Writability is checked here, not only by the region, so that writes of zero bytes and
     * compare-and-exchanges that would not store are refused on read-only regions too, naming
     * the method.
     *
     * Misalignment is detected by the region's accessors (only they know the address); the
     * IllegalArgumentException they throw is wrapped to name this buffer's method and index.
     */

    /** The length prefix of Agrona's length-prefixed strings. */
    private static final int STR_HEADER_LEN = DirectBuffer.STR_HEADER_LEN;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Native-order ints in a heap byte[] (the length prefix of a string encoded on the heap). */
    private static final VarHandle INT_IN_ARRAY = MethodHandles.byteArrayViewVarHandle(int[].class, NATIVE);

    private final Region region;
    /** Where the window starts in the region. */
    private final long offset;
    /** The window's length. */
    private final int capacity;

    private GuardedAtomicBuffer(Region region, long offset, int capacity) {
        this.region = region;
        this.offset = offset;
        this.capacity = capacity;
    }

    /**
     * A buffer over {@code [offset, offset + length)} of {@code region}. Index 0 of the buffer is
     * {@code offset} of the region. The window is fixed for the life of the buffer.
     *
     * @param region the region whose memory the buffer reads and writes
     * @param offset where the window starts in the region
     * @param length the window's length in bytes, the buffer's {@link #capacity()}
     * @return a buffer over the window
     * @throws NullPointerException      if {@code region} is null
     * @throws IllegalArgumentException  if {@code length} is negative (the message names it)
     * @throws IndexOutOfBoundsException if {@code offset} is negative or the window does not fit in
     *                                   the region (the message names offset, length and the region)
     * @throws SigBusException           if the region is already revoked
     */
    public static GuardedAtomicBuffer wrap(Region region, long offset, int length) {
        Objects.requireNonNull(region, "region");
        if (length < 0) {
            throw new IllegalArgumentException("GuardedAtomicBuffer.wrap: length " + length + " is negative");
        }
        if (offset < 0 || offset > region.length() - length) {
            throw new IndexOutOfBoundsException("GuardedAtomicBuffer.wrap: offset " + offset + " with length " + length
                    + " is not inside region '" + region.name() + "' of length " + region.length());
        }
        region.pin().close(); // a revoked region refuses the pin with its SigBusException
        return new GuardedAtomicBuffer(region, offset, length);
    }

    /**
     * The region this buffer is a window of.
     *
     * @return the region
     */
    public Region region() {
        return region;
    }

    /**
     * Where this buffer's window starts in its region: index 0 of the buffer.
     *
     * @return the window's offset in the region
     */
    public long regionOffset() {
        return offset;
    }

    // ===========================================================================================
    // Refused: each would re-point the buffer or hand out its memory outside the guard

    private static final String REPOINT = "it would re-point the buffer past the region's guard; use"
            + " GuardedAtomicBuffer.wrap(region, offset, length) for a buffer over another window instead";
    private static final String ESCAPE = "it would hand out the region's memory outside the guard; use the"
            + " buffer's own accessors, or Region.pin() for raw-speed access that a revoke waits for, instead";

    /**
     * Refused.
     *
     * @param buffer ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(byte[] buffer) {
        throw refused("wrap(byte[])", REPOINT);
    }

    /**
     * Refused.
     *
     * @param buffer ignored
     * @param offset ignored
     * @param length ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(byte[] buffer, int offset, int length) {
        throw refused("wrap(byte[], int, int)", REPOINT);
    }

    /**
     * Refused.
     *
     * @param buffer ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(ByteBuffer buffer) {
        throw refused("wrap(ByteBuffer)", REPOINT);
    }

    /**
     * Refused.
     *
     * @param buffer ignored
     * @param offset ignored
     * @param length ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(ByteBuffer buffer, int offset, int length) {
        throw refused("wrap(ByteBuffer, int, int)", REPOINT);
    }

    /**
     * Refused.
     *
     * @param buffer ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(DirectBuffer buffer) {
        throw refused("wrap(DirectBuffer)", REPOINT);
    }

    /**
     * Refused.
     *
     * @param buffer ignored
     * @param offset ignored
     * @param length ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(DirectBuffer buffer, int offset, int length) {
        throw refused("wrap(DirectBuffer, int, int)", REPOINT);
    }

    /**
     * Refused.
     *
     * @param address ignored
     * @param length  ignored
     * @throws UnsupportedOperationException always: it would re-point the buffer past the guard
     */
    @Override
    public void wrap(long address, int length) {
        throw refused("wrap(long, int)", REPOINT);
    }

    /**
     * Refused: the window's address would let a caller reach the memory after a revoke.
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public long addressOffset() {
        throw refused("addressOffset()", ESCAPE);
    }

    /**
     * Refused (there is no array: the memory is off-heap).
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public byte[] byteArray() {
        throw refused("byteArray()", ESCAPE);
    }

    /**
     * Refused: a {@code ByteBuffer} over the window would outlive a revoke.
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public ByteBuffer byteBuffer() {
        throw refused("byteBuffer()", ESCAPE);
    }

    /**
     * Refused (there is no wrapped array or {@code ByteBuffer}; indices are window-relative).
     *
     * @return never
     * @throws UnsupportedOperationException always
     */
    @Override
    public int wrapAdjustment() {
        throw refused("wrapAdjustment()", ESCAPE);
    }

    // ===========================================================================================
    // Metadata: no memory touched

    /**
     * The window's length in bytes.
     *
     * @return the capacity, fixed for the life of the buffer
     */
    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * Always false: the window is fixed.
     *
     * @return false
     */
    @Override
    public boolean isExpandable() {
        return false;
    }

    /**
     * Checks that {@code limit} is not beyond the capacity.
     *
     * @param limit the limit to check
     * @throws IndexOutOfBoundsException if {@code limit > capacity()}
     */
    @Override
    public void checkLimit(int limit) {
        if (limit > capacity) {
            throw new IndexOutOfBoundsException(where("checkLimit") + ": limit " + limit + " is beyond capacity "
                    + capacity);
        }
    }

    /**
     * Checks that {@code [index, index + length)} is inside the window.
     *
     * @param index  the first byte
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if the range is not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     */
    @Override
    public void boundsCheck(int index, int length) {
        range("boundsCheck", index, length);
    }

    /**
     * Checks that the window starts on an 8-byte aligned address, as Agrona requires of an
     * {@code AtomicBuffer} for 8-byte atomics at 8-byte aligned indices. The region's address is
     * not public; the check asks the region's own 8-byte volatile read, which refuses a
     * misaligned address, at an offset of the same alignment as the window's start.
     *
     * @throws IllegalStateException if the window's start is not 8-byte aligned, or the region is
     *                               shorter than 8 bytes (so it admits no 8-byte atomic at all)
     * @throws SigBusException       if the region is revoked
     */
    @Override
    public void verifyAlignment() {
        long probe = region.length() - offset >= Long.BYTES ? offset : offset - Long.BYTES;
        if (probe < 0) {
            throw new IllegalStateException(where("verifyAlignment") + ": the region is " + region.length()
                    + " bytes long, too short for any 8-byte atomic, so the alignment cannot be verified");
        }
        try {
            region.getLongVolatile(probe);
        } catch (IllegalArgumentException misaligned) {
            throw new IllegalStateException(where("verifyAlignment") + ": the window does not start on an 8-byte"
                    + " aligned address, so 8-byte atomics at aligned indices are refused: " + misaligned.getMessage(),
                    misaligned);
        }
    }

    // ===========================================================================================
    // Plain fixed-width accesses

    /**
     * Reads the byte at {@code index}.
     *
     * @param index the byte's index in the window
     * @return the byte
     * @throws IndexOutOfBoundsException if the byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public byte getByte(int index) {
        return region.getByte(at("getByte", index, Byte.BYTES));
    }

    /**
     * Writes the byte at {@code index}.
     *
     * @param index the byte's index in the window
     * @param value the byte
     * @throws IndexOutOfBoundsException if the byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putByte(int index, byte value) {
        region.putByte(writableAt("putByte", index, Byte.BYTES), value);
    }

    /**
     * Reads the short (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public short getShort(int index) {
        return region.getShort(at("getShort", index, Short.BYTES));
    }

    /**
     * Reads the short in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public short getShort(int index, ByteOrder byteOrder) {
        short bits = region.getShort(at("getShort", index, Short.BYTES));
        return isNative(byteOrder) ? bits : Short.reverseBytes(bits);
    }

    /**
     * Writes the short (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putShort(int index, short value) {
        region.putShort(writableAt("putShort", index, Short.BYTES), value);
    }

    /**
     * Writes the short in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putShort(int index, short value, ByteOrder byteOrder) {
        long at = writableAt("putShort", index, Short.BYTES);
        region.putShort(at, isNative(byteOrder) ? value : Short.reverseBytes(value));
    }

    /**
     * Reads the char (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public char getChar(int index) {
        return region.getChar(at("getChar", index, Character.BYTES));
    }

    /**
     * Reads the char in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public char getChar(int index, ByteOrder byteOrder) {
        char bits = region.getChar(at("getChar", index, Character.BYTES));
        return isNative(byteOrder) ? bits : Character.reverseBytes(bits);
    }

    /**
     * Writes the char (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putChar(int index, char value) {
        region.putChar(writableAt("putChar", index, Character.BYTES), value);
    }

    /**
     * Writes the char in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putChar(int index, char value, ByteOrder byteOrder) {
        long at = writableAt("putChar", index, Character.BYTES);
        region.putChar(at, isNative(byteOrder) ? value : Character.reverseBytes(value));
    }

    /**
     * Reads the int (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getInt(int index) {
        return region.getInt(at("getInt", index, Integer.BYTES));
    }

    /**
     * Reads the int in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getInt(int index, ByteOrder byteOrder) {
        int bits = region.getInt(at("getInt", index, Integer.BYTES));
        return isNative(byteOrder) ? bits : Integer.reverseBytes(bits);
    }

    /**
     * Writes the int (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putInt(int index, int value) {
        region.putInt(writableAt("putInt", index, Integer.BYTES), value);
    }

    /**
     * Writes the int in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putInt(int index, int value, ByteOrder byteOrder) {
        long at = writableAt("putInt", index, Integer.BYTES);
        region.putInt(at, isNative(byteOrder) ? value : Integer.reverseBytes(value));
    }

    /**
     * Reads the float (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public float getFloat(int index) {
        return region.getFloat(at("getFloat", index, Float.BYTES));
    }

    /**
     * Reads the float in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public float getFloat(int index, ByteOrder byteOrder) {
        long at = at("getFloat", index, Float.BYTES);
        return isNative(byteOrder) ? region.getFloat(at) : Float.intBitsToFloat(Integer.reverseBytes(region.getInt(at)));
    }

    /**
     * Writes the float (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putFloat(int index, float value) {
        region.putFloat(writableAt("putFloat", index, Float.BYTES), value);
    }

    /**
     * Writes the float in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putFloat(int index, float value, ByteOrder byteOrder) {
        long at = writableAt("putFloat", index, Float.BYTES);
        if (isNative(byteOrder)) {
            region.putFloat(at, value);
        } else {
            region.putInt(at, Integer.reverseBytes(Float.floatToRawIntBits(value)));
        }
    }

    /**
     * Reads the long (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getLong(int index) {
        return region.getLong(at("getLong", index, Long.BYTES));
    }

    /**
     * Reads the long in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getLong(int index, ByteOrder byteOrder) {
        long bits = region.getLong(at("getLong", index, Long.BYTES));
        return isNative(byteOrder) ? bits : Long.reverseBytes(bits);
    }

    /**
     * Writes the long (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLong(int index, long value) {
        region.putLong(writableAt("putLong", index, Long.BYTES), value);
    }

    /**
     * Writes the long in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLong(int index, long value, ByteOrder byteOrder) {
        long at = writableAt("putLong", index, Long.BYTES);
        region.putLong(at, isNative(byteOrder) ? value : Long.reverseBytes(value));
    }

    /**
     * Reads the double (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public double getDouble(int index) {
        return region.getDouble(at("getDouble", index, Double.BYTES));
    }

    /**
     * Reads the double in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param byteOrder the byte order of the stored value
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public double getDouble(int index, ByteOrder byteOrder) {
        long at = at("getDouble", index, Double.BYTES);
        return isNative(byteOrder) ? region.getDouble(at) : Double.longBitsToDouble(Long.reverseBytes(region.getLong(at)));
    }

    /**
     * Writes the double (native byte order) at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putDouble(int index, double value) {
        region.putDouble(writableAt("putDouble", index, Double.BYTES), value);
    }

    /**
     * Writes the double in {@code byteOrder} at {@code index}.
     *
     * @param index     the first byte's index in the window
     * @param value     the value
     * @param byteOrder the byte order to store it in
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putDouble(int index, double value, ByteOrder byteOrder) {
        long at = writableAt("putDouble", index, Double.BYTES);
        if (isNative(byteOrder)) {
            region.putDouble(at, value);
        } else {
            region.putLong(at, Long.reverseBytes(Double.doubleToRawLongBits(value)));
        }
    }

    // ===========================================================================================
    // Volatile, acquire/release and atomic accesses (aligned)

    /**
     * Volatile read of the byte at {@code index}.
     *
     * @param index the byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if the byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public byte getByteVolatile(int index) {
        return region.getByteVolatile(at("getByteVolatile", index, Byte.BYTES));
    }

    /**
     * Volatile write of the byte at {@code index}.
     *
     * @param index the byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if the byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putByteVolatile(int index, byte value) {
        region.putByteVolatile(writableAt("putByteVolatile", index, Byte.BYTES), value);
    }

    /**
     * Volatile read of the 2-byte aligned short at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 2-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public short getShortVolatile(int index) {
        long at = at("getShortVolatile", index, Short.BYTES);
        try {
            return region.getShortVolatile(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getShortVolatile", index, e);
        }
    }

    /**
     * Volatile write of the 2-byte aligned short at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putShortVolatile(int index, short value) {
        long at = writableAt("putShortVolatile", index, Short.BYTES);
        try {
            region.putShortVolatile(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("putShortVolatile", index, e);
        }
    }

    /**
     * Volatile read of the 2-byte aligned char at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 2-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public char getCharVolatile(int index) {
        long at = at("getCharVolatile", index, Character.BYTES);
        try {
            return region.getCharVolatile(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getCharVolatile", index, e);
        }
    }

    /**
     * Volatile write of the 2-byte aligned char at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 2-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putCharVolatile(int index, char value) {
        long at = writableAt("putCharVolatile", index, Character.BYTES);
        try {
            region.putCharVolatile(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("putCharVolatile", index, e);
        }
    }

    /**
     * Volatile read of the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getIntVolatile(int index) {
        long at = at("getIntVolatile", index, Integer.BYTES);
        try {
            return region.getIntVolatile(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getIntVolatile", index, e);
        }
    }

    /**
     * Acquire read of the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getIntAcquire(int index) {
        long at = at("getIntAcquire", index, Integer.BYTES);
        try {
            return region.getIntAcquire(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getIntAcquire", index, e);
        }
    }

    /**
     * Opaque read of the 4-byte aligned int at {@code index} (runs as an acquire read).
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getIntOpaque(int index) {
        long at = at("getIntOpaque", index, Integer.BYTES);
        try {
            return region.getIntAcquire(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getIntOpaque", index, e);
        }
    }

    /**
     * Volatile write of the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putIntVolatile(int index, int value) {
        long at = writableAt("putIntVolatile", index, Integer.BYTES);
        try {
            region.putIntVolatile(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("putIntVolatile", index, e);
        }
    }

    /**
     * Ordered (release) write of the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putIntOrdered(int index, int value) {
        putIntRelease("putIntOrdered", index, value);
    }

    /**
     * Release write of the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putIntRelease(int index, int value) {
        putIntRelease("putIntRelease", index, value);
    }

    /**
     * Opaque write of the 4-byte aligned int at {@code index} (runs as a release write).
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putIntOpaque(int index, int value) {
        putIntRelease("putIntOpaque", index, value);
    }

    private void putIntRelease(String method, int index, int value) {
        long at = writableAt(method, index, Integer.BYTES);
        try {
            region.putIntRelease(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned(method, index, e);
        }
    }

    /**
     * Adds {@code increment} to the 4-byte aligned int at {@code index} (runs as an atomic
     * {@code getAndAdd}, stronger than Agrona's single-writer ordered add).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int addIntOrdered(int index, int increment) {
        return getAndAddInt("addIntOrdered", index, increment);
    }

    /**
     * Adds {@code increment} to the 4-byte aligned int at {@code index} (runs as an atomic
     * {@code getAndAdd}).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int addIntRelease(int index, int increment) {
        return getAndAddInt("addIntRelease", index, increment);
    }

    /**
     * Adds {@code increment} to the 4-byte aligned int at {@code index} (runs as an atomic
     * {@code getAndAdd}).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int addIntOpaque(int index, int increment) {
        return getAndAddInt("addIntOpaque", index, increment);
    }

    /**
     * Atomically adds {@code delta} to the 4-byte aligned int at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param delta the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getAndAddInt(int index, int delta) {
        return getAndAddInt("getAndAddInt", index, delta);
    }

    private int getAndAddInt(String method, int index, int delta) {
        long at = writableAt(method, index, Integer.BYTES);
        try {
            return region.getAndAddInt(at, delta);
        } catch (IllegalArgumentException e) {
            throw misaligned(method, index, e);
        }
    }

    /**
     * Atomically sets the 4-byte aligned int at {@code index} to {@code value}.
     *
     * @param index the first byte's index in the window
     * @param value the new value
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getAndSetInt(int index, int value) {
        long at = writableAt("getAndSetInt", index, Integer.BYTES);
        try {
            return region.getAndSetInt(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("getAndSetInt", index, e);
        }
    }

    /**
     * Atomically sets the 4-byte aligned int at {@code index} to {@code update} if it is
     * {@code expected}.
     *
     * @param index    the first byte's index in the window
     * @param expected the value expected
     * @param update   the new value
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only (even if nothing would be stored)
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public boolean compareAndSetInt(int index, int expected, int update) {
        long at = writableAt("compareAndSetInt", index, Integer.BYTES);
        try {
            return region.compareAndSetInt(at, expected, update);
        } catch (IllegalArgumentException e) {
            throw misaligned("compareAndSetInt", index, e);
        }
    }

    /**
     * Atomically sets the 4-byte aligned int at {@code index} to {@code update} if it is
     * {@code expected}, and returns the value it found. Runs as compare-and-set attempts and
     * volatile reads until one of them decides: linearizable, as Agrona's.
     *
     * @param index    the first byte's index in the window
     * @param expected the value expected
     * @param update   the new value
     * @return the value found: {@code expected} if the update was made
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 4-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only (even if nothing would be stored)
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int compareAndExchangeInt(int index, int expected, int update) {
        long at = writableAt("compareAndExchangeInt", index, Integer.BYTES);
        try {
            while (true) {
                if (region.compareAndSetInt(at, expected, update)) {
                    return expected;
                }
                int witness = region.getIntVolatile(at);
                if (witness != expected) {
                    return witness; // a failed exchange at the moment of this read
                }
            }
        } catch (IllegalArgumentException e) {
            throw misaligned("compareAndExchangeInt", index, e);
        }
    }

    /**
     * Volatile read of the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getLongVolatile(int index) {
        long at = at("getLongVolatile", index, Long.BYTES);
        try {
            return region.getLongVolatile(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getLongVolatile", index, e);
        }
    }

    /**
     * Acquire read of the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getLongAcquire(int index) {
        long at = at("getLongAcquire", index, Long.BYTES);
        try {
            return region.getLongAcquire(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getLongAcquire", index, e);
        }
    }

    /**
     * Opaque read of the 8-byte aligned long at {@code index} (runs as an acquire read).
     *
     * @param index the first byte's index in the window
     * @return the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getLongOpaque(int index) {
        long at = at("getLongOpaque", index, Long.BYTES);
        try {
            return region.getLongAcquire(at);
        } catch (IllegalArgumentException e) {
            throw misaligned("getLongOpaque", index, e);
        }
    }

    /**
     * Volatile write of the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLongVolatile(int index, long value) {
        long at = writableAt("putLongVolatile", index, Long.BYTES);
        try {
            region.putLongVolatile(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("putLongVolatile", index, e);
        }
    }

    /**
     * Ordered (release) write of the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLongOrdered(int index, long value) {
        putLongRelease("putLongOrdered", index, value);
    }

    /**
     * Release write of the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLongRelease(int index, long value) {
        putLongRelease("putLongRelease", index, value);
    }

    /**
     * Opaque write of the 8-byte aligned long at {@code index} (runs as a release write).
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putLongOpaque(int index, long value) {
        putLongRelease("putLongOpaque", index, value);
    }

    private void putLongRelease(String method, int index, long value) {
        long at = writableAt(method, index, Long.BYTES);
        try {
            region.putLongRelease(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned(method, index, e);
        }
    }

    /**
     * Adds {@code increment} to the 8-byte aligned long at {@code index} (runs as an atomic
     * {@code getAndAdd}, stronger than Agrona's single-writer ordered add).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long addLongOrdered(int index, long increment) {
        return getAndAddLong("addLongOrdered", index, increment);
    }

    /**
     * Adds {@code increment} to the 8-byte aligned long at {@code index} (runs as an atomic
     * {@code getAndAdd}).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long addLongRelease(int index, long increment) {
        return getAndAddLong("addLongRelease", index, increment);
    }

    /**
     * Adds {@code increment} to the 8-byte aligned long at {@code index} (runs as an atomic
     * {@code getAndAdd}).
     *
     * @param index     the first byte's index in the window
     * @param increment the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long addLongOpaque(int index, long increment) {
        return getAndAddLong("addLongOpaque", index, increment);
    }

    /**
     * Atomically adds {@code delta} to the 8-byte aligned long at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param delta the amount to add (negative to subtract)
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getAndAddLong(int index, long delta) {
        return getAndAddLong("getAndAddLong", index, delta);
    }

    private long getAndAddLong(String method, int index, long delta) {
        long at = writableAt(method, index, Long.BYTES);
        try {
            return region.getAndAddLong(at, delta);
        } catch (IllegalArgumentException e) {
            throw misaligned(method, index, e);
        }
    }

    /**
     * Atomically sets the 8-byte aligned long at {@code index} to {@code value}.
     *
     * @param index the first byte's index in the window
     * @param value the new value
     * @return the previous value
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long getAndSetLong(int index, long value) {
        long at = writableAt("getAndSetLong", index, Long.BYTES);
        try {
            return region.getAndSetLong(at, value);
        } catch (IllegalArgumentException e) {
            throw misaligned("getAndSetLong", index, e);
        }
    }

    /**
     * Atomically sets the 8-byte aligned long at {@code index} to {@code update} if it is
     * {@code expected}.
     *
     * @param index    the first byte's index in the window
     * @param expected the value expected
     * @param update   the new value
     * @return whether the value was {@code expected} and is now {@code update}
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only (even if nothing would be stored)
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public boolean compareAndSetLong(int index, long expected, long update) {
        long at = writableAt("compareAndSetLong", index, Long.BYTES);
        try {
            return region.compareAndSetLong(at, expected, update);
        } catch (IllegalArgumentException e) {
            throw misaligned("compareAndSetLong", index, e);
        }
    }

    /**
     * Atomically sets the 8-byte aligned long at {@code index} to {@code update} if it is
     * {@code expected}, and returns the value it found. Runs as compare-and-set attempts and
     * volatile reads until one of them decides: linearizable, as Agrona's.
     *
     * @param index    the first byte's index in the window
     * @param expected the value expected
     * @param update   the new value
     * @return the value found: {@code expected} if the update was made
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if the address is not 8-byte aligned
     * @throws ReadOnlyMappingException  if the region is read-only (even if nothing would be stored)
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public long compareAndExchangeLong(int index, long expected, long update) {
        long at = writableAt("compareAndExchangeLong", index, Long.BYTES);
        try {
            while (true) {
                if (region.compareAndSetLong(at, expected, update)) {
                    return expected;
                }
                long witness = region.getLongVolatile(at);
                if (witness != expected) {
                    return witness; // a failed exchange at the moment of this read
                }
            }
        } catch (IllegalArgumentException e) {
            throw misaligned("compareAndExchangeLong", index, e);
        }
    }

    // ===========================================================================================
    // Bulk copies

    /**
     * Fills {@code [index, index + length)} with {@code value}.
     *
     * @param index  the first byte's index in the window
     * @param length the number of bytes
     * @param value  the byte to fill with
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void setMemory(int index, int length, byte value) {
        region.setMemory(writableRange("setMemory", index, length), length, value);
    }

    /**
     * Copies {@code dst.length} bytes from {@code index} into {@code dst}.
     *
     * @param index the first byte's index in the window
     * @param dst   the array to fill
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void getBytes(int index, byte[] dst) {
        Objects.requireNonNull(dst, "dst");
        region.getBytes(range("getBytes", index, dst.length), dst, 0, dst.length);
    }

    /**
     * Copies {@code length} bytes from {@code index} into {@code dst[offset ...]}.
     *
     * @param index  the first byte's index in the window
     * @param dst    the array to copy into
     * @param offset where in {@code dst} to start
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or the array
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void getBytes(int index, byte[] dst, int offset, int length) {
        long at = range("getBytes", index, length);
        arraySlice("getBytes", Objects.requireNonNull(dst, "dst").length, offset, length);
        region.getBytes(at, dst, offset, length);
    }

    /**
     * Copies {@code length} bytes from {@code index} into {@code dstBuffer} at {@code dstIndex},
     * through a heap copy (this buffer has no address to copy from).
     *
     * @param index     the first byte's index in the window
     * @param dstBuffer the buffer to copy into (expanded if it is expandable)
     * @param dstIndex  where in {@code dstBuffer} to start
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window, or outside a non-expandable
     *                                   {@code dstBuffer}
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void getBytes(int index, MutableDirectBuffer dstBuffer, int dstIndex, int length) {
        long at = range("getBytes", index, length);
        Objects.requireNonNull(dstBuffer, "dstBuffer");
        if (!dstBuffer.isExpandable()) {
            bufferSlice("getBytes", dstBuffer.capacity(), dstIndex, length);
        }
        byte[] copy = new byte[length];
        region.getBytes(at, copy, 0, length);
        dstBuffer.putBytes(dstIndex, copy, 0, length);
    }

    /**
     * Copies {@code length} bytes from {@code index} into {@code dstBuffer} at its position, and
     * advances the position by {@code length}.
     *
     * @param index     the first byte's index in the window
     * @param dstBuffer the buffer to copy into
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or {@code dstBuffer}'s capacity
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyBufferException   if {@code dstBuffer} is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void getBytes(int index, ByteBuffer dstBuffer, int length) {
        int position = Objects.requireNonNull(dstBuffer, "dstBuffer").position();
        getBytes(index, dstBuffer, position, length);
        dstBuffer.position(position + length);
    }

    /**
     * Copies {@code length} bytes from {@code index} into {@code dstBuffer} at {@code dstOffset}
     * (an absolute index, checked against the capacity as Agrona does); the position is unchanged.
     *
     * @param index     the first byte's index in the window
     * @param dstBuffer the buffer to copy into
     * @param dstOffset where in {@code dstBuffer} to start
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or {@code dstBuffer}'s capacity
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyBufferException   if {@code dstBuffer} is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void getBytes(int index, ByteBuffer dstBuffer, int dstOffset, int length) {
        long at = range("getBytes", index, length);
        bufferSlice("getBytes", Objects.requireNonNull(dstBuffer, "dstBuffer").capacity(), dstOffset, length);
        if (dstBuffer.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (dstBuffer.hasArray()) {
            region.getBytes(at, dstBuffer.array(), dstBuffer.arrayOffset() + dstOffset, length);
        } else {
            byte[] copy = new byte[length];
            region.getBytes(at, copy, 0, length);
            dstBuffer.duplicate().clear().put(dstOffset, copy, 0, length);
        }
    }

    /**
     * Copies all of {@code src} to {@code index}.
     *
     * @param index the first byte's index in the window
     * @param src   the bytes to copy
     * @throws IndexOutOfBoundsException if a byte is outside the window
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putBytes(int index, byte[] src) {
        Objects.requireNonNull(src, "src");
        region.putBytes(writableRange("putBytes", index, src.length), src, 0, src.length);
    }

    /**
     * Copies {@code src[offset, offset + length)} to {@code index}.
     *
     * @param index  the first byte's index in the window
     * @param src    the array to copy from
     * @param offset where in {@code src} to start
     * @param length the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or the array
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putBytes(int index, byte[] src, int offset, int length) {
        long at = writableRange("putBytes", index, length);
        arraySlice("putBytes", Objects.requireNonNull(src, "src").length, offset, length);
        region.putBytes(at, src, offset, length);
    }

    /**
     * Copies {@code length} bytes from {@code srcBuffer} at its position to {@code index}, and
     * advances the position by {@code length}.
     *
     * @param index     the first byte's index in the window
     * @param srcBuffer the buffer to copy from
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or {@code srcBuffer}'s capacity
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putBytes(int index, ByteBuffer srcBuffer, int length) {
        int position = Objects.requireNonNull(srcBuffer, "srcBuffer").position();
        putBytes(index, srcBuffer, position, length);
        srcBuffer.position(position + length);
    }

    /**
     * Copies {@code length} bytes from {@code srcBuffer} at {@code srcIndex} (an absolute index,
     * checked against the capacity as Agrona does) to {@code index}; the position is unchanged.
     *
     * @param index     the first byte's index in the window
     * @param srcBuffer the buffer to copy from
     * @param srcIndex  where in {@code srcBuffer} to start
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or {@code srcBuffer}'s capacity
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putBytes(int index, ByteBuffer srcBuffer, int srcIndex, int length) {
        long at = writableRange("putBytes", index, length);
        bufferSlice("putBytes", Objects.requireNonNull(srcBuffer, "srcBuffer").capacity(), srcIndex, length);
        if (srcBuffer.hasArray()) {
            region.putBytes(at, srcBuffer.array(), srcBuffer.arrayOffset() + srcIndex, length);
        } else {
            byte[] copy = new byte[length];
            srcBuffer.duplicate().clear().get(srcIndex, copy, 0, length);
            region.putBytes(at, copy, 0, length);
        }
    }

    /**
     * Copies {@code length} bytes from {@code srcBuffer} at {@code srcIndex} to {@code index},
     * through a heap copy taken before the region is entered.
     *
     * @param index     the first byte's index in the window
     * @param srcBuffer the buffer to copy from (another guarded buffer works too)
     * @param srcIndex  where in {@code srcBuffer} to start
     * @param length    the number of bytes
     * @throws IndexOutOfBoundsException if a byte is outside the window or {@code srcBuffer}
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putBytes(int index, DirectBuffer srcBuffer, int srcIndex, int length) {
        long at = writableRange("putBytes", index, length);
        bufferSlice("putBytes", Objects.requireNonNull(srcBuffer, "srcBuffer").capacity(), srcIndex, length);
        byte[] copy = new byte[length];
        srcBuffer.getBytes(srcIndex, copy, 0, length);
        region.putBytes(at, copy, 0, length);
    }

    // ===========================================================================================
    // Strings

    /**
     * Reads the length-prefixed (native byte order) ASCII string at {@code index}; bytes above 127
     * decode as U+FFFD, as Agrona's.
     *
     * @param index the prefix's index in the window
     * @return the string
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringAscii(int index) {
        return new String(prefixed("getStringAscii", index, NATIVE), StandardCharsets.US_ASCII);
    }

    /**
     * Reads the ASCII string at {@code index} whose length prefix is in {@code byteOrder}.
     *
     * @param index     the prefix's index in the window
     * @param byteOrder the byte order of the prefix
     * @return the string
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringAscii(int index, ByteOrder byteOrder) {
        return new String(prefixed("getStringAscii", index, byteOrder), StandardCharsets.US_ASCII);
    }

    /**
     * Appends the length-prefixed (native byte order) ASCII string at {@code index} to
     * {@code appendable} (bytes above 127 as {@code '?'}), after the bytes are copied out of the
     * region.
     *
     * @param index      the prefix's index in the window
     * @param appendable where to append the characters
     * @return the number of characters appended
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws UncheckedIOException      if {@code appendable} throws {@link IOException}
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getStringAscii(int index, Appendable appendable) {
        Objects.requireNonNull(appendable, "appendable");
        return append(prefixed("getStringAscii", index, NATIVE), appendable);
    }

    /**
     * Appends the ASCII string at {@code index}, whose length prefix is in {@code byteOrder}, to
     * {@code appendable} (bytes above 127 as {@code '?'}).
     *
     * @param index      the prefix's index in the window
     * @param appendable where to append the characters
     * @param byteOrder  the byte order of the prefix
     * @return the number of characters appended
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws UncheckedIOException      if {@code appendable} throws {@link IOException}
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getStringAscii(int index, Appendable appendable, ByteOrder byteOrder) {
        Objects.requireNonNull(appendable, "appendable");
        return append(prefixed("getStringAscii", index, byteOrder), appendable);
    }

    /**
     * Reads {@code length} ASCII bytes after the 4-byte prefix at {@code index}, ignoring the prefix.
     *
     * @param index  the prefix's index in the window
     * @param length the number of bytes to read after it
     * @return the string
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringAscii(int index, int length) {
        return new String(copy("getStringAscii", index, STR_HEADER_LEN, length), StandardCharsets.US_ASCII);
    }

    /**
     * Appends {@code length} ASCII bytes after the 4-byte prefix at {@code index} to {@code appendable}.
     *
     * @param index      the prefix's index in the window
     * @param length     the number of bytes to read after it
     * @param appendable where to append the characters
     * @return the number of characters appended
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws UncheckedIOException      if {@code appendable} throws {@link IOException}
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getStringAscii(int index, int length, Appendable appendable) {
        Objects.requireNonNull(appendable, "appendable");
        return append(copy("getStringAscii", index, STR_HEADER_LEN, length), appendable);
    }

    /**
     * Reads {@code length} ASCII bytes at {@code index} (no prefix).
     *
     * @param index  the first byte's index in the window
     * @param length the number of bytes
     * @return the string
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringWithoutLengthAscii(int index, int length) {
        return new String(copy("getStringWithoutLengthAscii", index, 0, length), StandardCharsets.US_ASCII);
    }

    /**
     * Appends {@code length} ASCII bytes at {@code index} (no prefix) to {@code appendable}.
     *
     * @param index      the first byte's index in the window
     * @param length     the number of bytes
     * @param appendable where to append the characters
     * @return the number of characters appended
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws UncheckedIOException      if {@code appendable} throws {@link IOException}
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int getStringWithoutLengthAscii(int index, int length, Appendable appendable) {
        Objects.requireNonNull(appendable, "appendable");
        return append(copy("getStringWithoutLengthAscii", index, 0, length), appendable);
    }

    /**
     * Reads the length-prefixed (native byte order) UTF-8 string at {@code index}.
     *
     * @param index the prefix's index in the window
     * @return the string
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringUtf8(int index) {
        return new String(prefixed("getStringUtf8", index, NATIVE), StandardCharsets.UTF_8);
    }

    /**
     * Reads the UTF-8 string at {@code index} whose length prefix is in {@code byteOrder}.
     *
     * @param index     the prefix's index in the window
     * @param byteOrder the byte order of the prefix
     * @return the string
     * @throws IndexOutOfBoundsException if the prefix, or the string it announces, is not inside the window
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringUtf8(int index, ByteOrder byteOrder) {
        return new String(prefixed("getStringUtf8", index, byteOrder), StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code length} UTF-8 bytes after the 4-byte prefix at {@code index}, ignoring the prefix.
     *
     * @param index  the prefix's index in the window
     * @param length the number of bytes to read after it
     * @return the string
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringUtf8(int index, int length) {
        return new String(copy("getStringUtf8", index, STR_HEADER_LEN, length), StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code length} UTF-8 bytes at {@code index} (no prefix).
     *
     * @param index  the first byte's index in the window
     * @param length the number of bytes
     * @return the string
     * @throws IndexOutOfBoundsException if the bytes are not inside the window
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public String getStringWithoutLengthUtf8(int index, int length) {
        return new String(copy("getStringWithoutLengthUtf8", index, 0, length), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code value} as a length-prefixed (native byte order) ASCII string at {@code index};
     * characters above 127 as {@code '?'}; null as the empty string.
     *
     * @param index the prefix's index in the window
     * @param value the string, or null
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringAscii(int index, String value) {
        return putAscii("putStringAscii", index, value, NATIVE);
    }

    /**
     * Writes {@code value} as a length-prefixed (native byte order) ASCII string at {@code index};
     * characters above 127 as {@code '?'}; null as the empty string. The characters are copied
     * out of {@code value} before the region is entered.
     *
     * @param index the prefix's index in the window
     * @param value the characters, or null
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringAscii(int index, CharSequence value) {
        return putAscii("putStringAscii", index, value, NATIVE);
    }

    /**
     * Writes {@code value} as an ASCII string at {@code index} with its length prefix in
     * {@code byteOrder}.
     *
     * @param index     the prefix's index in the window
     * @param value     the string, or null
     * @param byteOrder the byte order of the prefix
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringAscii(int index, String value, ByteOrder byteOrder) {
        return putAscii("putStringAscii", index, value, byteOrder);
    }

    /**
     * Writes {@code value} as an ASCII string at {@code index} with its length prefix in
     * {@code byteOrder}.
     *
     * @param index     the prefix's index in the window
     * @param value     the characters, or null
     * @param byteOrder the byte order of the prefix
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringAscii(int index, CharSequence value, ByteOrder byteOrder) {
        return putAscii("putStringAscii", index, value, byteOrder);
    }

    /**
     * Writes {@code value} as ASCII at {@code index} with no prefix; null writes nothing.
     *
     * @param index the first byte's index in the window
     * @param value the string, or null
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the string does not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringWithoutLengthAscii(int index, String value) {
        return putAsciiWithoutLength("putStringWithoutLengthAscii", index, value, 0, Integer.MAX_VALUE);
    }

    /**
     * Writes {@code value} as ASCII at {@code index} with no prefix; null writes nothing.
     *
     * @param index the first byte's index in the window
     * @param value the characters, or null
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the string does not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringWithoutLengthAscii(int index, CharSequence value) {
        return putAsciiWithoutLength("putStringWithoutLengthAscii", index, value, 0, Integer.MAX_VALUE);
    }

    /**
     * Writes at most {@code length} characters of {@code value} from {@code valueOffset} as ASCII at
     * {@code index}, with no prefix; null writes nothing.
     *
     * @param index       the first byte's index in the window
     * @param value       the string, or null
     * @param valueOffset the first character to write
     * @param length      the most characters to write
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if {@code valueOffset} is not inside {@code value}, or the
     *                                   bytes do not fit in the window (nothing written)
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringWithoutLengthAscii(int index, String value, int valueOffset, int length) {
        return putAsciiWithoutLength("putStringWithoutLengthAscii", index, value, valueOffset, length);
    }

    /**
     * Writes at most {@code length} characters of {@code value} from {@code valueOffset} as ASCII at
     * {@code index}, with no prefix; null writes nothing.
     *
     * @param index       the first byte's index in the window
     * @param value       the characters, or null
     * @param valueOffset the first character to write
     * @param length      the most characters to write
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if {@code valueOffset} is not inside {@code value}, or the
     *                                   bytes do not fit in the window (nothing written)
     * @throws IllegalArgumentException  if {@code length} is negative
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringWithoutLengthAscii(int index, CharSequence value, int valueOffset, int length) {
        return putAsciiWithoutLength("putStringWithoutLengthAscii", index, value, valueOffset, length);
    }

    /**
     * Writes {@code value} as a length-prefixed (native byte order) UTF-8 string at {@code index};
     * null as the empty string.
     *
     * @param index the prefix's index in the window
     * @param value the string, or null
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringUtf8(int index, String value) {
        return putUtf8("putStringUtf8", index, value, NATIVE, Integer.MAX_VALUE);
    }

    /**
     * Writes {@code value} as a UTF-8 string at {@code index} with its length prefix in {@code byteOrder}.
     *
     * @param index     the prefix's index in the window
     * @param value     the string, or null
     * @param byteOrder the byte order of the prefix
     * @return the number of bytes written, prefix included
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringUtf8(int index, String value, ByteOrder byteOrder) {
        return putUtf8("putStringUtf8", index, value, byteOrder, Integer.MAX_VALUE);
    }

    /**
     * Writes {@code value} as a length-prefixed (native byte order) UTF-8 string at {@code index},
     * if its encoding takes at most {@code maxEncodedLength} bytes.
     *
     * @param index            the prefix's index in the window
     * @param value            the string, or null
     * @param maxEncodedLength the most bytes the encoding may take
     * @return the number of bytes written, prefix included
     * @throws IllegalArgumentException  if the encoding is longer than {@code maxEncodedLength} (nothing written)
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringUtf8(int index, String value, int maxEncodedLength) {
        return putUtf8("putStringUtf8", index, value, NATIVE, maxEncodedLength);
    }

    /**
     * Writes {@code value} as a UTF-8 string at {@code index} with its length prefix in
     * {@code byteOrder}, if its encoding takes at most {@code maxEncodedLength} bytes.
     *
     * @param index            the prefix's index in the window
     * @param value            the string, or null
     * @param byteOrder        the byte order of the prefix
     * @param maxEncodedLength the most bytes the encoding may take
     * @return the number of bytes written, prefix included
     * @throws IllegalArgumentException  if the encoding is longer than {@code maxEncodedLength} (nothing written)
     * @throws IndexOutOfBoundsException if the prefix and string do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringUtf8(int index, String value, ByteOrder byteOrder, int maxEncodedLength) {
        return putUtf8("putStringUtf8", index, value, byteOrder, maxEncodedLength);
    }

    /**
     * Writes {@code value} as UTF-8 at {@code index} with no prefix; null writes nothing.
     *
     * @param index the first byte's index in the window
     * @param value the string, or null
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the string does not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putStringWithoutLengthUtf8(int index, String value) {
        requireWritable("putStringWithoutLengthUtf8");
        byte[] bytes = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        region.putBytes(range("putStringWithoutLengthUtf8", index, bytes.length), bytes, 0, bytes.length);
        return bytes.length;
    }

    // ===========================================================================================
    // ASCII numbers

    /**
     * Parses the {@code length} ASCII digits at {@code index} as a non-negative int.
     *
     * @param index  the first digit's index in the window
     * @param length the number of digits
     * @return the value
     * @throws IndexOutOfBoundsException   if the digits are not inside the window
     * @throws IllegalArgumentException    if {@code length} is negative
     * @throws AsciiNumberFormatException  if the bytes are empty, not all digits, or overflow an int
     * @throws SigBusException             if the region is revoked
     */
    @Override
    public int parseNaturalIntAscii(int index, int length) {
        return (int) parse("parseNaturalIntAscii", index, length, false, Integer.MAX_VALUE, "int");
    }

    /**
     * Parses the {@code length} ASCII digits at {@code index} as a non-negative long.
     *
     * @param index  the first digit's index in the window
     * @param length the number of digits
     * @return the value
     * @throws IndexOutOfBoundsException   if the digits are not inside the window
     * @throws IllegalArgumentException    if {@code length} is negative
     * @throws AsciiNumberFormatException  if the bytes are empty, not all digits, or overflow a long
     * @throws SigBusException             if the region is revoked
     */
    @Override
    public long parseNaturalLongAscii(int index, int length) {
        return parse("parseNaturalLongAscii", index, length, false, Long.MAX_VALUE, "long");
    }

    /**
     * Parses the {@code length} ASCII bytes at {@code index}, an optional {@code '-'} and digits, as an int.
     *
     * @param index  the first byte's index in the window
     * @param length the number of bytes
     * @return the value
     * @throws IndexOutOfBoundsException   if the bytes are not inside the window
     * @throws IllegalArgumentException    if {@code length} is negative
     * @throws AsciiNumberFormatException  if the bytes are empty, not a number, or overflow an int
     * @throws SigBusException             if the region is revoked
     */
    @Override
    public int parseIntAscii(int index, int length) {
        return (int) parse("parseIntAscii", index, length, true, Integer.MAX_VALUE, "int");
    }

    /**
     * Parses the {@code length} ASCII bytes at {@code index}, an optional {@code '-'} and digits, as a long.
     *
     * @param index  the first byte's index in the window
     * @param length the number of bytes
     * @return the value
     * @throws IndexOutOfBoundsException   if the bytes are not inside the window
     * @throws IllegalArgumentException    if {@code length} is negative
     * @throws AsciiNumberFormatException  if the bytes are empty, not a number, or overflow a long
     * @throws SigBusException             if the region is revoked
     */
    @Override
    public long parseLongAscii(int index, int length) {
        return parse("parseLongAscii", index, length, true, Long.MAX_VALUE, "long");
    }

    /**
     * Writes {@code value} in decimal ASCII at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the digits do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putIntAscii(int index, int value) {
        return putDecimal("putIntAscii", index, value, decimalLength(value));
    }

    /**
     * Writes {@code value} in decimal ASCII at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the digits do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putLongAscii(int index, long value) {
        return putDecimal("putLongAscii", index, value, decimalLength(value));
    }

    /**
     * Writes the non-negative {@code value} in decimal ASCII at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @return the number of bytes written
     * @throws IllegalArgumentException  if {@code value} is negative
     * @throws IndexOutOfBoundsException if the digits do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putNaturalIntAscii(int index, int value) {
        natural("putNaturalIntAscii", value);
        return putDecimal("putNaturalIntAscii", index, value, decimalLength(value));
    }

    /**
     * Writes the non-negative {@code value} in decimal ASCII at {@code index}.
     *
     * @param index the first byte's index in the window
     * @param value the value
     * @return the number of bytes written
     * @throws IllegalArgumentException  if {@code value} is negative
     * @throws IndexOutOfBoundsException if the digits do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putNaturalLongAscii(int index, long value) {
        natural("putNaturalLongAscii", value);
        return putDecimal("putNaturalLongAscii", index, value, decimalLength(value));
    }

    /**
     * Writes the non-negative {@code value} in decimal ASCII into the {@code length} bytes at
     * {@code offset}, padded with leading zeros.
     *
     * @param offset the first byte's index in the window
     * @param length the width of the field
     * @param value  the value
     * @throws NumberFormatException     if {@code value} has more digits than {@code length} (nothing written)
     * @throws IllegalArgumentException  if {@code value} or {@code length} is negative
     * @throws IndexOutOfBoundsException if the field is not inside the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public void putNaturalPaddedIntAscii(int offset, int length, int value) {
        natural("putNaturalPaddedIntAscii", value);
        writableRange("putNaturalPaddedIntAscii", offset, length);
        if (decimalLength(value) > length) {
            throw new NumberFormatException(where("putNaturalPaddedIntAscii") + ": cannot write " + value + " in "
                    + length + " bytes");
        }
        putDecimal("putNaturalPaddedIntAscii", offset, value, length);
    }

    /**
     * Writes the non-negative {@code value} in decimal ASCII so that its last digit is just before
     * {@code endExclusive}; 0 is written as {@code "0"}.
     *
     * @param value        the value
     * @param endExclusive the index just after the last digit
     * @return the index of the first digit
     * @throws IllegalArgumentException  if {@code value} is negative
     * @throws IndexOutOfBoundsException if the digits do not fit in the window (nothing written)
     * @throws ReadOnlyMappingException  if the region is read-only
     * @throws SigBusException           if the region is revoked
     */
    @Override
    public int putNaturalIntAsciiFromEnd(int value, int endExclusive) {
        natural("putNaturalIntAsciiFromEnd", value);
        int length = decimalLength(value);
        long start = (long) endExclusive - length;
        if (start < 0 || endExclusive > capacity) {
            throw outside("putNaturalIntAsciiFromEnd", "endExclusive " + endExclusive + " with " + length + " digits");
        }
        putDecimal("putNaturalIntAsciiFromEnd", (int) start, value, length);
        return (int) start;
    }

    // ===========================================================================================
    // Object and Comparable, by contents as Agrona's buffers

    /**
     * Whether {@code obj} is a {@code GuardedAtomicBuffer} of the same capacity with the same
     * bytes, as Agrona's buffers compare (a buffer of another class is never equal). Reads both
     * windows a long at a time, each read guarded.
     *
     * @param obj the object to compare with
     * @return whether the contents are equal
     * @throws SigBusException if either region is revoked
     */
    @Override
    public boolean equals(Object obj) {
        if (this == obj) {
            return true;
        }
        if (!(obj instanceof GuardedAtomicBuffer that) || capacity != that.capacity) {
            return false;
        }
        int i = 0;
        for (int end = capacity & ~7; i < end; i += Long.BYTES) {
            if (region.getLong(offset + i) != that.region.getLong(that.offset + i)) {
                return false;
            }
        }
        for (; i < capacity; i++) {
            if (region.getByte(offset + i) != that.region.getByte(that.offset + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A hash of the contents, by Agrona's formula (so equal contents hash alike in any Agrona
     * buffer). Reads the window a long at a time, each read guarded.
     *
     * @return the hash
     * @throws SigBusException if the region is revoked
     */
    @Override
    public int hashCode() {
        int hash = 19;
        int i = 0;
        for (int end = capacity & ~7; i < end; i += Long.BYTES) {
            hash = 31 * hash + Long.hashCode(region.getLong(offset + i));
        }
        for (; i < capacity; i++) {
            hash = 31 * hash + region.getByte(offset + i);
        }
        return hash;
    }

    /**
     * Compares contents as Agrona's buffers do: native-order longs, then bytes, over the shorter
     * capacity, then the capacities. {@code that} is read through its own accessors, outside this
     * region's guard.
     *
     * @param that the buffer to compare with
     * @return negative, zero or positive as this buffer sorts before, with or after {@code that}
     * @throws SigBusException if the region is revoked
     */
    @Override
    public int compareTo(DirectBuffer that) {
        if (this == Objects.requireNonNull(that, "that")) {
            return 0;
        }
        int thatCapacity = that.capacity();
        int length = Math.min(capacity, thatCapacity);
        int i = 0;
        for (int end = length & ~7; i < end; i += Long.BYTES) {
            int cmp = Long.compare(region.getLong(offset + i), that.getLong(i));
            if (cmp != 0) {
                return cmp;
            }
        }
        for (; i < length; i++) {
            int cmp = Byte.compare(region.getByte(offset + i), that.getByte(i));
            if (cmp != 0) {
                return cmp;
            }
        }
        return Integer.compare(capacity, thatCapacity);
    }

    /**
     * Names the window and the region, e.g.
     * {@code GuardedAtomicBuffer[bytes [4096, 4160) of Region[ring, ...]]}.
     *
     * @return a description; touches no memory
     */
    @Override
    public String toString() {
        return "GuardedAtomicBuffer[bytes [" + offset + ", " + (offset + capacity) + ") of " + region + "]";
    }

    // ===========================================================================================
    // The shared steps

    private static boolean isNative(ByteOrder byteOrder) {
        return Objects.requireNonNull(byteOrder, "byteOrder") == NATIVE;
    }

    /** The region offset of {@code width} bytes at {@code index}, which must be inside the window. */
    private long at(String method, int index, int width) {
        if (index < 0 || index > capacity - width) {
            throw outside(method, index, width);
        }
        return offset + index;
    }

    private long writableAt(String method, int index, int width) {
        long at = at(method, index, width);
        requireWritable(method);
        return at;
    }

    /** The region offset of {@code [index, index + length)}, which must be inside the window. */
    private long range(String method, long index, long length) {
        if (length < 0) {
            throw new IllegalArgumentException(where(method) + ": length " + length + " is negative");
        }
        if (index < 0 || index > capacity - length) {
            throw outside(method, index, length);
        }
        return offset + index;
    }

    private long writableRange(String method, long index, long length) {
        long at = range(method, index, length);
        requireWritable(method);
        return at;
    }

    private void requireWritable(String method) {
        if (!region.isWritable()) {
            throw new ReadOnlyMappingException(where(method) + ": region '" + region.name()
                    + "' is read-only; nothing was written");
        }
    }

    /** Checks {@code [offset, offset + length)} of a heap array of {@code arrayLength}. */
    private void arraySlice(String method, int arrayLength, int offset, int length) {
        if (offset < 0 || offset > arrayLength - length) {
            throw new IndexOutOfBoundsException(where(method) + ": array offset " + offset + " with length " + length
                    + " is outside the array of length " + arrayLength);
        }
    }

    /** Checks {@code [index, index + length)} of another buffer of {@code bufferCapacity}. */
    private void bufferSlice(String method, int bufferCapacity, int index, int length) {
        if (length < 0) {
            throw new IllegalArgumentException(where(method) + ": length " + length + " is negative");
        }
        if (index < 0 || index > bufferCapacity - length) {
            throw new IndexOutOfBoundsException(where(method) + ": other buffer's index " + index + " with length "
                    + length + " is outside its capacity " + bufferCapacity);
        }
    }

    /** The bytes of the length-prefixed string at {@code index}: the prefix, then the bytes it announces. */
    private byte[] prefixed(String method, int index, ByteOrder byteOrder) {
        boolean nativeOrder = isNative(byteOrder);
        long at = at(method, index, STR_HEADER_LEN);
        int prefix = region.getInt(at);
        int length = nativeOrder ? prefix : Integer.reverseBytes(prefix);
        if (length < 0 || index + (long) STR_HEADER_LEN > capacity - (long) length) {
            throw new IndexOutOfBoundsException(where(method) + ": index " + index + " holds a string length of "
                    + length + " bytes, which does not fit in " + window());
        }
        byte[] bytes = new byte[length];
        region.getBytes(at + STR_HEADER_LEN, bytes, 0, length);
        return bytes;
    }

    /** A copy of the {@code length} bytes at {@code index + skip}. */
    private byte[] copy(String method, int index, int skip, int length) {
        if (length < 0) {
            throw new IllegalArgumentException(where(method) + ": length " + length + " is negative");
        }
        long at = range(method, index, skip + (long) length) + skip;
        byte[] bytes = new byte[length];
        region.getBytes(at, bytes, 0, length);
        return bytes;
    }

    /** Appends ASCII bytes as Agrona does ({@code '?'} above 127), outside the guard. */
    private static int append(byte[] ascii, Appendable appendable) {
        try {
            for (byte b : ascii) {
                appendable.append(b < 0 ? '?' : (char) b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ascii.length;
    }

    /** Encodes a prefixed ASCII string on the heap, then writes it with one region access. */
    private int putAscii(String method, int index, CharSequence value, ByteOrder byteOrder) {
        boolean nativeOrder = isNative(byteOrder);
        requireWritable(method);
        int length = value == null ? 0 : value.length();
        byte[] bytes = new byte[STR_HEADER_LEN + length];
        for (int i = 0; i < length; i++) {
            bytes[STR_HEADER_LEN + i] = ascii(value.charAt(i));
        }
        INT_IN_ARRAY.set(bytes, 0, nativeOrder ? length : Integer.reverseBytes(length));
        region.putBytes(range(method, index, bytes.length), bytes, 0, bytes.length);
        return bytes.length;
    }

    private int putAsciiWithoutLength(String method, int index, CharSequence value, int valueOffset, int length) {
        requireWritable(method);
        if (length < 0) {
            throw new IllegalArgumentException(where(method) + ": length " + length + " is negative");
        }
        if (value == null) {
            return 0;
        }
        int valueLength = value.length();
        if (valueOffset < 0 || valueOffset > valueLength) {
            throw new IndexOutOfBoundsException(where(method) + ": valueOffset " + valueOffset
                    + " is outside the value of length " + valueLength);
        }
        int count = Math.min(valueLength - valueOffset, length);
        byte[] bytes = new byte[count];
        for (int i = 0; i < count; i++) {
            bytes[i] = ascii(value.charAt(valueOffset + i));
        }
        region.putBytes(range(method, index, count), bytes, 0, count);
        return count;
    }

    private static byte ascii(char c) {
        return c > 127 ? (byte) '?' : (byte) c;
    }

    private int putUtf8(String method, int index, String value, ByteOrder byteOrder, int maxEncodedLength) {
        boolean nativeOrder = isNative(byteOrder);
        requireWritable(method);
        byte[] encoded = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        if (encoded.length > maxEncodedLength) {
            throw new IllegalArgumentException(where(method) + ": encoded string of " + encoded.length
                    + " bytes is larger than the maximum size " + maxEncodedLength);
        }
        long at = range(method, index, (long) STR_HEADER_LEN + encoded.length);
        byte[] bytes = new byte[STR_HEADER_LEN + encoded.length];
        System.arraycopy(encoded, 0, bytes, STR_HEADER_LEN, encoded.length);
        INT_IN_ARRAY.set(bytes, 0, nativeOrder ? encoded.length : Integer.reverseBytes(encoded.length));
        region.putBytes(at, bytes, 0, bytes.length);
        return bytes.length;
    }

    /**
     * Parses decimal ASCII, accumulating negatively (as {@link Long#parseLong}) so that the most
     * negative value parses too. The bytes are copied out in one access, then parsed.
     */
    private long parse(String method, int index, int length, boolean signed, long max, String type) {
        byte[] text = copy(method, index, 0, length);
        if (length == 0) {
            throw new AsciiNumberFormatException("empty string: index=" + index + " length=" + length);
        }
        boolean negative = signed && text[0] == '-';
        int first = negative ? 1 : 0;
        if (first == length) {
            throw parseError("error parsing " + type + ": ", text);
        }
        long limit = negative ? -max - 1 : -max;
        long floor = limit / 10;
        long result = 0;
        for (int i = first; i < length; i++) {
            int digit = text[i] - '0';
            if (digit < 0 || digit > 9) {
                throw parseError("error parsing " + type + ": ", text);
            }
            if (result < floor || result * 10 < limit + digit) {
                throw parseError(type + " overflow parsing: ", text);
            }
            result = result * 10 - digit;
        }
        return negative ? result : -result;
    }

    private static AsciiNumberFormatException parseError(String what, byte[] text) {
        return new AsciiNumberFormatException(what + new String(text, StandardCharsets.US_ASCII));
    }

    private void natural(String method, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(where(method) + ": value " + value + " is negative; natural numbers only");
        }
    }

    /** The characters of {@code value} in decimal, sign included. */
    private static int decimalLength(long value) {
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        return value < 0 ? digits + 1 : digits;
    }

    /**
     * Writes {@code value} in decimal, right-aligned in {@code length} bytes at {@code index},
     * zero-padded, with a leading '-' if negative: encoded on the heap, then one region access.
     */
    private int putDecimal(String method, int index, long value, int length) {
        long at = writableRange(method, index, length);
        byte[] digits = new byte[length];
        long rest = value < 0 ? value : -value; // negative, so that Long.MIN_VALUE has digits too
        int i = digits.length;
        do {
            digits[--i] = (byte) ('0' - rest % 10);
            rest /= 10;
        } while (rest != 0);
        while (i > 0) {
            digits[--i] = '0';
        }
        if (value < 0) {
            digits[0] = '-';
        }
        region.putBytes(at, digits, 0, length);
        return length;
    }

    private String where(String method) {
        return "GuardedAtomicBuffer." + method;
    }

    private String window() {
        return "the window [0, " + capacity + ") = bytes [" + offset + ", " + (offset + capacity) + ") of region '"
                + region.name() + "'";
    }

    private IndexOutOfBoundsException outside(String method, long index, long length) {
        return outside(method, "index " + index + " with length " + length);
    }

    private IndexOutOfBoundsException outside(String method, String what) {
        return new IndexOutOfBoundsException(where(method) + ": " + what + " is outside " + window());
    }

    private IllegalArgumentException misaligned(String method, int index, IllegalArgumentException cause) {
        return new IllegalArgumentException(where(method) + ": index " + index + " of " + window()
                + " is not aligned for an atomic access: " + cause.getMessage(), cause);
    }

    private UnsupportedOperationException refused(String method, String instead) {
        return new UnsupportedOperationException(where(method) + " is refused: " + instead);
    }
}
