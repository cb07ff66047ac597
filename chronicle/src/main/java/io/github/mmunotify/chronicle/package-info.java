/**
 * A Chronicle Bytes view of a revocable mmunotify {@link io.github.mmunotify.mmap.Region}:
 * {@link io.github.mmunotify.chronicle.GuardedBytes}, for code that already speaks
 * {@code net.openhft.chronicle.bytes.Bytes}.
 *
 * <pre>{@code
 * try (Region region = Region.allocate("orders", 1 << 20)) {
 *     Bytes<Void> bytes = GuardedBytes.wrap(region).clear();   // wrap: whole region readable; clear: write from 0
 *     bytes.writeUtf8("order-42").writeLong(1_000L).append(12.5);
 *     String id = bytes.readUtf8();
 *     long qty = bytes.readLong();
 * }                                                             // revoke: later calls throw SigBusException
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Inside the region.</b> Every offset, position and length is checked against the region
 *       before memory is touched (Chronicle checks no absolute offset); a refused call, and a
 *       variable-width write that does not fit, writes nothing and moves no position.</li>
 *   <li><b>Revocation.</b> Every access goes through the region's guarded accessors: once the
 *       region is revoked or closed, every call that touches memory throws
 *       {@link io.github.mmunotify.mmap.SigBusException} (an {@code IllegalStateException}, like
 *       Chronicle's own closed-state exception), and a revoke waits for calls in flight. A
 *       multi-step copy inside the region ({@code move}, {@code compact}) holds one
 *       {@link io.github.mmunotify.mmap.Pin}, so a revoke sees all of it or none.</li>
 *   <li><b>Nothing escapes.</b> Methods that would hand out an address, the store, another
 *       {@code Bytes} or a {@code ByteBuffer} over the memory, or switch checks off, throw
 *       {@code UnsupportedOperationException} naming what to use instead. Streams and copies go
 *       back through the view or hold no memory of the region.</li>
 *   <li><b>Read-only regions.</b> Every write throws
 *       {@link io.github.mmunotify.mmap.ReadOnlyMappingException} before touching memory.</li>
 *   <li><b>Not reference counted.</b> {@code release*} are no-ops: the region owns the memory.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * A guarded call is the view's range check, then the region's accessor: its own range check, the
 * guard's enter and exit (a per-thread counter, no lock), the access. Against a raw Chronicle
 * native {@code BytesStore} (one load, no check) that is a few nanoseconds per call; see
 * {@code GuardedBytesBenchmark} in the benchmarks module for measured figures. Variable-width
 * writes are encoded on the heap first and copied in with one call. Hot loops over many values use
 * {@link io.github.mmunotify.mmap.Region#pin()} (a range check and the access).
 *
 * <h2>JVM flags</h2>
 * On the class path this module needs exactly {@code --enable-native-access=ALL-UNNAMED} (mmap's
 * FFM calls; refused without it, naming the flag), {@code --sun-misc-unsafe-memory-access=allow}
 * (Chronicle reads memory through {@code sun.misc.Unsafe}; JDK 25 warns without it, and where it is
 * denied {@code GuardedBytes.wrap} throws naming it) and
 * {@code --add-opens=java.base/java.lang.reflect=ALL-UNNAMED} (Chronicle prints a warning about
 * direct memory without it). Tests that use the module need the same flags (surefire
 * {@code argLine}). Chronicle logs through SLF4J, which warns once when the application has no
 * logging provider. Requires JDK 25 or later.
 */
package io.github.mmunotify.chronicle;
