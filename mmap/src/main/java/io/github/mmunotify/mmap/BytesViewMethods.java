package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.util.DecoratedBufferOverflowException;
import net.openhft.chronicle.bytes.util.DecoratedBufferUnderflowException;

import java.util.HashMap;
import java.util.Map;

import static io.github.mmunotify.mmap.ViewMethod.alignedAt;
import static io.github.mmunotify.mmap.ViewMethod.arrayAt;
import static io.github.mmunotify.mmap.ViewMethod.at;
import static io.github.mmunotify.mmap.ViewMethod.fromTo;
import static io.github.mmunotify.mmap.ViewMethod.inside;
import static io.github.mmunotify.mmap.ViewMethod.reads;
import static io.github.mmunotify.mmap.ViewMethod.refused;
import static io.github.mmunotify.mmap.ViewMethod.sliceAt;
import static io.github.mmunotify.mmap.ViewMethod.slice;
import static io.github.mmunotify.mmap.ViewMethod.where;
import static io.github.mmunotify.mmap.ViewMethod.writes;

/**
 * The allow-list of the guarded Chronicle {@link Bytes} view: every method it lets through, what
 * each may touch, and the refusals that name an alternative. A method of {@code Bytes} not listed
 * here is refused.
 *
 * <p>Absolute accessors are checked against the region (Chronicle checks none of them). Relative
 * accessors are checked against the view's positions, which every position-moving method listed
 * here keeps inside {@code [0, capacity]}, capacity being the region's length: fixed-width ones
 * before they run. Variable-width writes (strings, stop-bit numbers, text) are staged: written to
 * a heap buffer first and copied in only if they fit, so one that does not fit writes nothing.
 * Length-prefixed reads (strings, big numbers) have their stop-bit length decoded and checked here:
 * Chronicle's {@code readBigInteger} reads as many bytes as its prefix says, past the read limit.
 * Text parsers and copies read byte by byte through Chronicle's checked relative reads, bounded by
 * the read limit, which cannot be switched off through the view ({@code unchecked(boolean)} and
 * {@code lenient(boolean)} are refused).
 *
 * <p>Nothing that returns an object over the region's memory (a store, a second {@code Bytes},
 * a reader, a {@code ByteBuffer}, an address) is allowed: such objects would reach the memory
 * without entering the guard. {@code inputStream()} and {@code outputStream()} return adapters
 * ({@link ViewStreams}) whose every call goes back through the guarded view.
 */
final class BytesViewMethods {
    static final Map<String, ViewMethod> TABLE = build();

    private BytesViewMethods() {
    }

