package io.github.mmunotify.mmap;

import org.agrona.UnsafeApi;

/**
 * The raw loads, stores and atomics on absolute addresses that {@link GuardedMemory} and {@link Pin}
 * make once they have checked bounds, alignment, writability and the guard. No checks here: every
 * caller has done them.
 */
final class Memory {
    private static final long BYTE_ARRAY_BASE = UnsafeApi.arrayBaseOffset(byte[].class);

    private Memory() {
    }

    static byte getByte(long address) {
        return UnsafeApi.getByte(address);
    }

    static void putByte(long address, byte value) {
        UnsafeApi.putByte(address, value);
    }

    static short getShort(long address) {
        return UnsafeApi.getShort(address);
    }

    static void putShort(long address, short value) {
        UnsafeApi.putShort(address, value);
    }

    static char getChar(long address) {
        return UnsafeApi.getChar(address);
    }

    static void putChar(long address, char value) {
        UnsafeApi.putChar(address, value);
    }

    static int getInt(long address) {
        return UnsafeApi.getInt(address);
    }

    static void putInt(long address, int value) {
        UnsafeApi.putInt(address, value);
    }

    static long getLong(long address) {
        return UnsafeApi.getLong(address);
    }

    static void putLong(long address, long value) {
        UnsafeApi.putLong(address, value);
    }

    static float getFloat(long address) {
        return UnsafeApi.getFloat(address);
    }

    static void putFloat(long address, float value) {
        UnsafeApi.putFloat(address, value);
    }

    static double getDouble(long address) {
        return UnsafeApi.getDouble(address);
    }

    static void putDouble(long address, double value) {
        UnsafeApi.putDouble(address, value);
    }

    static byte getByteVolatile(long address) {
        return UnsafeApi.getByteVolatile(null, address);
    }

    static void putByteVolatile(long address, byte value) {
        UnsafeApi.putByteVolatile(null, address, value);
    }

    static short getShortVolatile(long address) {
        return UnsafeApi.getShortVolatile(null, address);
    }

    static void putShortVolatile(long address, short value) {
        UnsafeApi.putShortVolatile(null, address, value);
    }

    static char getCharVolatile(long address) {
        return UnsafeApi.getCharVolatile(null, address);
    }

    static void putCharVolatile(long address, char value) {
        UnsafeApi.putCharVolatile(null, address, value);
    }

    static int getIntVolatile(long address) {
        return UnsafeApi.getIntVolatile(null, address);
    }

    static void putIntVolatile(long address, int value) {
        UnsafeApi.putIntVolatile(null, address, value);
    }

    static long getLongVolatile(long address) {
        return UnsafeApi.getLongVolatile(null, address);
    }

    static void putLongVolatile(long address, long value) {
        UnsafeApi.putLongVolatile(null, address, value);
    }

    static int getIntAcquire(long address) {
        return UnsafeApi.getIntAcquire(null, address);
    }

    static void putIntRelease(long address, int value) {
        UnsafeApi.putIntRelease(null, address, value);
    }

    static boolean compareAndSetInt(long address, int expected, int update) {
        return UnsafeApi.compareAndSetInt(null, address, expected, update);
    }

    static int getAndAddInt(long address, int delta) {
        return UnsafeApi.getAndAddInt(null, address, delta);
    }

    static int getAndSetInt(long address, int value) {
        return UnsafeApi.getAndSetInt(null, address, value);
    }

    static long getLongAcquire(long address) {
        return UnsafeApi.getLongAcquire(null, address);
    }

    static void putLongRelease(long address, long value) {
        UnsafeApi.putLongRelease(null, address, value);
    }

    static boolean compareAndSetLong(long address, long expected, long update) {
        return UnsafeApi.compareAndSetLong(null, address, expected, update);
    }

    static long getAndAddLong(long address, long delta) {
        return UnsafeApi.getAndAddLong(null, address, delta);
    }

    static long getAndSetLong(long address, long value) {
        return UnsafeApi.getAndSetLong(null, address, value);
    }

    static void copyToArray(long address, byte[] dst, int dstIndex, int count) {
        UnsafeApi.copyMemory(null, address, dst, BYTE_ARRAY_BASE + dstIndex, count);
    }

    static void copyFromArray(byte[] src, int srcIndex, long address, int count) {
        UnsafeApi.copyMemory(src, BYTE_ARRAY_BASE + srcIndex, null, address, count);
    }

    static void fill(long address, long count, byte value) {
        UnsafeApi.setMemory(address, count, value);
    }
}
