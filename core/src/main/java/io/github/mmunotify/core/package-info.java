/**
 * Lifetime primitives that know nothing of memory: SRCU epochs, revocable objects, and raceless
 * unload of drivers. This package depends on the JDK alone and needs no JVM flag.
 *
 * <ul>
 *   <li>{@link Srcu}: a sleepable read-copy-update domain. Readers never
 *       block writers; an updater learns when every reader that could still see an old object has
 *       gone.</li>
 *   <li>{@link Revocable}: an object that can be taken away while clients
 *       still hold {@linkplain Revocable.Handle handles} to it, with a
 *       documented result for every operation afterwards.</li>
 *   <li>{@link Registry} and {@link LoadableModule}:
 *       drivers looked up by name, and modules that unload without racing a lookup.</li>
 * </ul>
 *
 * <h2>SRCU epochs</h2>
 *
 * <p>{@link Srcu} is the kernel's SRCU on the JVM. Readers bracket the
 * code that uses a shared object with {@link Srcu#readLock()} and
 * {@link Srcu#readUnlock(int)}; an updater unpublishes the object, then
 * either waits for a grace period with {@link Srcu#synchronize()} or hands
 * the free to {@link Srcu#callSrcu(Runnable)}, and knows that no reader can
 * still hold it. Read sections cost a few nanoseconds, never block each other, may block
 * themselves, nest, and may run on virtual threads.
 *
 * <pre>{@code
 * try (Srcu srcu = Srcu.create("routes")) {
 *     // reader, any number of threads
 *     int token = srcu.readLock();
 *     try {
 *         route(table.get());                  // may block, may be a virtual thread
 *     } finally {
 *         srcu.readUnlock(token);
 *     }
 *
 *     // updater
 *     RouteTable old = table.getAndSet(rebuilt);
 *     srcu.callSrcu(old::free);               // never blocks; runs after a grace period
 *     // or: srcu.synchronize(); old.free();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code synchronize()} returns only after every read section of the domain that began
 *       before the call has ended; sections that begin later are not waited for. Concurrent
 *       {@code synchronize()} calls, polled requests
 *       ({@link Srcu#startPoll()} /
 *       {@link Srcu#pollState(long)}) and queued callbacks share grace
 *       periods.</li>
 *   <li>{@code callSrcu(callback)} never blocks. The callback runs after a grace period on the
 *       domain's own daemon thread, in queue order; {@link Srcu#barrier()}
 *       returns once every callback queued before it has run.</li>
 *   <li>{@code readLock()} writes only the calling thread's own padded counters, allocates nothing
 *       after a thread's first section and takes no lock. A token must be unlocked on the thread
 *       that locked it.</li>
 *   <li>Waits that could never end throw instead: {@code synchronize()}, {@code barrier()} or
 *       {@code close()} inside a read section of the same domain throw
 *       {@link IllegalStateException}. The timed forms
 *       ({@link Srcu#synchronize(java.time.Duration)},
 *       {@link Srcu#barrier(java.time.Duration)}) throw a
 *       {@link java.util.concurrent.TimeoutException} naming the threads they wait for, and a
 *       later call completes the grace period.</li>
 *   <li>A read section that holds up a grace period longer than the stall threshold (10 s unless
 *       {@linkplain Srcu#builder(String) built} otherwise) is reported
 *       once, with its thread's name and stack; a callback that throws is reported and the rest
 *       still run.</li>
 * </ul>
 *
 * <h2>Revocable objects</h2>
 *
 * <p>A {@link Revocable} is an object that can be taken away while
 * clients still hold handles to it: a device that is unplugged, a driver that is unloaded, a region
 * that is unmapped. Every method a client calls through a handle is bracketed by
 * {@link Revocable#tryEnter()} and
 * {@link Revocable#exit()} (the kernel's start_using / stop_using).
 * {@link Revocable#revoke()} refuses new entries, calls the kick so that
 * blocked methods wake, waits for the methods in flight, then runs the release of every handle
 * still open, exactly once. When it returns, no method of the object runs and none will start.
 *
 * <pre>{@code
 * Revocable device = Revocable.create("usb0", () -> pendingReads.wakeAll());   // the kick
 *
 * // open(): one handle per client; its release runs exactly once, by close() or by revoke()
 * Revocable.Handle handle = device.open(() -> buffers.free(client));
 *
 * // every method of the handle
 * int read(byte[] into) {
 *     if (!device.tryEnter()) {
 *         return -1;                                   // revoked: end of data
 *     }
 *     try {
 *         return pendingReads.await(into);            // may block; the kick wakes it
 *     } finally {
 *         device.exit();
 *     }
 * }
 *
 * // change notification, from any thread, lock-free: pollers wake
 * device.notifyChanged();
 * Revocable.Events events = handle.poll(Duration.ofSeconds(1));   // changes since the last poll
 *
 * // unplug: from here on tryEnter() fails and open() throws
 * device.revoke();
 * }</pre>
 *
 * <ul>
 *   <li>{@code tryEnter()} is one atomic add and {@code exit()} one release store on a padded
 *       cell of the calling thread's own: no shared cache line is written, nothing is allocated,
 *       no lock is taken.</li>
 *   <li>{@link Revocable.Handle#close()} races {@code revoke()} safely:
 *       the release runs once, by whichever got there first, and the other returns only after it
 *       has finished.</li>
 *   <li>{@link Revocable#notifyChanged()} never blocks and is safe
 *       anywhere; {@link Revocable.Handle#poll(java.time.Duration)}
 *       returns the changes since that handle last polled, and hang-up once the object is
 *       revoked.</li>
 *   <li>{@code revoke()} from inside {@code tryEnter()} of the same object would wait for itself
 *       and throws {@link IllegalStateException};
 *       {@link Revocable#revokeAsync()} is the way to revoke from inside.
 *       {@link Revocable#revoke(java.time.Duration)} bounds the wait and
 *       names the threads still inside; the object stays revoked and a later call finishes the
 *       job.</li>
 * </ul>
 *
 * <p>After revocation every module gives the same results: a read returns end of data
 * ({@code -1}, empty, {@code false}), a write or any other method throws
 * {@link RevokedException}, a poll returns at once with hang-up and
 * error, and an access to memory mapped through the object throws the {@code mmap} module's
 * {@code SigBusException}.
 *
 * <h2>Raceless unload</h2>
 *
 * <p>Drivers live in a {@link Registry}, registered by a
 * {@link LoadableModule}. A
 * {@linkplain Registry#lookup(Object) lookup} runs under the registry's
 * read lock and returns a {@link Registry.Hold} that keeps the owning
 * module loaded until it is closed, so a lookup that finds a driver can always use it.
 * {@link LoadableModule#unload()} takes the write lock of every registry the
 * module registered in, in one global order, so two unloads never deadlock; if any hold is open it
 * throws {@link ModuleBusyException} naming each hold and changes nothing;
 * otherwise it runs the exit hooks and removes the module's entries, and no lookup sees it
 * half-unloaded.
 *
 * <pre>{@code
 * Registry<String, FileSystemType> fileSystems = Registry.create("filesystems");
 * LoadableModule ext4 = LoadableModule.create("ext4");
 * fileSystems.register(ext4, "ext4", new Ext4());
 * ext4.addExitHook(Ext4::flushCaches);
 *
 * try (Registry.Hold<String, FileSystemType> hold = fileSystems.lookup("ext4")) {
 *     if (hold != null) {
 *         hold.driver().mount(device);                  // ext4 cannot be unloaded meanwhile
 *     }
 * }
 * ext4.unload();                                       // or ModuleBusyException naming the holds
 * }</pre>
 *
 * <h2>Memory consistency properties</h2>
 *
 * <ul>
 *   <li>Actions in a thread inside an SRCU read section <i>happen-before</i> the return of every
 *       {@code synchronize()} that waited for that section, and the run of every callback whose
 *       grace period waited for it.</li>
 *   <li>Actions in a thread prior to {@code callSrcu(callback)} <i>happen-before</i> the callback
 *       runs; the actions of a callback <i>happen-before</i> the return of a {@code barrier()} that
 *       waited for it.</li>
 *   <li>Actions in a thread between {@code tryEnter()} and {@code exit()} <i>happen-before</i> the
 *       return of a {@code revoke()} that waited for them and the run of the releases that
 *       revocation starts; the actions of a release <i>happen-before</i> the return of the
 *       {@code revoke()} or {@code Handle.close()} that ran or waited for it.</li>
 * </ul>
 *
 * <h2>Observability</h2>
 *
 * <p>Two JDK Flight Recorder events, in category {@code mmunotify}, need no extra dependency and
 * cost nothing unless a recording enables them: {@code io.github.mmunotify.GracePeriod} (a wait
 * for an SRCU grace period, with the readers it waited for; default threshold 10 ms) and
 * {@code io.github.mmunotify.Revoke} (a {@code revoke()}, with what it waited for and released;
 * every one is recorded). The library's background threads come from a
 * {@link java.util.concurrent.ThreadFactory} you can supply:
 * {@link Srcu.Builder#threadFactory(java.util.concurrent.ThreadFactory)} for a domain's callback
 * thread, {@link Revocable#create(String, Runnable, java.util.concurrent.ThreadFactory)} for the
 * thread that finishes a {@code revokeAsync()}.
 *
 * <p>Each class states its own guarantees, misuse and thread safety in full;
 * {@code docs/guarantees.md} in the source repository collects them in tables.
 */
package io.github.mmunotify.core;