    private static Map<String, ViewMethod> build() {
        Map<String, ViewMethod> t = new HashMap<>();
        // Positions and state: no memory is touched.
        for (String s : new String[]{"capacity()", "realCapacity()", "start()", "readPosition()", "writePosition()",
                "readLimit()", "writeLimit()", "readRemaining()", "writeRemaining()", "realReadRemaining()",
                "realWriteRemaining()", "isEmpty()", "isClear()", "isElastic()", "isDirectMemory()", "sharedMemory()",
                "byteOrder()", "length()", "lenient()", "unchecked()", "refCount()", "safeLimit()", "readWrite()",
                "lastDecimalPlaces()", "lastNumberHadDigits()", "singleThreadedCheckDisabled(boolean)",
                "singleThreadedCheckReset()", "clear()", "readLimitToCapacity()"}) {
            add(t, reads(s, ViewMethod.NONE));
        }
        add(t, reads("readPosition(long)", (p, a, w, m) -> position(w, m, (Long) a[0], 0, bytes(p).readLimit())));
        add(t, reads("readLimit(long)", (p, a, w, m) -> position(w, m, (Long) a[0], 0, w.capacity())));
        add(t, reads("writePosition(long)", (p, a, w, m) -> position(w, m, (Long) a[0], 0, bytes(p).writeLimit())));
        add(t, reads("writeLimit(long)", (p, a, w, m) -> position(w, m, (Long) a[0], 0, w.capacity())));
        add(t, reads("readPositionUnlimited(long)", (p, a, w, m) -> position(w, m, (Long) a[0], 0, w.capacity())));
        add(t, reads("readPositionRemaining(long,long)", (p, a, w, m) -> inside(w, m, 0, (Long) a[0], (Long) a[1])));
        add(t, reads("writePositionRemaining(long,long)", (p, a, w, m) -> inside(w, m, 0, (Long) a[0], (Long) a[1])));
        add(t, reads("readSkip(long)", (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            position(w, m, b.readPosition() + clamp((Long) a[0], w), 0, b.readLimit());
        }));
        add(t, reads("writeSkip(long)", (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            position(w, m, b.writePosition() + clamp((Long) a[0], w), 0, b.writeLimit());
        }));

        // Relative reads of a fixed width: checked here against the read position and limit.
        relativeRead(t, 1, "readByte()", "readUnsignedByte()", "readBoolean()");
        relativeRead(t, 2, "readShort()", "readUnsignedShort()");
        relativeRead(t, 3, "readInt24()", "readUnsignedInt24()");
        relativeRead(t, 4, "readInt()", "readUnsignedInt()", "readFloat()");
        relativeRead(t, 8, "readLong()", "readDouble()");
        add(t, reads("readVolatileInt()", readable(4, true)));
        add(t, reads("readVolatileLong()", readable(8, true)));
        // Relative reads of a length-prefixed value: the stop-bit length is decoded here and the value
        // must fit before the read limit (Chronicle's readBigInteger, for one, reads past it).
        for (String s : new String[]{"readUtf8()", "readUtf8(StringBuilder)", "read8bit()", "read8bit(StringBuilder)",
                "readBigInteger()", "readBigDecimal()"}) {
            add(t, reads(s, lengthPrefixed()));
        }
        for (String s : new String[]{"readStopBit()", "readStopBitChar()", "readStopBitDouble()", "readStopBitDecimal()",
                "readChar()"}) {
            add(t, reads(s, stopBitFramed()));
        }
        // Text parsers and copies of [readPosition, readLimit): they read byte by byte through
        // Chronicle's checked relative reads, so up to the read limit, which the view keeps in the region.
        for (String s : new String[]{"parseLong()", "parseInt()", "parseDouble()", "parseFloat()", "parseBoolean()", "parseLongDecimal()",
                "parseFlexibleLong()", "parseHexLong()", "toByteArray()",
                "to8bitString()", "toUtf8String()", "toHexString()", "toDebugString()"}) {
            add(t, reads(s, readable(0, false)));
        }
        add(t, reads("read(byte[])", readable(0, false)));
        add(t, reads("read(byte[],int,int)", slice(0, 1, 2)));
        add(t, reads("charAt(int)", (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            int index = (Integer) a[0];
            if (index < 0 || index >= b.readLimit() - b.readPosition() || b.readLimit() > w.capacity()) {
                throw new IndexOutOfBoundsException(where(w, m) + ": index " + index + " is outside the "
                        + (b.readLimit() - b.readPosition()) + " readable bytes [" + b.readPosition() + ", "
                        + b.readLimit() + ")");
            }
        }));

        // Relative writes of a fixed width: checked here against the write position and limit.
        relativeWrite(t, 1, "writeByte(byte)", "writeUnsignedByte(int)", "writeBoolean(boolean)");
        relativeWrite(t, 2, "writeShort(short)", "writeUnsignedShort(int)");
        // Chronicle writes these in two parts and range-checks the value between them: staged.
        add(t, ViewMethod.stagedWrites("writeInt24(int)"));
        add(t, ViewMethod.stagedWrites("writeUnsignedInt24(int)"));
        relativeWrite(t, 4, "writeInt(int)", "writeUnsignedInt(long)", "writeFloat(float)");
        relativeWrite(t, 8, "writeLong(long)", "writeDouble(double)");
        add(t, writes("writeOrderedInt(int)", writable(4, true)));
        add(t, writes("writeOrderedLong(long)", writable(8, true)));
        add(t, writes("write(byte[])", (p, a, w, m) -> writable(((byte[]) a[0]).length, false).check(p, a, w, m)));
        add(t, writes("write(byte[],int,int)", (p, a, w, m) -> {
            slice(0, 1, 2).check(p, a, w, m);
            writable((Integer) a[2], false).check(p, a, w, m);
        }));
        // Relative writes of a variable width: staged on the heap, copied in only if they fit.
        for (String s : new String[]{"writeUtf8(CharSequence)", "writeUtf8(String)", "write8bit(CharSequence)",
                "write8bit(String)", "writeStopBit(long)", "writeStopBit(char)", "writeStopBit(double)",
                "writeStopBitDecimal(double)", "writeChar(char)", "append(CharSequence)", "append(char)",
                "append(boolean)", "append(int)", "append(long)", "append(float)", "append(double)",
                "append(double,int)", "append8bit(CharSequence)", "append8bit(String)", "appendUtf8(CharSequence)",
                "appendUtf8(int)", "appendBase16(long)", "writeBigDecimal(BigDecimal)",
                "writeBigInteger(BigInteger)", "append(BigDecimal)"}) {
            add(t, ViewMethod.stagedWrites(s));
        }

        // The one staged write whose output is not bounded by its input's size: 2^31 decimal
        // places would be staged as 2 GiB of zeros.
        add(t, ViewMethod.stagedWrites("appendDecimal(long,int)", (p, a, w, m) -> {
            int decimals = (Integer) a[1];
            if (decimals < 0 || decimals > 18) {
                throw new IllegalArgumentException(where(w, m) + ": argument 1 (decimal places) = " + decimals
                        + " is outside [0, 18]");
            }
        }));

        // Absolute reads: checked here against the region (Chronicle does not check them).
        absoluteRead(t, 1, "readByte(long)", "readUnsignedByte(long)", "readBoolean(long)", "readVolatileByte(long)");
        absoluteRead(t, 2, "readShort(long)", "readUnsignedShort(long)");
        absoluteRead(t, 3, "readUnsignedInt24(long)");
        absoluteRead(t, 4, "readInt(long)", "readUnsignedInt(long)", "readFloat(long)");
        absoluteRead(t, 8, "readLong(long)", "readDouble(long)");
        add(t, reads("readVolatileShort(long)", alignedAt(0, 2)));
        add(t, reads("readVolatileInt(long)", alignedAt(0, 4)));
        add(t, reads("readVolatileFloat(long)", alignedAt(0, 4)));
        add(t, reads("readVolatileLong(long)", alignedAt(0, 8)));
        add(t, reads("readVolatileDouble(long)", alignedAt(0, 8)));
        add(t, reads("read(long,byte[],int,int)", sliceAt(0, 1, 2, 3)));

        // Absolute writes.
        absoluteWrite(t, 1, "writeByte(long,byte)", "writeByte(long,int)", "writeUnsignedByte(long,int)",
                "writeBoolean(long,boolean)", "writeVolatileByte(long,byte)");
        absoluteWrite(t, 2, "writeShort(long,short)", "writeUnsignedShort(long,int)");
        absoluteWrite(t, 3, "writeInt24(long,int)");
        absoluteWrite(t, 4, "writeInt(long,int)", "writeUnsignedInt(long,long)", "writeFloat(long,float)");
        absoluteWrite(t, 8, "writeLong(long,long)", "writeDouble(long,double)");
        for (String s : new String[]{"writeVolatileShort(long,short)"}) {
            add(t, writes(s, alignedAt(0, 2)));
        }
        for (String s : new String[]{"writeVolatileInt(long,int)", "writeVolatileFloat(long,float)",
                "writeOrderedInt(long,int)", "writeOrderedFloat(long,float)", "compareAndSwapInt(long,int,int)",
                "compareAndSwapFloat(long,float,float)", "testAndSetInt(long,int,int)", "addAndGetInt(long,int)",
                "addAndGetFloat(long,float)", "writeMaxInt(long,int)"}) {
            add(t, writes(s, alignedAt(0, 4)));
        }
        for (String s : new String[]{"writeVolatileLong(long,long)", "writeVolatileDouble(long,double)",
                "writeOrderedLong(long,long)", "writeOrderedDouble(long,double)", "compareAndSwapLong(long,long,long)",
                "compareAndSwapDouble(long,double,double)", "addAndGetLong(long,long)", "addAndGetDouble(long,double)",
                "writeMaxLong(long,long)"}) {
            add(t, writes(s, alignedAt(0, 8)));
        }
        add(t, writes("write(long,byte[])", arrayAt(0, 1)));
        add(t, writes("write(long,byte[],int,int)", sliceAt(0, 1, 2, 3)));
        add(t, writes("zeroOut(long,long)", fromTo(0, 1)));

        // Refused, with what to use instead.
        String copy = "copy the bytes out instead: toByteArray(), read(byte[]) or Region.getBytes";
        add(t, ViewMethod.adapted("inputStream()", ViewMethod.Kind.READS,
                view -> new ViewStreams.In((Bytes<?>) view)));
        add(t, ViewMethod.adapted("outputStream()", ViewMethod.Kind.WRITES,
                view -> new ViewStreams.Out((Bytes<?>) view)));
        for (String s : new String[]{"reader()", "toTemporaryDirectByteBuffer()", "copyTo(OutputStream)",
                "copyTo(ByteBuffer)", "copyTo(BytesStore)", "copyTo(byte[])", "copy()", "subSequence(int,int)",
                "chars()", "codePoints()"}) {
            add(t, refused(s, "it would hand out or reach the region's memory outside the view's guard; " + copy));
        }
        String put = "write through the view instead: write(byte[], int, int), writeUtf8 or append";
        for (String s : new String[]{"writer()", "write(InputStream)", "copyFrom(InputStream)"}) {
            add(t, refused(s, "it would hand out or reach the region's memory outside the view's guard; " + put));
        }
        String store = "call Region.bytes() again instead, for a second view with positions of its own";
        for (String s : new String[]{"bytesStore()", "bytesForRead()", "bytesForWrite()", "subBytes(long,long)"}) {
            add(t, refused(s, "it would hand out a store over the region's memory outside the view's guard; " + store));
        }
        String raw = "use Region.pin() instead, for raw-speed access that a revoke waits for";
        for (String s : new String[]{"addressForRead(long)", "addressForRead(long,int)", "addressForWrite(long)",
                "addressForWritePosition()", "nativeRead(long,long,long)", "nativeWrite(long,long,long)",
                "unsafeRead(long,int)", "unsafeWrite(long,int)", "underlyingObject()"}) {
            add(t, refused(s, "a raw address escapes the guard and outlives a revoke; " + raw));
        }
        String checks = "the guarded view always checks bounds; use Region.pin() instead for raw speed";
        for (String s : new String[]{"unchecked(boolean)", "lenient(boolean)", "uncheckedReadSkipOne()",
                "uncheckedReadSkipBackOne()", "uncheckedReadUnsignedByte()", "rawReadByte()", "rawReadInt()",
                "rawReadLong()", "rawWriteByte(byte)", "rawWriteInt(int)", "rawWriteLong(long)"}) {
            add(t, refused(s, "it skips Chronicle's bounds checks; " + checks));
        }
        String owner = "the region owns the memory; use Region.close() or Region.revoke() instead";
        for (String s : new String[]{"release(ReferenceOwner)", "releaseLast()", "releaseLast(ReferenceOwner)",
                "reserve(ReferenceOwner)", "tryReserve(ReferenceOwner)", "reserveTransfer(ReferenceOwner,ReferenceOwner)",
                "ensureCapacity(long)", "compact()"}) {
            add(t, refused(s, owner));
        }
        return Map.copyOf(t);
    }

