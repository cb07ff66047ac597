package io.github.mmunotify.mmap;

/**
 * Learns that a {@link Mapping} is about to go away, like an mmu notifier's
 * {@code invalidate_range_start} for one VMA.
 *
 * <p>Guarantee: {@link #beforeUnmap} is called exactly once per mapping and listener, whatever the
 * cause, before the mapping stops working: while it runs, accesses through {@code mapping} still
 * reach the memory, so a listener can copy out or write back what it mirrors. It runs on the thread
 * that unmaps (the caller of {@link Mapping#unmap()}, {@link Region#revoke()} or
 * {@link MappedArena#close()}). A listener that throws anything (an {@code Error}, a checked
 * exception thrown sneakily) is reported through {@link System.Logger} and does not stop the unmap
 * or the other listeners; if the report itself fails (a {@code Throwable} whose
 * {@code getMessage()} throws, a logger that throws), it is dropped and the unmap still completes.
 *
 * <p>A listener must not call {@link Region#revoke()} or {@link MappedArena#close()} of the memory
 * being torn down (that throws {@link IllegalStateException} rather than deadlocking); calling
 * {@link Mapping#unmap()} on the mapping itself is harmless.
 */
@FunctionalInterface
public interface MappingListener {
    /**
     * Called once, before {@code mapping} is unmapped, while its memory is still accessible.
     *
     * @param mapping the mapping that is going away
     * @param cause   why it is going away
     */
    void beforeUnmap(Mapping mapping, UnmapCause cause);
}
