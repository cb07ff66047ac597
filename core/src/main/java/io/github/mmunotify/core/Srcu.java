package io.github.mmunotify.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A sleepable read-copy-update domain (the kernel's SRCU): readers enter and leave read sections
 * almost for free, and an updater learns when every reader that could still see an object it
 * unpublished has left, so that it can free the object.
 *
 * <pre>{@code
 * try (Srcu srcu = Srcu.create("config")) {
 *     int token = srcu.readLock();            // reader
 *     try {
 *         use(current);                       // may block, may run on a virtual thread
 *     } finally {
 *         srcu.readUnlock(token);
 *     }
 *
 *     Config old = current;                   // updater
 *     current = replacement;
 *     srcu.synchronize();                     // or: srcu.callSrcu(old::free)
 *     old.free();
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 * <li>{@link #synchronize()} returns only after every read section of this domain that began
 *     before the call has ended. Sections that begin later are not waited for.</li>
 * <li>{@link #callSrcu(Runnable)} never blocks; the callback runs after such a grace period, on the
 *     domain's own daemon thread, in the order callbacks were queued. Callbacks queued together
 *     share one grace period, and so do concurrent {@code synchronize()} calls and polled requests.</li>
 * <li>{@link #barrier()} returns only after every callback queued before the call has run.</li>
 * <li>Polled grace periods, as the kernel's: {@link #getState()} takes a cookie without starting a
 *     grace period, {@link #startPoll()} takes one and has the domain's thread drive it,
 *     {@link #completedState()} is a cookie that is always done, and {@link #pollState(long)}
 *     answers any of them without blocking: {@code true} once every read section that began before
 *     the cookie was taken has ended.</li>
 * <li>{@link #synchronizeExpedited()} gives {@code synchronize()}'s guarantee sooner after the last
 *     reader leaves, for processor time: its driver spins longer and then wakes every few
 *     microseconds instead of sleeping for up to a millisecond between scans.</li>
 * <li>Read sections nest, may block, and may run on virtual threads. Entering one takes no lock
 *     and allocates nothing (after the thread's first section in the domain). On a platform
 *     thread it writes only the thread's own padded counters; on a virtual thread see below.</li>
 * <li>{@link #readLockShared()} enters a section that any thread may leave, once
 *     ({@link SharedSection}): the kernel's {@code srcu_down_read}/{@code srcu_up_read}, for
 *     asynchronous code. Grace periods wait for it like any other.</li>
 * <li>A grace period's cost grows with the platform threads that ever read here and are alive, not
 *     with virtual threads: those cost it nothing per thread (see below).</li>
 * </ul>
 *
 * <h2>Virtual threads</h2>
 * A virtual thread (other than the domain's callback thread) counts its outermost section on one
 * of a few shared, padded stripe counters (an atomic add and a fence; nested sections count only
 * in the thread's own bookkeeping), in place of a reader record of its own. Its bookkeeping lives
 * in a {@link ThreadLocal} that no grace period scans and that dies with the thread, so a million
 * parked virtual threads that once read cost a grace period nothing, and a terminated one leaves
 * nothing behind in the domain. What it keeps: tokens are checked as on platform threads (another
 * domain's token, another thread's, a made-up one, one not outstanding are refused and change
 * nothing), {@link #isReaderOnCurrentThread()} and the refusals built on it work, and
 * {@link Stats#readersActive()} counts it. What it loses, because the domain has no record of
 * which virtual thread is inside: a stall report or a timeout or close message counts the striped
 * sections but cannot name their threads or show their stacks ({@link Stall#STRIPED}); and a
 * virtual thread that terminates inside a section holds grace periods up with no name to report
 * either. The stripe counts are atomic read-modify-writes, shared with the other threads that hash
 * to the same stripe.
 *
 * <h2>Misuse</h2>
 * A read section must be left on the thread that entered it, with the token that entering it
 * returned; leaving with a token that is not outstanding on the calling thread (already left,
 * returned to another thread, or by another domain) throws {@link IllegalArgumentException} and
 * changes nothing. {@code readLock} and {@code readUnlock} are all-or-nothing: if either throws
 * (an {@link OutOfMemoryError} on a thread's first section, a {@link StackOverflowError}), no
 * section was entered, or the section is still held and its token still valid. A
 * {@code StackOverflowError} that strikes inside {@code readUnlock} does not stop it: the
 * section is left and the error swallowed (see {@link #readUnlock(int)}); on a virtual thread,
 * whose count out is an atomic add on a shared stripe that no call-free store can complete, it is
 * thrown with the section still held and the token still valid. (A {@code finally}
 * block at the bottom of an overflowed stack may have no stack left to call {@code readUnlock}
 * at all, or {@code Thread.currentThread()} in it; that section is then held until the thread leaves it, and stall reports and the timed
 * waits name the thread.) {@code synchronize()}, {@code synchronizeExpedited()}, {@code barrier()}
 * and {@code close()} from inside a read section of the same domain, and {@code barrier()} and
 * {@code close()} from one of its callbacks, would wait for themselves, so they throw
 * {@link IllegalStateException} instead. A read section that holds up a grace period for longer
 * than the stall threshold is reported once, with its thread's name and stack, to the stall
 * handler. A callback that throws (anything, including an {@link Error}) is counted and handed to
 * the callback error handler; the callbacks after it still run, and whatever the handler throws is
 * contained. A thread that dies inside a read section holds up grace periods forever: the timed
 * forms {@link #synchronize(Duration)} and {@link #barrier(Duration)} then throw a
 * {@link TimeoutException} naming it.
 *
 * <p>Shared sections: {@link #readUnlockShared(SharedSection)} (or {@link SharedSection#close()})
 * of a section already left throws {@link IllegalStateException}, of another domain's section
 * {@link IllegalArgumentException}; neither changes anything. A shared section belongs to no
 * thread: {@link #isReaderOnCurrentThread()} does not see it, so the self-wait refusals above do
 * not cover it (see {@link #readLockShared()}).
 *
 * <h2>How it works</h2>
 * Each platform thread that reads gets, on its first read section, its own pair of lock/unlock counters per
 * index on a cache line of their own ({@code SrcuReader}), registered with the domain and found
 * again through a table indexed by thread id backed by a {@link ThreadLocal}. Entering counts the
 * section on the domain's current index and fences (a full fence, or, on the
 * {@linkplain #readBarrier() membarrier side}, only a compiler barrier, the grace period then
 * calling {@code membarrier(2)} instead); leaving counts it as left with a release store. A grace period ({@code SrcuGracePeriods}, the kernel's {@code srcutree.c} algorithm)
 * flips the index so new readers count elsewhere, then waits until the lock and unlock sums of the
 * old index match across all readers. Tokens carry the index the section was counted on, plus the
 * reader's own tag: readers of one domain get distinct tags (a random per-domain start plus an odd
 * stride times the registration number, 30 bits, and bit 1 telling a virtual thread's token from a
 * platform thread's), so a token of another thread of the domain is rejected (always, up to 2^30
 * threads) and one of another domain is, except with probability 2^-30. Checking it reads
 * only the caller's own reader. Readers of terminated threads are pruned at the start of each
 * grace period and become unreachable. Virtual threads and shared sections count on
 * {@code SrcuStripes}, whose sums every scan adds to the readers' on both sides of its fence.
 *
 * <p>Ordering points, kernel style (the other ends are in the classes named): B in
 * {@link #readLock()} and {@link Reader#lock()}, C in {@code SrcuReaderCounts.unlockTo} (C' in {@code readUnlock}
 * and {@link Reader#unlock(int)}), B' and C'' in
 * {@code SrcuStripes} (virtual threads, shared sections), A in {@code SrcuReaderRegistry.readersGone},
 * D/E/F/G/H and X in {@code SrcuGracePeriods}, I in {@link #close()}, J and K in {@code SrcuCallbacks}.
 *
 * <p>Thread-safe. Close the domain when done: it owns a daemon thread once callbacks or polled
 * grace periods have been used.
 */
public final class Srcu implements AutoCloseable {

    /** The stall threshold when the builder is not given one. */
    public static final Duration DEFAULT_STALL_THRESHOLD = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(Srcu.class.getName());
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    private static final int CLOSED = 2;

    /** Odd: consecutive readers' tags differ by this, so tags repeat only after 2^30 readers. */
    private static final int TAG_STRIDE = 0x9E3779B9;
    /** Bit 1 of a token: set for a virtual thread's token (striped), clear for a platform thread's. */
    private static final int VIRTUAL_TOKEN = 2;
    /** Timeout messages name at most this many stuck threads. */
    private static final int NAMED_THREADS = 8;

    private final String name;
    /** Where this domain's reader tags start: random, so that tags of two domains rarely meet. */
    private final int tagSeed = ThreadLocalRandom.current().nextInt();
    private final AtomicInteger readersRegistered = new AtomicInteger();
    private final SrcuReaderLookup readers = new SrcuReaderLookup();
    /** Where virtual threads and shared sections count (the kernel's per-CPU counters). */
    private final SrcuStripes stripes = new SrcuStripes();
    /** Each virtual thread's own bookkeeping; seen by no grace period, gone with its thread. */
    private final ThreadLocal<SrcuVirtualReader> virtualReaders = new ThreadLocal<>();
    private final SrcuReaderRegistry registry = new SrcuReaderRegistry(readers, stripes);
    private final SrcuStallDetector stalls;
    private final SrcuGracePeriods gracePeriods;
    private final SrcuCallbacks callbacks;
    private final SrcuCookies cookies;
    /** close() runs once at a time: a close that fails (a reader got in) abandons it to the next. */
    private final Teardown closing;
    /** Test seam: where failures of allocations are injected. */
    final SrcuFaults faults = new SrcuFaults();
    private volatile int state = OPEN;

    private Srcu(Builder builder) {
        AsymmetricFence.requireUsable(); // also initialises it here, never in a reader's first section
        this.name = builder.name;
        this.closing = new Teardown("srcu '" + name + "'");
        this.stalls = new SrcuStallDetector(name, builder.stallThreshold, builder.stallHandler, registry);
        this.gracePeriods = new SrcuGracePeriods(name, registry, stalls);
        this.cookies = new SrcuCookies(name);
        this.callbacks = new SrcuCallbacks(name, builder.threadFactory, gracePeriods, builder.callbackErrorHandler,
                faults);
    }

    /**
     * Creates a domain with the default stall threshold and handlers (stalls and callback failures
     * are logged through {@link System.Logger}).
     *
     * @param name what the domain is called in thread names, messages and reports
     * @return a new open domain; close it when done
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Srcu create(String name) {
        return builder(name).build();
    }

    /**
     * Starts configuring a domain called {@code name}; see {@link #create(String)}.
     *
     * @param name what the domain is called in thread names, messages and reports; not blank
     * @return a new builder with the default stall threshold and handlers
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * The domain's name.
     *
     * @return the name given to {@link #create(String)} or {@link #builder(String)}
     */
    public String name() {
        return name;
    }

    /**
     * Enters a read section. Sections nest; each must be left with {@link #readUnlock(int)} on this
     * thread, with the token returned here. Never blocks, allocates nothing after this thread's
     * first section in the domain. If it throws, no section was entered.
     *
     * @return the token to leave the section with; it identifies this thread's reader in this domain
     * @throws IllegalStateException if the domain is closed (or being closed)
     */
    public int readLock() {
        Thread me = Thread.currentThread();
        // A registered platform thread is found in the lookup table and goes straight on; only a
        // miss pays for asking whether this is a virtual thread (which never registers a reader,
        // except as the domain's callback thread, whose sections must be its own).
        SrcuReader reader = readers.findInTable(me);
        if (reader == null) {
            if (me.isVirtual() && !callbacks.isCallbackThread(me)) {
                return readLockVirtual(); // the striped read side: see "Virtual threads" above
            }
            reader = currentReader();
            if (reader == null) {
                reader = register(); // every allocation happens before anything is counted
            }
        }
        int index = gracePeriods.currentIndex();
        reader.lockOn(index);
        boolean open;
        try {
            /* B: pairs with A in SrcuReaderRegistry.readersGone(), D/E in SrcuGracePeriods.advance()
             * and H in SrcuGracePeriods.cookie() (kernel: smp_mb() B in __srcu_read_lock): either the
             * grace period sees this count, or this section sees everything published before the
             * grace period began. Also pairs with I in close(): either close sees this count or
             * this section sees the domain closing. A full fence on the fenced side; on the
             * membarrier side a compiler-only barrier, the processor's part supplied by the
             * membarrier in A and I (D/E/H then pair with it through A): see AsymmetricFence. */
            AsymmetricFence.reader();
            open = state == OPEN;
        } catch (Throwable stackOverflow) {
            // Only a StackOverflowError can land here (the fence is a call when interpreted). The
            // undo is written inline, with no call that could overflow in turn: volatile stores
            // of the owner's own counters (no other thread writes them); the section never
            // began, so nothing needs ordering before them.
            reader.unlocks0 += index ^ 1;
            reader.unlocks1 += index;
            throw stackOverflow;
        }
        if (!open) {
            // Undone inline like the overflow case above: no call stands between counting in
            // and counting out, so no overflow can leave this refused section counted.
            reader.unlocks0 += index ^ 1;
            reader.unlocks1 += index;
            throw closed("readLock()");
        }
        return reader.tag | index;
    }

    /**
     * Leaves the read section entered with {@code token}.
     *
     * <p>Stack overflow: {@code readUnlock} is usually called from a {@code finally} block,
     * possibly at the bottom of an overflowing stack. Once it has found the calling thread's
     * reader and checked the token, a {@link StackOverflowError} thrown by the calls that
     * publish the section's end is caught and the store completed without a call; the section
     * is then left and the error is <em>not</em> rethrown (the operation completed, and a
     * {@code finally} that calls {@code readUnlock} keeps the exception it is running for). An
     * overflow in the lookup of the thread's reader is caught too, and the reader found again
     * without a call. What remains: an overflow on entry to {@code readUnlock} itself (the
     * caller's frame had no stack left for the call), or in its first call,
     * {@link Thread#currentThread()} (a native call when {@code readUnlock} runs interpreted;
     * without the thread no reader can be found), is thrown having changed nothing; the section
     * is then still held and the token still valid, so a shallower frame can leave it. An overflow while building the exception for a token that is not outstanding is
     * thrown instead of that exception, and changes nothing either.
     *
     * <p>Memory consistency: actions in the section happen-before the return of every grace period
     * ({@link #synchronize()}, a callback's run, a polled cookie reported done) that waits for it.
     *
     * @param token the value {@link #readLock()} returned on this thread for the section being left
     * @throws IllegalArgumentException if {@code token} was not returned by {@link #readLock()} of
     *         this domain on the calling thread, or no section entered with it is outstanding;
     *         nothing changes then
     */
    public void readUnlock(int token) {
        if ((token & VIRTUAL_TOKEN) != 0) {
            readUnlockVirtual(token); // the striped read side: see "Virtual threads" above
            return;
        }
        int index = token & 1;
        // The one call that cannot be made up for: without the thread, no reader can be found.
        // Compiled, it is an intrinsic; interpreted, a native call that can overflow (residual).
        Thread me = Thread.currentThread();
        SrcuReader reader;
        try {
            reader = currentReader();
        } catch (StackOverflowError noStackForTheLookup) {
            // The lookup changed nothing. Find the reader again without a call: walk the
            // registry's list by its fields (a live thread's reader is never pruned; the tag
            // picks the token's reader even if an earlier registration of this thread failed).
            reader = registry.head;
            while (reader != null && (reader.owner != me || reader.tag != (token & ~1))) {
                reader = reader.next;
            }
            if (reader == null) {
                throw noStackForTheLookup; // not this thread's token: the misuse case, nothing changed
            }
        }
        if (reader == null || (token & ~1) != reader.tag) {
            throw notOutstanding(token, reader);
        }
        // Checked and computed inline: no call between finding the reader and the store. Each
        // index's counters are read only by a branch on it (see SrcuReader).
        long left;
        boolean held;
        if (index == 0) {
            left = reader.unlocks0;
            held = reader.locks0 != left;
        } else {
            left = reader.unlocks1;
            held = reader.locks1 != left;
        }
        if (!held) {
            throw notOutstanding(token, reader);
        }
        try {
            reader.unlockTo(index, left + 1);
        } catch (StackOverflowError noStackForTheStore) {
            // This handler calls nothing. Only the owner writes these counters, so writing the
            // absolute value is idempotent, whether or not C's store already happened.
            /* C': a volatile store in place of C's release store, at least as strong; pairs with A
             * in SrcuReaderRegistry.readersGone() and E/F in SrcuGracePeriods.advance(). */
            if (index == 0) {
                reader.unlocks0 = left + 1;
            } else {
                reader.unlocks1 = left + 1;
            }
        }
    }

    /**
     * Returns a read-side handle bound to the calling thread: the JVM's counterpart of liburcu's
     * {@code rcu_register_thread()} plus its thread-local reader. {@link Reader#lock()} and
     * {@link Reader#unlock(int)} enter and leave this domain's read sections exactly as
     * {@link #readLock()} and {@link #readUnlock(int)} do on this thread, with the same tokens,
     * guarantees and misuse checks, but without looking up the thread's reader on every call: the
     * handle holds it. For a thread that reads in a loop and can keep the handle (a field of a
     * thread-confined object, a local of its run loop).
     *
     * <p>The handle is the thread's own reader record, the one {@code readLock()} uses, so
     * grace periods, stall reports, {@link #isReaderOnCurrentThread()} and the self-wait refusals
     * see its sections like any other, and a token of one may be left with the other on this
     * thread. Every call on the thread returns that same object, and only the thread's first
     * registration in the domain allocates. A handle needs no closing: the record is dropped by a
     * grace period after its thread has ended, as for {@code readLock()}. (A handle kept after its
     * thread ended keeps that record and thread object reachable, but costs the domain nothing:
     * grace periods no longer scan it.)
     *
     * <p>Virtual threads are refused (except the domain's own callback thread): they count their
     * sections on the domain's shared stripes (see "Virtual threads" above), so that a grace
     * period costs nothing per virtual thread; a handle would need the per-thread record they do
     * without. They use {@code readLock()}.
     *
     * @return this thread's handle on its read sections in this domain; use it on this thread only
     * @throws IllegalStateException if the domain is closed (or being closed), or the calling thread
     *         is virtual
     */
    public Reader registerReader() {
        Thread me = Thread.currentThread();
        if (me.isVirtual() && !callbacks.isCallbackThread(me)) {
            throw new IllegalStateException("registerReader() on srcu '" + name + "' from virtual " + describe(me)
                    + ": virtual threads count their read sections on the domain's shared stripes and have no"
                    + " reader record for a handle to hold; use readLock()/readUnlock() on them");
        }
        requireOpen("registerReader()");
        SrcuReader reader = currentReader();
        if (reader == null) {
            reader = register(); // throws if the domain closed meanwhile
        }
        return reader;
    }

    /**
     * Enters a read section that is not tied to the calling thread (the kernel's
     * {@code srcu_down_read}): any thread may leave it, once, with {@link #readUnlockShared} or
     * {@link SharedSection#close()}. For asynchronous code that enters a section on one thread
     * and finishes on another ({@code CompletableFuture} stages, executor tasks). Grace periods
     * wait for it exactly as for {@link #readLock()}'s sections. Never blocks, takes no lock;
     * allocates the one small object it returns. If it throws, no section was entered.
     *
     * <p>A shared section belongs to no thread: {@link #isReaderOnCurrentThread()} does not see
     * it, so a thread that calls {@link #synchronize()} (or {@code barrier()}, {@code close()})
     * while a shared section it entered is still outstanding is not refused: it waits for the
     * section, and if only it would leave it, waits forever (the timed forms time out). A stall
     * report names no thread for it (see {@link Stall}).
     *
     * <p>Memory consistency: actions in the section (on whichever threads, up to the
     * {@code readUnlockShared} that leaves it) happen-before the return of every grace period
     * that waits for it, provided the threads that carry the section hand it on with
     * happens-before (as {@code CompletableFuture} and executors do).
     *
     * @return the section, to be left exactly once, by any thread
     * @throws IllegalStateException if the domain is closed (or being closed)
     */
    public SharedSection readLockShared() {
        if (state != OPEN) {
            throw closed("readLockShared()");
        }
        int index = gracePeriods.currentIndex();
        // Allocated before anything is counted: an OutOfMemoryError here leaves nothing behind.
        SharedSection section = new SharedSection(this, stripes.stripeOf(Thread.currentThread()), index);
        stripes.lockAndFence(section.stripe, index); // B' inside
        if (state != OPEN) {
            stripes.unlock(section.stripe, index); // same depth as the add that just found stack
            throw closed("readLockShared()");
        }
        return section;
    }

    /**
     * Leaves a section entered with {@link #readLockShared()}, on any thread (the kernel's
     * {@code srcu_up_read}). Exactly one call leaves it; every later one, or one that loses a race
     * with another, throws and changes nothing. Never blocks.
     *
     * @param section a section {@link #readLockShared()} of this domain returned
     * @throws NullPointerException if {@code section} is null
     * @throws IllegalArgumentException if {@code section} was entered in another domain; nothing
     *         changes in either
     * @throws IllegalStateException if {@code section} was already left; nothing changes
     */
    public void readUnlockShared(SharedSection section) {
        Objects.requireNonNull(section, "section");
        if (section.domain != this) {
            throw new IllegalArgumentException("readUnlockShared(" + section + ") on srcu '" + name
                    + "': the section was entered in another domain");
        }
        if (!section.leave()) {
            throw new IllegalStateException("readUnlockShared(" + section + ") on srcu '" + name
                    + "': the section was already left");
        }
        try {
            stripes.unlock(section.stripe, section.index); // C'' inside
        } catch (StackOverflowError noStackForTheStore) {
            section.held = true; // nothing was counted out: the section stays held, leave it again
            throw noStackForTheStore;
        }
    }

    /**
     * {@link #readLock()} on a virtual thread: the outermost section is counted on a stripe, nested
     * ones only in the thread's own {@link SrcuVirtualReader}.
     */
    private int readLockVirtual() {
        SrcuVirtualReader reader = virtualReaders.get();
        if (reader == null) {
            reader = registerVirtual(); // every allocation happens before anything is counted
        }
        int index = gracePeriods.currentIndex();
        if (!reader.holdsAny()) {
            stripes.lockAndFence(reader.stripe, index); // B' inside
            if (state != OPEN) {
                stripes.unlock(reader.stripe, index); // same depth as the add that just found stack
                throw closed("readLock()");
            }
            reader.countedIndex = index;
        } else if (state != OPEN) {
            throw closed("readLock()"); // the outer section's B' ordered this read already
        }
        reader.depth0 += index ^ 1;
        reader.depth1 += index;
        return reader.tag | index;
    }

    /** {@link #readUnlock(int)} of a virtual thread's token. */
    private void readUnlockVirtual(int token) {
        int index = token & 1;
        SrcuVirtualReader reader = virtualReaders.get(); // an overflow here changes nothing
        if (reader == null || (token & ~1) != reader.tag || (index == 0 ? reader.depth0 : reader.depth1) == 0) {
            throw notOutstandingVirtual(token, reader);
        }
        // From here to the add, no call: an overflow must not fall between the depth and the stripe.
        reader.depth0 -= index ^ 1;
        reader.depth1 -= index;
        if ((reader.depth0 | reader.depth1) == 0) {
            try {
                stripes.unlock(reader.stripe, reader.countedIndex); // C'' inside
            } catch (StackOverflowError noStackForTheStore) {
                // Nothing was counted out (the add is the last step of its chain): undo, no call.
                reader.depth0 += index ^ 1;
                reader.depth1 += index;
                throw noStackForTheStore;
            }
        }
    }

    /** Creates the calling virtual thread's bookkeeping; nothing else in the domain refers to it. */
    private SrcuVirtualReader registerVirtual() {
        if (state != OPEN) {
            throw closed("readLock()");
        }
        SrcuFaults.fire(faults.readerAllocation);
        SrcuVirtualReader reader = new SrcuVirtualReader(
                ((tagSeed + readersRegistered.getAndIncrement() * TAG_STRIDE) << 2) | VIRTUAL_TOKEN,
                stripes.stripeOf(Thread.currentThread()));
        SrcuFaults.fire(faults.lookupAllocation);
        virtualReaders.set(reader);
        return reader;
    }

    private IllegalArgumentException notOutstandingVirtual(int token, SrcuVirtualReader mine) {
        Thread caller = Thread.currentThread();
        String why;
        if (mine != null && (token & ~1) == mine.tag) {
            why = "no read section entered with it is outstanding on " + describe(caller) + " (already unlocked)";
        } else {
            why = "it was not returned by readLock() of this domain to the calling " + describe(caller)
                    + " (a virtual thread's token is valid only on that thread; to leave a section on another"
                    + " thread, enter it with readLockShared())";
        }
        return new IllegalArgumentException("readUnlock(" + token + ") on srcu '" + name + "': " + why);
    }

    /**
     * Whether the calling thread is inside a read section of this domain. For checks that refuse
     * an operation that would wait for the caller's own section. Exact on platform and virtual
     * threads alike (a virtual thread keeps its own count, see "Virtual threads" above); a shared
     * section ({@link #readLockShared()}) belongs to no thread and is never seen here.
     *
     * @return {@code true} if the calling thread has entered a section here and not yet left it
     */
    public boolean isReaderOnCurrentThread() {
        if (Thread.currentThread().isVirtual()) {
            SrcuVirtualReader virtual = virtualReaders.get();
            if (virtual != null && virtual.holdsAny()) {
                return true;
            }
        }
        SrcuReader reader = currentReader();
        return reader != null && reader.holdsAny();
    }

    /**
     * Whether the calling thread is this domain's callback thread (i.e. runs one of its callbacks).
     *
     * @return {@code true} on the thread that runs this domain's callbacks and drives its polled
     *         grace periods, {@code false} on every other thread
     */
    public boolean isCallbackThread() {
        return callbacks.isCallbackThread();
    }

    /**
     * Waits for a grace period: returns only after every read section of this domain that began
     * before the call has ended. Concurrent callers share grace periods. Interrupts do not end the
     * wait; the thread's interrupt status is kept.
     *
     * <p>Memory consistency: everything a thread did in such a read section happens-before this
     * returns.
     *
     * @throws IllegalStateException if called inside a read section of this domain or from its stall
     *         handler (it would wait for itself), or the domain is closed
     */
    public void synchronize() {
        requireMayWaitForGracePeriod("synchronize()");
        gracePeriods.awaitDone(gracePeriods.cookie(), "synchronize()", false);
    }

    /**
     * {@link #synchronize()}, giving up after {@code timeout}: returns normally exactly when
     * {@code synchronize()} would have returned. On a timeout the grace period stays where it was
     * (a later {@code synchronize} resumes it); nothing else changes.
     *
     * @param timeout how long to wait; zero checks once
     * @throws TimeoutException if the grace period did not end in time; its message names the
     *         domain, the timeout, and each thread still inside a read section that holds it up,
     *         alive or terminated
     * @throws InterruptedException if interrupted while waiting (the interrupt status is cleared)
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException as {@link #synchronize()}
     */
    public void synchronize(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = deadline(timeout);
        requireMayWaitForGracePeriod("synchronize(Duration)");
        if (!gracePeriods.awaitDone(gracePeriods.cookie(), deadline, "synchronize(Duration)", false)) {
            throw timedOut("synchronize(" + timeout + ")");
        }
    }

    /**
     * {@link #synchronize()} at lower latency for more processor time: the same guarantee, memory
     * consistency effects and misuse rules, but while the grace period waits for readers, the
     * driving thread (this one, or whichever thread is already driving, which this wakes) spins
     * five times longer and then parks for a fixed 5 us between scans, where {@code synchronize()}
     * parks for intervals that double up to a millisecond and so may oversleep the last reader's
     * exit by that much. It also speeds up the grace period it finds running, for every waiter.
     * Use it where an updater's latency matters more than processor time; prefer
     * {@link #synchronize()} or {@link #callSrcu(Runnable)} elsewhere.
     *
     * <p>Cost: with no reader inside a section, nothing: neither form sleeps, and both cost the
     * same. While a reader holds the grace period up, the driver's processor spins for about
     * 1,000 scans and then wakes every ~5 us (plus the timer's slack) to scan every registered
     * reader again, for as long as the reader stays inside. Measured by
     * {@code SrcuSynchronizeBenchmark} (JDK 25, 2 vCPUs, quiet, the class's own settings; normal
     * vs expedited): no reader 0.054 vs 0.059 us per call; 100 idle registered readers 1.08 vs
     * 1.19 us; one reader running 20 us sections back to back 92.4 vs 21.4 us. On the same machine
     * loaded by other builds (load average 11) the expedited form gained nothing (117 vs 156 us):
     * its spinning competed with the reader it waited for. Expect its gain where the driver has a
     * processor to itself.
     *
     * @throws IllegalStateException if called inside a read section of this domain or from its stall
     *         handler (it would wait for itself), or the domain is closed
     */
    public void synchronizeExpedited() {
        requireMayWaitForGracePeriod("synchronizeExpedited()");
        gracePeriods.awaitDone(gracePeriods.cookie(), "synchronizeExpedited()", true);
    }

    /**
     * {@link #synchronizeExpedited()}, giving up after {@code timeout}: returns normally exactly
     * when {@code synchronizeExpedited()} would have returned. On a timeout the grace period stays
     * where it was, still expedited until it ends (a later {@code synchronize} resumes it);
     * nothing else changes.
     *
     * @param timeout how long to wait; zero checks once
     * @throws TimeoutException as {@link #synchronize(Duration)}
     * @throws InterruptedException if interrupted while waiting (the interrupt status is cleared)
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException as {@link #synchronize()}
     */
    public void synchronizeExpedited(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = deadline(timeout);
        requireMayWaitForGracePeriod("synchronizeExpedited(Duration)");
        if (!gracePeriods.awaitDone(gracePeriods.cookie(), deadline, "synchronizeExpedited(Duration)", true)) {
            throw timedOut("synchronizeExpedited(" + timeout + ")");
        }
    }

    private TimeoutException timedOut(String call) {
        return new TimeoutException(call + " of srcu '" + name + "' timed out: the grace period is waiting for "
                + stuckReaders() + "; it stays running and a later synchronize() completes it");
    }

    /**
     * A cookie for the grace periods already under way, without starting one (the kernel's
     * {@code get_state_synchronize_srcu}): {@link #pollState(long)} reports it done once every read
     * section that began before this call has ended, which happens only when something else drives
     * grace periods ({@link #synchronize()}, {@link #callSrcu(Runnable)}, {@link #startPoll()}, or
     * any other thread's wait). Costs a full fence and a volatile read; allocates nothing, never
     * blocks, and may be called inside a read section (the cookie is then not done before that
     * section ends).
     *
     * <p>Memory consistency: actions before this call, such as the store that unpublished an
     * object, are ordered before the snapshot the cookie is taken from: every read section that
     * could still see the old value either began before this call (and is waited for) or sees the
     * new value.
     *
     * @return the cookie to pass to {@link #pollState(long)} of this domain; opaque (a positive
     *         number that carries this domain's tag)
     * @throws IllegalStateException if the domain is closed
     */
    public long getState() {
        requireOpen("getState()");
        return cookies.encode(gracePeriods.cookie());
    }

    /**
     * Starts a polled grace period (the kernel's {@code start_poll_synchronize_srcu}): returns a
     * cookie, as {@link #getState()} does, and also asks the domain's thread to drive the grace
     * period it needs; this never blocks. Requests that come together share one grace period.
     *
     * <p>Memory consistency: as {@link #getState()}.
     *
     * @return the cookie to pass to {@link #pollState(long)} of this domain; opaque (a positive
     *         number that carries this domain's tag)
     * @throws IllegalStateException if the domain is closed, or if the callback thread had to be
     *         started and the builder's {@linkplain Builder#threadFactory thread factory} failed
     *         (nothing is requested)
     */
    public long startPoll() {
        requireOpen("startPoll()");
        callbacks.ensureStarted(); // may fail: then no request is left that no thread would serve
        long cookie = gracePeriods.requestCookie();
        callbacks.wake();
        return cookies.encode(cookie);
    }

    /**
     * A cookie that {@link #pollState(long)} of this domain always reports done (the kernel's
     * {@code get_completed_synchronize_srcu}): a value for "no grace period owed" that needs no
     * special case, for example the initial cookie of an object that was never published. The same
     * value for the life of the domain. Legal at any time, also after {@link #close()}.
     *
     * @return this domain's always-completed cookie
     */
    public long completedState() {
        return cookies.completed();
    }

    /**
     * Whether the grace period of {@code cookie} has completed (the kernel's
     * {@code poll_state_synchronize_srcu}). Never blocks, never starts a grace period: one volatile
     * read and some arithmetic.
     *
     * <p>Memory consistency: once this returns {@code true}, everything a thread did in a read
     * section that began before the {@code getState()} or {@code startPoll()} that returned the
     * cookie happens-before the return.
     *
     * <p>Counter wrap: a cookie carries 40 bits of the domain's grace-period count. Polled within
     * 2^39 grace periods of being taken (years at a grace period every 100 us; about two days of
     * nothing but back-to-back {@code synchronize()} calls) it is answered exactly. One held longer
     * may, for the length of one grace period in every 2^39, be read as a fresh cookie and report
     * {@code false}; it is never reported done early. The kernel's cookies have the same window
     * at 2^63 grace periods (2^31 on 32-bit machines).
     *
     * @param cookie a value {@link #getState()}, {@link #startPoll()} or {@link #completedState()}
     *        of this domain returned
     * @return {@code true} once every read section that began before that call has ended
     *         (always for {@link #completedState()}); stays {@code true}
     * @throws IllegalArgumentException naming the cookie, if it was not returned by one of those
     *         methods of this domain: it carries another domain's tag (two domains share a tag
     *         with probability 2^-23), or no cookie handed out so far has its value
     * @throws IllegalStateException if the domain is closed
     */
    public boolean pollState(long cookie) {
        requireOpen("pollState()");
        long full = cookies.widen(cookie, gracePeriods.latestCookie());
        return full == SrcuCookies.ALWAYS_DONE || gracePeriods.isDone(full);
    }

    /**
     * Queues {@code callback} to run after a grace period, on this domain's callback thread. Never
     * blocks. If the callback throws, the throwable is counted and passed to the callback error
     * handler, and later callbacks still run.
     *
     * <p>If it throws (including an {@link OutOfMemoryError} while queueing), the callback was not
     * queued and will never run, and nothing is left counted: barriers and close are not held up.
     *
     * <p>Memory consistency: actions before this call, and everything a thread did in a read
     * section that began before it, happen-before the callback runs.
     *
     * @param callback what to run after the grace period; should be quick (it delays every
     *        callback queued after it)
     * @throws NullPointerException if {@code callback} is null
     * @throws IllegalStateException if the domain is closed or closing, or if the callback thread
     *         had to be started and the builder's {@linkplain Builder#threadFactory thread factory}
     *         failed (the callback is not queued)
     */
    public void callSrcu(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        requireOpen("callSrcu()");
        callbacks.submit(callback, () -> closed("callSrcu()"));
    }

    /**
     * Returns only after every callback queued (by any thread) before this call has run.
     *
     * @throws IllegalStateException if called inside a read section of this domain or from one of
     *         its callbacks (either would wait for itself), or the domain is closed
     */
    public void barrier() {
        requireOpen("barrier()");
        requireNotReading("barrier()");
        requireNotCallback("barrier()");
        requireNotDriving("barrier()");
        callbacks.awaitFinished(callbacks.admittedCount());
    }

    /**
     * {@link #barrier()}, giving up after {@code timeout}: returns normally exactly when
     * {@code barrier()} would have returned. On a timeout the callbacks stay queued and run later.
     *
     * @param timeout how long to wait; zero checks once
     * @throws TimeoutException if some earlier callback has not run in time; its message names the
     *         domain, the timeout, how many callbacks are still pending, and what they wait for: a
     *         callback still running on the callback thread, or the threads (alive or terminated)
     *         whose read sections hold up their grace period
     * @throws InterruptedException if interrupted while waiting (the interrupt status is cleared)
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException as {@link #barrier()}
     */
    public void barrier(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = deadline(timeout);
        requireOpen("barrier(Duration)");
        requireNotReading("barrier(Duration)");
        requireNotCallback("barrier(Duration)");
        requireNotDriving("barrier(Duration)");
        long target = callbacks.admittedCount();
        if (!callbacks.awaitFinished(target, deadline)) {
            long pending = target - callbacks.finishedCount();
            Thread runner = callbacks.thread();
            String waitingFor = callbacks.isRunningCallback() && runner != null
                    ? "a callback still running on " + describe(runner)
                    : "their grace period, which is waiting for " + stuckReaders();
            throw new TimeoutException("barrier(" + timeout + ") of srcu '" + name + "' timed out: " + pending
                    + " callback(s) queued before it have not run; they are waiting for " + waitingFor
                    + "; they stay queued and run later");
        }
    }

    /**
     * A snapshot of the domain's counters. Legal at any time, also after {@link #close()}.
     *
     * @return the counters now (see {@link Stats} for how consistent they are)
     */
    public Stats stats() {
        return new Stats(gracePeriods.completed(), callbacks.admittedCount(), callbacks.finishedCount(),
                callbacks.failedCount(), registry.activeReaders(), stalls.reported());
    }

    /**
     * Waits for every pending callback to run, then closes the domain: every later use throws
     * {@link IllegalStateException}. Closing a closed domain does nothing.
     *
     * <p>If a thread is inside a read section, throws {@link IllegalStateException} naming it and
     * leaves the domain open and usable (callbacks queued meanwhile still run). Callbacks may still
     * use the domain while close waits for them. A {@code callSrcu} that races a close is either
     * refused or run before close returns, never lost; a {@code readLock} that races a close that
     * then fails may be refused too.
     *
     * @throws IllegalStateException if a reader is inside, or if called inside a read section or a
     *         callback of this domain (it would wait for itself)
     */
    @Override
    public void close() {
        if (state == CLOSED) {
            return;
        }
        requireNotReading("close()");
        requireNotCallback("close()");
        requireNotDriving("close()");
        if (!closing.beginOrAwait()) {
            return;
        }
        try {
            if (state != CLOSED) {
                closeOnce();
            }
        } catch (Throwable refused) {
            closing.abandon(); // the domain stays open; a later (or waiting) close tries again
            throw refused;
        }
        closing.complete();
    }

    private void closeOnce() {
        // Fail fast on a reader that would hold up the callbacks close waits for; a section on
        // the callback thread is one of those callbacks and ends with it.
        requireNoReaders(true);
        callbacks.awaitFinished(callbacks.refuse());
        state = CLOSING;
        /* I: pairs with B in readLock() and Reader.lock(): either that reader sees CLOSING and
         * backs out, or the scan below sees its count. A membarrier on the membarrier side (AsymmetricFence). */
        AsymmetricFence.updater();
        try {
            requireNoReaders(false);
        } catch (IllegalStateException readerGotIn) {
            state = OPEN;
            callbacks.accept();
            throw readerGotIn;
        }
        state = CLOSED;
        callbacks.stop();
    }

    @Override
    public String toString() {
        String status = switch (state) {
            case OPEN -> "open";
            case CLOSING -> "closing";
            default -> "closed";
        };
        return "Srcu[" + name + ", " + status + ", " + gracePeriods + ", " + callbacks
                + ", readers active=" + registry.activeReaders() + ", read barrier=" + readBarrier() + "]";
    }

    /**
     * How every domain in this JVM orders a reader's entry against grace periods: chosen once per
     * JVM, by the system property {@code mmunotify.srcu.readBarrier}: {@code fenced} (the default),
     * {@code membarrier}, or {@code auto}. Fenced costs a locked instruction per read section
     * (measured at about 0.2 ns of a 5.3 ns section on an AMD EPYC); membarrier costs nothing per
     * section and about 1 µs more per grace period. {@code auto} takes
     * {@link ReadBarrier#MEMBARRIER} where native access is enabled for this library's module
     * ({@code --enable-native-access}), on Linux x86_64 or aarch64 with a kernel that offers
     * private expedited {@code membarrier(2)}; otherwise {@link ReadBarrier#FENCED}, without a
     * warning. Both give the same guarantees; they differ only in cost.
     *
     * @return the side in force for every domain of this JVM
     */
    public static ReadBarrier readBarrier() {
        return AsymmetricFence.side();
    }

    /**
     * The two ways a read section's entry is ordered against grace periods. Both give every
     * guarantee of the class; see {@link #readBarrier()} for how one is chosen.
     */
    public enum ReadBarrier {
        /**
         * Entering a section executes a full fence (a locked instruction on x86); grace periods
         * need nothing from the platform.
         */
        FENCED,
        /**
         * Entering a section executes no processor fence; each grace period (and each close)
         * instead calls {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)} once per scan that
         * finds the readers gone, which makes every running thread of the process execute a full
         * barrier (about a microsecond): cheaper readers, dearer grace periods.
         */
        MEMBARRIER
    }

    /** Reader records registered (threads that ever read here, minus those pruned); for tests. */
    int registeredReaders() {
        return registry.registered();
    }

    /** The calling thread's reader in this domain, or null if it never entered a section here. */
    private SrcuReader currentReader() {
        return readers.find();
    }

    /**
     * Creates and registers the calling thread's reader. Registered before it can be found: a
     * thread must never count itself on a reader that grace periods do not scan. If recording it
     * for lookup fails (out of memory), the registered reader holds nothing and is pruned when its
     * thread ends; the next readLock registers another.
     */
    private SrcuReader register() {
        if (state != OPEN) {
            throw closed("readLock()");
        }
        SrcuFaults.fire(faults.readerAllocation);
        SrcuReader reader = new SrcuReader(this, gracePeriods, Thread.currentThread(),
                (tagSeed + readersRegistered.getAndIncrement() * TAG_STRIDE) << 2);
        registry.add(reader);
        SrcuFaults.fire(faults.lookupAllocation);
        readers.add(reader);
        if (registry.grownSincePrune()) {
            gracePeriods.pruneIfIdle(); // amortised: only after the list doubled
        }
        return reader;
    }

    /** {@code timeout} as a {@link System#nanoTime()} deadline (saturating: centuries are forever). */
    private static long deadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        long nanos = timeout.compareTo(Duration.ofDays(365L * 100)) > 0 ? Long.MAX_VALUE / 2 : timeout.toNanos();
        return System.nanoTime() + nanos;
    }

    /** The threads holding up the running grace period, for a timeout message. */
    private String stuckReaders() {
        List<SrcuReader> inside = new ArrayList<>();
        int waited = gracePeriods.waitedIndex();
        // A plain loop, no lambda: see SrcuReaderRegistry.head().
        for (SrcuReader reader = registry.head(); reader != null; reader = reader.next()) {
            if (reader.appearsActiveOn(waited)) {
                inside.add(reader);
            }
        }
        long striped = stripes.activeOn(waited);
        if (inside.isEmpty() && striped == 0) {
            return "no reader any more (it is completing, or another thread is driving it)";
        }
        StringBuilder text = new StringBuilder();
        if (!inside.isEmpty()) {
            text.append(inside.size()).append(inside.size() == 1 ? " reader" : " readers").append(" still inside: ");
            for (int i = 0; i < inside.size() && i < NAMED_THREADS; i++) {
                text.append(i == 0 ? "" : ", ").append(describe(inside.get(i).owner));
            }
            if (inside.size() > NAMED_THREADS) {
                text.append(" and ").append(inside.size() - NAMED_THREADS).append(" more");
            }
        }
        if (striped > 0) {
            text.append(inside.isEmpty() ? "" : "; ").append(Stall.stripedName(striped)).append(" still inside");
        }
        return text.toString();
    }

    private static String describe(Thread thread) {
        return "thread '" + thread.getName() + "' (#" + thread.threadId() + ", "
                + (thread.isAlive() ? "alive" : "terminated") + ")";
    }

    /** The misuse checks of every form of {@code synchronize}: open, and not waiting for itself. */
    private void requireMayWaitForGracePeriod(String operation) {
        requireOpen(operation);
        requireNotReading(operation);
        requireNotDriving(operation);
    }

    private void requireOpen(String operation) {
        if (state != OPEN) {
            throw closed(operation);
        }
    }

    private void requireNotReading(String operation) {
        if (isReaderOnCurrentThread()) {
            throw new IllegalStateException(operation + " called inside a read section of srcu '" + name
                    + "' on the same thread: it would wait for that section, i.e. for itself");
        }
    }

    private void requireNotDriving(String operation) {
        if (gracePeriods.isDrivenByCurrentThread()) {
            throw new IllegalStateException(operation + " called from the stall handler of srcu '" + name
                    + "': the grace period it runs in is waiting for the handler to return");
        }
    }

    private void requireNotCallback(String operation) {
        if (isCallbackThread()) {
            throw new IllegalStateException(operation + " called from a callback of srcu '" + name
                    + "': it would wait for the callback thread, which is busy running the caller");
        }
    }

    private void requireNoReaders(boolean exceptCallbackThread) {
        List<String> inside = new ArrayList<>();
        // A plain loop, no lambda: see SrcuReaderRegistry.head().
        for (SrcuReader reader = registry.head(); reader != null; reader = reader.next()) {
            if (reader.appearsActive() && !(exceptCallbackThread && callbacks.isCallbackThread(reader.owner))) {
                inside.add(reader.owner.getName() + (reader.owner.isAlive() ? "" : " (terminated)"));
            }
        }
        long striped = stripes.active();
        if (striped > 0) {
            inside.add(Stall.stripedName(striped));
        }
        if (!inside.isEmpty()) {
            throw new IllegalStateException("cannot close srcu '" + name + "': thread(s) " + inside
                    + " still inside a read section; the domain stays open");
        }
    }

    private IllegalStateException closed(String operation) {
        return new IllegalStateException(operation + " on srcu '" + name + "', which is "
                + (state == CLOSING ? "closing" : "closed"));
    }

    private IllegalArgumentException notOutstanding(int token, SrcuReader mine) {
        Thread caller = Thread.currentThread();
        String why;
        if (mine != null && (token & ~1) == mine.tag) {
            why = "no read section entered with it is outstanding on " + describe(caller) + " (already unlocked)";
        } else {
            SrcuReader owner = registry.withTag(token & ~1);
            why = owner != null
                    ? "it was returned to " + describe(owner.owner) + ", not to the calling " + describe(caller)
                    : "it was not returned by readLock() of this domain to the calling " + describe(caller);
        }
        return new IllegalArgumentException("readUnlock(" + token + ") on srcu '" + name + "': " + why);
    }

    /**
     * Counters of one domain, read at one moment (each exact, together only roughly consistent).
     * Immutable.
     *
     * @param gracePeriodsCompleted grace periods that have ended
     * @param callbacksQueued callbacks accepted by {@code callSrcu}
     * @param callbacksRun callbacks that have run, whether they returned or threw
     * @param callbacksFailed callbacks that threw
     * @param readersActive threads inside a read section (a virtual thread counts once however
     *        deeply it nests), plus shared sections ({@link Srcu#readLockShared()}) not yet left
     * @param stallsReported read sections reported as stalls
     */
    public record Stats(long gracePeriodsCompleted, long callbacksQueued, long callbacksRun, long callbacksFailed,
                        int readersActive, long stallsReported) {

        /**
         * Callbacks queued that have not run yet.
         *
         * @return {@code callbacksQueued - callbacksRun} (as roughly consistent as the two counts)
         */
        public long callbacksPending() {
            return callbacksQueued - callbacksRun;
        }
    }

    /**
     * A read section that held up a grace period for longer than the stall threshold. Immutable.
     *
     * <p>Sections of virtual threads and shared sections ({@link #readLockShared()}) are counted
     * on shared stripes that do not record who is inside, so they are reported together, once
     * per stalled grace-period index, as one stall whose {@code threadId} is {@link #STRIPED},
     * whose {@code threadName} says how many such sections were inside, and whose stack is empty.
     * A platform thread's section is reported on its own, with its thread and stack.
     *
     * @param domain the domain's name
     * @param threadName the name of the thread inside the section, or, for {@link #STRIPED}, a
     *        description of the striped sections inside
     * @param threadId its id, or {@link #STRIPED}
     * @param threadAlive false if the thread terminated without leaving the section (a leak that
     *        blocks grace periods forever); always true for {@link #STRIPED}
     * @param heldAtLeast how long the section had held up the grace period when reported
     * @param stack the thread's stack when reported; empty for {@link #STRIPED}
     */
    public record Stall(String domain, String threadName, long threadId, boolean threadAlive, Duration heldAtLeast,
                        List<StackTraceElement> stack) {

        /**
         * The {@code threadId} of a stall that reports the sections of virtual threads and shared
         * sections, which the domain does not track by thread.
         */
        public static final long STRIPED = -1;

        /** How reports and messages describe {@code sections} sections counted on the stripes. */
        static String stripedName(long sections) {
            return sections + " read section(s) of virtual threads or shared sections (not tracked by thread)";
        }

        /** A kernel-style report: one line naming the thread, then its stack. */
        @Override
        public String toString() {
            StringBuilder report = new StringBuilder().append("srcu '").append(domain).append("' stall: ");
            if (threadId == STRIPED) {
                return report.append(threadName).append(" have held up a grace period for at least ")
                        .append(heldAtLeast.toMillis()).append(" ms").toString();
            }
            report.append("thread '").append(threadName)
                    .append("' (id ").append(threadId).append(threadAlive ? "" : ", terminated")
                    .append(") has been inside a read section for at least ")
                    .append(heldAtLeast.toMillis()).append(" ms, holding up a grace period");
            for (StackTraceElement frame : stack) {
                report.append(System.lineSeparator()).append("\tat ").append(frame);
            }
            return report.toString();
        }
    }

    /**
     * A thread's handle on its read sections in one domain ({@link Srcu#registerReader()}): the
     * lookup that {@link Srcu#readLock()} and {@link Srcu#readUnlock(int)} make on every call, made
     * once.
     *
     * <pre>{@code
     * Srcu.Reader reader = srcu.registerReader();   // once, on the reading thread
     * while (running) {
     *     int token = reader.lock();
     *     try {
     *         use(current);
     *     } finally {
     *         reader.unlock(token);
     *     }
     * }
     * }</pre>
     *
     * <p>Guarantees: those of {@code readLock()}/{@code readUnlock(int)}, unchanged: sections nest,
     * may block, are waited for by every grace period that begins before they end; entering one
     * takes no lock and allocates nothing; both calls are all-or-nothing (if one throws, no section
     * was entered, or the section is still held and its token still valid), and a
     * {@link StackOverflowError} inside {@code unlock} is handled as in {@code readUnlock}: once
     * the token is checked the section is always left. Tokens are the thread's tokens in the
     * domain: one from {@code readLock()} on the same thread may be left here and the reverse.
     *
     * <p>Memory consistency: as {@code readUnlock(int)}: actions in a section happen-before the
     * return of every grace period ({@code synchronize()}, a callback's run, a polled cookie
     * reported done) that waits for it.
     *
     * <p>Thread-safety: bound to the thread that registered it. {@link #lock()} and
     * {@link #unlock(int)} on any other thread throw {@link WrongThreadException} and change
     * nothing; to leave a section on another thread, enter it with {@link Srcu#readLockShared()}.
     * {@link #toString()} may be called from any thread.
     *
     * <p>Not extensible: the class is sealed, and its only instances are the records
     * {@link Srcu#registerReader()} returns.
     */
    public abstract static sealed class Reader extends SrcuReaderRightPadding permits SrcuReader {
        /*
         * Implementation notes. A handle is the thread's reader record itself (SrcuReader, the one
         * permitted subclass), so its calls read one object: the counters, the tag, the owner and
         * the domain all sit on the record's padded line, which only the owner writes. The fast
         * path is readLock()'s and readUnlock()'s minus their lookup of the record: the owner is
         * checked by identity against the current thread (one load and a compare), and each call
         * touches only the counters of its index, chosen by a branch (see SrcuReader). The bodies
         * are written inline, not shared with readLock()/readUnlock() through a helper, for the
         * stack-overflow story of both: the count and its undo (lock), and the check, the store
         * and its call-free completion C' (unlock) must sit in one frame with no call between them.
         */

        Reader(Srcu domain, SrcuGracePeriods gracePeriods, Thread owner, int tag) {
            super(domain, gracePeriods, owner, tag);
        }

        /**
         * Enters a read section: {@link Srcu#readLock()} on the handle's thread, without its lookup.
         * Never blocks, allocates nothing. If it throws, no section was entered.
         *
         * @return the token to leave the section with ({@link #unlock(int)}, or {@code readUnlock}
         *         on this thread)
         * @throws WrongThreadException if called on a thread other than the one that registered the
         *         handle
         * @throws IllegalStateException if the domain is closed (or being closed)
         */
        public final int lock() {
            if (Thread.currentThread() != owner) {
                throw wrongThread("lock()");
            }
            int index = gracePeriods.currentIndex();
            lockOn(index);
            boolean open;
            try {
                /* B (second site, the same fence as B in Srcu.readLock()): pairs with A in
                 * SrcuReaderRegistry.readersGone(), D/E in SrcuGracePeriods.advance(), H in
                 * SrcuGracePeriods.cookie() and I in Srcu.close(), exactly as B there: either the
                 * grace period (or close) sees this count, or this section sees everything
                 * published before it began (or the domain closing). A full fence on the fenced
                 * side, a compiler-only barrier on the membarrier side: see AsymmetricFence. */
                AsymmetricFence.reader();
                open = domain.state == OPEN;
            } catch (Throwable stackOverflow) {
                // As in readLock(): only a StackOverflowError lands here; undone inline, no call.
                unlocks0 += index ^ 1;
                unlocks1 += index;
                throw stackOverflow;
            }
            if (!open) {
                unlocks0 += index ^ 1; // undone inline, as in readLock()
                unlocks1 += index;
                throw domain.closed("Srcu.Reader.lock()");
            }
            return tag | index;
        }

        /**
         * Leaves the read section entered with {@code token}: {@link Srcu#readUnlock(int)} on the
         * handle's thread, without its lookup. Stack overflow: as in {@code readUnlock}, once the
         * thread and the token are checked, an overflow in the store is caught, the store
         * completed without a call, and the error not rethrown; an overflow on entry, or in
         * {@link Thread#currentThread()} (interpreted), changes nothing and leaves the token valid.
         *
         * @param token a value {@link #lock()} or {@code readLock()} returned on this thread, in this
         *        domain, for a section not yet left
         * @throws WrongThreadException if called on a thread other than the one that registered the
         *         handle; nothing changes
         * @throws IllegalArgumentException if {@code token} was not returned to this thread by this
         *         domain, or no section entered with it is outstanding; nothing changes
         */
        public final void unlock(int token) {
            if (Thread.currentThread() != owner) {
                throw wrongThread("unlock(" + token + ")");
            }
            int index = token & 1;
            if ((token & ~1) != tag) {
                throw domain.notOutstanding(token, (SrcuReader) this);
            }
            // Checked and computed inline, as in readUnlock(): no call between the check and the store.
            long left;
            boolean held;
            if (index == 0) {
                left = unlocks0;
                held = locks0 != left;
            } else {
                left = unlocks1;
                held = locks1 != left;
            }
            if (!held) {
                throw domain.notOutstanding(token, (SrcuReader) this);
            }
            try {
                unlockTo(index, left + 1); // C inside
            } catch (StackOverflowError noStackForTheStore) {
                /* C' (second site, as C' in Srcu.readUnlock()): a volatile store in place of C's
                 * release store, at least as strong; pairs with A in
                 * SrcuReaderRegistry.readersGone() and E/F in SrcuGracePeriods.advance(). */
                if (index == 0) {
                    unlocks0 = left + 1;
                } else {
                    unlocks1 = left + 1;
                }
            }
        }

        private WrongThreadException wrongThread(String call) {
            return new WrongThreadException("Srcu.Reader." + call + " on srcu '" + domain.name + "' from "
                    + describe(Thread.currentThread()) + ": the handle belongs to " + describe(owner)
                    + ", which registered it; to leave a section on another thread, enter it with readLockShared()");
        }

        /**
         * Describes the handle: its domain, its thread, whether that thread appears to be inside a
         * read section, and the counts behind that (sections entered/left on each index, as last
         * published).
         *
         * @return a description for logs; any thread may call it
         */
        @Override
        public final String toString() {
            return "Srcu.Reader[srcu '" + (domain == null ? "?" : domain.name) + "', " + describe(owner) + ", "
                    + (appearsActive() ? "inside a read section" : "outside")
                    + ", index 0: " + locksOn(0) + "/" + unlocksOn(0) + ", index 1: " + locksOn(1) + "/" + unlocksOn(1)
                    + " entered/left]";
        }
    }

    /**
     * A read section entered with {@link Srcu#readLockShared()}: not tied to a thread, left
     * exactly once by whichever thread finishes the work (the kernel's
     * {@code srcu_down_read}/{@code srcu_up_read}).
     *
     * <pre>{@code
     * Srcu.SharedSection section = srcu.readLockShared();
     * CompletableFuture.supplyAsync(() -> lookUp(current), executor)   // reads under the section
     *         .whenComplete((result, failure) -> section.close());     // leaves it, on any thread
     * }</pre>
     *
     * <p>Thread-safe: {@link #close()} may race with itself; exactly one call leaves the section.
     */
    public static final class SharedSection implements AutoCloseable {
        private static final VarHandle HELD;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(SharedSection.class, "held", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Srcu domain;
        private final int stripe;
        private final int index;
        /** True until left; set back only if the leaving store overflowed the stack. */
        private volatile boolean held = true;

        private SharedSection(Srcu domain, int stripe, int index) {
            this.domain = domain;
            this.stripe = stripe;
            this.index = index;
        }

        /** Claims the right to count this section out; false if it was already left. */
        private boolean leave() {
            return HELD.compareAndSet(this, true, false);
        }

        /**
         * Leaves the section: {@link Srcu#readUnlockShared(SharedSection)} of its domain. Unlike
         * most {@code close()} methods, a second call is misuse and throws.
         *
         * @throws IllegalStateException if the section was already left; nothing changes
         */
        @Override
        public void close() {
            domain.readUnlockShared(this);
        }

        @Override
        public String toString() {
            return "SharedSection[srcu '" + domain.name + "', index " + index + ", stripe " + stripe + ", "
                    + (held ? "held" : "left") + "]";
        }
    }

    /** Configures a domain before it is created. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private Duration stallThreshold = DEFAULT_STALL_THRESHOLD;
        private Consumer<? super Stall> stallHandler = stall -> LOG.log(System.Logger.Level.WARNING, stall.toString());
        private Consumer<? super Throwable> callbackErrorHandler;
        private ThreadFactory threadFactory;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("an srcu domain needs a non-blank name");
            }
            this.name = name;
            this.callbackErrorHandler = failure -> LOG.log(System.Logger.Level.ERROR,
                    "a callback of srcu '" + name + "' threw", failure);
        }

        /**
         * How long a read section may hold up a grace period before it is reported as a stall. A
         * threshold too long to count in nanoseconds (beyond about 292 years) is accepted and
         * means that no stall is ever reported.
         *
         * @param threshold how long a section may hold up a grace period unreported; positive
         * @return this builder
         * @throws NullPointerException if {@code threshold} is null
         * @throws IllegalArgumentException if not positive
         */
        public Builder stallThreshold(Duration threshold) {
            Objects.requireNonNull(threshold, "threshold");
            if (threshold.isNegative() || threshold.isZero()) {
                throw new IllegalArgumentException("stall threshold must be positive, was " + threshold);
            }
            this.stallThreshold = threshold;
            return this;
        }

        /**
         * Receives each stall report, on the thread running the stalled grace period. The default
         * logs it through {@link System.Logger} at {@code WARNING}.
         *
         * @param handler called once per stalled section, while the grace period waits for it; must
         *        not wait for a grace period of the domain (that throws {@link IllegalStateException}).
         *        Whatever it throws is logged and the grace period goes on
         * @return this builder
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder stallHandler(Consumer<? super Stall> handler) {
            this.stallHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Receives what a callback threw, on the domain's callback thread. The default logs it
         * through {@link System.Logger} at {@code ERROR}.
         *
         * @param handler called once per failed callback, before the next callback runs; whatever it
         *        throws is logged (added as suppressed to the callback's failure) and the callbacks go on
         * @return this builder
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder callbackErrorHandler(Consumer<? super Throwable> handler) {
            this.callbackErrorHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Where the domain's callback thread comes from (the one thread that runs its callbacks and
         * drives its polled grace periods). By default it is a platform daemon thread named
         * {@code srcu-<name>-callbacks}. The factory is asked once, when the first callback or
         * polled request needs the thread (not by {@link #build()}); the thread it returns is used as
         * it is: name, priority, daemon status and context class loader are the factory's (as
         * {@link java.util.concurrent.ThreadPoolExecutor} uses its factory's threads). A thread that
         * is not a daemon keeps the JVM alive until the domain is {@linkplain Srcu#close() closed}.
         * The thread runs for as long as the domain is open, so a virtual thread works but gains
         * nothing.
         *
         * <p>If the factory throws, returns null, or returns a thread that was already started, the
         * {@link Srcu#callSrcu(Runnable)} or {@link Srcu#startPoll()} that needed the thread throws
         * {@link IllegalStateException} naming the factory (with what it threw as the cause), and
         * nothing is queued or requested; a later call asks the factory again.
         *
         * @param factory makes the callback thread; must return a new, unstarted thread
         * @return this builder
         * @throws NullPointerException if {@code factory} is null
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Creates the domain; its callback thread starts with the first callback or polled request.
         * Each call creates a new, independent domain.
         *
         * @return a new open domain with this builder's settings; close it when done
         */
        public Srcu build() {
            return new Srcu(this);
        }
    }
}
