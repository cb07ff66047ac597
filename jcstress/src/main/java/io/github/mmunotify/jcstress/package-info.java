/**
 * jcstress tests of the library's memory-ordering claims, one per claim; every outcome is labelled
 * ACCEPTABLE or FORBIDDEN, any result not listed is forbidden, and an actor that throws is an
 * error. {@code mvn verify} runs them in a short mode and fails on a forbidden outcome or an error;
 * {@code -Djcstress.mode=quick} (or {@code default}, {@code tough}, {@code stress}) runs a jcstress
 * preset over every auto-detected JVM configuration (see this module's pom).
 *
 * <p>Each test was checked to catch the bug it is about: with the re-check in
 * {@code Revocable.tryEnter()} removed, {@link io.github.mmunotify.jcstress.RevocableTryEnterTest}
 * and {@link io.github.mmunotify.jcstress.RegionRevokeTest} (which then read zeroed memory after
 * the revoke) fail; with the grace period's wait after the index flip removed,
 * {@link io.github.mmunotify.jcstress.SrcuSynchronizeTest} and
 * {@link io.github.mmunotify.jcstress.SrcuCallSrcuTest} fail; with the grace period removed from
 * {@code AddressSpace.unregister}, {@link io.github.mmunotify.jcstress.UnregisterVsWalkTest} fails;
 * with {@code readRetry} always false, {@link io.github.mmunotify.jcstress.IntervalReadRetryTest}
 * fails. Removing a single full fence on x86 is usually not caught in the short mode: the window
 * is a store-buffer drain, nanoseconds against a grace period's microseconds. The exception is
 * {@link io.github.mmunotify.jcstress.SrcuCloseTest}, the bare store-buffering pair of a reader's
 * entry and {@code close()}: with the membarrier skipped on the membarrier read side it fails.
 *
 * <p>Setup per state is kept cheap: SRCU domains and Mmus are one per fork (static; except in
 * {@code SrcuCloseTest}, as a close is once per domain); what the
 * claim is about (the published object, the {@code Revocable}, the region, the address space and
 * its subscriber or interval) is fresh per state.
 */
package io.github.mmunotify.jcstress;
