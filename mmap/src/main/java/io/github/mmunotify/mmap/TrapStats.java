package io.github.mmunotify.mmap;

/**
 * How many trap mappings (the ranges of revoked memory that fault instead of being reused) this
 * JVM has installed, released and still holds; see {@link Region#trapStats()}. Each held trap is
 * one kernel VMA and no memory.
 *
 * @param installed traps installed since the JVM started
 * @param released  traps whose quarantine ended and whose range went back to the kernel or arena
 * @param held      traps in quarantine now
 */
public record TrapStats(long installed, long released, int held) {
}
