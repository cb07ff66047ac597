/**
 * Address spaces and mmu notifiers: whoever mirrors an address space (a device page table, an
 * index, a cache) hears of every change before it happens, and ties its own lifetime to the
 * space's without racing the space's teardown.
 *
 * <p>The model is the kernel's {@code mm/mmu_notifier.c}. An {@link Mmu} owns one SRCU domain and
 * creates {@link AddressSpace}s (the kernel's {@code mm_struct}). An address space maps
 * {@code Region}s of the {@code mmap} module at virtual addresses. Subscribers come in two kinds:
 * <ul>
 *   <li>{@link MmuNotifier}: a list subscriber, told of every change to the space
 *       ({@link MmuNotifier#invalidateRangeStart(InvalidationRange)},
 *       {@link MmuNotifier#invalidateRangeEnd(InvalidationRange)}) and of its teardown
 *       ({@link MmuNotifier#release(AddressSpace)});</li>
 *   <li>{@link IntervalNotifier}: a callback for one range with a sequence number, by which a
 *       driver faults pages into its mirror without racing an invalidation
 *       ({@link IntervalNotifier#readBegin()}, {@link IntervalNotifier#readRetry(long)}).</li>
 * </ul>
 *
 * <p>Every change that takes memory away or changes it runs, on the calling thread and inside one
 * SRCU read section: the interval callbacks whose range overlaps, then {@code invalidateRangeStart}
 * on every list subscriber, then the change, then {@code invalidateRangeEnd}.
 * {@link AddressSpace#unmap(long, long)}, {@link AddressSpace#protect(long, long, boolean)},
 * {@link AddressSpace#close()} and a {@code Region.revoke()} (in every address space that maps the
 * region) all go this way. {@link AddressSpace#tryUnmap(long, long)} and
 * {@link AddressSpace#tryProtect(long, long, boolean)} are the non-blockable forms: a subscriber
 * may refuse them, and they then return {@link InvalidationOutcome#TRY_AGAIN} with nothing
 * changed.
 *
 * <h2>The driver pattern</h2>
 *
 * <p>A device that mirrors a range faults pages in with {@code readBegin} / {@code readRetry},
 * drops them in the interval callback, and frees itself from {@code release} without racing
 * anything:
 *
 * <pre>{@code
 * final class Device implements MmuNotifier {
 *     private final Object lock = new Object();
 *     private final Map<Long, Long> pageTable = new HashMap<>();   // device address -> value
 *     private final Mmu mmu;
 *     private final IntervalNotifier interval;
 *
 *     Device(Mmu mmu, AddressSpace space, long start, long length) {
 *         this.mmu = mmu;
 *         space.register(this);
 *         interval = space.insert(start, length, (self, range, seq) -> {
 *             synchronized (lock) {                    // the driver's lock, also held by fault()
 *                 self.setSequence(seq);               // makes racing faults retry
 *                 pageTable.keySet().removeIf(range::contains);
 *             }
 *             return true;                             // false only if !range.blockable()
 *         });
 *     }
 *
 *     long fault(AddressSpace space, long address) {
 *         for (;;) {
 *             long seq = interval.readBegin();         // waits out an invalidation of the range
 *             Mapping mapping = space.find(address);
 *             if (mapping == null) throw new IllegalStateException("nothing mapped at " + address);
 *             long value;
 *             try {
 *                 value = mapping.getLong(address - mapping.address());
 *             } catch (SigBusException gone) {
 *                 continue;                            // unmapped under us: the retry will see it
 *             }
 *             synchronized (lock) {
 *                 if (interval.readRetry(seq)) continue;   // an invalidation passed us: redo
 *                 pageTable.put(address, value);           // cannot be stale: checked under the lock
 *                 return value;
 *             }
 *         }
 *     }
 *
 *     public void release(AddressSpace space) {        // the space is being torn down
 *         space.unregisterNoRelease(this);             // no wait: legal inside release
 *         mmu.callSrcu(this::freeDeviceState);         // runs once no callback of ours can run
 *     }
 * }
 *
 * // unloading the driver: returns only after every queued free has run
 * mmu.barrier();
 * }</pre>
 *
 * <p>The refcounted form (the kernel's {@code mmu_notifier_get}/{@code mmu_notifier_put}, Linux
 * 5.4+) needs neither {@code register} nor the {@code release} dance: every open of the device
 * gets the one notifier of its space and key, every close puts its reference, and the last put
 * unregisters it without waiting and calls its {@link MmuNotifier#freeNotifier()} after a grace
 * period:
 *
 * <pre>{@code
 * NotifierReference<Device> open = space.getNotifier(Device.class, s -> new Device(mmu, s, start, length));
 * ...
 * open.put();                                          // never blocks; legal inside a callback
 * mmu.barrier();                                       // unloading: every freeNotifier has run
 * }</pre>
 * (with {@code Device} no longer calling {@code register} in its constructor and freeing its state
 * in {@code freeNotifier} instead of {@code release}).
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>When {@code unmap} or {@code protect} returns, every overlapping interval callback and every
 *       subscriber has seen the start, the change has happened, and every subscriber has seen the
 *       end. A mapping that straddles the range is refused with
 *       {@link IllegalArgumentException} and nothing changes (partial unmap is not supported).</li>
 *   <li>{@link AddressSpace#register(MmuNotifier)} returns once every invalidation that could have
 *       missed the new subscriber's start has ended.
 *       {@link AddressSpace#unregister(MmuNotifier)} runs {@code release} if it has not run, waits
 *       until no walk that could still call the subscriber runs (a grace period, skipped when no
 *       walk of the space is inside), and returns when no callback of the subscriber is running or
 *       will run; a
 *       subscriber that its own {@code release} already removed with
 *       {@link AddressSpace#unregisterNoRelease(MmuNotifier)} is success and is not released
 *       twice. {@code unregisterNoRelease} never calls back and never waits, so it is legal inside
 *       {@code release}.</li>
 *   <li>{@link AddressSpace#getNotifier} returns a reference to the one notifier of its key in the
 *       space (made and registered by the first get; a get racing the last put never returns one
 *       whose free is queued). {@link NotifierReference#put()} never blocks; the last put
 *       unregisters the notifier, and its {@link MmuNotifier#freeNotifier()} runs exactly once,
 *       after every walk and {@code release} that could still call it has returned. A second put
 *       of the same reference throws and changes nothing.</li>
 *   <li>{@link Mmu#callSrcu(Runnable)} returns at once; the callback runs after every walk,
 *       {@code release} and callback running at the call has returned. {@link Mmu#barrier()}
 *       returns once every callback queued before it, from any address space, has run (the
 *       kernel's {@code srcu_barrier}).</li>
 *   <li>{@link AddressSpace#close()} sends a release invalidation to the intervals and then the list
 *       subscribers, runs every {@code release} once, unmaps every mapping, and returns when no
 *       callback of the space is running.</li>
 *   <li>Walks never block on {@code register} or {@code unregister}: the subscriber list is a
 *       persistent array (a register or removal copies one 64-way path of it, so n registrations
 *       cost O(n log n)) read once per walk, under the SRCU read lock held from the first start to
 *       the last end. A subscriber added or removed during a walk sees both its start and its
 *       end, or neither. With no subscriber, no interval notifier and no JFR recording of the
 *       walk, a protect makes its change under the mapping table's lock with no walk at all.</li>
 *   <li>A callback that throws, or refuses a blockable range, is reported to the {@code Mmu}'s
 *       error handler ({@link Mmu#create(String, java.util.function.Consumer)}) as a
 *       {@link NotifierCallbackException} and counted in {@link Mmu#stats()}; the other callbacks
 *       and the change go on.</li>
 *   <li>Calls that would wait for themselves throw {@link IllegalStateException} and change
 *       nothing: {@code unregister} or {@code Mmu.barrier()} inside a callback, an
 *       {@code unmap} or {@code protect} of the same space from inside its own walk,
 *       {@code readBegin} that would wait for its own thread's invalidation.</li>
 * </ul>
 *
 * <p>Interval lookup is an augmented AVL tree: O(log n) plus the intervals reported when ranges
 * are disjoint, the usual case.
 *
 * <h2>Memory consistency properties</h2>
 *
 * <ul>
 *   <li>Actions of every start callback <i>happen-before</i> the change, and the change
 *       <i>happens-before</i> every end callback of the same walk.</li>
 *   <li>Actions of a subscriber's callbacks <i>happen-before</i> the return of
 *       {@code unregister} for it.</li>
 *   <li>Actions of every walk, {@code release} and callback running when {@code Mmu.callSrcu} is
 *       called <i>happen-before</i> the queued callback runs.</li>
 *   <li>Actions of a {@code callSrcu} callback <i>happen-before</i> the return of a
 *       {@code Mmu.barrier()} that waited for it.</li>
 * </ul>
 *
 * <h2>Observability</h2>
 *
 * <p>The JDK Flight Recorder event {@code io.github.mmunotify.InvalidationWalk} (category
 * {@code mmunotify}, default threshold 10 ms) times each invalidation of an address space, callbacks
 * included, with the subscribers and intervals it called. The thread that runs {@code callSrcu}
 * callbacks comes from the factory given to
 * {@link Mmu#create(String, java.util.function.Consumer, java.util.concurrent.ThreadFactory)}.
 *
 * <p>This package adds no JVM flag to those of the {@code mmap} module:
 * {@code --enable-native-access=io.github.mmunotify.mmap} on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} on the class path. Each class states its own
 * guarantees, misuse and thread safety in full; {@code docs/guarantees.md} in the source repository
 * collects them in tables.
 */
package io.github.mmunotify.notifier;
