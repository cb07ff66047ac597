package io.github.mmunotify.notifier;

/**
 * Reported to an {@link Mmu}'s error handler when a subscriber callback throws or breaks its
 * contract (refusing a blockable invalidation). Its message names the callback, the subscriber and
 * the address space; its cause, if any, is what the callback threw. Never thrown to callers.
 */
public final class NotifierCallbackException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    NotifierCallbackException(String message, Throwable cause) {
        super(message, cause);
    }
}
