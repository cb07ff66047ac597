package io.github.mmunotify.notifier;

/**
 * A subscriber that mirrors part of an {@link AddressSpace} (a device page table, an index, a
 * cache) and must hear of every change before it happens: the kernel's {@code struct mmu_notifier}.
 *
 * <p>Every change that takes memory away or changes it calls, on every registered subscriber,
 * {@link #invalidateRangeStart} before the change and {@link #invalidateRangeEnd} after it, with
 * the same {@link InvalidationRange}. Between the two the subscriber must not establish a new
 * mirror of the range. Interval notifiers ({@link AddressSpace#insert}) of the same space are
 * invalidated before list subscribers.
 *
 * <p>Callbacks run on the thread making the change, inside the {@link Mmu}'s SRCU read section,
 * concurrently for different changes on different threads; they must be thread-safe. A callback
 * may block if the range is blockable. A callback that throws is reported to the {@link Mmu}'s
 * error handler and does not stop the other subscribers or the change; a start that threw still
 * gets its end. Inside a callback a subscriber may call {@link AddressSpace#unregisterNoRelease},
 * {@link NotifierReference#put} and {@link Mmu#callSrcu}, but not {@link AddressSpace#unregister},
 * {@link AddressSpace#register}, {@link AddressSpace#getNotifier} or {@link Mmu#barrier} (they would wait for the callback itself and throw instead), nor
 * {@link AddressSpace#unmap} or {@link AddressSpace#protect} (and their {@code try} forms) of the
 * space whose invalidation it is (a re-entrant change; {@link IllegalStateException}). Whatever a
 * callback throws, including an {@link Error}, is reported and never leaves the walk half-done.
 *
 * <p><b>Refusing a non-blockable change.</b> A start may refuse only a non-blockable range
 * ({@link AddressSpace#tryUnmap}, {@link AddressSpace#tryProtect}). The rule is the kernel's
 * ({@code mn_hlist_invalidate_range_start} in mm/mmu_notifier.c): the starts of all the other
 * subscribers are still called; every subscriber whose start accepted gets its end; the refuser
 * gets none; nothing is changed and the caller gets {@link InvalidationOutcome#TRY_AGAIN}. The
 * kernel forbids a subscriber that may refuse from having an end callback, because it ends
 * "every subscriber with an end". This library instead remembers who refused and never ends a
 * refuser, so a refusing subscriber may have an end; what it must do is declare that it may
 * refuse, by returning {@code true} from {@link #mayRefuse}. A refusal by a subscriber that did
 * not declare it is reported to the {@link Mmu}'s error handler as misuse (the kernel's
 * {@code WARN_ON}) and still counts.
 *
 * <p><b>Two lifetimes.</b> A subscriber is either registered by its owner
 * ({@link AddressSpace#register}; its owner ends it with {@link AddressSpace#unregister}, or in
 * its {@code release} with {@link AddressSpace#unregisterNoRelease} and a free queued with
 * {@link Mmu#callSrcu}: the seeds' pattern), or refcounted ({@link AddressSpace#getNotifier}: one
 * per key and space, ended by the last {@link NotifierReference#put}, after which {@link #freeNotifier}
 * runs once no callback of it can run: the kernel's pattern since Linux 5.4). A refcounted
 * subscriber cannot be unregistered by the other calls.
 *
 * <p>All methods have no-op defaults, so a subscriber overrides only what it needs.
 */
public interface MmuNotifier {

    /**
     * The address space is going away (or this subscriber is being unregistered): drop every
     * mirror of it and stop using it. Called at most once per registration, by
     * {@link AddressSpace#close} or {@link AddressSpace#unregister}. A subscriber that wants to
     * free itself here calls {@link AddressSpace#unregisterNoRelease} and queues the free with
     * {@link Mmu#callSrcu}; the free then runs after every callback of the subscriber has returned.
     *
     * @param addressSpace the space being released
     */
    default void release(AddressSpace addressSpace) {
    }

    /**
     * The range is about to change: drop every mirror of it and establish none until the matching
     * {@link #invalidateRangeEnd}.
     *
     * @param range the range, the event and whether this callback may block
     * @return {@code true} to accept; {@code false} to refuse, allowed only when
     *         {@code range.blockable()} is false, in which case the change is abandoned with
     *         {@link InvalidationOutcome#TRY_AGAIN}, the other subscribers' starts are still called,
     *         those that accepted get their end and this subscriber gets none (a refusal of a
     *         blockable range is reported as misuse and treated as acceptance; a refusal by a
     *         subscriber whose {@link #mayRefuse} is {@code false} is reported and still counts)
     */
    default boolean invalidateRangeStart(InvalidationRange range) {
        return true;
    }

    /**
     * The change announced by {@link #invalidateRangeStart} with this same range is complete (or
     * abandoned); the subscriber may mirror the range again from the address space's new state.
     *
     * @param range the same instance passed to the start callback
     */
    default void invalidateRangeEnd(InvalidationRange range) {
    }

    /**
     * Frees this subscriber (the kernel's {@code free_notifier}): called only for a notifier made
     * by the factory of {@link AddressSpace#getNotifier}, exactly once, after the last
     * {@link NotifierReference#put} and a grace period of the {@link Mmu}'s SRCU domain, on the
     * domain's callback thread (or, once the {@link Mmu} is closed, on the thread of that put).
     * When it runs no callback of this subscriber runs or will run, and its {@code release} (if the
     * space's teardown called it) has returned. Must be quick and must not block, like every
     * callback queued with {@link Mmu#callSrcu}; what it throws is reported to the {@link Mmu}'s
     * error handler. A subscriber registered with {@link AddressSpace#register} never gets this
     * call. Default: nothing.
     */
    default void freeNotifier() {
    }

    /**
     * Whether this subscriber may refuse a non-blockable start (see the class comment). Asked by
     * the walk only when the subscriber has refused; must not block. Default {@code false}.
     *
     * @return {@code true} if {@link #invalidateRangeStart} may return {@code false}
     */
    default boolean mayRefuse() {
        return false;
    }
}
