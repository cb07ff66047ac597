package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fault injection for the public API of the mmap module: creating regions and arenas
 * with null, zero, negative, huge and overflowing sizes and offsets, mapping files that are not
 * regular files (directories, FIFOs, devices), missing or too short; and every accessor of
 * {@link Region}, {@link Mapping} and {@link Pin} with negative, past-end, wrapping
 * ({@code offset + width} beyond {@code Long.MAX_VALUE}) and misaligned offsets, null arrays and
 * out-of-range array windows.
 *
 * <p>Each case asserts the exception and that its message names what was wrong, then that
 * nothing leaked out of the checked window: the region's own bytes and its neighbour's bytes in
 * the same arena (the next page) are unchanged, the region still reads and writes, and its revoke
 * completes within a bounded time. A failing check here that was not refused would write into
 * the neighbour, which is what the byte comparisons catch.
 */
class MmapArgumentsTest {

    private static final int PAGE = 4096;
    private static final byte OWN = 0x11;
    private static final byte NEIGHBOUR = 0x5A;

    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------------------
    // Creating regions

    @Test
    void allocateRefusesNullNamesAndNonPositiveSizes() {
        assertThrowsNaming(NullPointerException.class, () -> Region.allocate(null, 8), "name");
        for (long bytes : new long[] {0, -1, Integer.MIN_VALUE, Long.MIN_VALUE}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> Region.allocate("bad", bytes),
                    "bytes", String.valueOf(bytes));
        }
    }

    /** A size that page rounding would wrap is refused naming the argument, before any mmap. */
    @Test
    void allocateAndArenaOfSizesNearLongMaxNameTheArgument() {
        for (long bytes : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - PAGE + 2}) {
            assertThrowsNaming(IllegalArgumentException.class, () -> Region.allocate("huge", bytes),
                    "bytes", String.valueOf(bytes));
            assertThrowsNaming(IllegalArgumentException.class, () -> MappedArena.anonymous("huge", bytes),
                    "capacity", String.valueOf(bytes));
        }
    }

    /**
     * A size the kernel cannot give is refused by the kernel (NativeMemoryException naming the
     * call), never silently shrunk or wrapped by page rounding.
     */
    @Test
    void allocateOfAHugeSizeIsRefused() {
        for (long bytes : new long[] {1L << 62, Long.MAX_VALUE - PAGE, Long.MAX_VALUE}) {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> {
                Region region = Region.allocate("huge", bytes);
                fail("allocate(" + bytes + ") returned " + region + " of length " + region.length());
            });
            assertTrue(refused instanceof IllegalArgumentException || refused instanceof NativeMemoryException,
                    refused::toString);
            assertTrue(refused.getMessage().contains(String.valueOf(bytes))
                            || refused.getMessage().contains("mmap"), refused::getMessage);
        }
        try (Region region = Region.allocate("after-huge", PAGE)) {
            assertWorks(region);
        }
    }

    @Test
    void mapFileRefusesNullNegativeZeroAndOverflowingRanges() throws IOException {
        Path file = Files.write(dir.resolve("f"), new byte[PAGE]);
        assertThrowsNaming(NullPointerException.class, () -> Region.mapFile(null, 0, 8, false), "file");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, -1, 8, false), "offset", "-1");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, Long.MIN_VALUE, 8, true),
                "offset");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, 0, 0, false), "length", "0");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, 0, -8, true), "length", "-8");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, Long.MAX_VALUE, 1, true),
                "overflow");
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, 1, Long.MAX_VALUE, false),
                "overflow");
        // Beyond the end of the file, read-only: refused by name, the file untouched.
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, 0, PAGE + 1, false),
                "beyond", file.getFileName().toString());
        assertThrowsNaming(IllegalArgumentException.class, () -> Region.mapFile(file, PAGE, 1, false), "beyond");
        assertEquals(PAGE, Files.size(file));
        try (Region region = Region.mapFile(file, 0, PAGE, true)) {
            assertWorks(region);
        }
    }

    /** A writable range the file system cannot hold is refused, and the file keeps its size. */
    @Test
    void aWritableMappingFarBeyondWhatTheFileSystemHoldsIsRefusedAndTheFileKeepsItsSize() throws IOException {
        Path file = Files.write(dir.resolve("short"), new byte[16]);
        assertThrows(RuntimeException.class, () -> {
            Region region = Region.mapFile(file, Long.MAX_VALUE - PAGE, 16, true);
            region.close();
            fail("mapped " + region + " at offset 2^63 - 4097");
        });
        assertEquals(16, Files.size(file));
    }

    @Test
    void aMissingFileIsRefusedNamingIt() {
        Path missing = dir.resolve("no-such-file");
        RuntimeException refused = assertThrows(RuntimeException.class, () -> Region.mapFile(missing, 0, 8, false));
        assertTrue(refused.getMessage().contains("no-such-file"), refused::getMessage);
        assertFalse(Files.exists(missing), "a read-only mapping created the file");
    }

    @Test
    void aDirectoryIsRefusedEitherWay() {
        for (boolean writable : new boolean[] {false, true}) {
            RuntimeException refused = assertTimeoutPreemptively(TestTimeouts.await(),
                    () -> assertThrows(RuntimeException.class, () -> Region.mapFile(dir, 0, 8, writable)));
            assertRefusedNaming(refused, dir);
        }
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void devNullIsRefusedEitherWay() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull));
        for (boolean writable : new boolean[] {false, true}) {
            RuntimeException refused = assertTimeoutPreemptively(TestTimeouts.await(),
                    () -> assertThrows(RuntimeException.class, () -> Region.mapFile(devNull, 0, PAGE, writable)));
            assertRefusedNaming(refused, devNull);
        }
    }

    @Test
    void aFifoOpenedWritableIsRefusedPromptly() throws Exception {
        Path fifo = mkfifo("fifo-rw");
        RuntimeException refused = assertTimeoutPreemptively(TestTimeouts.await(),
                () -> assertThrows(RuntimeException.class, () -> Region.mapFile(fifo, 0, PAGE, true)));
        assertRefusedNaming(refused, fifo);
    }

    @Test
    void aFifoOpenedReadOnlyIsRefusedPromptly() throws Exception {
        Path fifo = mkfifo("fifo-ro");
        RuntimeException refused = assertTimeoutPreemptively(TestTimeouts.await(),
                () -> assertThrows(RuntimeException.class, () -> Region.mapFile(fifo, 0, PAGE, false)));
        assertRefusedNaming(refused, fifo);
    }

    /** Only meaningful without CAP_DAC_OVERRIDE: root may open a read-only file for writing. */
    @Test
    void aReadOnlyFileOpenedWritableIsRefusedNamingIt() throws IOException {
        Path file = Files.write(dir.resolve("ro"), new byte[PAGE]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        assumeFalse(Files.isWritable(file), "running with permission to write read-only files (root)");
        RuntimeException refused = assertThrows(RuntimeException.class, () -> Region.mapFile(file, 0, PAGE, true));
        assertRefusedNaming(refused, file);
        try (Region readOnly = Region.mapFile(file, 0, PAGE, false)) {
            assertEquals(0, readOnly.getLong(0));
            assertThrows(ReadOnlyMappingException.class, () -> readOnly.putLong(0, 1));
        }
    }

    /** Every refused mapFile closes the descriptor it opened. */
    @Test
    void refusedMapFilesLeakNoFileDescriptors() throws Exception {
        Path file = Files.write(dir.resolve("fd"), new byte[PAGE]);
        Path fifo = mkfifo("fd-fifo");
        List<Executable> refusals = List.of(
                () -> Region.mapFile(file, 0, PAGE + 1, false),
                () -> Region.mapFile(dir, 0, 8, false),
                () -> Region.mapFile(dir, 0, 8, true),
                () -> Region.mapFile(Path.of("/dev/null"), 0, PAGE, false),
                () -> Region.mapFile(Path.of("/dev/null"), 0, PAGE, true),
                () -> Region.mapFile(fifo, 0, PAGE, true),
                () -> Region.mapFile(dir.resolve("missing"), 0, 8, false));
        for (Executable refusal : refusals) {
            assertThrows(RuntimeException.class, refusal); // warm up whatever the JDK opens lazily
        }
        long before = openFileDescriptors();
        for (int round = 0; round < 20; round++) {
            for (Executable refusal : refusals) {
                assertThrows(RuntimeException.class, refusal);
            }
        }
        // Descriptors of regions revoked earlier in this JVM may still be closing on the releaser
        // thread (the count only falls from that); a leak here would add one per refused call, 140.
        long leaked = openFileDescriptors() - before;
        assertTrue(leaked < 10, () -> "140 refused mapFile calls leaked " + leaked + " descriptors");
    }

    // ------------------------------------------------------------------------------------------
    // Accessors of Region and Mapping

    @Test
    void everyAccessorOfARegionRefusesOutOfBoundsOffsetsAndTouchesNothing() {
        try (MappedArena arena = MappedArena.anonymous("bounds", 4 * PAGE)) {
            Region region = arena.allocate("victim", PAGE);
            Region neighbour = arena.allocate("neighbour", PAGE);
            fill(region, OWN);
            fill(neighbour, NEIGHBOUR);
            refuseEveryBadOffset(region);
            assertFilled(region, OWN);
            assertFilled(neighbour, NEIGHBOUR);
            assertWorks(region);
            assertWorks(neighbour);
        }
    }

    @Test
    void everyAccessorOfAnOddSizedRegionRefusesThePartialTail() {
        try (MappedArena arena = MappedArena.anonymous("odd", 4 * PAGE)) {
            Region region = arena.allocate("odd", 100);
            fill(region, OWN);
            refuseEveryBadOffset(region);
            assertFilled(region, OWN);
            assertWorks(region);
        }
    }

    @Test
    void everyAccessorOfAMappingRefusesOffsetsOutsideTheMappingEvenInsideTheRegion() {
        try (MappedArena arena = MappedArena.anonymous("mapping-bounds", 4 * PAGE)) {
            Region region = arena.allocate("region", 2 * PAGE);
            Region neighbour = arena.allocate("neighbour", PAGE);
            fill(region, OWN);
            fill(neighbour, NEIGHBOUR);
            Mapping tail = region.map(PAGE, PAGE);
            refuseEveryBadOffset(tail);
            Mapping middle = region.map(PAGE / 2, PAGE);
            refuseEveryBadOffset(middle);
            assertFilled(region, OWN);
            assertFilled(neighbour, NEIGHBOUR);
            assertWorks(tail);
            assertWorks(middle);
            tail.unmap();
            assertThrows(SigBusException.class, () -> tail.getLong(0));
            assertWorks(middle);
            assertWorks(region);
        }
    }

    @Test
    void atomicsRefuseMisalignedOffsetsNamingThem() {
        try (Region region = Region.allocate("atomics", PAGE)) {
            fill(region, OWN);
            for (long offset = 1; offset < 8; offset++) {
                refuseMisaligned(region, offset);
            }
            refuseMisaligned(region, PAGE - 9);
            // A mapping starting 4 bytes into the region is aligned at its offset 4, not 0.
            Mapping shifted = region.map(4, 64);
            refuseMisaligned(shifted, 0);
            assertEquals(0x1111111111111111L, shifted.getLongVolatile(4));
            assertTrue(shifted.compareAndSetLong(4, 0x1111111111111111L, 7));
            assertEquals(7, shifted.getAndAddLong(4, 1));
            assertEquals(8, region.getLongVolatile(8));
            region.putLongVolatile(8, 0x1111111111111111L);
            assertFilled(region, OWN);
            assertWorks(region);
        }
    }

    @Test
    void bulkCopiesRefuseNullArraysAndBadArrayWindows() {
        try (MappedArena arena = MappedArena.anonymous("bulk", 4 * PAGE)) {
            Region region = arena.allocate("bulk", PAGE);
            Region neighbour = arena.allocate("neighbour", PAGE);
            fill(region, OWN);
            fill(neighbour, NEIGHBOUR);
            refuseBadArrays(region);
            assertFilled(region, OWN);
            assertFilled(neighbour, NEIGHBOUR);
            assertWorks(region);
        }
    }

    @Test
    void aReadOnlyRegionRefusesEveryWriteAndStaysUnchanged() throws IOException {
        byte[] content = new byte[PAGE];
        Arrays.fill(content, OWN);
        Path file = Files.write(dir.resolve("read-only"), content);
        try (Region region = Region.mapFile(file, 0, PAGE, false)) {
            for (Executable write : List.<Executable>of(
                    () -> region.putByte(0, (byte) 1), () -> region.putInt(0, 1), () -> region.putLong(0, 1),
                    () -> region.putDouble(0, 1), () -> region.putLongVolatile(0, 1),
                    () -> region.compareAndSetLong(0, 0x1111111111111111L, 1), () -> region.getAndAddLong(0, 1),
                    () -> region.setMemory(0, 8, (byte) 1), () -> region.putBytes(0, new byte[8]))) {
                assertThrowsNaming(ReadOnlyMappingException.class, write, "read-only");
            }
            Mapping mapping = region.map(0, PAGE);
            assertThrows(ReadOnlyMappingException.class, () -> mapping.setWritable(true));
            assertFalse(mapping.isWritable());
            assertFilled(region, OWN);
        }
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    // ------------------------------------------------------------------------------------------
    // Region.map / mapAt, listeners

    @Test
    void mapRefusesEmptyNegativeOutsideAndWrappingWindows() {
        try (Region region = Region.allocate("windows", PAGE)) {
            for (long[] bad : new long[][] {{0, 0}, {0, -1}, {-1, 8}, {PAGE, 1}, {PAGE - 7, 8}, {0, PAGE + 1},
                    {Long.MAX_VALUE, 1}, {1, Long.MAX_VALUE}, {Long.MIN_VALUE, 8}, {Long.MAX_VALUE, Long.MAX_VALUE}}) {
                assertThrows(IndexOutOfBoundsException.class, () -> region.map(bad[0], bad[1]),
                        () -> "map(" + bad[0] + ", " + bad[1] + ")");
            }
            assertThrowsNaming(IllegalArgumentException.class, () -> region.mapAt(-1, 0, 8), "address");
            assertThrowsNaming(IllegalArgumentException.class, () -> region.mapAt(Long.MIN_VALUE, 0, 8), "address");
            assertThrowsNaming(IllegalArgumentException.class, () -> region.mapAt(Long.MAX_VALUE - 7, 0, 8),
                    "address");
            assertThrows(IndexOutOfBoundsException.class, () -> region.mapAt(0, 0, 0));
            assertEquals(0, region.mappingCount(), "a refused map left a mapping");
            Mapping top = region.mapAt(Long.MAX_VALUE - 8, 0, 8);
            top.putLong(0, 42);
            assertEquals(42, region.getLong(0));
            assertWorks(region);
        }
    }

    @Test
    void listenersRefuseNullAndAnUnmappedMapping() {
        try (Region region = Region.allocate("listeners", PAGE)) {
            Mapping mapping = region.map(0, PAGE);
            assertThrowsNaming(NullPointerException.class, () -> mapping.addListener(null), "listener");
            assertFalse(mapping.removeListener(null));
            assertFalse(mapping.removeListener((m, cause) -> { }));
            mapping.unmap();
            assertThrows(IllegalStateException.class, () -> mapping.addListener((m, cause) -> { }));
            mapping.unmap(); // idempotent
            assertWorks(region);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Pins

    @Test
    void everyPinAccessorRefusesOutOfBoundsOffsetsAndBadArrays() {
        try (MappedArena arena = MappedArena.anonymous("pin-bounds", 4 * PAGE)) {
            Region region = arena.allocate("pinned", PAGE);
            Region neighbour = arena.allocate("neighbour", PAGE);
            fill(region, OWN);
            fill(neighbour, NEIGHBOUR);
            try (Pin pin = region.pin()) {
                for (PinAccess access : PinAccess.values()) {
                    for (long offset : badOffsets(PAGE, access.width)) {
                        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                                () -> access.run(pin, offset), () -> access + " at " + offset);
                        assertTrue(e.getMessage().contains(String.valueOf(offset)), e::getMessage);
                    }
                }
                assertThrowsNaming(NullPointerException.class, () -> pin.getBytes(0, null, 0, 1), "dst");
                assertThrowsNaming(NullPointerException.class, () -> pin.putBytes(0, null, 0, 1), "src");
                byte[] eight = new byte[8];
                for (int[] window : new int[][] {{-1, 1}, {0, -1}, {0, 9}, {8, 1}, {Integer.MAX_VALUE, 1},
                        {1, Integer.MAX_VALUE}}) {
                    assertThrows(IndexOutOfBoundsException.class, () -> pin.getBytes(0, eight, window[0], window[1]));
                    assertThrows(IndexOutOfBoundsException.class, () -> pin.putBytes(0, eight, window[0], window[1]));
                }
                assertEquals(0x1111111111111111L, pin.getLong(PAGE - 8));
                assertTrue(pin.isOpen());
            }
            assertFilled(region, OWN);
            assertFilled(neighbour, NEIGHBOUR);
            assertWorks(region);
        }
    }

    @Test
    void aPinRefusesOtherThreadsAndAccessAfterClose() throws Exception {
        try (Region region = Region.allocate("pin-owner", PAGE)) {
            Pin pin = region.pin();
            try (TestThreads threads = new TestThreads("pin-thief")) {
                threads.start(() -> {
                    assertThrowsNaming(IllegalStateException.class, () -> pin.getLong(0), "pin-owner");
                    assertThrowsNaming(IllegalStateException.class, () -> pin.putLong(0, 1), "pin-owner");
                    assertThrowsNaming(IllegalStateException.class, pin::close, "pin-owner");
                });
            }
            assertTrue(pin.isOpen(), "another thread's close closed the pin");
            pin.putLong(0, 5);
            pin.close();
            pin.close(); // idempotent on the holder
            assertThrowsNaming(IllegalStateException.class, () -> pin.getLong(0), "closed");
            assertEquals(5, region.getLong(0));
            assertWorks(region);
        }
    }

    /** Revoking or closing what a caller is itself holding open throws instead of waiting for itself. */
    @Test
    void revokeAndCloseFromAPinHolderOrAListenerThrowAndChangeNothing() {
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        try (MappedArena arena = MappedArena.anonymous("self", 4 * PAGE)) {
            Region region = arena.allocate("held", PAGE);
            try (Pin pin = region.pin()) {
                assertThrowsNaming(IllegalStateException.class, region::revoke, "held");
                assertThrowsNaming(IllegalStateException.class, region::close, "held");
                assertThrowsNaming(IllegalStateException.class, arena::close, "self");
                assertThrowsNaming(IllegalStateException.class, () -> arena.free(region), "held");
                assertFalse(region.isRevoked());
                assertFalse(arena.isClosed());
                pin.putLong(0, 3);
            }
            Mapping mapping = region.map(0, PAGE);
            mapping.addListener((m, cause) -> {
                for (Executable selfWait : List.<Executable>of(region::revoke)) {
                    try {
                        selfWait.execute();
                    } catch (IllegalStateException expected) {
                        thrownInside.add(expected);
                    } catch (Throwable unexpected) {
                        thrownInside.add(new AssertionError("expected IllegalStateException", unexpected));
                    }
                }
                m.unmap(); // harmless: returns at once
            });
            assertTimeoutPreemptively(TestTimeouts.await(), () -> region.revoke());
            assertEquals(1, thrownInside.size(), thrownInside::toString);
            thrownInside.forEach(e -> assertTrue(e instanceof IllegalStateException, e::toString));
            assertTrue(mapping.isUnmapped());
            assertThrows(SigBusException.class, () -> region.getLong(0));
            assertFalse(arena.isClosed());
            assertWorks(arena.allocate("after", PAGE));
        }
    }

    /** One instance of each unchecked Throwable kind a listener can end with (thrown, not provoked). */
    static List<Supplier<Throwable>> throwables() {
        return List.of(
                () -> new IllegalStateException("injected runtime exception"),
                () -> new AssertionError("injected error"),
                () -> new StackOverflowError("injected stack overflow"),
                () -> new OutOfMemoryError("injected out of memory"));
    }

    @ParameterizedTest
    @MethodSource("throwables")
    void aThrowableFromAListenerStopsNeitherAnUnmapNorAnArenaCloseNorTheOtherListeners(
            Supplier<Throwable> kind) {
        Throwable thrown = kind.get();
        List<UnmapCause> told = new CopyOnWriteArrayList<>();
        MappedArena arena = MappedArena.anonymous("listeners-throw", 4 * PAGE);
        Region region = arena.allocate("region", 2 * PAGE);
        Mapping alone = region.map(0, PAGE);
        alone.addListener((m, cause) -> sneakyThrow(thrown));
        alone.addListener((m, cause) -> told.add(cause));
        assertTimeoutPreemptively(TestTimeouts.await(), alone::unmap);
        assertTrue(alone.isUnmapped());
        assertThrows(SigBusException.class, () -> alone.getLong(0));
        assertEquals(List.of(UnmapCause.UNMAPPED), told);
        assertWorks(region);

        Mapping withArena = region.map(PAGE, PAGE);
        withArena.addListener((m, cause) -> sneakyThrow(thrown));
        withArena.addListener((m, cause) -> told.add(cause));
        assertTimeoutPreemptively(TestTimeouts.await(), arena::close);
        assertTrue(arena.isClosed());
        assertTrue(region.isRevoked());
        assertTrue(withArena.isUnmapped());
        assertEquals(List.of(UnmapCause.UNMAPPED, UnmapCause.ARENA_CLOSED), told);
        assertTimeoutPreemptively(TestTimeouts.await(), arena::close); // idempotent
    }

    @SuppressWarnings("unchecked")
    static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    @Test
    void arenaCloseFromAListenerOfItsOwnRegionThrowsAndChangesNothing() {
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        MappedArena arena = MappedArena.anonymous("listener-close", 4 * PAGE);
        Region other = arena.allocate("other", PAGE);
        fill(other, NEIGHBOUR);
        Region region = arena.allocate("revoked", PAGE);
        region.map(0, PAGE).addListener((m, cause) -> {
            try {
                arena.close();
            } catch (Throwable expected) {
                thrownInside.add(expected);
            }
        });
        assertTimeoutPreemptively(TestTimeouts.await(), () -> region.revoke());
        assertEquals(1, thrownInside.size(), thrownInside::toString);
        assertTrue(thrownInside.getFirst() instanceof IllegalStateException, thrownInside::toString);
        assertFalse(arena.isClosed(), "a refused close closed the arena");
        assertFalse(other.isRevoked(), "a refused close revoked another region");
        assertFilled(other, NEIGHBOUR);
        assertTimeoutPreemptively(TestTimeouts.await(), arena::close);
        assertTrue(other.isRevoked());
    }

    /** The same from a listener of a mapping's own unmap(): refused before the arena changes. */
    @Test
    void arenaCloseFromAListenerOfAMappingUnmapThrowsAndChangesNothing() {
        List<Throwable> thrownInside = new CopyOnWriteArrayList<>();
        MappedArena arena = MappedArena.anonymous("unmap-listener-close", 4 * PAGE);
        Region other = arena.allocate("other", PAGE);
        fill(other, NEIGHBOUR);
        Region region = arena.allocate("mapped", PAGE);
        Mapping mapping = region.map(0, PAGE);
        mapping.addListener((m, cause) -> {
            try {
                arena.close();
            } catch (Throwable expected) {
                thrownInside.add(expected);
            }
        });
        assertTimeoutPreemptively(TestTimeouts.await(), mapping::unmap);
        assertEquals(1, thrownInside.size(), thrownInside::toString);
        assertTrue(thrownInside.getFirst() instanceof IllegalStateException, thrownInside::toString);
        assertFalse(arena.isClosed(), "a refused close closed the arena");
        assertFalse(other.isRevoked(), "a refused close revoked another region");
        assertFalse(region.isRevoked(), "a refused close revoked the mapping's region");
        assertFilled(other, NEIGHBOUR);
        assertTimeoutPreemptively(TestTimeouts.await(), arena::close);
        assertTrue(other.isRevoked());
        assertTrue(region.isRevoked());
    }

    // ------------------------------------------------------------------------------------------
    // MappedArena

    @Test
    void arenaFactoriesRefuseNullAndNonPositiveCapacities() {
        assertThrowsNaming(NullPointerException.class, () -> MappedArena.anonymous(null, PAGE), "name");
        assertThrowsNaming(NullPointerException.class, () -> MappedArena.mapFile(null, PAGE), "file");
        for (long capacity : new long[] {0, -1, Long.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> MappedArena.anonymous("bad", capacity));
            assertThrows(IllegalArgumentException.class, () -> MappedArena.mapFile(dir.resolve("arena"), capacity));
        }
    }

    @Test
    void allocateRefusesNullZeroNegativeAndSizesBeyondTheArena() {
        try (MappedArena arena = MappedArena.anonymous("sizes", 4 * PAGE)) {
            Region neighbour = arena.allocate("neighbour", PAGE);
            fill(neighbour, NEIGHBOUR);
            MappedArena.Stats before = arena.stats();
            assertThrowsNaming(NullPointerException.class, () -> arena.allocate(null, 8), "regionName");
            for (long bytes : new long[] {0, -1, Long.MIN_VALUE}) {
                assertThrowsNaming(IllegalArgumentException.class, () -> arena.allocate("bad", bytes),
                        String.valueOf(bytes));
            }
            for (long bytes : new long[] {3L * PAGE + 1, 4L * PAGE}) {     // fits the arena, not what is free
                assertThrowsNaming(IllegalStateException.class, () -> arena.allocate("too-big", bytes), "full");
            }
            for (long bytes : new long[] {4L * PAGE + 1, 1L << 40, 1L << 62}) {  // larger than the arena itself
                assertThrowsNaming(IllegalArgumentException.class, () -> arena.allocate("too-big", bytes),
                        String.valueOf(bytes));
            }
            assertEquals(before, arena.stats(), "a refused allocate changed the arena");
            Region rest = arena.allocate("rest", 3L * PAGE);
            assertWorks(rest);
            assertFilled(neighbour, NEIGHBOUR);
        }
    }

    @Test
    void allocateOfSizesNearLongMaxIsRefusedAndChangesNothing() {
        MappedArena arena = MappedArena.anonymous("overflow", 4 * PAGE);
        Region neighbour = arena.allocate("neighbour", PAGE);
        fill(neighbour, NEIGHBOUR);
        MappedArena.Stats before = arena.stats();
        for (long bytes : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - PAGE + 2, Long.MAX_VALUE - 2L * PAGE}) {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> {
                Region region = arena.allocate("huge", bytes);
                // Do not touch or revoke it: its length covers other memory. Leak the arena.
                fail("allocate(" + bytes + ") returned " + region + " of length " + region.length());
            });
            assertTrue(refused instanceof IllegalArgumentException || refused instanceof IllegalStateException,
                    refused::toString);
            assertTrue(refused.getMessage().contains(String.valueOf(bytes)) || refused.getMessage().contains("full"),
                    refused::getMessage);
        }
        assertEquals(before, arena.stats());
        assertFilled(neighbour, NEIGHBOUR);
        arena.close();
    }

    @Test
    void anArenaOfASizeNearLongMaxIsRefused() {
        for (long capacity : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - PAGE + 2}) {
            RuntimeException refused = assertThrows(RuntimeException.class, () -> {
                MappedArena arena = MappedArena.anonymous("huge", capacity);
                fail("created " + arena + " with capacity " + arena.capacity());
            });
            assertTrue(refused instanceof IllegalArgumentException || refused instanceof NativeMemoryException,
                    refused::toString);
        }
    }

    @Test
    void freeRefusesRegionsOfOtherArenasAndNull() {
        try (MappedArena arena = MappedArena.anonymous("owner", 4 * PAGE);
             MappedArena other = MappedArena.anonymous("other", 4 * PAGE);
             Region standalone = Region.allocate("standalone", PAGE)) {
            Region mine = arena.allocate("mine", PAGE);
            Region theirs = other.allocate("theirs", PAGE);
            fill(theirs, NEIGHBOUR);
            assertThrowsNaming(IllegalArgumentException.class, () -> arena.free(theirs), "owner");
            assertThrowsNaming(IllegalArgumentException.class, () -> arena.free(standalone), "owner");
            assertThrows(NullPointerException.class, () -> arena.free(null));
            assertFalse(theirs.isRevoked());
            assertFalse(standalone.isRevoked());
            assertFilled(theirs, NEIGHBOUR);
            assertWorks(mine);
            arena.free(mine);
            arena.free(mine); // freeing twice is a completed revoke
            assertThrows(SigBusException.class, () -> mine.getLong(0));
        }
    }

    @Test
    void aClosedArenaRefusesAllocateByName() {
        MappedArena arena = MappedArena.anonymous("shut", 4 * PAGE);
        Region region = arena.allocate("r", PAGE);
        arena.close();
        arena.close();
        assertThrowsNaming(IllegalStateException.class, () -> arena.allocate("late", PAGE), "shut", "closed");
        assertThrows(SigBusException.class, () -> region.getLong(0));
        assertTrue(region.isRevoked());
    }

    // ------------------------------------------------------------------------------------------
    // The bad offsets and what each accessor is refused with

    /** Every offset at which an access of {@code width} bytes must be refused in a window of {@code length}. */
    static long[] badOffsets(long length, long width) {
        return Stream.of(-1L, -width, Long.MIN_VALUE, Long.MIN_VALUE + 1, length, length - width + 1, length + 1,
                        length + PAGE, Long.MAX_VALUE, Long.MAX_VALUE - width + 1, Long.MAX_VALUE - length + 1,
                        Integer.MAX_VALUE + 1L, 1L << 32)
                .mapToLong(Long::longValue)
                .filter(offset -> offset < 0 || offset > length - width)
                .distinct()
                .toArray();
    }

    /** One accessor of GuardedMemory, with the width it touches. */
    enum Access {
        GET_BYTE(1) { void run(GuardedMemory m, long o) { m.getByte(o); } },
        PUT_BYTE(1) { void run(GuardedMemory m, long o) { m.putByte(o, (byte) 0x77); } },
        GET_INT(4) { void run(GuardedMemory m, long o) { m.getInt(o); } },
        PUT_INT(4) { void run(GuardedMemory m, long o) { m.putInt(o, 0x77777777); } },
        GET_LONG(8) { void run(GuardedMemory m, long o) { m.getLong(o); } },
        PUT_LONG(8) { void run(GuardedMemory m, long o) { m.putLong(o, 0x7777777777777777L); } },
        GET_DOUBLE(8) { void run(GuardedMemory m, long o) { m.getDouble(o); } },
        PUT_DOUBLE(8) { void run(GuardedMemory m, long o) { m.putDouble(o, 7.0); } },
        GET_LONG_VOLATILE(8) { void run(GuardedMemory m, long o) { m.getLongVolatile(o); } },
        PUT_LONG_VOLATILE(8) { void run(GuardedMemory m, long o) { m.putLongVolatile(o, 0x7777777777777777L); } },
        COMPARE_AND_SET(8) { void run(GuardedMemory m, long o) { m.compareAndSetLong(o, 0x1111111111111111L, 7); } },
        GET_AND_ADD(8) { void run(GuardedMemory m, long o) { m.getAndAddLong(o, 7); } },
        GET_BYTES(16) { void run(GuardedMemory m, long o) { m.getBytes(o, new byte[16], 0, 16); } },
        GET_ALL_BYTES(16) { void run(GuardedMemory m, long o) { m.getBytes(o, new byte[16]); } },
        PUT_BYTES(16) { void run(GuardedMemory m, long o) { m.putBytes(o, new byte[16], 0, 16); } },
        PUT_ALL_BYTES(16) { void run(GuardedMemory m, long o) { m.putBytes(o, new byte[16]); } },
        SET_MEMORY(16) { void run(GuardedMemory m, long o) { m.setMemory(o, 16, (byte) 0x77); } };

        final int width;

        Access(int width) {
            this.width = width;
        }

        abstract void run(GuardedMemory memory, long offset);
    }

    /** One accessor of Pin, with the width it touches. */
    enum PinAccess {
        GET_BYTE(1) { void run(Pin p, long o) { p.getByte(o); } },
        PUT_BYTE(1) { void run(Pin p, long o) { p.putByte(o, (byte) 0x77); } },
        GET_INT(4) { void run(Pin p, long o) { p.getInt(o); } },
        PUT_INT(4) { void run(Pin p, long o) { p.putInt(o, 0x77777777); } },
        GET_LONG(8) { void run(Pin p, long o) { p.getLong(o); } },
        PUT_LONG(8) { void run(Pin p, long o) { p.putLong(o, 0x7777777777777777L); } },
        GET_DOUBLE(8) { void run(Pin p, long o) { p.getDouble(o); } },
        PUT_DOUBLE(8) { void run(Pin p, long o) { p.putDouble(o, 7.0); } },
        GET_BYTES(16) { void run(Pin p, long o) { p.getBytes(o, new byte[16], 0, 16); } },
        PUT_BYTES(16) { void run(Pin p, long o) { p.putBytes(o, new byte[16], 0, 16); } };

        final int width;

        PinAccess(int width) {
            this.width = width;
        }

        abstract void run(Pin pin, long offset);
    }

    private static void refuseEveryBadOffset(GuardedMemory memory) {
        for (Access access : Access.values()) {
            for (long offset : badOffsets(memory.length(), access.width)) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> access.run(memory, offset), () -> access + " at offset " + offset + " of " + memory.length());
                assertTrue(e.getMessage().contains(String.valueOf(offset)), e::getMessage);
                assertTrue(e.getMessage().contains(String.valueOf(memory.length())), e::getMessage);
            }
        }
        // Bulk operations with a bad count rather than a bad offset.
        for (long count : new long[] {-1, Long.MIN_VALUE, memory.length() + 1, Long.MAX_VALUE}) {
            assertThrows(IndexOutOfBoundsException.class, () -> memory.setMemory(0, count, (byte) 0x77),
                    () -> "setMemory count " + count);
            assertThrows(IndexOutOfBoundsException.class, () -> memory.setMemory(1, count, (byte) 0x77),
                    () -> "setMemory at 1, count " + count);
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> memory.setMemory(Long.MAX_VALUE, Long.MAX_VALUE, (byte) 0x77));
        memory.setMemory(memory.length(), 0, (byte) 0x77); // empty at the end: allowed, writes nothing
    }

    private static void refuseMisaligned(GuardedMemory memory, long offset) {
        for (Access access : List.of(Access.GET_LONG_VOLATILE, Access.PUT_LONG_VOLATILE, Access.COMPARE_AND_SET,
                Access.GET_AND_ADD)) {
            assertThrowsNaming(IllegalArgumentException.class, () -> access.run(memory, offset),
                    "aligned", String.valueOf(offset));
        }
    }

    private static void refuseBadArrays(GuardedMemory memory) {
        assertThrowsNaming(NullPointerException.class, () -> memory.getBytes(0, null, 0, 1), "dst");
        assertThrowsNaming(NullPointerException.class, () -> memory.putBytes(0, null, 0, 1), "src");
        assertThrows(NullPointerException.class, () -> memory.getBytes(0, null));
        assertThrows(NullPointerException.class, () -> memory.putBytes(0, null));
        byte[] eight = new byte[8];
        for (int[] window : new int[][] {{-1, 1}, {0, -1}, {0, 9}, {8, 1}, {1, 8}, {Integer.MAX_VALUE, 1},
                {1, Integer.MAX_VALUE}, {Integer.MIN_VALUE, 8}}) {
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getBytes(0, eight, window[0], window[1]),
                    () -> "getBytes window " + Arrays.toString(window));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.putBytes(0, eight, window[0], window[1]),
                    () -> "putBytes window " + Arrays.toString(window));
        }
        // An array longer than the window.
        byte[] tooLong = new byte[(int) memory.length() + 1];
        assertThrows(IndexOutOfBoundsException.class, () -> memory.getBytes(0, tooLong));
        assertThrows(IndexOutOfBoundsException.class, () -> memory.putBytes(0, tooLong));
        assertThrows(IndexOutOfBoundsException.class, () -> memory.putBytes(memory.length() - 4, eight));
        assertArrayEquals(new byte[8], eight, "a refused getBytes wrote into the array");
    }

    // ------------------------------------------------------------------------------------------

    private static void fill(GuardedMemory memory, byte value) {
        memory.setMemory(0, memory.length(), value);
    }

    private static void assertFilled(GuardedMemory memory, byte value) {
        byte[] content = new byte[(int) memory.length()];
        memory.getBytes(0, content);
        for (int i = 0; i < content.length; i++) {
            if (content[i] != value) {
                fail(memory + " byte " + i + " is " + content[i] + ", expected " + value + " (a refused access wrote)");
            }
        }
    }

    /** Reads and writes at both ends still work, restoring what was there. */
    private static void assertWorks(GuardedMemory memory) {
        long last = memory.length() - 1;
        byte first = memory.getByte(0);
        byte end = memory.getByte(last);
        memory.putByte(0, (byte) 0x42);
        memory.putByte(last, (byte) 0x43);
        assertEquals(0x42, memory.getByte(0));
        assertEquals(0x43, memory.getByte(last));
        memory.putByte(0, first);
        memory.putByte(last, end);
    }

    /** The region still works, and a pin of it can be taken and closed. */
    private static void assertWorks(Region region) {
        assertWorks((GuardedMemory) region);
        try (Pin pin = region.pin()) {
            assertEquals(region.getLong(0), pin.getLong(0));
        }
    }

    private static void assertRefusedNaming(RuntimeException refused, Path file) {
        assertTrue(refused instanceof IllegalArgumentException || refused instanceof NativeMemoryException
                        || refused instanceof UncheckedIOException,
                () -> "unexpected " + refused);
        assertTrue(refused.getMessage().contains(file.getFileName().toString()), refused::getMessage);
    }

    private Path mkfifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(mkfifo.waitFor(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS)
                && mkfifo.exitValue() == 0, "mkfifo is not available");
        return fifo;
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static <T extends Throwable> T assertThrowsNaming(Class<T> type, Executable call, String... words) {
        T thrown = assertThrows(type, call);
        String message = String.valueOf(thrown.getMessage());
        for (String word : words) {
            assertTrue(message.toLowerCase().contains(word.toLowerCase()),
                    () -> type.getSimpleName() + " message does not name '" + word + "': " + message);
        }
        return thrown;
    }
}
