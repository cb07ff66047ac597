package io.github.mmunotify.mmap;

import java.io.Serial;
import java.time.Instant;
import java.util.Optional;

/**
 * The JVM's equivalent of {@code SIGBUS}: an access to memory that is no longer there. Raised by
 * every access through a {@link Region}, its {@link Mapping}s, its {@link Pin}s and its views once
 * the region has been revoked or closed (or the mapping unmapped), and by an access that faulted
 * because another process truncated the file under a file-backed region.
 *
 * <p>Unchecked, like the signal it stands for, and an {@link IllegalStateException}: the memory is
 * in a state (gone) that does not allow the access, so a handler for {@code IllegalStateException}
 * catches it too. Code that may race a revoke catches it where it can recover (typically: drop its reference to the region and look the memory up again). The message
 * names the region, the offset, why the memory went away and when; so do the accessors. No access
 * that raised this exception read or wrote anything.
 */
public final class SigBusException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the region the access was made to. */
    private final String regionName;
    /** The offset of the failed access. */
    private final long offset;
    /** Why the memory went away. */
    private final String reason;
    /** When it was revoked; null for a fault without a revoke. */
    private final Instant revokedAt;

    SigBusException(String regionName, String accessor, long offset, String reason, Instant revokedAt,
                    Throwable cause) {
        super(message(accessor, offset, reason, revokedAt), cause);
        this.regionName = regionName;
        this.offset = offset;
        this.reason = reason;
        this.revokedAt = revokedAt;
    }

    static SigBusException revoked(String regionName, String accessor, long offset, Revocation revocation) {
        return revoked(regionName, accessor, offset, revocation, null);
    }

    /** As a refused access of a revoked region; {@code fault}: the trap's fault the access met, or null. */
    static SigBusException revoked(String regionName, String accessor, long offset, Revocation revocation,
                                   Throwable fault) {
        return new SigBusException(regionName, accessor, offset, revocation.reason(), revocation.at(), fault);
    }

    static SigBusException faulted(String regionName, String accessor, long offset, Throwable fault) {
        return new SigBusException(regionName, accessor, offset,
                "the access faulted: the file behind the region was truncated by another process or the"
                        + " memory was unmapped under it (" + fault.getMessage() + ")",
                null, fault);
    }

    private static String message(String accessor, long offset, String reason, Instant revokedAt) {
        String when = revokedAt == null ? "" : " at " + revokedAt;
        return "SIGBUS: access to " + accessor + " at offset " + offset + ": memory gone" + when + ": " + reason;
    }

    /**
     * The name of the region the access was made to.
     *
     * @return the region's name
     */
    public String regionName() {
        return regionName;
    }

    /**
     * The offset of the failed access, relative to the region, mapping or view it was made through.
     *
     * @return the offset in bytes
     */
    public long offset() {
        return offset;
    }

    /**
     * Why the memory went away (the revoke reason, or the fault the hardware raised).
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * When the region was revoked or the mapping unmapped; empty for a fault without a revoke (truncation).
     *
     * @return when the memory was taken away, if it was revoked
     */
    public Optional<Instant> revokedAt() {
        return Optional.ofNullable(revokedAt);
    }
}
