package io.github.mmunotify.mmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The raw loads, stores and atomics on absolute addresses that {@link GuardedMemory} and {@link Pin}
 * make once they have checked bounds, alignment, writability and the guard, through the FFM API.
 * No checks of their own here: every caller has made them.
 *
 * <h2>Implementation notes</h2>
 * Every access goes through one static segment over the whole address space ({@link #ALL}) at the
 * absolute address. Held in a static final field, the segment is a constant to the JIT: its
 * liveness check (the global scope: always alive) and its base fold away, and its bounds check
 * ({@code address <= Long.MAX_VALUE - size}) is one compare. A segment per region, held in a field
 * of the region, would cost a load of the segment and of its scope plus a second, redundant bounds
 * check against the region's size on every access: measured slower in {@code RegionAccessBenchmark}
 * ({@code segmentGetLong} against {@code everythingSegmentGetLong}). Plain accesses use the unaligned
 * layouts (any address is allowed); volatile, acquire/release and atomic accesses use the var
 * handles of the aligned layouts, with coordinates {@code (MemorySegment, long)}, made exact so that
 * a call whose types drift would fail in the tests rather than silently go through {@code asType}.
 *
 * <p>A fault under an access (a file truncated by another process) raises the same
 * {@link InternalError} as an {@code Unsafe} access did: the segment accesses are {@code Unsafe}
 * accesses underneath, which HotSpot marks as such in compiled code.
 */
final class Memory {
    /** The whole address space as one segment: reads and writes at absolute addresses. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle().withInvokeExactBehavior();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle().withInvokeExactBehavior();
    private static final VarHandle CHAR = ValueLayout.JAVA_CHAR.varHandle().withInvokeExactBehavior();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle().withInvokeExactBehavior();

    private Memory() {
    }

    static byte getByte(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    static void putByte(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }

    static short getShort(long address) {
        return ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, address);
    }

    static void putShort(long address, short value) {
        ALL.set(ValueLayout.JAVA_SHORT_UNALIGNED, address, value);
    }

    static char getChar(long address) {
        return ALL.get(ValueLayout.JAVA_CHAR_UNALIGNED, address);
    }

    static void putChar(long address, char value) {
        ALL.set(ValueLayout.JAVA_CHAR_UNALIGNED, address, value);
    }

    static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    static long getLong(long address) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address);
    }

    static void putLong(long address, long value) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }

    static float getFloat(long address) {
        return ALL.get(ValueLayout.JAVA_FLOAT_UNALIGNED, address);
    }

    static void putFloat(long address, float value) {
        ALL.set(ValueLayout.JAVA_FLOAT_UNALIGNED, address, value);
    }

    static double getDouble(long address) {
        return ALL.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, address);
    }

    static void putDouble(long address, double value) {
        ALL.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, address, value);
    }

    static byte getByteVolatile(long address) {
        return (byte) BYTE.getVolatile(ALL, address);
    }

    static void putByteVolatile(long address, byte value) {
        BYTE.setVolatile(ALL, address, value);
    }

    static short getShortVolatile(long address) {
        return (short) SHORT.getVolatile(ALL, address);
    }

    static void putShortVolatile(long address, short value) {
        SHORT.setVolatile(ALL, address, value);
    }

    static char getCharVolatile(long address) {
        return (char) CHAR.getVolatile(ALL, address);
    }

    static void putCharVolatile(long address, char value) {
        CHAR.setVolatile(ALL, address, value);
    }

    static int getIntVolatile(long address) {
        return (int) INT.getVolatile(ALL, address);
    }

    static void putIntVolatile(long address, int value) {
        INT.setVolatile(ALL, address, value);
    }

    static long getLongVolatile(long address) {
        return (long) LONG.getVolatile(ALL, address);
    }

    static void putLongVolatile(long address, long value) {
        LONG.setVolatile(ALL, address, value);
    }

    static int getIntAcquire(long address) {
        return (int) INT.getAcquire(ALL, address);
    }

    static void putIntRelease(long address, int value) {
        INT.setRelease(ALL, address, value);
    }

    static boolean compareAndSetInt(long address, int expected, int update) {
        return (boolean) INT.compareAndSet(ALL, address, expected, update);
    }

    static int getAndAddInt(long address, int delta) {
        return (int) INT.getAndAdd(ALL, address, delta);
    }

    static int getAndSetInt(long address, int value) {
        return (int) INT.getAndSet(ALL, address, value);
    }

    static long getLongAcquire(long address) {
        return (long) LONG.getAcquire(ALL, address);
    }

    static void putLongRelease(long address, long value) {
        LONG.setRelease(ALL, address, value);
    }

    static boolean compareAndSetLong(long address, long expected, long update) {
        return (boolean) LONG.compareAndSet(ALL, address, expected, update);
    }

    static long getAndAddLong(long address, long delta) {
        return (long) LONG.getAndAdd(ALL, address, delta);
    }

    static long getAndSetLong(long address, long value) {
        return (long) LONG.getAndSet(ALL, address, value);
    }

    static void copyToArray(long address, byte[] dst, int dstIndex, int count) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_BYTE, address, dst, dstIndex, count);
    }

    static void copyFromArray(byte[] src, int srcIndex, long address, int count) {
        MemorySegment.copy(src, srcIndex, ALL, ValueLayout.JAVA_BYTE, address, count);
    }

    static void fill(long address, long count, byte value) {
        ALL.asSlice(address, count).fill(value);
    }
}
