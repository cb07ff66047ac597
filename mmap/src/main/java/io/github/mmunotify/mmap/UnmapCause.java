package io.github.mmunotify.mmap;

/**
 * Why a {@link Mapping} is going away, as passed to {@link MappingListener#beforeUnmap}.
 */
public enum UnmapCause {
    /** {@link Mapping#unmap()} was called on this mapping alone; the region and its other mappings live on. */
    UNMAPPED,
    /** The region was revoked or closed ({@link Region#revoke()}, {@link Region#close()}): every mapping of it goes. */
    REGION_REVOKED,
    /** The {@link MappedArena} the region was carved from was closed: every region and mapping in it goes. */
    ARENA_CLOSED
}
