package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.Pin;
import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesOut;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.bytes.render.Decimaliser;
import net.openhft.chronicle.bytes.render.StandardDecimaliser;
import net.openhft.chronicle.bytes.util.DecoratedBufferOverflowException;
import net.openhft.chronicle.bytes.util.DecoratedBufferUnderflowException;
import net.openhft.chronicle.core.io.ReferenceChangeListener;
import net.openhft.chronicle.core.io.ReferenceOwner;

import javax.crypto.Cipher;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A Chronicle {@link Bytes} over the whole of a {@link Region}, every access bounds-checked and
 * guarded by the region's revocation: a typed adapter on the region's public accessors.
 *
 * <h2>Positions</h2>
 * As a Chronicle {@code Bytes} of a fixed-capacity store: {@code start() == 0},
 * {@code capacity()} is the region's length, and {@code 0 <= readPosition <= readLimit <=
 * writeLimit <= capacity} always holds; the read limit is the write position, as in every
 * Chronicle {@code Bytes}. {@link #wrap} starts like {@code BytesStore.bytesForRead()}: the whole
 * region readable ({@code readLimit == writeLimit == capacity}, read position 0); {@link #clear()}
 * makes it ready to write from offset 0. A position or limit outside those bounds is refused with
 * {@link IndexOutOfBoundsException} naming the method, the value and the bounds.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every absolute offset is checked against the region ({@link IndexOutOfBoundsException}
 *       naming the method, the offset, the length and the region's bounds; Chronicle itself checks
 *       none of them). Streaming reads and writes are checked against the read and write limits
 *       and throw Chronicle's {@code DecoratedBufferUnderflowException} and
 *       {@code DecoratedBufferOverflowException}. A refused call writes nothing and moves no position.</li>
 *   <li>Every access goes through the region's public accessors ({@link Region#getLong} and kin)
 *       or, for a multi-step copy inside the region, one {@link Pin}: once the region is revoked it
 *       throws {@link SigBusException}, and a revoke waits for calls in flight.</li>
 *   <li>On a read-only region every write throws {@link ReadOnlyMappingException} before memory or
 *       positions are touched.</li>
 *   <li>Nothing that reaches the memory past the guard is handed out: the methods that would return
 *       an address, the underlying {@code BytesStore}, another {@code Bytes} or a
 *       {@code ByteBuffer} over the memory, or switch checks off, throw
 *       {@link UnsupportedOperationException} naming the method and what to use instead.
 *       {@link #isDirectMemory()} is false, so Chronicle's helpers take their portable paths
 *       through this view's own methods. The view holds no address and no store of its own, so a
 *       default method of {@code Bytes} that this class does not override can reach the memory
 *       only through the methods here.</li>
 *   <li>Variable-width writes (UTF-8 and 8-bit strings, stop-bit numbers, text appends) are
 *       encoded on the heap first and copied in with one guarded access only if they fit:
 *       one that does not fit writes nothing. Length-prefixed reads check their prefix against the
 *       read limit before anything is allocated or read.</li>
 * </ul>
 *
 * <h2>Reference counting, equality</h2>
 * The view is not reference counted: the memory's lifetime is the region's ({@link Region#close()},
 * {@link Region#revoke()}). {@code reserve}, {@code release}, {@code releaseLast} and
 * {@code reserveTransfer} are no-ops, {@code tryReserve} returns whether the region is still
 * live, {@code refCount()} is always 1 (a revoked region answers every access with
 * {@link SigBusException}, not Chronicle's closed-state exception), and reference-change listeners
 * are refused, since no release would ever be reported to them. Equality is identity (comparing
 * content would read the memory from {@code equals}); {@link #toString()} names the region and the
 * positions, not the content: use {@code toUtf8String()} or {@code to8bitString()} for that.
 *
 * <p>Not thread-safe, as any Chronicle {@code Bytes}: one thread at a time (positions are plain
 * fields). The absolute atomic, volatile and ordered accessors are atomic with respect to every
 * other access to the same memory through any view, mapping or pin, and need aligned offsets
 * ({@link IllegalArgumentException} otherwise, naming the offset and the alignment).
 *
 * <h2>Implementation notes</h2>
 * Each accessor checks its bounds here (so the message names the Chronicle method), then calls the
 * region's accessor, which checks again, enters the guard, accesses and exits: the cost of a
 * guarded call is two range checks and the guard's enter and exit. Positions move only after the
 * access returned, so a refused or failed access leaves them unchanged. Staged writes use one
 * on-heap scratch {@code Bytes}, taken out of its field while in use, so a nested staged write (a
 * {@code CharSequence} argument that writes to this view while being read) gets a fresh one.
 */
public final class GuardedBytes implements Bytes<Void> {
    /** The largest scratch buffer kept between staged writes and copies. */
    private static final int SCRATCH_KEPT = 64 * 1024;
    /** The chunk of a copy between the region and a source or destination outside it. */
    private static final int CHUNK = 8 * 1024;

    private final Region region;
    private final long capacity;
    private final boolean writable;

    private long readPosition;
    /** Also the read limit, as in every Chronicle {@code Bytes}. */
    private long writePosition;
    private long writeLimit;

    private boolean lenient;
    private Decimaliser decimaliser = StandardDecimaliser.STANDARD;
    private boolean fpAppend0 = true;
    private int lastDecimalPlaces;
    private boolean lastNumberHadDigits;
    /** The staging buffer of variable-width writes while not in use; see {@link #stage()}. */
    private Bytes<byte[]> scratch;
    /** The chunk buffer of copies while not in use. */
    private byte[] chunk;

    private GuardedBytes(Region region) {
        this.region = region;
        this.capacity = region.length();
        this.writable = region.isWritable();
        this.writePosition = capacity;
        this.writeLimit = capacity;
    }

    /**
     * A guarded view of the whole region: read position 0, read limit and write limit the region's
     * length (call {@link #clear()} to write from offset 0). Views are cheap; each has positions of
     * its own.
     *
     * @param region the region to view
     * @return a new view
     * @throws NullPointerException  if {@code region} is null
     * @throws SigBusException       if the region is already revoked
     * @throws IllegalStateException if Chronicle Bytes cannot initialise in this JVM (a missing JVM
     *                               flag; the message names the flags to add)
     */
    public static GuardedBytes wrap(Region region) {
        Objects.requireNonNull(region, "region");
        ChronicleFlags.check();
        if (region.isRevoked()) {
            region.getByte(0); // throws the region's SigBusException, naming why and when
        }
        return new GuardedBytes(region);
    }

    /**
     * The region this view reads and writes.
     *
     * @return the region
     */
    public Region region() {
        return region;
    }

    // -------------------------------------------------------------------------------------------
    // Checks

    private void checkOffset(String method, long offset, long length) {
        if (offset < 0 || length < 0 || offset > capacity - length) {
            throw outside(method, offset, length);
        }
    }

    private IndexOutOfBoundsException outside(String method, long offset, long length) {
        return new IndexOutOfBoundsException(where(method) + ": offset " + offset + " length " + length
                + " is outside the region's bounds [0, " + capacity + ")");
    }

    private void checkWritable(String method) {
        if (!writable) {
            throw new ReadOnlyMappingException(where(method) + ": region '" + region.name()
                    + "' is read-only; nothing was written");
        }
    }

    /** The read position, if {@code width} bytes are readable there (or, lenient, -1). */
    private long readable(String method, long width) {
        long position = readPosition;
        if (width > writePosition - position) {
            if (lenient) {
                return -1;
            }
            throw new DecoratedBufferUnderflowException(where(method) + ": needs " + width + " readable bytes, has "
                    + (writePosition - position) + " in [" + position + ", " + writePosition + ") of [0, " + capacity + ")");
        }
        return position;
    }

    /** The write position, if the region is writable and {@code width} bytes are writable there. */
    private long writableAt(String method, long width) {
        checkWritable(method);
        long position = writePosition;
        if (width < 0 || width > writeLimit - position) {
            throw new DecoratedBufferOverflowException(where(method) + ": needs " + width + " writable bytes, has "
                    + (writeLimit - position) + " in [" + position + ", " + writeLimit + ") of [0, " + capacity + ")");
        }
        return position;
    }

    private void checkPosition(String method, long position, long min, long max) {
        if (position < min || position > max) {
            throw new IndexOutOfBoundsException(where(method) + ": " + position + " is outside [" + min + ", " + max
                    + "] (region '" + region.name() + "' [0, " + capacity + "))");
        }
    }

    private UnsupportedOperationException refused(String method, String instead) {
        return new UnsupportedOperationException(where(method) + " is refused: " + instead);
    }

    private String where(String method) {
        return "GuardedBytes." + method + " on region '" + region.name() + "'";
    }

    private static final String RAW = "a raw address escapes the guard and outlives a revoke;"
            + " use Region.pin() for raw-speed access that a revoke waits for";
    private static final String STORE = "it would hand out a store or Bytes over the region's memory outside the"
            + " guard; use GuardedBytes.wrap(region) for a second view with positions of its own";
    private static final String COPY_OUT = "it would hand out the region's memory outside the guard;"
            + " copy the bytes out instead: toByteArray(), read(byte[]) or copyTo(byte[])";
    private static final String CHECKS = "the guarded view always checks bounds; use Region.pin() for raw speed";

    // -------------------------------------------------------------------------------------------
    // Positions and state

    @Override
    public long start() {
        return 0;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public long realCapacity() {
        return capacity;
    }

    @Override
    public long safeLimit() {
        return capacity;
    }

    @Override
    public long readPosition() {
        return readPosition;
    }

    @Override
    public long writePosition() {
        return writePosition;
    }

    @Override
    public long readLimit() {
        return writePosition;
    }

    @Override
    public long writeLimit() {
        return writeLimit;
    }

    @Override
    public long readRemaining() {
        return writePosition - readPosition;
    }

    @Override
    public long writeRemaining() {
        return writeLimit - writePosition;
    }

    @Override
    public long realReadRemaining() {
        return writePosition - readPosition;
    }

    @Override
    public long realWriteRemaining() {
        return writeLimit - writePosition;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.nativeOrder();
    }

    /** {@inheritDoc} Never: the capacity is the region's length. */
    @Override
    public boolean isElastic() {
        return false;
    }

    /**
     * False, although the memory is off-heap: Chronicle's helpers take their raw-address fast
     * paths only for direct memory, and this view hands out no address.
     *
     * @return false
     */
    @Override
    public boolean isDirectMemory() {
        return false;
    }

    /** {@inheritDoc} Whether the region is backed by a file another process may map. */
    @Override
    public boolean sharedMemory() {
        return region.isFileBacked();
    }

    /** {@inheritDoc} Whether the region is writable. */
    @Override
    public boolean readWrite() {
        return writable;
    }

    /**
     * {@inheritDoc} The position must be in {@code [0, readLimit()]}.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> readPosition(long position) {
        checkPosition("readPosition(long)", position, 0, writePosition);
        readPosition = position;
        return this;
    }

    /**
     * {@inheritDoc} The limit must be in {@code [readPosition(), writeLimit()]}; it is the write
     * position, as in every Chronicle {@code Bytes}.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> readLimit(long limit) {
        checkPosition("readLimit(long)", limit, readPosition, writeLimit);
        writePosition = limit;
        return this;
    }

    /**
     * {@inheritDoc} The position must be in {@code [0, writeLimit()]}; a read position past it
     * follows it down.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> writePosition(long position) {
        checkPosition("writePosition(long)", position, 0, writeLimit);
        writePosition = position;
        readPosition = Math.min(readPosition, position);
        return this;
    }

    /**
     * {@inheritDoc} The limit must be in {@code [writePosition(), capacity()]}.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> writeLimit(long limit) {
        checkPosition("writeLimit(long)", limit, writePosition, capacity);
        writeLimit = limit;
        return this;
    }

    /**
     * {@inheritDoc} The new position must be in {@code [0, readLimit()]}.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> readSkip(long bytesToSkip) {
        if (bytesToSkip < -readPosition || bytesToSkip > writePosition - readPosition) {
            throw new IndexOutOfBoundsException(where("readSkip(long)") + ": skipping " + bytesToSkip + " from "
                    + readPosition + " leaves [0, " + writePosition + "]");
        }
        readPosition += bytesToSkip;
        return this;
    }

    /**
     * {@inheritDoc} The new position must be in {@code [0, writeLimit()]}; a read position past it
     * follows it down.
     *
     * @throws IndexOutOfBoundsException if it is not; nothing changes
     */
    @Override
    public Bytes<Void> writeSkip(long bytesToSkip) {
        if (bytesToSkip < -writePosition || bytesToSkip > writeLimit - writePosition) {
            throw new IndexOutOfBoundsException(where("writeSkip(long)") + ": skipping " + bytesToSkip + " from "
                    + writePosition + " leaves [0, " + writeLimit + "]");
        }
        writePosition += bytesToSkip;
        readPosition = Math.min(readPosition, writePosition);
        return this;
    }

    /** {@inheritDoc} Read position and write position 0, write limit the capacity. */
    @Override
    public Bytes<Void> clear() {
        readPosition = 0;
        writePosition = 0;
        writeLimit = capacity;
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @throws DecoratedBufferOverflowException if {@code length} is negative or beyond the capacity
     */
    @Override
    public Bytes<Void> clearAndPad(long length) {
        if (length < 0 || length > capacity) {
            throw new DecoratedBufferOverflowException(where("clearAndPad(long)") + ": " + length
                    + " is outside [0, " + capacity + "]");
        }
        readPosition = length;
        writePosition = length;
        writeLimit = capacity;
        return this;
    }

    /** {@inheritDoc} Moves the readable bytes to offset 0 (one pinned copy). */
    @Override
    public Bytes<Void> compact() {
        long remaining = writePosition - readPosition;
        if (readPosition > 0 && remaining > 0) {
            move(readPosition, 0, remaining);
        } else if (readPosition > 0) {
            checkWritable("compact()");
        }
        writePosition = remaining;
        readPosition = 0;
        return this;
    }

    @Override
    public boolean lenient() {
        return lenient;
    }

    /**
     * {@inheritDoc} Lenient: a streaming read past the read limit returns zero (and the read
     * position moves to the limit) instead of throwing. The region's bounds are checked either way.
     */
    @Override
    public void lenient(boolean lenient) {
        this.lenient = lenient;
    }

    /** {@inheritDoc} A no-op: the view is not thread-safe and does not check which thread calls it. */
    @Override
    public void singleThreadedCheckDisabled(boolean singleThreadedCheckDisabled) {
        // Nothing to switch: no single-thread check is made.
    }

    /** {@inheritDoc} A no-op, as {@link #singleThreadedCheckDisabled(boolean)}. */
    @Override
    public void singleThreadedCheckReset() {
        // Nothing to reset.
    }

    @Override
    public Decimaliser decimaliser() {
        return decimaliser;
    }

    @Override
    public Bytes<Void> decimaliser(Decimaliser decimaliser) {
        this.decimaliser = Objects.requireNonNull(decimaliser, "decimaliser");
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @deprecated as in Chronicle's {@code ByteStringAppender}
     */
    @Deprecated
    @Override
    public boolean fpAppend0() {
        return fpAppend0;
    }

    /**
     * {@inheritDoc}
     *
     * @deprecated as in Chronicle's {@code ByteStringAppender}
     */
    @Deprecated
    @Override
    public Bytes<Void> fpAppend0(boolean append0) {
        this.fpAppend0 = append0;
        return this;
    }

    @Override
    public int lastDecimalPlaces() {
        return lastDecimalPlaces;
    }

    @Override
    public void lastDecimalPlaces(int lastDecimalPlaces) {
        this.lastDecimalPlaces = lastDecimalPlaces;
    }

    @Override
    public boolean lastNumberHadDigits() {
        return lastNumberHadDigits;
    }

    @Override
    public void lastNumberHadDigits(boolean lastNumberHadDigits) {
        this.lastNumberHadDigits = lastNumberHadDigits;
    }

    // -------------------------------------------------------------------------------------------
    // Absolute reads

    @Override
    public byte readByte(long offset) {
        checkOffset("readByte(long)", offset, Byte.BYTES);
        return region.getByte(offset);
    }

    @Override
    public short readShort(long offset) {
        checkOffset("readShort(long)", offset, Short.BYTES);
        return region.getShort(offset);
    }

    @Override
    public int readInt(long offset) {
        checkOffset("readInt(long)", offset, Integer.BYTES);
        return region.getInt(offset);
    }

    @Override
    public long readLong(long offset) {
        checkOffset("readLong(long)", offset, Long.BYTES);
        return region.getLong(offset);
    }

    @Override
    public float readFloat(long offset) {
        checkOffset("readFloat(long)", offset, Float.BYTES);
        return region.getFloat(offset);
    }

    @Override
    public double readDouble(long offset) {
        checkOffset("readDouble(long)", offset, Double.BYTES);
        return region.getDouble(offset);
    }

    @Override
    public byte readVolatileByte(long offset) {
        checkOffset("readVolatileByte(long)", offset, Byte.BYTES);
        return region.getByteVolatile(offset);
    }

    @Override
    public short readVolatileShort(long offset) {
        checkOffset("readVolatileShort(long)", offset, Short.BYTES);
        return region.getShortVolatile(offset);
    }

    @Override
    public int readVolatileInt(long offset) {
        checkOffset("readVolatileInt(long)", offset, Integer.BYTES);
        return region.getIntVolatile(offset);
    }

    @Override
    public long readVolatileLong(long offset) {
        checkOffset("readVolatileLong(long)", offset, Long.BYTES);
        return region.getLongVolatile(offset);
    }

    /** {@inheritDoc} -1 outside {@code [0, readLimit())}. */
    @Override
    public int peekUnsignedByte(long offset) {
        return offset < 0 || offset >= writePosition ? -1 : region.getByte(offset) & 0xFF;
    }

    /**
     * {@inheritDoc} Copies through the region's guarded bulk accessor.
     *
     * @throws IndexOutOfBoundsException if {@code [offset, offset + length)} is outside the region
     *                                   or {@code [off, off + length)} outside {@code bytes}
     */
    @Override
    public long read(long offset, byte[] bytes, int off, int length) {
        Objects.checkFromIndexSize(off, length, Objects.requireNonNull(bytes, "bytes").length);
        checkOffset("read(long,byte[],int,int)", offset, length);
        region.getBytes(offset, bytes, off, length);
        return length;
    }

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void nativeRead(long position, long address, long size) {
        throw refused("nativeRead(long,long,long)", RAW);
    }

    // -------------------------------------------------------------------------------------------
    // Streaming reads

    @Override
    public byte readByte() {
        long p = readable("readByte()", Byte.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        byte value = region.getByte(p);
        readPosition = p + Byte.BYTES;
        return value;
    }

    @Override
    public int readUnsignedByte() {
        long p = readable("readUnsignedByte()", Byte.BYTES);
        if (p < 0) {
            lenientEnd();
            return -1;
        }
        int value = region.getByte(p) & 0xFF;
        readPosition = p + Byte.BYTES;
        return value;
    }

    /** {@inheritDoc} Checked here too: the view always checks bounds. */
    @Override
    public int uncheckedReadUnsignedByte() {
        return readUnsignedByte();
    }

    /** {@inheritDoc} Checked here too: the view always checks bounds. */
    @Override
    public void uncheckedReadSkipOne() {
        readSkip(1);
    }

    /** {@inheritDoc} Checked here too: the view always checks bounds. */
    @Override
    public void uncheckedReadSkipBackOne() {
        readSkip(-1);
    }

    @Override
    public int peekUnsignedByte() {
        return peekUnsignedByte(readPosition);
    }

    @Override
    public short readShort() {
        long p = readable("readShort()", Short.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        short value = region.getShort(p);
        readPosition = p + Short.BYTES;
        return value;
    }

    @Override
    public int readInt() {
        long p = readable("readInt()", Integer.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        int value = region.getInt(p);
        readPosition = p + Integer.BYTES;
        return value;
    }

    @Override
    public long readLong() {
        long p = readable("readLong()", Long.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        long value = region.getLong(p);
        readPosition = p + Long.BYTES;
        return value;
    }

    @Override
    public float readFloat() {
        long p = readable("readFloat()", Float.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        float value = region.getFloat(p);
        readPosition = p + Float.BYTES;
        return value;
    }

    @Override
    public double readDouble() {
        long p = readable("readDouble()", Double.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        double value = region.getDouble(p);
        readPosition = p + Double.BYTES;
        return value;
    }

    @Override
    public int readVolatileInt() {
        long p = readable("readVolatileInt()", Integer.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        int value = region.getIntVolatile(p);
        readPosition = p + Integer.BYTES;
        return value;
    }

    @Override
    public long readVolatileLong() {
        long p = readable("readVolatileLong()", Long.BYTES);
        if (p < 0) {
            return lenientEnd();
        }
        long value = region.getLongVolatile(p);
        readPosition = p + Long.BYTES;
        return value;
    }

    /** A lenient read past the limit: the position moves to the limit and the value is zero. */
    private byte lenientEnd() {
        readPosition = writePosition;
        return 0;
    }

    /**
     * {@inheritDoc} Copies through the region's guarded bulk accessor.
     *
     * @return the number of bytes read, or -1 if none is readable
     */
    @Override
    public int read(byte[] bytes, int off, int len) {
        Objects.checkFromIndexSize(off, len, Objects.requireNonNull(bytes, "bytes").length);
        long remaining = writePosition - readPosition;
        if (remaining <= 0) {
            return len == 0 ? 0 : -1;
        }
        int n = (int) Math.min(len, remaining);
        region.getBytes(readPosition, bytes, off, n);
        readPosition += n;
        return n;
    }

    /**
     * {@inheritDoc} Copies in guarded chunks through a heap buffer to {@code bytesOut}'s own write
     * methods (Chronicle's default would pass this view as a store, refused here).
     *
     * @throws DecoratedBufferUnderflowException if fewer than {@code length} bytes are readable
     */
    @Override
    public void readWithLength(long length, BytesOut<?> bytesOut) {
        Objects.requireNonNull(bytesOut, "bytesOut");
        if (length < 0 || length > writePosition - readPosition) {
            throw new DecoratedBufferUnderflowException(where("readWithLength(long,BytesOut)") + ": length " + length
                    + " is outside the " + (writePosition - readPosition) + " readable bytes");
        }
        byte[] buffer = takeChunk();
        try {
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buffer.length, length - done);
                region.getBytes(readPosition, buffer, 0, n);
                bytesOut.write(buffer, 0, n);
                readPosition += n;
                done += n;
            }
        } finally {
            chunk = buffer;
        }
    }

    /** {@inheritDoc} Copies through the region's guarded bulk accessor. */
    @Override
    public byte[] toByteArray() {
        long remaining = writePosition - readPosition;
        if (remaining > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(where("toByteArray()") + ": " + remaining
                    + " readable bytes do not fit in a byte[]");
        }
        byte[] copy = new byte[(int) remaining];
        region.getBytes(readPosition, copy, 0, copy.length);
        return copy;
    }

    /**
     * {@inheritDoc} Copies from the read position, without moving it.
     *
     * @return the number of bytes copied
     */
    @Override
    public int copyTo(byte[] bytes) {
        int n = (int) Math.min(Objects.requireNonNull(bytes, "bytes").length, writePosition - readPosition);
        region.getBytes(readPosition, bytes, 0, n);
        return n;
    }

    /** {@inheritDoc} Copies the readable bytes, without moving the read position, in guarded chunks. */
    @Override
    public void copyTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        byte[] buffer = takeChunk();
        try {
            for (long at = readPosition; at < writePosition; ) {
                int n = (int) Math.min(buffer.length, writePosition - at);
                region.getBytes(at, buffer, 0, n);
                out.write(buffer, 0, n);
                at += n;
            }
        } finally {
            chunk = buffer;
        }
    }

    /** {@inheritDoc} The hash of the readable bytes, computed on a guarded copy. */
    @Override
    public long hash(long length) {
        long n = Math.min(length, writePosition - readPosition);
        if (n <= 0) {
            return 0;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(where("hash(long)") + ": " + n + " bytes are too many to hash");
        }
        byte[] copy = new byte[(int) n];
        region.getBytes(readPosition, copy, 0, copy.length);
        return BytesStore.wrap(copy).hash(n);
    }

    /** {@inheritDoc} An adapter whose every call goes through this view's guarded methods. */
    @Override
    public InputStream inputStream() {
        return new GuardedStreams.In(this);
    }

    /** {@inheritDoc} An adapter whose every call goes through this view's guarded methods. */
    @Override
    public OutputStream outputStream() {
        return new GuardedStreams.Out(this);
    }

    // Length-prefixed reads: the stop-bit length is decoded and checked against the read limit
    // first (Chronicle's readBigInteger allocates and reads as many bytes as its prefix says).

    @Override
    public String readUtf8() {
        checkLengthPrefix("readUtf8()");
        return Bytes.super.readUtf8();
    }

    @Override
    public boolean readUtf8(StringBuilder sb) {
        checkLengthPrefix("readUtf8(StringBuilder)");
        return Bytes.super.readUtf8(sb);
    }

    @Override
    public boolean readUtf8(Bytes<?> sb) {
        Bytes<byte[]> copy = copyReadablePrefixed("readUtf8(Bytes)");
        try {
            boolean notNull = copy.readUtf8(sb);
            readPosition += copy.readPosition();
            return notNull;
        } finally {
            unstage(copy);
        }
    }

    @Override
    public <C extends Appendable & CharSequence> boolean readUtf8(C sb) {
        checkLengthPrefix("readUtf8(Appendable)");
        return Bytes.super.readUtf8(sb);
    }

    @Override
    public String read8bit() {
        Bytes<byte[]> copy = copyReadablePrefixed("read8bit()");
        try {
            String text = copy.read8bit();
            readPosition += copy.readPosition();
            return text;
        } finally {
            unstage(copy);
        }
    }

    @Override
    public boolean read8bit(StringBuilder sb) {
        Bytes<byte[]> copy = copyReadablePrefixed("read8bit(StringBuilder)");
        try {
            boolean notNull = copy.read8bit(sb);
            readPosition += copy.readPosition();
            return notNull;
        } finally {
            unstage(copy);
        }
    }

    @Override
    public boolean read8bit(Bytes<?> b) {
        Bytes<byte[]> copy = copyReadablePrefixed("read8bit(Bytes)");
        try {
            boolean notNull = copy.read8bit(b);
            readPosition += copy.readPosition();
            return notNull;
        } finally {
            unstage(copy);
        }
    }

    @Override
    public BigInteger readBigInteger() {
        checkLengthPrefix("readBigInteger()");
        return Bytes.super.readBigInteger();
    }

    @Override
    public BigDecimal readBigDecimal() {
        checkLengthPrefix("readBigDecimal()");
        return Bytes.super.readBigDecimal();
    }

    // Absolute length-prefixed reads: Chronicle's own helper asks a Bytes for its store (refused
    // here), so the prefixed string is checked against the region, copied to the heap and decoded there.

    @Override
    public <T extends Appendable & CharSequence> long readUtf8(long offset, T sb) {
        Bytes<byte[]> copy = copyPrefixed("readUtf8(long,Appendable)", offset);
        try {
            return offset + copy.readUtf8(0, sb);
        } finally {
            unstage(copy);
        }
    }

    @Override
    public <T extends Appendable & CharSequence> long readUtf8Limited(long offset, T sb, int maxUtf8Len) {
        Bytes<byte[]> copy = copyPrefixed("readUtf8Limited(long,Appendable,int)", offset);
        try {
            return offset + copy.readUtf8Limited(0, sb, maxUtf8Len);
        } finally {
            unstage(copy);
        }
    }

    @Override
    public String readUtf8Limited(long offset, int maxUtf8Len) {
        Bytes<byte[]> copy = copyPrefixed("readUtf8Limited(long,int)", offset);
        try {
            return copy.readUtf8Limited(0, maxUtf8Len);
        } finally {
            unstage(copy);
        }
    }

    /** The stop-bit length prefix at {@code offset} and what it counts, checked against the region and copied out. */
    private Bytes<byte[]> copyPrefixed(String method, long offset) {
        checkOffset(method, offset, 1);
        return copyOut(offset, prefixedEnd(method, offset, capacity, "the region's end"));
    }

    /**
     * The stop-bit length prefix at the read position and what it counts, checked against the read
     * limit and copied out: for Chronicle reads that would pass this view as a store to another
     * {@code Bytes} (which asks it for its store, refused here).
     */
    private Bytes<byte[]> copyReadablePrefixed(String method) {
        return copyOut(readPosition, prefixedEnd(method, readPosition, writePosition, "the read limit"));
    }

    /** {@code [offset, end)} of the region in a heap scratch {@code Bytes}, readable from 0. */
    private Bytes<byte[]> copyOut(long offset, long end) {
        int n = (int) (end - offset);
        Bytes<byte[]> copy = stage();
        try {
            copy.ensureCapacity(n);
            region.getBytes(offset, copy.underlyingObject(), 0, n);
            copy.readLimit(n);
            return copy;
        } catch (RuntimeException | Error e) {
            unstage(copy);
            throw e;
        }
    }

    /**
     * Checks that the stop-bit length at the read position, and that many bytes after it (none for
     * a negative length, Chronicle's null), end before the read limit.
     */
    private void checkLengthPrefix(String method) {
        prefixedEnd(method, readPosition, writePosition, "the read limit");
    }

    /**
     * Where the stop-bit length prefix at {@code start} and the bytes it counts end (exclusive), if
     * before {@code limit}: 7 bits a byte, high bit set on every byte but the last, at most 10 bytes;
     * a trailing zero byte after others marks a negative value (~value).
     */
    private long prefixedEnd(String method, long start, long limit, String limitName) {
        long end = -1;
        for (long i = start; i < limit && i - start < 10; i++) {
            if (region.getByte(i) >= 0) {
                end = i + 1;
                break;
            }
        }
        if (end < 0) {
            throw new DecoratedBufferUnderflowException(where(method) + ": the stop-bit length prefix at " + start
                    + " does not end before " + limitName + " " + limit);
        }
        long value = 0;
        int shift = 0;
        for (long i = start; i < end - 1; i++) {
            value |= (region.getByte(i) & 0x7FL) << shift;
            shift += 7;
        }
        byte last = region.getByte(end - 1);
        long length = last == 0 && shift > 0 ? ~value : value | ((long) last << shift);
        if (length > limit - end || length > Integer.MAX_VALUE - 16) {
            throw new DecoratedBufferUnderflowException(where(method) + ": the length prefix at " + start + " says "
                    + length + " bytes, but only " + (limit - end) + " are readable before " + limitName + " " + limit);
        }
        return length < 0 ? end : end + length;
    }

    // -------------------------------------------------------------------------------------------
    // Absolute writes

    @Override
    public Bytes<Void> writeByte(long offset, byte value) {
        checkOffset("writeByte(long,byte)", offset, Byte.BYTES);
        checkWritable("writeByte(long,byte)");
        region.putByte(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeShort(long offset, short value) {
        checkOffset("writeShort(long,short)", offset, Short.BYTES);
        checkWritable("writeShort(long,short)");
        region.putShort(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeInt(long offset, int value) {
        checkOffset("writeInt(long,int)", offset, Integer.BYTES);
        checkWritable("writeInt(long,int)");
        region.putInt(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeLong(long offset, long value) {
        checkOffset("writeLong(long,long)", offset, Long.BYTES);
        checkWritable("writeLong(long,long)");
        region.putLong(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeFloat(long offset, float value) {
        checkOffset("writeFloat(long,float)", offset, Float.BYTES);
        checkWritable("writeFloat(long,float)");
        region.putFloat(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeDouble(long offset, double value) {
        checkOffset("writeDouble(long,double)", offset, Double.BYTES);
        checkWritable("writeDouble(long,double)");
        region.putDouble(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeVolatileByte(long offset, byte value) {
        checkOffset("writeVolatileByte(long,byte)", offset, Byte.BYTES);
        checkWritable("writeVolatileByte(long,byte)");
        region.putByteVolatile(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeVolatileShort(long offset, short value) {
        checkOffset("writeVolatileShort(long,short)", offset, Short.BYTES);
        checkWritable("writeVolatileShort(long,short)");
        region.putShortVolatile(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeVolatileInt(long offset, int value) {
        checkOffset("writeVolatileInt(long,int)", offset, Integer.BYTES);
        checkWritable("writeVolatileInt(long,int)");
        region.putIntVolatile(offset, value);
        return this;
    }

    @Override
    public Bytes<Void> writeVolatileLong(long offset, long value) {
        checkOffset("writeVolatileLong(long,long)", offset, Long.BYTES);
        checkWritable("writeVolatileLong(long,long)");
        region.putLongVolatile(offset, value);
        return this;
    }

    /** {@inheritDoc} A release store. */
    @Override
    public Bytes<Void> writeOrderedInt(long offset, int value) {
        checkOffset("writeOrderedInt(long,int)", offset, Integer.BYTES);
        checkWritable("writeOrderedInt(long,int)");
        region.putIntRelease(offset, value);
        return this;
    }

    /** {@inheritDoc} A release store. */
    @Override
    public Bytes<Void> writeOrderedLong(long offset, long value) {
        checkOffset("writeOrderedLong(long,long)", offset, Long.BYTES);
        checkWritable("writeOrderedLong(long,long)");
        region.putLongRelease(offset, value);
        return this;
    }

    @Override
    public boolean compareAndSwapInt(long offset, int expected, int value) {
        checkOffset("compareAndSwapInt(long,int,int)", offset, Integer.BYTES);
        checkWritable("compareAndSwapInt(long,int,int)");
        return region.compareAndSetInt(offset, expected, value);
    }

    @Override
    public boolean compareAndSwapLong(long offset, long expected, long value) {
        checkOffset("compareAndSwapLong(long,long,long)", offset, Long.BYTES);
        checkWritable("compareAndSwapLong(long,long,long)");
        return region.compareAndSetLong(offset, expected, value);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if the int at {@code offset} is not {@code expected} (nothing written)
     */
    @Override
    public void testAndSetInt(long offset, int expected, int value) {
        if (!compareAndSwapInt(offset, expected, value)) {
            throw new IllegalStateException(where("testAndSetInt(long,int,int)") + ": the int at offset " + offset
                    + " is not " + expected);
        }
    }

    /** {@inheritDoc} One atomic add (the region's {@code getAndAddInt}). */
    @Override
    public int addAndGetInt(long offset, int adding) {
        checkOffset("addAndGetInt(long,int)", offset, Integer.BYTES);
        checkWritable("addAndGetInt(long,int)");
        return region.getAndAddInt(offset, adding) + adding;
    }

    /** {@inheritDoc} One atomic add (the region's {@code getAndAddLong}). */
    @Override
    public long addAndGetLong(long offset, long adding) {
        checkOffset("addAndGetLong(long,long)", offset, Long.BYTES);
        checkWritable("addAndGetLong(long,long)");
        return region.getAndAddLong(offset, adding) + adding;
    }

    @Override
    public Bytes<Void> write(long offset, byte[] bytes, int off, int length) {
        Objects.checkFromIndexSize(off, length, Objects.requireNonNull(bytes, "bytes").length);
        checkOffset("write(long,byte[],int,int)", offset, length);
        checkWritable("write(long,byte[],int,int)");
        region.putBytes(offset, bytes, off, length);
        return this;
    }

    /**
     * {@inheritDoc} Copies through a heap buffer in guarded chunks: a revoke between two chunks
     * leaves the first ones written and throws {@link SigBusException}.
     */
    @Override
    public Bytes<Void> write(long writeOffset, RandomDataInput bytes, long readOffset, long length) {
        Objects.requireNonNull(bytes, "bytes");
        checkOffset("write(long,RandomDataInput,long,long)", writeOffset, length);
        checkWritable("write(long,RandomDataInput,long,long)");
        byte[] buffer = takeChunk();
        try {
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buffer.length, length - done);
                for (int i = 0; i < n; i++) {
                    buffer[i] = bytes.readByte(readOffset + done + i);
                }
                region.putBytes(writeOffset + done, buffer, 0, n);
                done += n;
            }
        } finally {
            chunk = buffer;
        }
        return this;
    }

    /** {@inheritDoc} The buffer's position is not moved. */
    @Override
    public void write(long offsetInRDO, ByteBuffer bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(bytes, "bytes").limit());
        checkOffset("write(long,ByteBuffer,int,int)", offsetInRDO, length);
        checkWritable("write(long,ByteBuffer,int,int)");
        byte[] buffer = takeChunk();
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(buffer.length, length - done);
                bytes.get(offset + done, buffer, 0, n);
                region.putBytes(offsetInRDO + done, buffer, 0, n);
                done += n;
            }
        } finally {
            chunk = buffer;
        }
    }

    /** {@inheritDoc} Encoded on the heap, then written with one guarded copy if it fits. */
    @Override
    public long write8bit(long position, BytesStore<?, ?> bs) {
        Bytes<byte[]> staged = stage();
        try {
            staged.write8bit(bs);
            return putStaged("write8bit(long,BytesStore)", position, staged);
        } finally {
            unstage(staged);
        }
    }

    /** {@inheritDoc} Encoded on the heap, then written with one guarded copy if it fits. */
    @Override
    public long write8bit(long position, String s, int start, int length) {
        Objects.checkFromIndexSize(start, length, Objects.requireNonNull(s, "s").length());
        Bytes<byte[]> staged = stage();
        try {
            staged.write8bit(s, start, length);
            return putStaged("write8bit(long,String,int,int)", position, staged);
        } finally {
            unstage(staged);
        }
    }

    /** {@inheritDoc} Encoded on the heap, then written with one guarded copy if it fits. */
    @Override
    public long writeUtf8(long offset, CharSequence text) {
        Bytes<byte[]> staged = stage();
        try {
            staged.writeUtf8(text);
            return putStaged("writeUtf8(long,CharSequence)", offset, staged);
        } finally {
            unstage(staged);
        }
    }

    /**
     * {@inheritDoc} Encoded on the heap, then written with one guarded copy if it fits.
     *
     * @throws IllegalArgumentException if the UTF-8 encoding is longer than {@code maxUtf8Len}
     *                                  bytes; nothing is written
     */
    @Override
    public long writeUtf8Limited(long offset, CharSequence text, int maxUtf8Len) {
        Bytes<byte[]> staged = stage();
        try {
            staged.writeUtf8(text);
            long encoded = staged.readStopBit();
            if (encoded > maxUtf8Len) {
                throw new IllegalArgumentException(where("writeUtf8Limited(long,CharSequence,int)") + ": the UTF-8"
                        + " encoding is " + encoded + " bytes, more than " + maxUtf8Len);
            }
            staged.readPosition(0);
            return putStaged("writeUtf8Limited(long,CharSequence,int)", offset, staged);
        } finally {
            unstage(staged);
        }
    }

    /**
     * Refused: Chronicle's own implementation writes a number of digits computed from its arguments
     * without checking them (on a heap store it corrupts the heap).
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long appendAndReturnLength(long writePosition, boolean negative, long mantissa, int exponent,
                                      boolean append0) {
        throw refused("appendAndReturnLength(long,boolean,long,int,boolean)", "it writes an unchecked, computed"
                + " number of digits; use append(double) or append(long, double, int, int) instead");
    }

    /**
     * {@inheritDoc} The {@code digits} bytes at {@code offset} are checked first.
     *
     * @throws IndexOutOfBoundsException if they are not inside the region; nothing is written
     */
    @Override
    public Bytes<Void> append(long offset, long value, int digits) {
        checkOffset("append(long,long,int)", offset, digits);
        checkWritable("append(long,long,int)");
        return Bytes.super.append(offset, value, digits);
    }

    /**
     * {@inheritDoc} The {@code width} bytes at {@code offset} are checked first.
     *
     * @throws IndexOutOfBoundsException if they are not inside the region; nothing is written
     */
    @Override
    public Bytes<Void> append(long offset, double value, int decimalPlaces, int width) {
        checkOffset("append(long,double,int,int)", offset, width);
        checkWritable("append(long,double,int,int)");
        return Bytes.super.append(offset, value, decimalPlaces, width);
    }

    /**
     * {@inheritDoc} Checked whole before the two stores.
     *
     * @throws ArithmeticException if {@code value} does not fit in 24 signed bits; nothing is written
     */
    @Override
    public Bytes<Void> writeInt24(long offset, int value) {
        checkOffset("writeInt24(long,int)", offset, 3);
        checkWritable("writeInt24(long,int)");
        if ((value >> 16) != (byte) (value >> 16)) {
            throw new ArithmeticException(where("writeInt24(long,int)") + ": " + value + " does not fit in 24 bits");
        }
        region.putShort(offset, (short) value);
        region.putByte(offset + 2, (byte) (value >> 16));
        return this;
    }

    /** {@inheritDoc} One guarded fill (the region's {@code setMemory}). */
    @Override
    public Bytes<Void> zeroOut(long start, long end) {
        if (end <= start) {
            return this;
        }
        checkOffset("zeroOut(long,long)", start, end - start);
        checkWritable("zeroOut(long,long)");
        region.setMemory(start, end - start, (byte) 0);
        return this;
    }

    /** {@inheritDoc} One pinned copy: a revoke waits for the whole move. */
    @Override
    public void move(long from, long to, long length) {
        checkOffset("move(long,long,long)", from, length);
        checkOffset("move(long,long,long)", to, length);
        checkWritable("move(long,long,long)");
        if (length == 0 || from == to) {
            return;
        }
        byte[] buffer = takeChunk();
        try (Pin pin = region.pin()) {
            // Front to back when moving down, back to front when moving up, so overlapping ranges
            // read every byte before it is overwritten.
            for (long done = 0; done < length; ) {
                int n = (int) Math.min(buffer.length, length - done);
                long at = from < to ? length - done - n : done;
                pin.getBytes(from + at, buffer, 0, n);
                pin.putBytes(to + at, buffer, 0, n);
                done += n;
            }
        } finally {
            chunk = buffer;
        }
    }

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void nativeWrite(long address, long position, long size) {
        throw refused("nativeWrite(long,long,long)", RAW);
    }

    // -------------------------------------------------------------------------------------------
    // Streaming writes of a fixed width

    @Override
    public Bytes<Void> writeByte(byte value) {
        long p = writableAt("writeByte(byte)", Byte.BYTES);
        region.putByte(p, value);
        writePosition = p + Byte.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeShort(short value) {
        long p = writableAt("writeShort(short)", Short.BYTES);
        region.putShort(p, value);
        writePosition = p + Short.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeInt(int value) {
        long p = writableAt("writeInt(int)", Integer.BYTES);
        region.putInt(p, value);
        writePosition = p + Integer.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeLong(long value) {
        long p = writableAt("writeLong(long)", Long.BYTES);
        region.putLong(p, value);
        writePosition = p + Long.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeFloat(float value) {
        long p = writableAt("writeFloat(float)", Float.BYTES);
        region.putFloat(p, value);
        writePosition = p + Float.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeDouble(double value) {
        long p = writableAt("writeDouble(double)", Double.BYTES);
        region.putDouble(p, value);
        writePosition = p + Double.BYTES;
        return this;
    }

    /** {@inheritDoc} A release store. */
    @Override
    public Bytes<Void> writeOrderedInt(int value) {
        long p = writableAt("writeOrderedInt(int)", Integer.BYTES);
        region.putIntRelease(p, value);
        writePosition = p + Integer.BYTES;
        return this;
    }

    /** {@inheritDoc} A release store. */
    @Override
    public Bytes<Void> writeOrderedLong(long value) {
        long p = writableAt("writeOrderedLong(long)", Long.BYTES);
        region.putLongRelease(p, value);
        writePosition = p + Long.BYTES;
        return this;
    }

    @Override
    public Bytes<Void> writeDoubleAndInt(double d, int i) {
        long p = writableAt("writeDoubleAndInt(double,int)", Double.BYTES + Integer.BYTES);
        region.putDouble(p, d);
        region.putInt(p + Double.BYTES, i);
        writePosition = p + Double.BYTES + Integer.BYTES;
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code advance} is negative
     */
    @Override
    public Bytes<Void> writeIntAdv(int i, int advance) {
        requireAdvance("writeIntAdv(int,int)", advance);
        long p = writableAt("writeIntAdv(int,int)", Math.max(Integer.BYTES, advance));
        region.putInt(p, i);
        writePosition = p + advance;
        return this;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code advance} is negative
     */
    @Override
    public Bytes<Void> writeLongAdv(long l, int advance) {
        requireAdvance("writeLongAdv(long,int)", advance);
        long p = writableAt("writeLongAdv(long,int)", Math.max(Long.BYTES, advance));
        region.putLong(p, l);
        writePosition = p + advance;
        return this;
    }

    private void requireAdvance(String method, int advance) {
        if (advance < 0) {
            throw new IllegalArgumentException(where(method) + ": advance " + advance + " is negative");
        }
    }

    @Override
    public Bytes<Void> write(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(bytes, "bytes").length);
        long p = writableAt("write(byte[],int,int)", length);
        region.putBytes(p, bytes, offset, length);
        writePosition = p + length;
        return this;
    }

    /** {@inheritDoc} As much as fits, in guarded chunks; the buffer's position moves past what was written. */
    @Override
    public Bytes<Void> writeSome(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        checkWritable("writeSome(ByteBuffer)");
        int n = (int) Math.min(buffer.remaining(), writeLimit - writePosition);
        byte[] scratchChunk = takeChunk();
        try {
            for (int done = 0; done < n; ) {
                int m = Math.min(scratchChunk.length, n - done);
                buffer.get(buffer.position(), scratchChunk, 0, m);
                region.putBytes(writePosition, scratchChunk, 0, m);
                buffer.position(buffer.position() + m);
                writePosition += m;
                done += m;
            }
        } finally {
            chunk = scratchChunk;
        }
        return this;
    }

    // -------------------------------------------------------------------------------------------
    // Streaming writes of a variable width: staged on the heap, copied in only if they fit

    @Override
    public Bytes<Void> write8bit(String text, int start, int length) {
        Objects.checkFromIndexSize(start, length, Objects.requireNonNull(text, "text").length());
        Bytes<byte[]> s = stage();
        try {
            s.write8bit(text, start, length);
            return appendStaged("write8bit(String,int,int)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> write8bit(CharSequence text) {
        Bytes<byte[]> s = stage();
        try {
            s.write8bit(text);
            return appendStaged("write8bit(CharSequence)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> write8bit(String text) {
        Bytes<byte[]> s = stage();
        try {
            s.write8bit(text);
            return appendStaged("write8bit(String)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeUtf8(CharSequence text) {
        Bytes<byte[]> s = stage();
        try {
            s.writeUtf8(text);
            return appendStaged("writeUtf8(CharSequence)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeUtf8(String text) {
        Bytes<byte[]> s = stage();
        try {
            s.writeUtf8(text);
            return appendStaged("writeUtf8(String)", s);
        } finally {
            unstage(s);
        }
    }

    /** {@inheritDoc} Staged: Chronicle writes it in two parts and range-checks the value between them. */
    @Override
    public Bytes<Void> writeInt24(int value) {
        Bytes<byte[]> s = stage();
        try {
            s.writeInt24(value);
            return appendStaged("writeInt24(int)", s);
        } finally {
            unstage(s);
        }
    }

    /** {@inheritDoc} Staged: Chronicle writes it in two parts and range-checks the value between them. */
    @Override
    public Bytes<Void> writeUnsignedInt24(int value) {
        Bytes<byte[]> s = stage();
        try {
            s.writeUnsignedInt24(value);
            return appendStaged("writeUnsignedInt24(int)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeStopBit(long n) {
        Bytes<byte[]> s = stage();
        try {
            s.writeStopBit(n);
            return appendStaged("writeStopBit(long)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeStopBit(char n) {
        Bytes<byte[]> s = stage();
        try {
            s.writeStopBit(n);
            return appendStaged("writeStopBit(char)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeStopBit(double d) {
        Bytes<byte[]> s = stage();
        try {
            s.writeStopBit(d);
            return appendStaged("writeStopBit(double)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> writeStopBitDecimal(double d) {
        Bytes<byte[]> s = stage();
        try {
            s.writeStopBitDecimal(d);
            return appendStaged("writeStopBitDecimal(double)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public void writeBigDecimal(BigDecimal bd) {
        Bytes<byte[]> s = stage();
        try {
            s.writeBigDecimal(bd);
            appendStaged("writeBigDecimal(BigDecimal)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public void writeBigInteger(BigInteger bi) {
        Bytes<byte[]> s = stage();
        try {
            s.writeBigInteger(bi);
            appendStaged("writeBigInteger(BigInteger)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(CharSequence text) {
        Bytes<byte[]> s = stage();
        try {
            s.append(text);
            return appendStaged("append(CharSequence)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(CharSequence text, int start, int end) {
        Objects.checkFromToIndex(start, end, Objects.requireNonNull(text, "text").length());
        Bytes<byte[]> s = stage();
        try {
            s.append(text, start, end);
            return appendStaged("append(CharSequence,int,int)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(char ch) {
        Bytes<byte[]> s = stage();
        try {
            s.append(ch);
            return appendStaged("append(char)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(boolean flag) {
        Bytes<byte[]> s = stage();
        try {
            s.append(flag);
            return appendStaged("append(boolean)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(int value) {
        Bytes<byte[]> s = stage();
        try {
            s.append(value);
            return appendStaged("append(int)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(long value) {
        Bytes<byte[]> s = stage();
        try {
            s.append(value);
            return appendStaged("append(long)", s);
        } finally {
            unstage(s);
        }
    }

    /** {@inheritDoc} Formatted on the heap with this view's decimaliser and trailing-zero setting. */
    @SuppressWarnings("deprecation") // fpAppend0: Chronicle's own setting, carried over to the staging buffer
    @Override
    public Bytes<Void> append(float value) {
        Bytes<byte[]> s = stage();
        try {
            s.decimaliser(decimaliser).fpAppend0(fpAppend0);
            s.append(value);
            return appendStaged("append(float)", s);
        } finally {
            unstage(s);
        }
    }

    /** {@inheritDoc} Formatted on the heap with this view's decimaliser and trailing-zero setting. */
    @SuppressWarnings("deprecation") // fpAppend0: Chronicle's own setting, carried over to the staging buffer
    @Override
    public Bytes<Void> append(double value) {
        Bytes<byte[]> s = stage();
        try {
            s.decimaliser(decimaliser).fpAppend0(fpAppend0);
            s.append(value);
            return appendStaged("append(double)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(double value, int decimalPlaces) {
        Bytes<byte[]> s = stage();
        try {
            s.append(value, decimalPlaces);
            return appendStaged("append(double,int)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append(BigDecimal value) {
        Bytes<byte[]> s = stage();
        try {
            s.append(value);
            return appendStaged("append(BigDecimal)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append8bit(CharSequence text) {
        Bytes<byte[]> s = stage();
        try {
            s.append8bit(text);
            return appendStaged("append8bit(CharSequence)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> append8bit(String text) {
        Bytes<byte[]> s = stage();
        try {
            s.append8bit(text);
            return appendStaged("append8bit(String)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> appendUtf8(CharSequence text) {
        Bytes<byte[]> s = stage();
        try {
            s.appendUtf8(text);
            return appendStaged("appendUtf8(CharSequence)", s);
        } finally {
            unstage(s);
        }
    }

    @Override
    public Bytes<Void> appendBase16(long value) {
        Bytes<byte[]> s = stage();
        try {
            s.appendBase16(value);
            return appendStaged("appendBase16(long)", s);
        } finally {
            unstage(s);
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code decimalPlaces} is outside {@code [0, 18]} (2^31
     *                                  decimal places would be staged as 2 GiB of zeros)
     */
    @Override
    public Bytes<Void> appendDecimal(long value, int decimalPlaces) {
        if (decimalPlaces < 0 || decimalPlaces > 18) {
            throw new IllegalArgumentException(where("appendDecimal(long,int)") + ": decimal places " + decimalPlaces
                    + " is outside [0, 18]");
        }
        Bytes<byte[]> s = stage();
        try {
            s.appendDecimal(value, decimalPlaces);
            return appendStaged("appendDecimal(long,int)", s);
        } finally {
            unstage(s);
        }
    }

    /**
     * The heap buffer a variable-width write is encoded in first; taken out of its field while in
     * use, so a nested staged write gets one of its own.
     */
    private Bytes<byte[]> stage() {
        Bytes<byte[]> mine = scratch;
        scratch = null;
        if (mine == null) {
            mine = Bytes.allocateElasticOnHeap(64);
        }
        mine.clear();
        return mine;
    }

    private void unstage(Bytes<byte[]> used) {
        if (used.realCapacity() <= SCRATCH_KEPT) {
            scratch = used;
        } else {
            used.releaseLast();
        }
    }

    /** Copies the staged bytes in at the write position if they fit; otherwise nothing is written. */
    private Bytes<Void> appendStaged(String method, Bytes<byte[]> staged) {
        int n = (int) staged.readRemaining();
        long p = writableAt(method, n);
        region.putBytes(p, staged.underlyingObject(), (int) staged.readPosition(), n);
        writePosition = p + n;
        return this;
    }

    /** Copies the staged bytes in at {@code offset} if they fit; returns the offset after them. */
    private long putStaged(String method, long offset, Bytes<byte[]> staged) {
        int n = (int) staged.readRemaining();
        checkOffset(method, offset, n);
        checkWritable(method);
        region.putBytes(offset, staged.underlyingObject(), (int) staged.readPosition(), n);
        return offset + n;
    }

    private byte[] takeChunk() {
        byte[] mine = chunk;
        chunk = null;
        return mine != null ? mine : new byte[CHUNK];
    }

    // -------------------------------------------------------------------------------------------
    // Prepending: writes before the read position, which moves back

    @Override
    public Bytes<Void> prewrite(byte[] bytes) {
        long p = prewritable("prewrite(byte[])", Objects.requireNonNull(bytes, "bytes").length);
        region.putBytes(p, bytes);
        readPosition = p;
        return this;
    }

    @Override
    public Bytes<Void> prewrite(BytesStore<?, ?> bytes) {
        return prewrite(Objects.requireNonNull(bytes, "bytes").toByteArray());
    }

    @Override
    public Bytes<Void> prewriteByte(byte b) {
        long p = prewritable("prewriteByte(byte)", Byte.BYTES);
        region.putByte(p, b);
        readPosition = p;
        return this;
    }

    @Override
    public Bytes<Void> prewriteShort(short s) {
        long p = prewritable("prewriteShort(short)", Short.BYTES);
        region.putShort(p, s);
        readPosition = p;
        return this;
    }

    @Override
    public Bytes<Void> prewriteInt(int i) {
        long p = prewritable("prewriteInt(int)", Integer.BYTES);
        region.putInt(p, i);
        readPosition = p;
        return this;
    }

    @Override
    public Bytes<Void> prewriteLong(long l) {
        long p = prewritable("prewriteLong(long)", Long.BYTES);
        region.putLong(p, l);
        readPosition = p;
        return this;
    }

    private long prewritable(String method, long width) {
        checkWritable(method);
        if (width > readPosition) {
            throw new DecoratedBufferUnderflowException(where(method) + ": needs " + width
                    + " bytes before the read position " + readPosition);
        }
        return readPosition - width;
    }

    // -------------------------------------------------------------------------------------------
    // Refused: what would reach the memory past the guard or switch checks off

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long addressForRead(long offset) {
        throw refused("addressForRead(long)", RAW);
    }

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long addressForRead(long offset, int buffer) {
        throw refused("addressForRead(long,int)", RAW);
    }

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long addressForWrite(long offset) {
        throw refused("addressForWrite(long)", RAW);
    }

    /**
     * Refused: an address escapes the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long addressForWritePosition() {
        throw refused("addressForWritePosition()", RAW);
    }

    /**
     * Refused: the store reaches the memory past the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public BytesStore<?, Void> bytesStore() {
        throw refused("bytesStore()", STORE);
    }

    /**
     * Refused: use {@link #toByteArray()} for a copy.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public BytesStore<Bytes<Void>, Void> copy() {
        throw refused("copy()", COPY_OUT);
    }

    /**
     * Refused: another {@code Bytes} over the memory would escape the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> bytesForRead() {
        throw refused("bytesForRead()", STORE);
    }

    /**
     * Refused: another {@code Bytes} over the memory would escape the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> bytesForWrite() {
        throw refused("bytesForWrite()", STORE);
    }

    /**
     * Refused: a store over the memory would escape the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public BytesStore<?, ?> subBytes(long start, long length) {
        throw refused("subBytes(long,long)", STORE);
    }

    /**
     * Refused: a store over the memory would escape the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public CharSequence subSequence(int start, int end) {
        throw refused("subSequence(int,int)", "it would hand out a store over the region's memory outside the guard;"
                + " use toUtf8String() or to8bitString() for a copy");
    }

    /**
     * Refused: a {@code ByteBuffer} over the memory would escape the guard.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public ByteBuffer toTemporaryDirectByteBuffer() {
        throw refused("toTemporaryDirectByteBuffer()", COPY_OUT);
    }

    /**
     * Refused: the destination store is written past its own checks; copy the bytes out instead.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public long copyTo(BytesStore<?, ?> store) {
        throw refused("copyTo(BytesStore)", "copy the bytes out with toByteArray() or copyTo(byte[]),"
                + " then write them to the store");
    }

    /**
     * Refused: the cipher would get {@code ByteBuffer}s over the memory.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void cipher(Cipher cipher, Bytes<?> outBytes, ByteBuffer using1, ByteBuffer using2) {
        throw refused("cipher(Cipher,Bytes,ByteBuffer,ByteBuffer)", COPY_OUT);
    }

    /**
     * Refused: Chronicle's unchecked {@code Bytes} skips bounds checks.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> unchecked(boolean unchecked) {
        throw refused("unchecked(boolean)", CHECKS);
    }

    /**
     * Refused: a raw copy by address.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> unsafeRead(long address, int length) {
        throw refused("unsafeRead(long,int)", RAW);
    }

    /**
     * Refused: a raw copy by address.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> unsafeWrite(long address, int length) {
        throw refused("unsafeWrite(long,int)", RAW);
    }

    /**
     * Refused: a raw copy into an object's fields.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void unsafeReadObject(Object o, int offset, int length) {
        throw refused("unsafeReadObject(Object,int,int)", RAW);
    }

    /**
     * Refused: a raw copy from an object's fields.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Bytes<Void> unsafeWriteObject(Object o, int offset, int length) {
        throw refused("unsafeWriteObject(Object,int,int)", RAW);
    }

    /**
     * Refused, as the earlier proxy view: use {@link #inputStream()} with a {@code Reader}, or the
     * parse methods.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Reader reader() {
        throw refused("reader()", "use new InputStreamReader(inputStream(), UTF_8), parseUtf8 or readUtf8");
    }

    /**
     * Refused, as the earlier proxy view: use {@link #outputStream()} with a {@code Writer}, or the
     * append methods.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Writer writer() {
        throw refused("writer()", "use new OutputStreamWriter(outputStream(), UTF_8), append or appendUtf8");
    }

    /**
     * {@inheritDoc} Null: the memory is off-heap ({@code Void}); nothing is handed out.
     *
     * @return null
     */
    @Override
    public Void underlyingObject() {
        return null;
    }

    // -------------------------------------------------------------------------------------------
    // Reference counting: the region owns the memory

    /** {@inheritDoc} Always 1: the view is not reference counted (see the class comment). */
    @Override
    public int refCount() {
        return 1;
    }

    /** {@inheritDoc} A no-op: the region owns the memory. */
    @Override
    public void reserve(ReferenceOwner id) {
        // Not reference counted: the region's lifetime rules.
    }

    /** {@inheritDoc} A no-op: the region owns the memory; close or revoke the region instead. */
    @Override
    public void release(ReferenceOwner id) {
        // Not reference counted: the region's lifetime rules.
    }

    /** {@inheritDoc} A no-op: the region owns the memory; close or revoke the region instead. */
    @Override
    public void releaseLast(ReferenceOwner id) {
        // Not reference counted: the region's lifetime rules.
    }

    /**
     * {@inheritDoc} Reserves nothing: whether the region is still live (it may be revoked at any
     * time afterwards; accesses then throw {@link SigBusException}).
     */
    @Override
    public boolean tryReserve(ReferenceOwner id) {
        return !region.isRevoked();
    }

    /**
     * Refused: the view is never released, so a listener would never hear of it; use a
     * {@code MappingListener} on a mapping of the region to hear of its revoke.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void addReferenceChangeListener(ReferenceChangeListener referenceChangeListener) {
        throw refused("addReferenceChangeListener(ReferenceChangeListener)", "the view is not reference counted;"
                + " use a MappingListener on a mapping of the region to hear of its revoke");
    }

    /** {@inheritDoc} A no-op: no listener can have been added. */
    @Override
    public void removeReferenceChangeListener(ReferenceChangeListener referenceChangeListener) {
        // None can have been added.
    }

    /**
     * The region and the positions; not the content (use {@code toUtf8String()} for that).
     *
     * @return a description of this view
     */
    @Override
    public String toString() {
        return "GuardedBytes[region '" + region.name() + "'" + (region.isRevoked() ? " (revoked)" : "")
                + ", readPosition=" + readPosition + ", readLimit=" + writePosition + ", writeLimit=" + writeLimit
                + ", capacity=" + capacity + (writable ? "" : ", read-only") + "]";
    }
}
