package io.github.mmunotify.mmap;

/**
 * How many trap mappings (the ranges of revoked memory that fault instead of being reused) this
 * JVM has installed, released and still holds; see {@link Region#trapStats()}. Each held trap is
 * one kernel VMA and no memory.
 *
 * @param installed traps installed since the JVM started
 * @param released  traps whose quarantine ended and whose range went back to the kernel or arena
 * @param held      traps in quarantine now
 * @param gated     revoked count-free regions still reachable, whose range is held as a blank
 *                  (zero pages; one VMA, no memory) until the region is garbage-collected, when
 *                  the trap replaces it; never released early; at most
 *                  {@code mmunotify.mmap.maxCountFreeRegions}
 * @param countFreeRegions regions with count-free reads (see {@link Region#hasCountFreeReads()}) not
 *                  yet garbage-collected, revoked or not: the budget slots in use, at most
 *                  {@code mmunotify.mmap.maxCountFreeRegions} (default 8192)
 */
public record TrapStats(long installed, long released, int held, int gated, int countFreeRegions) {
}