    private static void add(Map<String, ViewMethod> table, ViewMethod method) {
        if (table.put(method.signature(), method) != null) {
            throw new IllegalStateException("classified twice: " + method.signature());
        }
    }

    private static void relativeRead(Map<String, ViewMethod> t, int width, String... signatures) {
        for (String s : signatures) {
            add(t, reads(s, readable(width, false)));
        }
    }

    private static void relativeWrite(Map<String, ViewMethod> t, int width, String... signatures) {
        for (String s : signatures) {
            add(t, writes(s, writable(width, false)));
        }
    }

    private static void absoluteRead(Map<String, ViewMethod> t, int width, String... signatures) {
        for (String s : signatures) {
            add(t, reads(s, at(0, width)));
        }
    }

    private static void absoluteWrite(Map<String, ViewMethod> t, int width, String... signatures) {
        for (String s : signatures) {
            add(t, writes(s, at(0, width)));
        }
    }

    private static Bytes<?> bytes(Object plain) {
        return (Bytes<?>) plain;
    }

    /** A skip further than the window is out of range anyway; clamping keeps the sum from overflowing. */
    private static long clamp(long delta, ViewMethod.Window w) {
        return Math.max(-w.capacity() - 1, Math.min(delta, w.capacity() + 1));
    }

    private static void position(ViewMethod.Window w, String m, long position, long min, long max) {
        if (position < min || position > max) {
            throw new IndexOutOfBoundsException(where(w, m) + ": position " + position + " is outside [" + min + ", "
                    + max + "]");
        }
    }

