/**
 * Lifetime primitives that know nothing of memory: {@code Srcu}, the sleepable epoch domain whose
 * grace periods tell an updater when every reader that could see an old object has gone, and the
 * revocation machinery built beside it.
 */
package io.github.mmunotify.core;
