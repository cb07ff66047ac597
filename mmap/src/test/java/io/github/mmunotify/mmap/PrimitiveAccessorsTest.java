package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every typed accessor of {@link GuardedMemory} (so {@link Region} and {@link Mapping}) and of
 * {@link Pin}: the plain ones of every primitive, the volatile ones, acquire/release and the int
 * and long atomics. For each: the value written is the value read, in native byte order at the
 * right place (compared with a {@link ByteBuffer} of the same bytes); out-of-bounds offsets are
 * refused naming the offset without touching memory; writes to read-only memory are refused;
 * after a revoke (or unmap) every access throws {@link SigBusException}, after a pin's close
 * {@link IllegalStateException}; volatile and atomic accesses at a misaligned address throw
 * {@link IllegalArgumentException} naming the offset and the alignment and change nothing.
 */
class PrimitiveAccessorsTest {
    private static final int PAGE = 4096;
    private static final byte FILL = 0x11;

    @TempDir
    Path dir;

    /** Every accessor, with the bytes it touches, whether it needs alignment and whether it writes. */
    enum Accessor {
        GET_BYTE(1, false, false) {
            Object run(GuardedMemory m, long o) { return m.getByte(o); }
            Object run(Pin p, long o) { return p.getByte(o); }
        },
        PUT_BYTE(1, false, true) {
            Object run(GuardedMemory m, long o) { m.putByte(o, (byte) 0x77); return null; }
            Object run(Pin p, long o) { p.putByte(o, (byte) 0x77); return null; }
        },
        GET_SHORT(2, false, false) {
            Object run(GuardedMemory m, long o) { return m.getShort(o); }
            Object run(Pin p, long o) { return p.getShort(o); }
        },
        PUT_SHORT(2, false, true) {
            Object run(GuardedMemory m, long o) { m.putShort(o, (short) 0x7777); return null; }
            Object run(Pin p, long o) { p.putShort(o, (short) 0x7777); return null; }
        },
        GET_CHAR(2, false, false) {
            Object run(GuardedMemory m, long o) { return m.getChar(o); }
            Object run(Pin p, long o) { return p.getChar(o); }
        },
        PUT_CHAR(2, false, true) {
            Object run(GuardedMemory m, long o) { m.putChar(o, '\u7777'); return null; }
            Object run(Pin p, long o) { p.putChar(o, '\u7777'); return null; }
        },
        GET_INT(4, false, false) {
            Object run(GuardedMemory m, long o) { return m.getInt(o); }
            Object run(Pin p, long o) { return p.getInt(o); }
        },
        PUT_INT(4, false, true) {
            Object run(GuardedMemory m, long o) { m.putInt(o, 0x77777777); return null; }
            Object run(Pin p, long o) { p.putInt(o, 0x77777777); return null; }
        },
        GET_LONG(8, false, false) {
            Object run(GuardedMemory m, long o) { return m.getLong(o); }
            Object run(Pin p, long o) { return p.getLong(o); }
        },
        PUT_LONG(8, false, true) {
            Object run(GuardedMemory m, long o) { m.putLong(o, 0x7777777777777777L); return null; }
            Object run(Pin p, long o) { p.putLong(o, 0x7777777777777777L); return null; }
        },
        GET_FLOAT(4, false, false) {
            Object run(GuardedMemory m, long o) { return m.getFloat(o); }
            Object run(Pin p, long o) { return p.getFloat(o); }
        },
        PUT_FLOAT(4, false, true) {
            Object run(GuardedMemory m, long o) { m.putFloat(o, 7.0f); return null; }
            Object run(Pin p, long o) { p.putFloat(o, 7.0f); return null; }
        },
        GET_DOUBLE(8, false, false) {
            Object run(GuardedMemory m, long o) { return m.getDouble(o); }
            Object run(Pin p, long o) { return p.getDouble(o); }
        },
        PUT_DOUBLE(8, false, true) {
            Object run(GuardedMemory m, long o) { m.putDouble(o, 7.0); return null; }
            Object run(Pin p, long o) { p.putDouble(o, 7.0); return null; }
        },
        GET_BYTE_VOLATILE(1, true, false) {
            Object run(GuardedMemory m, long o) { return m.getByteVolatile(o); }
            Object run(Pin p, long o) { return p.getByteVolatile(o); }
        },
        PUT_BYTE_VOLATILE(1, true, true) {
            Object run(GuardedMemory m, long o) { m.putByteVolatile(o, (byte) 0x77); return null; }
            Object run(Pin p, long o) { p.putByteVolatile(o, (byte) 0x77); return null; }
        },
        GET_SHORT_VOLATILE(2, true, false) {
            Object run(GuardedMemory m, long o) { return m.getShortVolatile(o); }
            Object run(Pin p, long o) { return p.getShortVolatile(o); }
        },
        PUT_SHORT_VOLATILE(2, true, true) {
            Object run(GuardedMemory m, long o) { m.putShortVolatile(o, (short) 0x7777); return null; }
            Object run(Pin p, long o) { p.putShortVolatile(o, (short) 0x7777); return null; }
        },
        GET_CHAR_VOLATILE(2, true, false) {
            Object run(GuardedMemory m, long o) { return m.getCharVolatile(o); }
            Object run(Pin p, long o) { return p.getCharVolatile(o); }
        },
        PUT_CHAR_VOLATILE(2, true, true) {
            Object run(GuardedMemory m, long o) { m.putCharVolatile(o, '\u7777'); return null; }
            Object run(Pin p, long o) { p.putCharVolatile(o, '\u7777'); return null; }
        },
        GET_INT_VOLATILE(4, true, false) {
            Object run(GuardedMemory m, long o) { return m.getIntVolatile(o); }
            Object run(Pin p, long o) { return p.getIntVolatile(o); }
        },
        PUT_INT_VOLATILE(4, true, true) {
            Object run(GuardedMemory m, long o) { m.putIntVolatile(o, 0x77777777); return null; }
            Object run(Pin p, long o) { p.putIntVolatile(o, 0x77777777); return null; }
        },
        GET_LONG_VOLATILE(8, true, false) {
            Object run(GuardedMemory m, long o) { return m.getLongVolatile(o); }
            Object run(Pin p, long o) { return p.getLongVolatile(o); }
        },
        PUT_LONG_VOLATILE(8, true, true) {
            Object run(GuardedMemory m, long o) { m.putLongVolatile(o, 0x7777777777777777L); return null; }
            Object run(Pin p, long o) { p.putLongVolatile(o, 0x7777777777777777L); return null; }
        },
        GET_INT_ACQUIRE(4, true, false) {
            Object run(GuardedMemory m, long o) { return m.getIntAcquire(o); }
            Object run(Pin p, long o) { return p.getIntAcquire(o); }
        },
        PUT_INT_RELEASE(4, true, true) {
            Object run(GuardedMemory m, long o) { m.putIntRelease(o, 0x77777777); return null; }
            Object run(Pin p, long o) { p.putIntRelease(o, 0x77777777); return null; }
        },
        COMPARE_AND_SET_INT(4, true, true) {
            Object run(GuardedMemory m, long o) { return m.compareAndSetInt(o, 0x77777777, 0x77777777); }
            Object run(Pin p, long o) { return p.compareAndSetInt(o, 0x77777777, 0x77777777); }
        },
        GET_AND_ADD_INT(4, true, true) {
            Object run(GuardedMemory m, long o) { return m.getAndAddInt(o, 0x77777777); }
            Object run(Pin p, long o) { return p.getAndAddInt(o, 0x77777777); }
        },
        GET_AND_SET_INT(4, true, true) {
            Object run(GuardedMemory m, long o) { return m.getAndSetInt(o, 0x77777777); }
            Object run(Pin p, long o) { return p.getAndSetInt(o, 0x77777777); }
        },
        GET_LONG_ACQUIRE(8, true, false) {
            Object run(GuardedMemory m, long o) { return m.getLongAcquire(o); }
            Object run(Pin p, long o) { return p.getLongAcquire(o); }
        },
        PUT_LONG_RELEASE(8, true, true) {
            Object run(GuardedMemory m, long o) { m.putLongRelease(o, 0x7777777777777777L); return null; }
            Object run(Pin p, long o) { p.putLongRelease(o, 0x7777777777777777L); return null; }
        },
        COMPARE_AND_SET_LONG(8, true, true) {
            Object run(GuardedMemory m, long o) { return m.compareAndSetLong(o, 0x7777777777777777L, 0x7777777777777777L); }
            Object run(Pin p, long o) { return p.compareAndSetLong(o, 0x7777777777777777L, 0x7777777777777777L); }
        },
        GET_AND_ADD_LONG(8, true, true) {
            Object run(GuardedMemory m, long o) { return m.getAndAddLong(o, 0x7777777777777777L); }
            Object run(Pin p, long o) { return p.getAndAddLong(o, 0x7777777777777777L); }
        },
        GET_AND_SET_LONG(8, true, true) {
            Object run(GuardedMemory m, long o) { return m.getAndSetLong(o, 0x7777777777777777L); }
            Object run(Pin p, long o) { return p.getAndSetLong(o, 0x7777777777777777L); }
        };

