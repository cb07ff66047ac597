package io.github.mmunotify.mmap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.FileSystemException;

/**
 * The few Linux system calls regions are built from, as FFM downcalls: {@code memfd_create},
 * {@code open}, {@code close}, {@code ftruncate}, {@code fcntl(F_ADD_SEALS)}, {@code mmap},
 * {@code munmap} and {@code msync}.
 *
 * <p>Every wrapper either returns a valid result or throws {@link NativeMemoryException} naming the
 * call, its arguments and {@code errno} by number, name and text ({@link Errno}); {@link #open}
 * throws the {@code java.nio.file} exception for the errno instead. Callers never see a raw
 * {@code -1}. All calls here are on
 * slow paths (create, revoke, flush), so each one captures {@code errno} through a short-lived
 * confined arena. The one exception is {@link #deliverPendingFaults()}, a deliberately
 * <em>non-critical</em> downcall to {@code getpid}: returning from native code makes HotSpot deliver
 * any asynchronous {@link InternalError} an earlier faulting {@code Unsafe} access left pending, so
 * the library can translate it while still inside its own {@code try} block.
 *
 * <p>Linux x86-64/aarch64 constants; thread-safe (stateless).
 */
final class Libc {
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MAP_FIXED = 0x10;
    static final int MS_SYNC = 4;
    static final int MREMAP_MAYMOVE = 1;
    static final int MREMAP_DONTUNMAP = 4;
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0100;
    static final int O_CLOEXEC = 02000000;
    static final int O_NONBLOCK = 04000;
    static final int O_NOCTTY = 0400;
    static final int MFD_CLOEXEC = 1;
    static final int MFD_ALLOW_SEALING = 2;
    static final int F_ADD_SEALS = 1033;
    static final int F_SEAL_SEAL = 1;
    static final int F_SEAL_SHRINK = 2;
    static final int F_SEAL_GROW = 4;
    private static final int SC_PAGESIZE = 30;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout PTR = ValueLayout.ADDRESS;

