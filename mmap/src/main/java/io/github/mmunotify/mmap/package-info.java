/**
 * Off-heap regions that can be revoked while other threads still hold them; later accesses raise
 * {@code SigBusException} instead of crashing the JVM.
 */
package io.github.mmunotify.mmap;
