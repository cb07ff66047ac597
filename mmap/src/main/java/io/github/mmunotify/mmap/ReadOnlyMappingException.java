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
     * For adapters over a region (the Chronicle and Agrona views), which refuse a write before
     * touching memory or moving a position.
     *
     * @param message names the region, the method and the offset
     */
    public ReadOnlyMappingException(String message) {
        super(message);
    }
}
