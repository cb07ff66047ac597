package io.github.mmunotify.mmap;

import java.time.Instant;

/**
 * Why and when memory (a region or one mapping) stopped being accessible: recorded once, at the
 * start of the revoke or unmap, and carried by every {@link SigBusException} raised afterwards.
 */
record Revocation(String reason, Instant at) {
    static Revocation now(String reason) {
        return new Revocation(reason, Instant.now());
    }

    @Override
    public String toString() {
        return reason + " at " + at;
    }
}
