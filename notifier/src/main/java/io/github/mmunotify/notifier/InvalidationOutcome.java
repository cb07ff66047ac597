package io.github.mmunotify.notifier;

/** The result of a change to an address space that runs invalidations first. */
public enum InvalidationOutcome {
    /** Every subscriber was invalidated, the change was made and every subscriber saw its end. */
    DONE,
    /**
     * A subscriber refused a non-blockable invalidation: nothing was changed, the subscribers that
     * had accepted it got their end callback, and the caller should try again later (the kernel's
     * {@code -EAGAIN}).
     */
    TRY_AGAIN
}
