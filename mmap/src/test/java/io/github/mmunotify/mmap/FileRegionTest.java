package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.TestTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileRegionTest {
    @TempDir
    Path dir;

    @Test
    void aWritableMappingCreatesAndExtendsTheFileAndItsDataIsOnDiskAfterRevoke() throws Exception {
        Path file = dir.resolve("data.bin");
        Region region = Region.mapFile(file, 1000, 5000, true);
        assertTrue(region.isFileBacked());
        assertEquals(6000, Files.size(file));
        region.putLong(0, 0x1122334455667788L);
        region.putLong(4992, 99);
        region.revoke();
        ByteBuffer onDisk = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        assertEquals(0x1122334455667788L, onDisk.getLong(1000));
        assertEquals(99, onDisk.getLong(5992));
        try (Region again = Region.mapFile(file, 1000, 5000, false)) {
            assertFalse(again.isWritable());
            assertEquals(0x1122334455667788L, again.getLong(0));
            assertEquals(99, again.getLong(4992));
        }
    }

    @Test
    void forceWritesToTheFileWhileTheRegionLives() throws Exception {
        Path file = dir.resolve("forced.bin");
        try (Region region = Region.mapFile(file, 0, 4096, true)) {
            region.putInt(100, 4242);
            region.force();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
                channel.read(buffer, 100);
                assertEquals(4242, buffer.flip().getInt());
            }
        }
    }

    @Test
    void twoMappingsOfOneFileShareTheirData() {
        Path file = dir.resolve("shared.bin");
        try (Region writer = Region.mapFile(file, 0, 8192, true);
             Region reader = Region.mapFile(file, 4096, 4096, false)) {
            writer.putLong(4096 + 8, 5);
            assertEquals(5, reader.getLong(8));
        }
    }

    @Test
    void readOnlyRegionsRefuseWritesAndRangesBeyondTheEnd() throws Exception {
        Path file = dir.resolve("ro.bin");
        Files.write(file, new byte[4096]);
        try (Region region = Region.mapFile(file, 0, 4096, false)) {
            ReadOnlyMappingException e = assertThrows(ReadOnlyMappingException.class, () -> region.putLong(0, 1));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(ReadOnlyMappingException.class, () -> region.map(0, 8).setWritable(true));
            assertThrows(ReadOnlyMappingException.class, () -> region.getAndAddLong(0, 1));
            assertThrows(ReadOnlyMappingException.class, () -> region.putBytes(0, new byte[4]));
            assertEquals(0, region.getLong(0));
            region.force();
        }
        IllegalArgumentException beyond =
                assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, 4000, 200, false));
        assertTrue(beyond.getMessage().contains("4096 bytes"), beyond.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, -1, 10, true));
        assertThrows(IllegalArgumentException.class, () -> Region.mapFile(file, 0, 0, true));
        UncheckedIOException missing = assertThrows(UncheckedIOException.class,
                () -> Region.mapFile(dir.resolve("missing"), 0, 8, false));
        assertTrue(missing.getCause() instanceof java.nio.file.NoSuchFileException, missing::toString);
    }

    @Test
    void fileRegionsBeyondTwoGibibytesWork() throws Exception {
        Path file = dir.resolve("sparse.bin");
        long length = (2L << 30) + 8192;
        try (Region region = Region.mapFile(file, 4096, length, true)) {
            region.putLong(length - 8, 31);
            assertEquals(31, region.getLong(length - 8));
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            assertEquals(4096 + length, raf.length());
            raf.seek(4096 + length - 8);
            assertEquals(31, Long.reverseBytes(raf.readLong()));
        }
    }

    @Test
    void aFileTruncatedByAnotherProcessRaisesSigBusNotACrash() throws Exception {
        Path file = dir.resolve("truncated.bin");
        try (Region region = Region.mapFile(file, 0, 1 << 20, true)) {
            Mapping mapping = region.map(0, 1 << 20);
            region.putLong(8192, 1);
            Process truncate = new ProcessBuilder("truncate", "-s", "0", file.toString()).inheritIO().start();
            assertEquals(0, truncate.waitFor());
            for (int i = 0; i < 200; i++) {
                long offset = 8192 + 8L * i;
                SigBusException e = assertThrows(SigBusException.class, () -> region.getLong(offset));
                assertTrue(e.reason().contains("truncated"), e.reason());
                assertEquals(offset, e.offset());
                assertThrows(SigBusException.class, () -> region.putLong(offset, 2));
                assertThrows(SigBusException.class, () -> region.getBytes(offset, new byte[64]));
                assertThrows(SigBusException.class, () -> region.getAndAddLong(offset, 1));
                assertThrows(SigBusException.class, () -> mapping.getLong(offset));
                assertThrows(SigBusException.class, () -> region.getIntVolatile(offset));
                assertThrows(SigBusException.class, () -> region.putShort(offset, (short) 1));
            }
        }
    }

    /**
     * A regression: a read-only mapFile of a FIFO blocked forever in the native open (no
     * writer ever comes). Every non-regular file is refused, naming the path and its type.
     */
    @Test
    void aFifoIsRefusedAtOnceNamingPathAndType() throws Exception {
        Path fifo = dir.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        for (boolean writable : new boolean[]{false, true}) {
            IllegalArgumentException e = assertTimeoutPreemptively(TestTimeouts.await(),
                    () -> assertThrows(IllegalArgumentException.class, () -> Region.mapFile(fifo, 0, 4096, writable)));
            assertTrue(e.getMessage().contains(fifo.toString()) && e.getMessage().contains("FIFO"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> MappedArena.mapFile(fifo, 4096));
        }
    }

    @Test
    void directoriesDevicesAndSocketsAreRefusedNamingPathAndType() throws Exception {
        Path socket = dir.resolve("socket");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertRefused(socket, "socket");
        }
        assertRefused(dir, "directory");
        assertRefused(Path.of("/dev/zero"), "device");
        assertRefused(Path.of("/dev/null"), "device");
    }

    private static void assertRefused(Path path, String type) {
        for (boolean writable : new boolean[]{false, true}) {
            IllegalArgumentException e = assertTimeoutPreemptively(TestTimeouts.await(),
                    () -> assertThrows(IllegalArgumentException.class, () -> Region.mapFile(path, 0, 4096, writable)));
            assertTrue(e.getMessage().contains(path.toString()) && e.getMessage().contains(type), e.getMessage());
        }
    }
}
