package io.github.mmunotify.notifier;

import java.util.Objects;

/**
 * One invalidation as subscribers see it: the half-open address range {@code [start, end)} of an
 * address space that is about to change, why, and whether the callbacks may block.
 *
 * <p>When {@code blockable} is false the caller cannot wait (a non-blockable change such as
 * {@link AddressSpace#tryUnmap}): a subscriber must not block, and if it cannot drop its mirror
 * without blocking it refuses by returning {@code false} from
 * {@link MmuNotifier#invalidateRangeStart}, which makes the whole change fail with
 * {@link InvalidationOutcome#TRY_AGAIN}. When it is true a subscriber may block and must not refuse.
 *
 * <p>Immutable and thread-safe; the same instance is passed to the start and the end callback of
 * one invalidation, so a subscriber may match them by identity.
 *
 * @param addressSpace the address space whose range changes
 * @param start        first address of the range (inclusive)
 * @param end          address just after the range (exclusive), greater than {@code start}
 * @param event        why the range changes
 * @param blockable    whether callbacks may block (and so may not refuse)
 */
public record InvalidationRange(AddressSpace addressSpace, long start, long end, InvalidationEvent event,
                                boolean blockable) {

    /**
     * Validates the range.
     *
     * @param addressSpace the address space whose range changes; not null
     * @param start        first address of the range (inclusive); not negative
     * @param end          address just after the range (exclusive); greater than {@code start}
     * @param event        why the range changes; not null
     * @param blockable    whether callbacks may block (and so may not refuse)
     * @throws NullPointerException     if {@code addressSpace} or {@code event} is null
     * @throws IllegalArgumentException if {@code start} is negative or {@code end <= start}
     */
    public InvalidationRange {
        Objects.requireNonNull(addressSpace, "addressSpace");
        Objects.requireNonNull(event, "event");
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("invalid invalidation range [start " + start + ", end " + end
                    + "): start must be >= 0 and end > start");
        }
    }

    /**
     * The number of bytes in the range.
     *
     * @return {@code end - start}; positive
     */
    public long length() {
        return end - start;
    }

    /**
     * Whether {@code [address, address + length)} overlaps this range. Computed without forming
     * {@code address + length}, so a length running past 2^63 - 1 does not wrap: the answer is
     * that of the exact sum. An empty range ({@code length == 0}) overlaps nothing.
     *
     * @param address the first address of the range to test; any value
     * @param length  its length in bytes; not negative
     * @return {@code true} if the two ranges share at least one address
     * @throws IllegalArgumentException if {@code length} is negative
     */
    public boolean overlaps(long address, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("overlaps: length must not be negative, was " + length);
        }
        // address + length > start  <=>  address > start - length, and start - length cannot wrap
        // (start >= 0, length >= 0).
        return length > 0 && address < end && address > start - length;
    }

    /**
     * Whether {@code address} lies in this range.
     *
     * @param address any address
     * @return {@code true} if {@code start <= address < end}
     */
    public boolean contains(long address) {
        return address >= start && address < end;
    }

    @Override
    public String toString() {
        return "InvalidationRange[" + addressSpace.name() + " 0x" + Long.toHexString(start) + "-0x"
                + Long.toHexString(end) + " " + event + (blockable ? "" : " non-blockable") + "]";
    }
}