        final int width;
        final boolean aligned;
        final boolean write;

        Accessor(int width, boolean aligned, boolean write) {
            this.width = width;
            this.aligned = aligned;
            this.write = write;
        }

        abstract Object run(GuardedMemory memory, long offset);

        abstract Object run(Pin pin, long offset);
    }

    // ------------------------------------------------------------------------------------------
    // Values

    /** Plain accessors at every offset, aligned or not, through a region, a mapping and a pin. */
    @Test
    void plainAccessorsWriteAndReadEveryPrimitiveInNativeByteOrderAtAnyOffset() {
        try (Region region = Region.allocate("plain", 64)) {
            Mapping mapping = region.map(3, 48);
            for (int offset = 0; offset <= 8; offset++) {
                checkPlain(region, region, offset);
                checkPlain(mapping, region, offset);
            }
            try (Pin pin = region.pin()) {
                for (int offset = 0; offset <= 8; offset++) {
                    pin.putShort(offset, (short) -2);
                    assertEquals((short) -2, pin.getShort(offset));
                    pin.putChar(offset, '\uFFFE');
                    assertEquals('\uFFFE', pin.getChar(offset));
                    pin.putFloat(offset, -0.0f);
                    assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(pin.getFloat(offset)));
                    pin.putInt(offset, 0xCAFEBABE);
                    assertEquals(0xCAFEBABE, pin.getInt(offset));
                    pin.putLong(offset, 0x0102030405060708L);
                    assertEquals(0x0102030405060708L, pin.getLong(offset));
                    assertArrayEquals(native8(0x0102030405060708L), bytes(region, offset, 8));
                    pin.putDouble(offset, Math.PI);
                    assertEquals(Math.PI, pin.getDouble(offset));
                    pin.putByte(offset, (byte) -128);
                    assertEquals((byte) -128, pin.getByte(offset));
                }
            }
        }
    }

    /** Writes every type through {@code memory} and reads it back there and, byte by byte, from the region. */
    private static void checkPlain(GuardedMemory memory, Region region, int offset) {
        long at = regionOffset(memory, offset);
        memory.putShort(offset, (short) 0x1234);
        assertEquals((short) 0x1234, memory.getShort(offset));
        assertArrayEquals(nativeBytes(2, b -> b.putShort((short) 0x1234)), bytes(region, at, 2));
        memory.putChar(offset, '\uABCD');
        assertEquals('\uABCD', memory.getChar(offset));
        assertArrayEquals(nativeBytes(2, b -> b.putChar('\uABCD')), bytes(region, at, 2));
        memory.putFloat(offset, Float.intBitsToFloat(0x7FC00001)); // a NaN with payload: raw bits survive
        assertEquals(0x7FC00001, Float.floatToRawIntBits(memory.getFloat(offset)));
        assertArrayEquals(nativeBytes(4, b -> b.putInt(0x7FC00001)), bytes(region, at, 4));
        memory.putInt(offset, 0x89ABCDEF);
        assertEquals(0x89ABCDEF, memory.getInt(offset));
        assertArrayEquals(nativeBytes(4, b -> b.putInt(0x89ABCDEF)), bytes(region, at, 4));
        memory.putLong(offset, 0x8877665544332211L);
        assertEquals(0x8877665544332211L, memory.getLong(offset));
        assertArrayEquals(native8(0x8877665544332211L), bytes(region, at, 8));
        memory.putDouble(offset, -1.5e300);
        assertEquals(-1.5e300, memory.getDouble(offset));
        assertArrayEquals(nativeBytes(8, b -> b.putDouble(-1.5e300)), bytes(region, at, 8));
        memory.putByte(offset, (byte) 0xA5);
        assertEquals((byte) 0xA5, memory.getByte(offset));
        assertEquals((byte) 0xA5, region.getByte(at));
    }

    @Test
    void volatileAcquireAndReleaseAccessorsReadWhatWasWritten() {
        try (Region region = Region.allocate("volatile", 64)) {
            Mapping mapping = region.map(8, 48);
            for (GuardedMemory memory : new GuardedMemory[] {region, mapping}) {
                memory.putByteVolatile(1, (byte) -3);
                assertEquals((byte) -3, memory.getByteVolatile(1));
                memory.putShortVolatile(2, (short) -4);
                assertEquals((short) -4, memory.getShortVolatile(2));
                assertEquals((short) -4, memory.getShort(2));
                memory.putCharVolatile(6, '\u8001');
                assertEquals('\u8001', memory.getCharVolatile(6));
                memory.putIntVolatile(4, -5);
                assertEquals(-5, memory.getIntVolatile(4));
                memory.putIntRelease(12, 0x7EADBEEF);
                assertEquals(0x7EADBEEF, memory.getIntAcquire(12));
                assertEquals(0x7EADBEEF, memory.getInt(12));
                memory.putLongVolatile(16, Long.MIN_VALUE);
                assertEquals(Long.MIN_VALUE, memory.getLongVolatile(16));
                memory.putLongRelease(24, -6);
                assertEquals(-6, memory.getLongAcquire(24));
                assertEquals(-6, memory.getLong(24));
            }
            assertEquals(-6, region.getLong(32)); // the mapping's offset 24 is the region's 32
            try (Pin pin = region.pin()) {
                pin.putByteVolatile(3, (byte) 9);
                assertEquals((byte) 9, pin.getByteVolatile(3));
                pin.putShortVolatile(4, (short) 10);
                assertEquals((short) 10, pin.getShortVolatile(4));
                pin.putCharVolatile(6, 'x');
                assertEquals('x', pin.getCharVolatile(6));
                pin.putIntVolatile(8, 11);
                assertEquals(11, pin.getIntVolatile(8));
                pin.putIntRelease(12, 12);
                assertEquals(12, pin.getIntAcquire(12));
                pin.putLongVolatile(16, 13);
                assertEquals(13, pin.getLongVolatile(16));
                pin.putLongRelease(24, 14);
                assertEquals(14, pin.getLongAcquire(24));
            }
            assertEquals(14, region.getLong(24));
        }
    }

    @Test
    void intAndLongAtomicsFollowTheirContracts() {
        try (Region region = Region.allocate("atomics", 64)) {
            Mapping mapping = region.map(16, 32);
            for (GuardedMemory memory : new GuardedMemory[] {region, mapping}) {
                memory.putInt(0, 5);
                assertFalse(memory.compareAndSetInt(0, 4, 9));
                assertEquals(5, memory.getInt(0));
                assertTrue(memory.compareAndSetInt(0, 5, 9));
                assertEquals(9, memory.getInt(0));
                assertEquals(9, memory.getAndAddInt(0, Integer.MAX_VALUE));
                assertEquals(9 + Integer.MAX_VALUE, memory.getInt(0)); // wraps
                assertEquals(9 + Integer.MAX_VALUE, memory.getAndSetInt(0, -1));
                assertEquals(-1, memory.getInt(0));
                assertEquals(0, memory.getInt(4), "the int next door is untouched");

                memory.putLong(8, 5);
                assertFalse(memory.compareAndSetLong(8, 4, 9));
                assertEquals(5, memory.getLong(8));
                assertTrue(memory.compareAndSetLong(8, 5, 9));
                assertEquals(9, memory.getAndAddLong(8, Long.MAX_VALUE));
                assertEquals(9 + Long.MAX_VALUE, memory.getLong(8));
                assertEquals(9 + Long.MAX_VALUE, memory.getAndSetLong(8, -1));
                assertEquals(-1, memory.getLong(8));
                memory.putLong(8, 0);
                memory.putInt(0, 0);
            }
            mapping.putInt(0, 77);
            assertEquals(77, region.getInt(16));
            try (Pin pin = region.pin()) {
                assertTrue(pin.compareAndSetInt(16, 77, 78));
                assertFalse(pin.compareAndSetInt(16, 77, 79));
                assertEquals(78, pin.getAndAddInt(16, 2));
                assertEquals(80, pin.getAndSetInt(16, 81));
                assertTrue(pin.compareAndSetLong(24, 0, 100));
                assertEquals(100, pin.getAndAddLong(24, -1));
                assertEquals(99, pin.getAndSetLong(24, 7));
            }
            assertEquals(81, region.getInt(16));
            assertEquals(7, region.getLong(24));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Refusals

    @Test
    void everyAccessorRefusesOutOfBoundsOffsetsNamingThemAndTouchesNothing() {
        try (Region region = Region.allocate("bounds", 2 * PAGE)) {
            region.setMemory(0, 2 * PAGE, FILL);
            Mapping mapping = region.map(PAGE, 64); // the bytes after it are the region's, still FILL
            for (Accessor accessor : Accessor.values()) {
                for (GuardedMemory memory : new GuardedMemory[] {region, mapping}) {
                    for (long offset : badOffsets(memory.length(), accessor.width)) {
                        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                                () -> accessor.run(memory, offset), () -> accessor + " at " + offset + " of " + memory);
                        assertTrue(e.getMessage().contains("offset " + offset), e::getMessage);
                    }
                }
            }
            try (Pin pin = region.pin()) {
                for (Accessor accessor : Accessor.values()) {
                    for (long offset : badOffsets(2 * PAGE, accessor.width)) {
                        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                                () -> accessor.run(pin, offset), () -> "pin " + accessor + " at " + offset);
                        assertTrue(e.getMessage().contains("offset " + offset), e::getMessage);
                    }
                }
            }
            assertAll(region, FILL);
        }
    }

    @Test
    void everyWriteToReadOnlyMemoryIsRefusedAndEveryReadWorks() throws Throwable {
        Path file = dir.resolve("read-only.bin");
        byte[] contents = new byte[PAGE];
        Arrays.fill(contents, FILL);
        Files.write(file, contents);
        try (Region region = Region.mapFile(file, 0, PAGE, false)) {
            Mapping mapping = region.map(0, 64);
            for (Accessor accessor : Accessor.values()) {
                for (GuardedMemory memory : new GuardedMemory[] {region, mapping}) {
                    checkReadOnly(accessor, () -> accessor.run(memory, 8), () -> accessor + " on " + memory);
                }
                try (Pin pin = region.pin()) {
                    checkReadOnly(accessor, () -> accessor.run(pin, 8), () -> "pin " + accessor);
                }
            }
            assertAll(region, FILL);
        }
        // A mapping made read-only on its own refuses writes too, while its writable region accepts them.
        try (Region region = Region.allocate("made-read-only", 64)) {
            region.setMemory(0, 64, FILL);
            Mapping mapping = region.map(0, 64);
            mapping.setWritable(false);
            for (Accessor accessor : Accessor.values()) {
                checkReadOnly(accessor, () -> accessor.run(mapping, 8), () -> accessor + " on read-only mapping");
            }
            assertAll(region, FILL);
            region.putIntVolatile(8, 1);
            assertEquals(1, mapping.getIntVolatile(8));
        }
    }

    private static void checkReadOnly(Accessor accessor, Executable access, Supplier<String> what) throws Throwable {
        if (accessor.write) {
            ReadOnlyMappingException e = assertThrows(ReadOnlyMappingException.class, access, what);
            assertTrue(e.getMessage().contains("read-only"), e::getMessage);
            assertTrue(e.getMessage().contains("offset 8"), e::getMessage);
        } else {
            access.execute();
        }
    }

    @Test
    void everyAccessorAfterRevokeOrUnmapThrowsSigBusExceptionAndAPinAfterCloseIllegalState() {
        Region region = Region.allocate("revoked", 64);
        Mapping unmapped = region.map(0, 64);
        Mapping mapping = region.map(0, 64);
        Pin closed = region.pin();
        closed.close();
        unmapped.unmap();
        for (Accessor accessor : Accessor.values()) {
            SigBusException e = assertThrows(SigBusException.class, () -> accessor.run(unmapped, 16), accessor::name);
            assertEquals(16, e.offset());
            assertTrue(e.getMessage().contains("Mapping.unmap()"), e::getMessage);
            accessor.run(region, 16); // the region and its other mapping are unaffected
            accessor.run(mapping, 16);
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> accessor.run(closed, 16),
                    accessor::name);
            assertTrue(stale.getMessage().contains("closed"), stale::getMessage);
        }
        region.revoke();
        for (Accessor accessor : Accessor.values()) {
            for (GuardedMemory memory : new GuardedMemory[] {region, mapping}) {
                SigBusException e = assertThrows(SigBusException.class, () -> accessor.run(memory, 16),
                        () -> accessor + " on " + memory);
                assertEquals("revoked", e.regionName());
                assertEquals(16, e.offset());
                assertTrue(e.revokedAt().isPresent());
                assertTrue(e.getMessage().contains("Region.revoke()"), e::getMessage);
            }
        }
    }

    @Test
    void volatileAndAtomicAccessorsRefuseMisalignedAddressesNamingOffsetAndAlignment() {
        try (Region region = Region.allocate("misaligned", 64)) {
            region.setMemory(0, 64, FILL);
            Mapping shifted = region.map(2, 32); // its offset 0 is 2-aligned only; its offset 6 is 8-aligned
            try (Pin pin = region.pin()) {
                for (Accessor accessor : Accessor.values()) {
                    if (!accessor.aligned || accessor.width == 1) {
                        continue;
                    }
                    for (int offset = 1; offset < accessor.width; offset++) {
                        long at = 16 + offset;
                        refusesMisaligned(accessor, () -> accessor.run(region, at), at);
                        refusesMisaligned(accessor, () -> accessor.run(pin, at), at);
                    }
                    if (accessor.width > 2) {
                        refusesMisaligned(accessor, () -> accessor.run(shifted, 0), 0);
                    }
                }
            }
            assertAll(region, FILL);
            // The same accessors at aligned addresses work, the mapping's at its offset 6 (region offset 8).
            for (Accessor accessor : Accessor.values()) {
                accessor.run(region, 16);
                accessor.run(shifted, 6);
                accessor.run(shifted, 14);
                if (accessor.width <= 2) {
                    accessor.run(shifted, 0);
                }
            }
            // Plain accessors take any alignment.
            region.putLong(1, -1);
            assertEquals(-1, region.getLong(1));
        }
    }

    private static void refusesMisaligned(Accessor accessor, Executable access, long offset) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, access,
                () -> accessor + " at " + offset);
        assertTrue(e.getMessage().contains("offset " + offset), e::getMessage);
        assertTrue(e.getMessage().contains(accessor.width + "-byte aligned"), e::getMessage);
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    /** Offsets at which a {@code width}-byte access to {@code length} bytes must be refused. */
    private static long[] badOffsets(long length, int width) {
        return new long[] {-1, -width, Long.MIN_VALUE, length - width + 1, length, Long.MAX_VALUE,
                Long.MAX_VALUE - width + 2};
    }

    private static long regionOffset(GuardedMemory memory, long offset) {
        return memory instanceof Mapping mapping ? mapping.offset() + offset : offset;
    }

    private static byte[] bytes(Region region, long offset, int count) {
        byte[] out = new byte[count];
        region.getBytes(offset, out);
        return out;
    }

    private static byte[] native8(long value) {
        return nativeBytes(8, b -> b.putLong(value));
    }

    private static byte[] nativeBytes(int count, java.util.function.Consumer<ByteBuffer> put) {
        ByteBuffer buffer = ByteBuffer.allocate(count).order(ByteOrder.nativeOrder());
        put.accept(buffer);
        return buffer.array();
    }

    private static void assertAll(Region region, byte value) {
        byte[] expected = new byte[(int) region.length()];
        Arrays.fill(expected, value);
        assertArrayEquals(expected, bytes(region, 0, expected.length), "a refused access changed memory");
    }
}
