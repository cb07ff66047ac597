package io.github.mmunotify.core;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The store-load fence between an SRCU reader counting itself in and reading shared data (B in
 * {@code Srcu.readLock()} and {@code Srcu.Reader.lock()}), and the fences on the updater's side that pair with it (A in
 * {@code SrcuReaderRegistry.readersGone()}, I in {@code Srcu.close()}): one of two sides, chosen
 * once per JVM.
 *
 * <ul>
 * <li><b>fenced</b>: both ends are {@link VarHandle#fullFence()} (the kernel's {@code smp_mb()} B
 *     and A). Needs nothing from the platform; a reader pays a locked instruction per section.</li>
 * <li><b>membarrier</b>: the reader's end is a compiler-only barrier and costs no instruction on
 *     x86; the updater's end is {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)}, which makes
 *     every running thread of the process execute a full memory barrier before it returns (about
 *     a microsecond). liburcu's {@code memb} flavour; the kernel's SRCU-fast readers, whose
 *     updater uses {@code synchronize_rcu()} in place of the {@code smp_mb()} A.</li>
 * </ul>
 *
 * <p>Which one: the system property {@value #PROPERTY}: {@code fenced} (the default),
 * {@code membarrier}, or {@code auto}. Fenced is the default because on the machine the
 * benchmarks ran on (AMD EPYC, x86_64) HotSpot's full fence, a locked add to the stack, costs about
 * 0.2 ns of a 5.3 ns read section, while membarrier adds about 1 µs to every grace period; where
 * the fence costs more (aarch64's {@code dmb ish}, or a read-mostly workload that never waits for
 * grace periods), choose {@code auto} or {@code membarrier}. {@code auto} takes membarrier if native access is enabled for this
 * module (checked before any restricted method is touched, so nothing is printed when it is not),
 * the platform is Linux on x86_64 or aarch64, the kernel offers private expedited membarrier, and
 * registering this process for it succeeds; otherwise fenced, silently. {@code membarrier} insists:
 * if it is unavailable, {@link #requireUsable()} (called by every {@code Srcu} build) throws
 * naming why. The choice is a {@code static final}, so the JIT folds the branch away.
 */
final class AsymmetricFence {
    /*
     * Implementation notes.
     *
     * Why the reader's end may be a compiler barrier. B separates the reader's store of its lock
     * count from its loads of the section (the domain's state, then the shared data): the
     * store-buffering pattern against the updater's store of the data (before the grace period)
     * and its load of the lock counts (after A). Two things could reorder the reader's store after
     * its loads: the JIT, and the processor's store buffer.
     *  - The JIT: VarHandle.acquireFence() is, by the JMM, only a load-load/load-store fence; in
     *    HotSpot it is a LoadFence node (C2) / membar_acquire (C1) on the whole memory state
     *    (Compile::AliasIdxBot), so no memory access is moved across it in either direction, and
     *    Graal's MembarNode kills every location too. The interpreter executes in program order.
     *    It emits no instruction on x86 (membar_acquire has an empty encoding) and dmb ishld on
     *    aarch64.
     *  - The processor: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) sends an IPI to every CPU
     *    running a thread of this process and has each execute a full barrier (smp_mb()) before
     *    the call returns; a thread that is not running went through a context switch, itself a
     *    full barrier, since it last ran. The kernel brackets the call with smp_mb() on the caller.
     *    So at the moment of the call every reader is at some point of its program: either its
     *    lock store is before that point (then it is globally visible when the call returns, and
     *    the updater's lock sum, read after, counts it), or its loads are after it (then they see
     *    every store the updater made visible before the call, i.e. everything before the grace
     *    period). Exactly the two outcomes the fenced pair gives.
     *
     * Which updater fences become membarrier: only those that pair with B directly in a
     * store-buffering pattern: A (the scan reads unlocks, fences, reads locks) and I (close
     * stores CLOSING, fences, scans). D and E around the index flip and H in cookie() order the
     * updater's own accesses and stay full fences: their pairing with B in the fenced side is
     * carried here by A's membarrier in the scans that follow them (a reader missed by a scan
     * after D/E/H saw everything before that scan's membarrier). The kernel does the same for
     * SRCU-fast: srcu_readers_active_idx_check() replaces smp_mb() A with synchronize_rcu(), and
     * srcu_flip() and get_state_synchronize_srcu() keep smp_mb().
     *
     * The updater also executes a full fence before and after the syscall, so that at the JMM
     * level it is never weaker than the fenced side (a few nanoseconds next to the syscall).
     *
     * The call is made without a lock of this class; SrcuGracePeriods makes it while holding its
     * driver lock, which is held only by the thread driving grace periods: the syscall does not
     * call back into Java and returns once the IPIs are acknowledged.
     */

    /** The system property that chooses the side: {@code fenced}, {@code membarrier} or {@code auto}. */
    static final String PROPERTY = "mmunotify.srcu.readBarrier";

    /** membarrier(2) commands (linux/membarrier.h). */
    private static final int CMD_QUERY = 0;
    private static final int CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final int CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    private static final Selection SELECTION = select(System.getProperty(PROPERTY, "fenced"));

    /** Whether readers skip the processor fence and updaters call membarrier. Folded by the JIT. */
    static final boolean MEMBARRIER = SELECTION.syscall != null;
    /** {@code long syscall(long, ...)} bound to (number, cmd, flags, cpu_id); null when fenced. */
    private static final MethodHandle SYSCALL = SELECTION.syscall;
    private static final long SYSCALL_NUMBER = SELECTION.number;

    private AsymmetricFence() {
    }

    /**
     * B's instruction, executed by a reader between counting itself in and reading the section's
     * data. Fenced: a full fence. Membarrier: a compiler-only barrier (see the implementation
     * notes); the processor's part of the ordering is supplied by {@link #updater()}.
     */
    static void reader() {
        if (MEMBARRIER) {
            /* B, membarrier side: pairs with A/I in updater() (the membarrier); compiler only. */
            VarHandle.acquireFence();
        } else {
            /* B, fenced side: pairs with A/I in updater() (full fences). */
            VarHandle.fullFence();
        }
    }

    /**
     * The updater's end of B (A, I): a full fence on the calling thread that also orders every
     * running reader's earlier accesses before its later ones. Fenced: a full fence. Membarrier:
     * full fence, {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)}, full fence.
     *
     * @throws IllegalStateException if the kernel refuses a membarrier it accepted at registration
     *         (the caller's wait is then abandoned, as on any failure: nothing is reported done)
     */
    static void updater() {
        if (MEMBARRIER) {
            /* A/I, membarrier side: pairs with B (a compiler barrier) in Srcu.readLock() and
             * Srcu.Reader.lock() through the syscall; the fences on either side keep the caller's
             * own accesses in order at the JMM level, as the kernel's smp_mb() at membarrier's
             * entry and exit do. */
            VarHandle.fullFence();
            membarrier();
            VarHandle.fullFence();
        } else {
            /* A/I, fenced side: pairs with B (a full fence) in Srcu.readLock() and Srcu.Reader.lock(). */
            VarHandle.fullFence();
        }
    }

    /** Which side is active. */
    static Srcu.ReadBarrier side() {
        return MEMBARRIER ? Srcu.ReadBarrier.MEMBARRIER : Srcu.ReadBarrier.FENCED;
    }

    /** Why this side was chosen, for messages and {@code toString()}. */
    static String reason() {
        return SELECTION.reason;
    }

    /**
     * Throws if the property asked for something this JVM cannot do (an unknown value, or
     * {@code membarrier} where it is unavailable): domains are then refused rather than silently
     * given the other side.
     *
     * @throws IllegalStateException naming the property, its value and why
     */
    static void requireUsable() {
        if (SELECTION.refusal != null) {
            throw new IllegalStateException(SELECTION.refusal);
        }
    }

    private static void membarrier() {
        long result;
        try {
            result = (long) SYSCALL.invokeExact(SYSCALL_NUMBER, CMD_PRIVATE_EXPEDITED, 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed to run", t);
        }
        if (result != 0) {
            throw new IllegalStateException("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) returned " + result
                    + " after this process registered for it; SRCU grace periods cannot be ordered");
        }
    }

    /**
     * What was chosen. {@code syscall} is non-null exactly when membarrier is active; {@code refusal}
     * is non-null when the property asked for something unavailable.
     */
    private record Selection(MethodHandle syscall, long number, String reason, String refusal) {
        static Selection fenced(String reason) {
            return new Selection(null, -1, reason, null);
        }
    }

    private static Selection select(String property) {
        String value = property.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "fenced":
                return Selection.fenced("fenced: " + PROPERTY + "=fenced");
            case "auto": {
                Membarrier attempt = Membarrier.register();
                return attempt.failure == null
                        ? new Selection(attempt.syscall, attempt.number, "membarrier: auto, registered", null)
                        : Selection.fenced("fenced: auto, " + attempt.failure);
            }
            case "membarrier": {
                Membarrier attempt = Membarrier.register();
                if (attempt.failure == null) {
                    return new Selection(attempt.syscall, attempt.number, "membarrier: " + PROPERTY + "=membarrier",
                            null);
                }
                return new Selection(null, -1, "fenced: membarrier unavailable",
                        PROPERTY + "=membarrier, but membarrier is unavailable: " + attempt.failure);
            }
            default:
                return new Selection(null, -1, "fenced: invalid " + PROPERTY,
                        PROPERTY + "=" + property + " is not one of fenced, membarrier, auto");
        }
    }

    /** The outcome of registering for private expedited membarrier: a bound syscall, or why not. */
    private record Membarrier(MethodHandle syscall, long number, String failure) {

        static Membarrier refused(String failure) {
            return new Membarrier(null, -1, failure);
        }

        /** Checks, in this order, without touching a restricted method before native access is known. */
        static Membarrier register() {
            if (!AsymmetricFence.class.getModule().isNativeAccessEnabled()) {
                return refused("native access is not enabled for " + AsymmetricFence.class.getModule()
                        + " (--enable-native-access)");
            }
            if (!System.getProperty("os.name", "").startsWith("Linux")) {
                return refused("not Linux (os.name=" + System.getProperty("os.name") + ")");
            }
            long number = switch (System.getProperty("os.arch", "")) {
                case "amd64", "x86_64" -> 324;
                case "aarch64" -> 283;
                default -> -1;
            };
            if (number < 0) {
                return refused("no membarrier syscall number known for os.arch=" + System.getProperty("os.arch"));
            }
            try {
                return bind(number);
            } catch (Throwable t) { // LinkageError, UnsupportedOperationException, IllegalCallerException ...
                return refused("binding syscall(2) failed: " + t);
            }
        }

        private static Membarrier bind(long number) throws Throwable {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> syscall = linker.defaultLookup().find("syscall");
            if (syscall.isEmpty()) {
                return refused("the C library has no syscall(2)");
            }
            FunctionDescriptor signature = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            MethodHandle plain = linker.downcallHandle(syscall.get(), signature, Linker.Option.firstVariadicArg(1));
            MethodHandle withErrno = linker.downcallHandle(syscall.get(), signature,
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
            VarHandle errno = Linker.Option.captureStateLayout()
                    .varHandle(MemoryLayout.PathElement.groupElement("errno"));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                long commands = (long) withErrno.invokeExact(state, number, CMD_QUERY, 0, 0);
                if (commands < 0) {
                    return refused("membarrier(MEMBARRIER_CMD_QUERY) failed, errno " + (int) errno.get(state, 0L));
                }
                long needed = CMD_PRIVATE_EXPEDITED | CMD_REGISTER_PRIVATE_EXPEDITED;
                if ((commands & needed) != needed) {
                    return refused("the kernel does not offer MEMBARRIER_CMD_PRIVATE_EXPEDITED (commands "
                            + commands + ")");
                }
                long registered = (long) withErrno.invokeExact(state, number, CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
                if (registered != 0) {
                    return refused("membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) failed, errno "
                            + (int) errno.get(state, 0L));
                }
                long trial = (long) withErrno.invokeExact(state, number, CMD_PRIVATE_EXPEDITED, 0, 0);
                if (trial != 0) {
                    return refused("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) failed after registering, errno "
                            + (int) errno.get(state, 0L));
                }
            }
            return new Membarrier(plain, number, null);
        }
    }
}
