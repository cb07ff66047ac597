package io.github.mmunotify.notifier;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where every part of one address space reports a callback that threw or broke its contract: the
 * counter behind {@code AddressSpace.Stats.callbackFailures} and the {@link Mmu}'s error handler.
 * A leaf: it depends on nothing else of the space, so the mapping table, the walk, the
 * subscriptions and the interval notifiers can all report without knowing each other.
 *
 * <p>Thread-safe; {@link #report} never throws.
 */
final class CallbackFailures {

    private final Mmu mmu;
    private final String space;
    private final LongAdder count = new LongAdder();

    CallbackFailures(Mmu mmu, String space) {
        this.mmu = mmu;
        this.space = space;
    }

    /**
     * Counts and reports a callback failure. Never throws: describing the subscriber or the
     * failure runs foreign code (toString, getMessage) that may throw again, and so may the
     * handler; a report that cannot be made is only counted. No lambda and no string
     * concatenation (invokedynamic): see the implementation notes of {@link AddressSpace}.
     */
    void report(String callback, Object subscriber, Throwable failure) {
        count.increment();
        try {
            StringBuilder message = new StringBuilder(callback).append(" of ");
            describe(message, subscriber);
            message.append(" on address space ").append(space);
            if (failure != null) {
                message.append(" threw ");
                describe(message, failure);
            }
            mmu.report(new NotifierCallbackException(message.toString(), failure));
        } catch (Throwable unreportable) {
            // Counted above; there is nowhere left to report it, and the walk must go on.
        }
    }

    /** Appends {@code String.valueOf(object)}, or its class name if that throws. */
    private static void describe(StringBuilder message, Object object) {
        int mark = message.length();
        try {
            message.append(object);
        } catch (Throwable undescribable) {
            message.setLength(mark);
            message.append(object.getClass().getName()).append(" (toString threw ")
                    .append(undescribable.getClass().getName()).append(')');
        }
    }

    /** Failures reported over the space's life. */
    long count() {
        return count.sum();
    }

    @Override
    public String toString() {
        return "CallbackFailures[" + space + ", " + count.sum() + "]";
    }
}
