package io.github.mmunotify.mmap;

import java.io.Serial;

/**
 * A write (put, bulk copy in, atomic update, flush of a view) through a read-only {@link Mapping}
 * or a read-only {@link Region}. Nothing was written. Thrown before the memory is touched; the
 * message names the region, the mapping and the offset.
 */
public final class ReadOnlyMappingException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * A refused write, for adapters over a region (such as the Agrona and Chronicle views) that
     * refuse a write before reaching the region's own accessors.
     *
     * @param message names the region, what was written through and where
     */
    public ReadOnlyMappingException(String message) {
        super(message);
    }
}
