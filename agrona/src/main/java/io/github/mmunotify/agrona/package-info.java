/**
 * Agrona's buffers over revocable memory: {@link io.github.mmunotify.agrona.GuardedAtomicBuffer}
 * is an {@link org.agrona.concurrent.AtomicBuffer} over a window of a
 * {@link io.github.mmunotify.mmap.Region}, for code written against Agrona (counters, ring
 * buffers, flyweights) that should read and write memory another thread may take away.
 *
 * <pre>{@code
 * Region region = Region.mapFile(path, 0, 1 << 20, true);
 * AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 4096, 64 * 1024);
 * buffer.putLongRelease(0, 42);
 * region.revoke();          // waits for calls in flight; later ones throw SigBusException
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>No call reaches memory outside the window: every index and length is checked before
 *       anything is read or written ({@link java.lang.IndexOutOfBoundsException} naming the
 *       method, index, length and window), with or without Agrona's own checks
 *       ({@code agrona.disable.bounds.checks}).</li>
 *   <li>No call reaches the memory after a revoke: each access goes through the region's guard,
 *       so {@code Region.revoke()} waits for calls in flight and later calls throw
 *       {@link io.github.mmunotify.mmap.SigBusException} having touched nothing; so does an
 *       access to a file another process truncated. Every write is one guarded access, so a
 *       revoke never leaves half of one behind.</li>
 *   <li>A read-only region refuses every write with
 *       {@link io.github.mmunotify.mmap.ReadOnlyMappingException} before touching memory.</li>
 *   <li>Nothing escapes the guard: methods that would re-point the buffer ({@code wrap}) or hand
 *       out its memory ({@code addressOffset()}, {@code byteBuffer()}, {@code byteArray()},
 *       {@code wrapAdjustment()}) throw {@link java.lang.UnsupportedOperationException} naming
 *       what to use instead. Every {@code AtomicBuffer} method is written out in the class, so a
 *       newer Agrona's default method cannot bypass the guard (a test fails instead).</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * A fixed-width access is a window check plus the region's accessor: the guard's enter and exit
 * (two atomic operations on a per-thread counter) around the load or store, and no allocation.
 * Measured on a shared 2-core machine ({@code GuardedAtomicBufferBenchmark}, JMH
 * {@code -f 1 -wi 2 -i 3}, two runs at load averages of about 8 and 16, so read the ratios, not
 * the digits): {@code getLong} 8.0 / 15.2 ns through this buffer, 8.1 / 15.6 ns through
 * {@code Region.getLong}, 1.6 / 4.5 ns through Agrona's {@code UnsafeBuffer} over memory that
 * cannot be revoked; {@code getLongVolatile} 8.4 / 26 ns against 3.3 / 4.3 ns. The adapter adds
 * nothing measurable to the region's own accessor; the guard costs some 6 to 10 ns per access.
 * Loops that need raw speed take a {@link io.github.mmunotify.mmap.Pin} (one guard entry per
 * batch) instead. Strings, ASCII numbers and copies to or from other buffers allocate a heap copy
 * of their bytes.
 *
 * <h2>Flags</h2>
 * Only mmap's: {@code --enable-native-access=ALL-UNNAMED} on the class path,
 * {@code --enable-native-access=io.github.mmunotify.mmap} on the module path; without it the first
 * {@code Region} is refused with an exception naming the flag. No Agrona flag: the buffer loads
 * no Agrona class that touches {@code Unsafe}. (Agrona's own {@code UnsafeBuffer} and friends, if
 * the application uses them too, still need {@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}.) Tests of an application need the same flags in
 * surefire's {@code argLine}; JDK 25 or later.
 */
package io.github.mmunotify.agrona;