    /** {@code width} bytes from the read position, and the positions inside the window. */
    private static ViewMethod.Check readable(int width, boolean aligned) {
        return (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            long position = b.readPosition();
            long limit = b.readLimit();
            if (position < 0 || limit > w.capacity() || limit - position < width) {
                throw new DecoratedBufferUnderflowException(where(w, m) + ": needs " + width
                        + " readable bytes, has [" + position + ", " + limit + ") of [0, " + w.capacity() + ")");
            }
            alignedPosition(w, m, position, width, aligned);
        };
    }

    /** {@code width} bytes from the write position, and the positions inside the window. */
    static ViewMethod.Check writable(long width, boolean aligned) {
        return (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            long position = b.writePosition();
            long limit = b.writeLimit();
            if (position < 0 || limit > w.capacity() || width < 0 || limit - position < width) {
                throw new DecoratedBufferOverflowException(where(w, m) + ": needs " + width
                        + " writable bytes, has [" + position + ", " + limit + ") of [0, " + w.capacity() + ")");
            }
            alignedPosition(w, m, position, (int) width, aligned);
        };
    }

    /** A stop-bit number at the read position that ends before the read limit. */
    private static ViewMethod.Check stopBitFramed() {
        return (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            readable(0, false).check(p, a, w, m);
            stopBitEnd(b, b.readPosition(), b.readLimit(), w, m);
        };
    }

