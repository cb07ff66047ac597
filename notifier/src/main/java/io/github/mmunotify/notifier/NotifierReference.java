package io.github.mmunotify.notifier;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One reference to a refcounted subscription got with {@link AddressSpace#getNotifier}: the
 * kernel's pairing of {@code mmu_notifier_get} with {@code mmu_notifier_put}. Every successful
 * {@code getNotifier} returns a new reference; {@link #put} gives it back, exactly once.
 *
 * <p>The subscription lives while any of its references is held. The put of the last one
 * unregisters the notifier without calling {@link MmuNotifier#release} and without waiting, and
 * queues {@link MmuNotifier#freeNotifier} to run after a grace period of the {@link Mmu}'s SRCU domain,
 * on its callback thread: once every walk, release and other callback that could still call the
 * notifier has returned. {@link Mmu#barrier} waits for that free like any other queued callback.
 *
 * <p>{@link #put} never blocks and never calls foreign code on the calling thread (while the
 * {@link Mmu} is open), so it is legal anywhere: inside a callback of the notifier itself
 * (including its {@code release}), inside a read section, on the Mmu's callback thread.
 *
 * <p>Memory consistency: actions of a thread before its {@link #put} happen-before
 * {@link MmuNotifier#freeNotifier} runs.
 *
 * <p>Thread-safe. {@link #close} is {@link #put} for try-with-resources, and does nothing if this
 * reference was already put.
 *
 * @param <N> the type of the notifier the factory made
 */
public final class NotifierReference<N extends MmuNotifier> implements AutoCloseable {

    private final SharedSubscriptions owner;
    private final SharedSubscriptions.Entry entry;
    private final N notifier;
    private final AtomicBoolean put = new AtomicBoolean();

    NotifierReference(SharedSubscriptions owner, SharedSubscriptions.Entry entry, N notifier) {
        this.owner = owner;
        this.entry = entry;
        this.notifier = notifier;
    }

    /**
     * The shared notifier. Every reference got for the same key of the same space while the
     * subscription lived returns the same instance.
     *
     * @return the notifier the factory made; never null, also after {@link #put}
     */
    public N notifier() {
        return notifier;
    }

    /**
     * The key this reference was got with.
     *
     * @return the key passed to {@link AddressSpace#getNotifier}; never null
     */
    public Object key() {
        return entry.key;
    }

    /**
     * The address space the notifier is (or was) registered with.
     *
     * @return the space {@link AddressSpace#getNotifier} was called on; never null
     */
    public AddressSpace addressSpace() {
        return owner.space();
    }

    /**
     * Whether this reference has been given back.
     *
     * @return {@code true} once {@link #put} or {@link #close} has succeeded on this reference;
     *         never turns back to {@code false}
     */
    public boolean isPut() {
        return put.get();
    }

    /**
     * Gives this reference back (the kernel's {@code mmu_notifier_put}). If it was the last
     * reference to the subscription, the notifier is unregistered at once without a
     * {@link MmuNotifier#release} call (walks that start later do not call it; walks already under
     * way may still do so) and its {@link MmuNotifier#freeNotifier} is queued to run after a grace period;
     * a later {@link AddressSpace#getNotifier} with the same key then makes a new notifier. Never
     * blocks. Legal after the space or the {@link Mmu} was closed: once the Mmu's domain is closed
     * no callback can run any more, and the free runs on the calling thread (what it throws is
     * reported to the Mmu's error handler).
     *
     * @throws IllegalStateException if this reference was already put (an over-put; the message
     *                               names the notifier, the key and the space); nothing is changed
     */
    public void put() {
        if (!put.compareAndSet(false, true)) {
            throw new IllegalStateException(new StringBuilder("put of a reference to ").append(notifier)
                    .append(" (key ").append(entry.key).append(") in address space ").append(owner.space().name())
                    .append(" that was already put: every getNotifier is paired with exactly one put").toString());
        }
        owner.put(entry);
    }

    /**
     * {@link #put}, unless this reference was already put; then nothing.
     */
    @Override
    public void close() {
        if (put.compareAndSet(false, true)) {
            owner.put(entry);
        }
    }

    @Override
    public String toString() {
        return "NotifierReference[" + notifier + ", key=" + entry.key + ", space=" + owner.space().name()
                + (put.get() ? ", put" : "") + "]";
    }
}
