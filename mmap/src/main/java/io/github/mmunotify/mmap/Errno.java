package io.github.mmunotify.mmap;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Names and texts of the Linux {@code errno} values the library's system calls can return, for
 * messages a user can read ({@code errno 12 (ENOMEM: Cannot allocate memory)} rather than
 * {@code errno 12}), and the {@code java.nio.file} exception a Java user expects for a file that
 * cannot be opened.
 *
 * <h2>Implementation notes</h2>
 * A table rather than {@code strerror} through FFM: {@code strerror} gives no name, may be
 * localised, and is a downcall that could itself fail while a failure is being reported. The
 * numbers are the kernel's generic ones ({@code asm-generic/errno-base.h}, {@code errno.h}),
 * the same on x86-64 and aarch64; the texts are glibc's. A value not in the table is reported by
 * number alone. Thread-safe (immutable).
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int EEXIST = 17;

    private static final String[] NAMES = new String[134];
    private static final String[] TEXTS = new String[134];

    static {
        add(1, "EPERM", "Operation not permitted");
        add(2, "ENOENT", "No such file or directory");
        add(3, "ESRCH", "No such process");
        add(4, "EINTR", "Interrupted system call");
        add(5, "EIO", "Input/output error");
        add(6, "ENXIO", "No such device or address");
        add(7, "E2BIG", "Argument list too long");
        add(8, "ENOEXEC", "Exec format error");
        add(9, "EBADF", "Bad file descriptor");
        add(10, "ECHILD", "No child processes");
        add(11, "EAGAIN", "Resource temporarily unavailable");
        add(12, "ENOMEM", "Cannot allocate memory");
        add(13, "EACCES", "Permission denied");
        add(14, "EFAULT", "Bad address");
        add(15, "ENOTBLK", "Block device required");
        add(16, "EBUSY", "Device or resource busy");
        add(17, "EEXIST", "File exists");
        add(18, "EXDEV", "Invalid cross-device link");
        add(19, "ENODEV", "No such device");
        add(20, "ENOTDIR", "Not a directory");
        add(21, "EISDIR", "Is a directory");
        add(22, "EINVAL", "Invalid argument");
        add(23, "ENFILE", "Too many open files in system");
        add(24, "EMFILE", "Too many open files");
        add(25, "ENOTTY", "Inappropriate ioctl for device");
        add(26, "ETXTBSY", "Text file busy");
        add(27, "EFBIG", "File too large");
        add(28, "ENOSPC", "No space left on device");
        add(29, "ESPIPE", "Illegal seek");
        add(30, "EROFS", "Read-only file system");
        add(31, "EMLINK", "Too many links");
        add(32, "EPIPE", "Broken pipe");
        add(33, "EDOM", "Numerical argument out of domain");
        add(34, "ERANGE", "Numerical result out of range");
        add(35, "EDEADLK", "Resource deadlock avoided");
        add(36, "ENAMETOOLONG", "File name too long");
        add(37, "ENOLCK", "No locks available");
        add(38, "ENOSYS", "Function not implemented");
        add(39, "ENOTEMPTY", "Directory not empty");
        add(40, "ELOOP", "Too many levels of symbolic links");
        add(75, "EOVERFLOW", "Value too large for defined data type");
        add(95, "EOPNOTSUPP", "Operation not supported");
        add(122, "EDQUOT", "Disk quota exceeded");
    }

    private Errno() {
    }

    private static void add(int errno, String name, String text) {
        NAMES[errno] = name;
        TEXTS[errno] = text;
    }

    /** {@code errno 12 (ENOMEM: Cannot allocate memory)}; {@code errno 200} for a value not in the table. */
    static String describe(int errno) {
        if (errno <= 0 || errno >= NAMES.length || NAMES[errno] == null) {
            return "errno " + errno;
        }
        return "errno " + errno + " (" + NAMES[errno] + ": " + TEXTS[errno] + ")";
    }

    /**
     * The exception {@code java.nio.file} would throw for {@code file} failing with {@code errno}:
     * {@link NoSuchFileException} (ENOENT), {@link AccessDeniedException} (EACCES, EPERM),
     * {@link FileAlreadyExistsException} (EEXIST), otherwise {@link FileSystemException} (ENOTDIR,
     * ELOOP, EISDIR, ENAMETOOLONG, EROFS, EMFILE, ...). The reason names the call and the errno.
     */
    static FileSystemException fileException(String file, String call, int errno) {
        String reason = call + " failed: " + describe(errno);
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(file, null, reason);
            case EACCES, EPERM -> new AccessDeniedException(file, null, reason);
            case EEXIST -> new FileAlreadyExistsException(file, null, reason);
            default -> new FileSystemException(file, null, reason);
        };
    }
}
