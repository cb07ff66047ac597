package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file {@link Region#mapFile} and {@link MappedArena#mapFile} cannot open
 * raises what a Java user expects from {@code java.nio.file}, wrapped in the
 * {@link UncheckedIOException} these unchecked factories throw for I/O failures: the cause is a
 * {@link NoSuchFileException}, {@link AccessDeniedException} or {@link FileSystemException} naming
 * the file, with the errno's name and text in the reason (not "errno 2"). Other system call
 * failures name the errno the same way; {@link SigBusException} is an {@link IllegalStateException}.
 */
class FileOpenErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileMappedReadOnlyIsANoSuchFileExceptionWithTheErrnoText() {
        Path missing = dir.resolve("missing.bin");
        FileSystemException cause = refused(() -> Region.mapFile(missing, 0, 8, false), NoSuchFileException.class,
                missing);
        assertTrue(cause.getReason().contains("ENOENT: No such file or directory"), cause::getReason);
        assertTrue(cause.getReason().contains("open(O_RDONLY"), cause::getReason);
        assertFalse(Files.exists(missing));
    }

    /** The file is created by a writable mapping, but not its directory: open(O_CREAT) fails with ENOENT. */
    @Test
    void aWritableMappingInAMissingDirectoryIsANoSuchFileException() {
        Path orphan = dir.resolve("no-such-dir").resolve("data.bin");
        FileSystemException cause = refused(() -> Region.mapFile(orphan, 0, 8, true), NoSuchFileException.class, orphan);
        assertTrue(cause.getReason().contains("ENOENT"), cause::getReason);
        refused(() -> MappedArena.mapFile(orphan, 4096), NoSuchFileException.class, orphan);
    }

    @Test
    void aFileThatMayNotBeOpenedIsAnAccessDeniedException() throws Exception {
        Path denied;
        if (isRoot()) {
            // Root passes every permission check on an ordinary file system; sysfs refuses to
            // create a file to everyone (kernfs has no create: EACCES), so a writable mapping of a
            // new file there is denied. Nothing is created or changed.
            denied = Path.of("/sys/kernel/mmunotify-no-such-attribute");
            assumeTrue(Files.isDirectory(denied.getParent()) && !Files.exists(denied), "no sysfs to be denied by");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Region.mapFile(denied, 0, 8, true));
            assumeTrue(!e.getCause().getMessage().contains("EROFS"), "sysfs is mounted read-only here");
        } else {
            denied = Files.createFile(dir.resolve("denied.bin"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("---------")));
        }
        FileSystemException cause = refused(() -> Region.mapFile(denied, 0, 8, true), AccessDeniedException.class, denied);
        assertTrue(cause.getReason().contains("EACCES: Permission denied"), cause::getReason);
    }

    @Test
    void pathsThroughAFileOrALoopAreFileSystemExceptionsNamingTheProblem() throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        Path through = file.resolve("child.bin");
        FileSystemException notDir = refused(() -> Region.mapFile(through, 0, 8, true), FileSystemException.class,
                through);
        assertTrue(notDir.getMessage().contains("Not a directory"), notDir::getMessage);
        Path a = dir.resolve("loop-a");
        Path b = dir.resolve("loop-b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        FileSystemException loop = refused(() -> Region.mapFile(a, 0, 8, false), FileSystemException.class, a);
        assertTrue(loop.getMessage().contains("symbolic links"), loop::getMessage);
    }

    /** Every errno the open can return maps to the exception java.nio.file would throw. */
    @Test
    void everyErrnoMapsToTheNioExceptionAJavaUserExpects() {
        assertInstanceOf(NoSuchFileException.class, Errno.fileException("/f", "open", 2));
        assertInstanceOf(AccessDeniedException.class, Errno.fileException("/f", "open", 13));
        assertInstanceOf(AccessDeniedException.class, Errno.fileException("/f", "open", 1));
        assertInstanceOf(FileAlreadyExistsException.class, Errno.fileException("/f", "open", 17));
        for (int errno : new int[] {20, 40, 21, 36, 30, 24, 999}) {
            FileSystemException e = Errno.fileException("/f", "open(O_RDONLY)", errno);
            assertEquals(FileSystemException.class, e.getClass(), () -> "errno " + errno);
            assertEquals("/f", e.getFile());
        }
        assertEquals("open(O_RDONLY) failed: errno 20 (ENOTDIR: Not a directory)",
                Errno.fileException("/f", "open(O_RDONLY)", 20).getReason());
        assertEquals("errno 40 (ELOOP: Too many levels of symbolic links)", Errno.describe(40));
        assertEquals("errno 12 (ENOMEM: Cannot allocate memory)", Errno.describe(12));
        assertEquals("errno 999", Errno.describe(999));
        assertEquals("errno -1", Errno.describe(-1));
    }

    /** A failing system call other than open names the errno by name and text. */
    @Test
    void otherSystemCallFailuresNameTheErrno() {
        NativeMemoryException e = assertThrows(NativeMemoryException.class, () -> Libc.munmap(1, 4096));
        assertTrue(e.getMessage().contains("munmap(0x1, 4096) failed: errno 22 (EINVAL: Invalid argument)"),
                e::getMessage);
    }

    @Test
    void aSigBusExceptionIsCaughtByAnIllegalStateExceptionHandler() {
        Region region = Region.allocate("gone", 64);
        region.revoke();
        IllegalStateException caught = null;
        try {
            region.getLong(0);
        } catch (IllegalStateException e) {
            caught = e;
        }
        SigBusException sigBus = assertInstanceOf(SigBusException.class, caught);
        assertEquals("gone", sigBus.regionName());
        assertTrue(sigBus.revokedAt().isPresent());
    }

    /** Asserts an UncheckedIOException whose cause is a {@code type} naming {@code file}; returns the cause. */
    private static FileSystemException refused(Executable map, Class<? extends FileSystemException> type, Path file) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, map);
        FileSystemException cause = assertInstanceOf(type, e.getCause(), e::toString);
        assertTrue(cause.getFile().contains(file.getFileName().toString()), cause::getFile);
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e::getMessage);
        return cause;
    }

    private static boolean isRoot() throws Exception {
        return "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
    }
}