    private static final MethodHandle MEMFD_CREATE =
            downcall("memfd_create", FunctionDescriptor.of(INT, PTR, INT));
    private static final MethodHandle OPEN =
            downcall("open", FunctionDescriptor.of(INT, PTR, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(INT, INT));
    private static final MethodHandle FTRUNCATE = downcall("ftruncate", FunctionDescriptor.of(INT, INT, LONG));
    private static final MethodHandle FCNTL =
            downcall("fcntl", FunctionDescriptor.of(INT, INT, INT, INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP =
            downcall("mmap", FunctionDescriptor.of(LONG, LONG, LONG, INT, INT, INT, LONG));
    private static final MethodHandle MREMAP = downcall("mremap",
            FunctionDescriptor.of(LONG, LONG, LONG, LONG, INT, LONG), Linker.Option.firstVariadicArg(4));
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(INT, LONG, LONG));
    private static final MethodHandle MSYNC = downcall("msync", FunctionDescriptor.of(INT, LONG, LONG, INT));
    private static final MethodHandle GETPID = LINKER.downcallHandle(
            LIBC.find("getpid").orElseThrow(), FunctionDescriptor.of(INT));
    private static final MethodHandle SYSCONF = LINKER.downcallHandle(
            LIBC.find("sysconf").orElseThrow(), FunctionDescriptor.of(LONG, INT));

    /** The system page size; mapping offsets and trap ranges are multiples of it. */
    static final long PAGE_SIZE = pageSize();

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static long pageSize() {
        try {
            return (long) SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    /** Creates a memory file of {@code size} bytes, optionally sealed against resizing, and returns its fd. */
    static int memfdCreate(String name, long size, boolean sealed) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            fd = (int) invoke(() -> (int) MEMFD_CREATE.invokeExact(state,
                    arena.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING));
            check(fd, state, "memfd_create(\"%s\")", name);
        }
        try {
            ftruncate(fd, size);
            if (sealed) {
                addSeals(fd, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
            }
            return fd;
        } catch (Throwable e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Opens {@code path} read-only, or read-write creating it (mode 0644), and returns the fd.
     * Never blocks: {@code O_NONBLOCK} (a FIFO without a writer would block a read-only open forever;
     * on a regular file the flag changes nothing), and {@code O_NOCTTY}.
     *
     * @throws FileSystemException the one {@code java.nio.file} throws for the errno (see
     *                             {@link Errno#fileException}), naming the path, the call and the errno
     */
    static int open(String path, boolean writable) throws FileSystemException {
        int flags = O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (writable ? O_RDWR | O_CREAT : O_RDONLY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) invoke(() -> (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0644));
            if (fd < 0) {
                throw Errno.fileException(path, "open(" + (writable ? "O_RDWR|O_CREAT" : "O_RDONLY") + "|O_NONBLOCK)",
                        (int) ERRNO.get(state, 0L));
            }
            return fd;
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(() -> (int) CLOSE.invokeExact(state, fd));
            check(rc, state, "close(%d)", fd);
        }
    }

    static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (Throwable ignored) {
            // Only used while unwinding an earlier failure, which is the one worth reporting.
        }
    }

    static void ftruncate(int fd, long size) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(() -> (int) FTRUNCATE.invokeExact(state, fd, size));
            check(rc, state, "ftruncate(%d, %d)", fd, size);
        }
    }

    static void addSeals(int fd, int seals) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(() -> (int) FCNTL.invokeExact(state, fd, F_ADD_SEALS, seals));
            check(rc, state, "fcntl(%d, F_ADD_SEALS, %d)", fd, seals);
        }
    }

    /** {@code mmap}; {@code address == 0} lets the kernel choose, otherwise {@code MAP_FIXED} is implied. */
    static long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        int allFlags = address == 0 ? flags : flags | MAP_FIXED;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result = (long) invoke(() -> (long) MMAP.invokeExact(state, address, length, prot, allFlags, fd, offset));
            if (result == MAP_FAILED) {
                fail(state, "mmap(0x%x, %d, prot=%d, flags=0x%x, fd=%d, offset=%d)",
                        address, length, prot, allFlags, fd, offset);
            }
            return result;
        }
    }

    /**
     * Moves the pages of a private anonymous mapping to a new address chosen by the kernel and
     * leaves the old range mapped but empty ({@code MREMAP_DONTUNMAP}), so no other thread can be
     * given the old range in between. Returns the new address.
     */
    static long mremapDontUnmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long result = (long) invoke(() -> (long) MREMAP.invokeExact(state, address, length, length,
                    MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0L));
            if (result == MAP_FAILED) {
                fail(state, "mremap(0x%x, %d, MREMAP_MAYMOVE|MREMAP_DONTUNMAP)", address, length);
            }
            return result;
        }
    }

    static void munmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(() -> (int) MUNMAP.invokeExact(state, address, length));
            check(rc, state, "munmap(0x%x, %d)", address, length);
        }
    }

    static void msync(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) invoke(() -> (int) MSYNC.invokeExact(state, address, length, MS_SYNC));
            check(rc, state, "msync(0x%x, %d, MS_SYNC)", address, length);
        }
    }

    /**
     * Makes HotSpot deliver an asynchronous {@link InternalError} that a faulting {@code Unsafe}
     * access in compiled code left pending: the return from a non-critical downcall is a thread
     * state transition, and HotSpot checks for pending asynchronous exceptions on it.
     */
    static void deliverPendingFaults() {
        try {
            int ignored = (int) GETPID.invokeExact();
        } catch (InternalError e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long alignDown(long value) {
        return value & -PAGE_SIZE;
    }

    /** Rounds a non-negative size known to fit (an existing region's length) up to whole pages. */
    static long alignUp(long value) {
        return (value + PAGE_SIZE - 1) & -PAGE_SIZE;
    }

    /**
     * Rounds a caller's size up to whole pages.
     *
     * @throws IllegalArgumentException naming {@code what} and the value if the rounding would overflow
     */
    static long alignUp(String what, long value) {
        if (value < 0 || value > Long.MAX_VALUE - (PAGE_SIZE - 1)) {
            throw new IllegalArgumentException(what + " = " + value + " cannot be rounded up to whole pages of "
                    + PAGE_SIZE + " bytes without overflowing");
        }
        return alignUp(value);
    }

    private static void check(long rc, MemorySegment state, String call, Object... args) {
        if (rc < 0) {
            fail(state, call, args);
        }
    }

    private static void fail(MemorySegment state, String call, Object... args) {
        int errno = (int) ERRNO.get(state, 0L);
        throw new NativeMemoryException(String.format(call, args) + " failed: " + Errno.describe(errno));
    }

    @FunctionalInterface
    private interface Call {
        Object run() throws Throwable;
    }

    private static Object invoke(Call call) {
        try {
            return call.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall threw a checked exception", t);
        }
    }
}