    /**
     * A stop-bit length {@code n} at the read position followed by {@code n} bytes (none for a
     * negative length, Chronicle's null), all before the read limit.
     */
    private static ViewMethod.Check lengthPrefixed() {
        return (p, a, w, m) -> {
            Bytes<?> b = bytes(p);
            readable(0, false).check(p, a, w, m);
            long start = b.readPosition();
            long limit = b.readLimit();
            long end = stopBitEnd(b, start, limit, w, m);
            long length = stopBitValue(b, start, end);
            if (length > limit - end) {
                throw new DecoratedBufferUnderflowException(where(w, m) + ": the length prefix at " + start + " says "
                        + length + " bytes, but only " + (limit - end) + " are readable before the read limit " + limit);
            }
        };
    }

    /**
     * Where the stop-bit number at {@code at} ends (exclusive): 7 bits a byte, high bit set on
     * every byte but the last, at most 10 bytes for a long.
     */
    static long stopBitEnd(Bytes<?> b, long at, long limit, ViewMethod.Window w, String m) {
        for (long i = at; i < limit && i - at < 10; i++) {
            if (b.readByte(i) >= 0) {
                return i + 1;
            }
        }
        throw new DecoratedBufferUnderflowException(where(w, m) + ": the stop-bit number at " + at
                + " does not end before the read limit " + limit);
    }

    /** The value of the stop-bit number in {@code [at, end)}; a trailing zero byte after others marks a negative one (~value). */
    static long stopBitValue(Bytes<?> b, long at, long end) {
        long value = 0;
        int shift = 0;
        for (long i = at; i < end - 1; i++) {
            value |= (b.readByte(i) & 0x7FL) << shift;
            shift += 7;
        }
        byte last = b.readByte(end - 1);
        return last == 0 && shift > 0 ? ~value : value | ((long) last << shift);
    }

    private static void alignedPosition(ViewMethod.Window w, String m, long position, int width, boolean aligned) {
        if (aligned && ((w.address() + position) & (width - 1)) != 0) {
            throw new IllegalArgumentException(where(w, m) + ": position " + position + " is not " + width
                    + "-byte aligned in memory; volatile and ordered accesses need aligned addresses");
        }
    }
}
