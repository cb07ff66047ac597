package io.github.mmunotify.mmap;

import java.io.Serial;

/**
 * A system call behind a region failed ({@code memfd_create}, {@code open}, {@code mmap}, ...):
 * the message names the call, its arguments and {@code errno} by number, name and text. Thrown by the operations that
 * create, flush or tear down memory, never by an access; whatever the failing operation had set up
 * is released before it is thrown.
 */
public final class NativeMemoryException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the call, its arguments and the errno, e.g. {@code mmap(...) failed: errno 12
     *                (ENOMEM: Cannot allocate memory)}
     */
    public NativeMemoryException(String message) {
        super(message);
    }
}
