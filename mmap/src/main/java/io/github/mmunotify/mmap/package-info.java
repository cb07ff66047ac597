/**
 * Off-heap memory that can be taken away while other threads still use it: later accesses raise
 * {@link SigBusException} instead of crashing the JVM.
 *
 * <p>Unmapping a {@code MappedByteBuffer}, an Agrona buffer or a Chronicle store under a live
 * reader crashes the JVM; {@code Arena.ofShared().close()} avoids that by handshaking every thread
 * of the JVM, and tells nobody who mirrors the memory. A {@link Region} is the kernel's answer on
 * the JVM: {@link Region#revoke()} tells every listener while the memory is still readable, waits
 * for the accesses in flight (or, for count-free reads, makes each one that races it throw), unmaps,
 * and from then on every access throws {@code SigBusException}.
 *
 * <ul>
 *   <li>{@link Region}: anonymous memory ({@link Region#allocate(String, long)}) or a shared file
 *       range ({@link Region#mapFile(java.nio.file.Path, long, long, boolean)}), of any size a
 *       {@code long} holds, with bounds-checked, guarded accesses.</li>
 *   <li>{@link Mapping}: a window of a region with offsets of its own, its own write permission,
 *       its own {@link MappingListener}s and its own {@link Mapping#unmap()}: the VMA of the
 *       kernel.</li>
 *   <li>{@link Pin}: a batch of accesses at raw memory speed, during which a revoke waits.</li>
 *   <li>{@link MappedArena}: page-aligned regions carved out of one mapping, torn down together
 *       with one wait.</li>
 * </ul>
 *
 * <p>Typed views for other libraries live in modules of their own, so that only their users pay
 * for their dependencies: {@code io.github.mmunotify.agrona.GuardedAtomicBuffer} (an Agrona
 * {@code AtomicBuffer}, module {@code mmunotify-agrona}) and
 * {@code io.github.mmunotify.chronicle.GuardedBytes} (a Chronicle {@code Bytes<Void>}, module
 * {@code mmunotify-chronicle}). Both are built on this package's public API alone.
 *
 * <h2>Use</h2>
 *
 * <pre>{@code
 * try (Region ring = Region.allocate("ring", 4L << 30)) {      // anonymous, zeroed, > 2 GiB is fine
 *     ring.putLong(0, 42);                                      // bounds-checked, guarded
 *     ring.compareAndSetLong(8, 0, 1);                          // atomics on aligned offsets
 *     try (Pin pin = ring.pin()) {                              // a batch at raw memory speed
 *         for (long i = 0; i < 4096 && !pin.revokeRequested(); i++) {
 *             pin.putLong(i * 8, i);
 *         }
 *     }
 *     Mapping window = ring.mapAt(0x7f00_0000L, 4096, 8192);    // a VMA-like window at an address
 *     window.addListener((m, cause) -> dropMirror(m));          // told before it goes, memory still readable
 * }                                                             // close() = revoke()
 *
 * Region file = Region.mapFile(Path.of("data.bin"), 0, 3L << 30, true);  // shared, created or extended
 * file.force();                                                 // msync
 * file.revoke();                                                // waits for accesses, flushes, unmaps
 * }</pre>
 *
 * <h2>Accesses</h2>
 *
 * <p>Every access through a region or a mapping (typed {@code get}/{@code put} of the primitives in
 * native byte order, bulk {@code byte[]} copies, {@code setMemory}, volatile, acquire/release and
 * atomic forms such as {@link Region#getLongVolatile(long)} and
 * {@link Region#compareAndSetLong(long, long, long)}) enters and exits the region's
 * {@link io.github.mmunotify.core.Revocable}, and is checked first:
 * <ul>
 *   <li>an offset outside the region or mapping: {@link IndexOutOfBoundsException} naming the
 *       region or mapping, the offset, the access size and the length;</li>
 *   <li>a write through a read-only region or mapping: {@link ReadOnlyMappingException}, before
 *       memory is touched;</li>
 *   <li>a volatile or atomic form on a misaligned offset: {@link IllegalArgumentException} naming
 *       the offset and the alignment.</li>
 * </ul>
 * Sizes and offsets are checked with overflow-safe arithmetic: a value whose rounding or
 * {@code offset + width} would wrap is refused naming it, before anything is opened, mapped or
 * written. {@code mapFile} of anything but a regular file (a FIFO, a directory, a device, a socket)
 * is refused at once naming the path and its type; a FIFO never blocks the caller. A file that
 * cannot be opened raises an {@link java.io.UncheckedIOException} whose cause is the
 * {@code java.nio.file} exception for the error ({@link java.nio.file.NoSuchFileException},
 * {@link java.nio.file.AccessDeniedException}, ...), with the errno's name and text.
 *
 * <p>A guarded access costs a bounds check and an enter and exit of the region's guard on top of
 * the read or write itself. The plain, volatile and acquire reads of a region made by
 * {@link Region#allocate(String, long)} are <em>count-free</em> ({@link Region#hasCountFreeReads()},
 * within a JVM-wide budget of {@code mmunotify.mmap.maxCountFreeRegions} = 8192 regions not yet
 * garbage-collected): a bounds check, the load and a check of the revoked flag, about the cost of
 * an unguarded read. File-backed regions, regions of an arena and regions past the budget count
 * every access; writes, atomics, bulk copies, mappings and pins count on every region. Hot loops belong under a {@link Pin}: it enters the region once, and its holder sees {@link Pin#revokeRequested()} when a
 * revoke waits for it. A pin belongs to the thread that took it.
 *
 * <h2>Revocation</h2>
 *
 * <p>{@link Region#revoke()} (and {@link Region#close()}):
 * <ol>
 *   <li>records why and when;</li>
 *   <li>calls every {@link MappingListener#beforeUnmap(Mapping, UnmapCause)} of every mapping with
 *       {@link UnmapCause#REGION_REVOKED}, while the memory is still readable (each listener is
 *       called exactly once per mapping, whatever the cause; one that throws is logged and does not
 *       stop the revoke);</li>
 *   <li>refuses new accesses through the region, its mappings, its pins and every view of it, and
 *       waits for the accesses in flight; it does not wait for count-free reads: each that races the
 *       revoke either completed on the memory before the trap replaced it or throws
 *       {@code SigBusException}, its value discarded;</li>
 *   <li>flushes a writable file ({@code msync}), so every completed write is on disk;</li>
 *   <li>maps an empty sealed memfd over the range, so that a stale raw address meets a trap instead
 *       of reused memory.</li>
 * </ol>
 * When it returns no access can observe or change the memory any more. Every later access through the
 * region, its mappings, its pins or a view throws {@link SigBusException} (an
 * {@link IllegalStateException}, as an access to a closed FFM arena gives), naming the region, the
 * offset, the reason ({@code revoked by Region.revoke()}, {@code closed by Region.close()},
 * {@code mapping unmapped by Mapping.unmap()}, {@code arena 'x' closed}, or a truncation fault)
 * and {@link SigBusException#revokedAt()}. A second {@code revoke()} or {@code close()} returns once
 * the first has completed. {@link Region#revoke(java.time.Duration)} bounds the wait and names the
 * pin holders still inside; a later call finishes the job.
 *
 * <p>{@link Mapping#unmap()} removes one window only ({@link UnmapCause#UNMAPPED}); the region and
 * its other mappings stay usable. An {@code unmap()} racing a {@code revoke()}: whichever wins
 * calls the listeners, and the other returns only after they have all run, on memory that was still
 * mapped. {@link MappedArena#close()} tells every listener {@link UnmapCause#ARENA_CLOSED}, refuses
 * every region at once and waits once for all of their readers. A freed arena extent is quarantined
 * behind a trap before it is handed out again.
 *
 * <p>Misuse that would deadlock throws {@link IllegalStateException} and changes nothing: revoking
 * a region (or closing its arena) from the thread holding one of its pins or from one of its own
 * mapping listeners; using a pin from another thread or after it was closed.
 *
 * <h2>Memory consistency properties</h2>
 *
 * <ul>
 *   <li>Actions of an access, or of a thread inside a {@code Pin}, <i>happen-before</i> the return of
 *       a {@code revoke()} that waited for it. A count-free read is not waited for and gives no
 *       such edge: it returned a value only if its load completed before the trap replaced the
 *       memory, and otherwise throws.</li>
 *   <li>Actions of the mapping listeners <i>happen-before</i> the return of the {@code unmap()},
 *       {@code revoke()} or {@code close()} that called them or waited for them.</li>
 *   <li>Volatile, acquire/release and atomic accesses have the memory effects of the
 *       {@link java.lang.invoke.VarHandle} access modes of the same names; plain accesses have
 *       none.</li>
 * </ul>
 *
 * <h2>Requirements and limits</h2>
 *
 * <ul>
 *   <li>Linux only ({@code memfd_create}, {@code MAP_FIXED}, {@code mremap}), JDK 25 or later.
 *       The module calls the C library through the FFM API, so the JVM needs
 *       {@code --enable-native-access=io.github.mmunotify.mmap} on the module path, or
 *       {@code --enable-native-access=ALL-UNNAMED} on the class path; nothing more. Test runs need
 *       the same flag. Without it the first call that creates a region or an arena throws
 *       {@link IllegalCallerException} naming the flag to add, before any native call.</li>
 *   <li>One kernel mapping per region: mappings are software windows, and read-only is enforced in
 *       software. Each live trap uses one entry of {@code vm.max_map_count}.</li>
 *   <li>Stale raw addresses: an address taken out of the library some other way (reflection,
 *       {@code Unsafe}) meets the trap for {@code mmunotify.mmap.trapMillis} (default 1000 ms, at
 *       most {@code mmunotify.mmap.maxTraps} = 16384 traps at once): reading it raises HotSpot's
 *       {@link InternalError}, not a crash. After the quarantine the range goes back to the kernel
 *       and may be reused; nothing can protect a raw pointer kept longer than that. The range of a
 *       revoked region with count-free reads is a blank (zero pages: a raw read gets zeros, not a
 *       fault) until the region is garbage-collected, then the trap for the rest of the
 *       quarantine; it is never released early ({@link Region#trapStats()} counts these blanks as
 *       {@code gated}).</li>
 *   <li>Truncation by another process: an access to a file region that faults because the file
 *       shrank is reported as {@code SigBusException}; inside a {@code Pin} loop the fault surfaces
 *       as HotSpot's {@code InternalError} at the caller's next safepoint poll, and
 *       {@link Pin#close()} converts one still pending. Anonymous regions cannot be truncated.</li>
 * </ul>
 *
 * <h2>Observability</h2>
 *
 * <p>The JDK Flight Recorder event {@code io.github.mmunotify.RegionRevoke} (category
 * {@code mmunotify}, every one recorded while a recording enables it) times each revoke or close of
 * a region; the guards' own {@code io.github.mmunotify.Revoke} events show inside it.
 * {@link MmapThreads#setThreadFactory(java.util.concurrent.ThreadFactory)}, called before the
 * first region is made, supplies the module's background threads (the daemons that release
 * revoked memory and retire traps, and the thread of the Cleaner that sees count-free regions
 * collected).
 *
 * <p>Each class states its own guarantees, misuse and thread safety in full;
 * {@code docs/guarantees.md} in the source repository collects them in tables.
 */
package io.github.mmunotify.mmap;
