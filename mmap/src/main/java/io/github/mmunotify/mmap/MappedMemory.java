package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One mapping into this process: private anonymous memory (no file behind it, so nothing can
 * truncate it and it never faults while mapped) or a shared mapping of a range of a real file. The mapping itself starts on a page boundary; {@link #address} is where the requested
 * offset landed inside it.
 *
 * <p>Not thread-safe on its own: its owner ({@link Region} or {@link MappedArena}) calls
 * {@link #releaseIntoTrap} once, after it has waited out every access.
 */
final class MappedMemory {
    private static final System.Logger LOG = System.getLogger(MappedMemory.class.getName());
    /** Where the requested range starts. */
    final long address;
    /** The requested length in bytes. */
    final long length;
    /** The page-aligned start of the kernel mapping. */
    final long mapAddress;
    /** The page-aligned length of the kernel mapping. */
    final long mapLength;
    private static final int NO_FD = -1;

    /** The descriptor of the file behind the mapping (kept open so an arena can map it again); -1 if anonymous. */
    final int fd;
    /** The offset in the file of {@link #mapAddress}. */
    final long mapFileOffset;
    final boolean fileBacked;
    final boolean writable;
    /** For {@code toString}: the file, or the region's name. */
    final String source;

    private MappedMemory(long address, long length, long mapAddress, long mapLength, int fd, long mapFileOffset,
                         boolean fileBacked, boolean writable, String source) {
        this.address = address;
        this.length = length;
        this.mapAddress = mapAddress;
        this.mapLength = mapLength;
        this.fd = fd;
        this.mapFileOffset = mapFileOffset;
        this.fileBacked = fileBacked;
        this.writable = writable;
        this.source = source;
    }

    /**
     * Zeroed anonymous memory: a private anonymous mapping. No file stands behind it, so nobody
     * (not even another process through {@code /proc}) can truncate it, and it never faults while
     * mapped; its pages are freed the moment the trap replaces them.
     */
    static MappedMemory anonymous(String name, String argument, long bytes) {
        NativeAccess.require();
        requirePositive(argument, bytes);
        long mapLength = Libc.alignUp(argument + " (size of '" + name + "')", bytes);
        long mapAddress = mapAnonymous(0, mapLength);
        return new MappedMemory(mapAddress, bytes, mapAddress, mapLength, NO_FD, 0, false, true, "anonymous " + name);
    }

    /**
     * Maps fresh zero pages at {@code address} (0: anywhere; otherwise replacing what is there).
     * {@code MAP_NORESERVE}: pages are committed when touched, so a large, sparsely used region is
     * not refused up front by the kernel's overcommit heuristic.
     */
    static long mapAnonymous(long address, long length) {
        return Libc.mmap(address, length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, NO_FD, 0);
    }

    /**
     * Puts fresh pages back at {@code [address, address + length)}, a page-aligned range inside this
     * mapping that a trap had replaced: zero pages for anonymous memory, the file's pages otherwise.
     */
    void remap(long address, long length) {
        if (!fileBacked) {
            mapAnonymous(address, length);
            return;
        }
        int prot = writable ? Libc.PROT_READ | Libc.PROT_WRITE : Libc.PROT_READ;
        Libc.mmap(address, length, prot, Libc.MAP_SHARED, fd, mapFileOffset + (address - mapAddress));
    }

    /**
     * A shared mapping of {@code file} from {@code offset}; a writable one creates or extends the file.
     *
     * @throws IllegalArgumentException if {@code file} exists and is not a regular file (a FIFO, a
     *                                  directory, a device, a socket), naming the path and its type
     */
    static MappedMemory file(Path file, long offset, long length, boolean writable) {
        NativeAccess.require();
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset + " (file " + file + ")");
        }
        requirePositive("length", length);
        if (offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("offset " + offset + " + length " + length + " overflows (file " + file + ")");
        }
        long mapFileOffset = Libc.alignDown(offset);
        long delta = offset - mapFileOffset;
        // delta <= offset and offset + length was checked, so delta + length cannot wrap; its
        // rounding up to whole pages can. Checked before the file is opened or extended.
        long mapLength = Libc.alignUp("length " + length + " from offset " + offset + ", page-rounded,",
                delta + length);
        String path = file.toAbsolutePath().toString();
        requireRegularIfPresent(file);
        // O_NONBLOCK: a FIFO or device swapped in after the check above must not block the open
        // (a FIFO opened for reading waits for a writer forever); the type is checked again on the
        // descriptor itself, which is the file actually mapped.
        int fd;
        try {
            fd = Libc.open(path, writable);
        } catch (FileSystemException e) {
            throw new UncheckedIOException("cannot map " + e.getMessage(), e);
        }
        try {
            Path opened = Path.of("/proc/self/fd/" + fd);
            requireRegular(file, mode(opened));
            long size = (Long) Files.getAttribute(opened, "unix:size");
            long end = offset + length;
            if (size < end) {
                if (!writable) {
                    throw new IllegalArgumentException("file " + file + " is " + size + " bytes; a read-only mapping of ["
                            + offset + ", " + end + ") would lie beyond its end");
                }
                Libc.ftruncate(fd, end);
            }
            int prot = writable ? Libc.PROT_READ | Libc.PROT_WRITE : Libc.PROT_READ;
            long mapAddress = Libc.mmap(0, mapLength, prot, Libc.MAP_SHARED, fd, mapFileOffset);
            return new MappedMemory(mapAddress + delta, length, mapAddress, mapLength, fd, mapFileOffset,
                    true, writable, path);
        } catch (IOException e) {
            Libc.closeQuietly(fd);
            throw new UncheckedIOException("cannot map " + file + ": " + e.getMessage(), e);
        } catch (Throwable e) {
            Libc.closeQuietly(fd);
            throw e;
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    /** Refuses an existing non-regular file before opening it (opening a device can have effects). */
    private static void requireRegularIfPresent(Path file) {
        int mode;
        try {
            mode = mode(file);
        } catch (java.nio.file.NoSuchFileException absent) {
            return; // a writable mapping creates it; a read-only open fails with ENOENT
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + e.getMessage(), e);
        }
        requireRegular(file, mode);
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode");
    }

    private static void requireRegular(Path file, int mode) {
        if ((mode & S_IFMT) != S_IFREG) {
            throw new IllegalArgumentException("cannot map " + file.toAbsolutePath() + ": it is a " + fileType(mode)
                    + ", not a regular file");
        }
    }

    private static String fileType(int mode) {
        return switch (mode & S_IFMT) {
            case 0010000 -> "FIFO (named pipe)";
            case 0020000 -> "character device";
            case 0040000 -> "directory";
            case 0060000 -> "block device";
            case 0120000 -> "symbolic link";
            case 0140000 -> "socket";
            default -> "file of type 0" + Integer.toOctalString(mode & S_IFMT);
        };
    }

    private static void requirePositive(String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, was " + value);
        }
    }

    /** Writes dirty pages of a writable file mapping back to the file; a no-op otherwise. */
    void flush(long offset, long bytes) {
        if (fileBacked && writable) {
            long start = Libc.alignDown(address + offset);
            long end = address + offset + bytes;
            Libc.msync(start, end - start);
        }
    }

    /**
     * Flushes, replaces the whole mapping by a trap (see {@link TrapMappings}) and leaves the
     * freeing to {@link DeferredRelease}. Anonymous pages are first moved out of the way with
     * {@code mremap(MREMAP_DONTUNMAP)}, which moves page tables instead of freeing pages and keeps
     * the range mapped throughout, so that no other thread's {@code mmap} can be given it before
     * the trap lands; the moved pages are unmapped on the releaser thread. Where the kernel does
     * not support that, the trap replaces the pages directly.
     *
     * <p>A failing flush does not stop the release: the trap goes in regardless and the failure is
     * reported (see {@link FailureReports}), not thrown. (Before 0.1.0 the trap was installed from a
     * {@code finally} whose {@code return} discarded the flush's exception without a word; the
     * outcome for the caller is the same.)
     *
     * @return the trap evicted to make room, to be released by the caller once it holds no lock
     */
    TrapMappings.Evicted releaseIntoTrap() {
        try {
            flush(0, length);
        } catch (Throwable flushFailed) {
            FailureReports.log(LOG, System.Logger.Level.ERROR, () -> "msync of " + this + " failed before the revoke replaced it by a trap;"
                    + " dirty pages may not have reached the file", flushFailed);
        }
        long moved = fileBacked ? 0 : moveAsideOrZero();
        try {
            return TrapMappings.install(mapAddress, mapLength);
        } finally {
            if (moved != 0) {
                DeferredRelease.unmap(moved, mapLength);
            }
            if (fd != NO_FD) {
                DeferredRelease.close(fd);
            }
        }
    }

    /**
     * For an anonymous region with count-free reads: replaces the pages by a blank (fresh zero
     * pages, no memory until written) and hands the range to {@code gate}, which installs the trap
     * once the region is collected (see {@link CountFreeTrapRelease}). A count-free read racing
     * this reads its own page or a zero page, never faults; the revoked flag, set before, makes it
     * throw. The pages are moved aside and freed on the releaser thread, as for a trap.
     */
    void releaseIntoBlank(CountFreeTrapRelease gate) {
        long moved = moveAsideOrZero(); // leaves the range mapped to zero-fill-on-demand pages
        try {
            if (moved == 0) {
                mapAnonymous(mapAddress, mapLength); // no mremap: replace the pages at once
            }
            gate.blanked(mapAddress, mapLength);
        } finally {
            if (moved != 0) {
                DeferredRelease.unmap(moved, mapLength);
            }
        }
    }

    private long moveAsideOrZero() {
        try {
            return Libc.mremapDontUnmap(mapAddress, mapLength);
        } catch (NativeMemoryException unsupported) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return (fileBacked ? "file " : "") + source + (writable ? "" : " (read-only)");
    }
}
