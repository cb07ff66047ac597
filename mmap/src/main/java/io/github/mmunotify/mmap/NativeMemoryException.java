package io.github.mmunotify.mmap;

import java.io.Serial;

/**
 * A system call behind a region failed ({@code memfd_create}, {@code open}, {@code mmap}, ...):
 * the message names the call, its arguments and {@code errno}. Thrown by the operations that
 * create, flush or tear down memory, never by an access; whatever the failing operation had set up
 * is released before it is thrown.
 */
public final class NativeMemoryException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    public NativeMemoryException(String message) {
        super(message);
    }
}
