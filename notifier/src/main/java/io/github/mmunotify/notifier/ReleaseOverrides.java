package io.github.mmunotify.notifier;

import java.lang.reflect.Method;

/**
 * Whether a subscriber's class has a {@code release} of its own, or inherits the no-op default of
 * {@link MmuNotifier#release}. {@code unregister} claims and removes a subscriber of the second
 * kind in one step: the read section it would enter to call that release, and the second trip
 * through the list's monitor after it, guard a call that does nothing.
 *
 * <p>Thread-safe; the answer is computed once per class.
 */
final class ReleaseOverrides {

    /*
     * Implementation notes.
     *
     * Class.getMethod returns the most specific public release(AddressSpace) the class has:
     * MmuNotifier's own default exactly when neither the class, its superclasses nor a
     * subinterface of MmuNotifier it implements declares one. A proxy class declares every method
     * of its interfaces, so a Proxy counts as overriding (its handler is called, as before). If
     * the lookup fails for any reason the answer is "overrides": the release is then called in a
     * read section, as it always was, which is correct for every subscriber and only slower.
     */

    private static final ClassValue<Boolean> OVERRIDES = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return overrides(type);
        }
    };

    private ReleaseOverrides() {
    }

    /**
     * Whether {@code subscriber}'s {@code release} may do something: false only if its class
     * inherits {@link MmuNotifier}'s no-op default.
     *
     * @param subscriber a subscriber, not null
     * @return {@code true} unless calling its {@code release} is known to do nothing
     */
    static boolean of(MmuNotifier subscriber) {
        return OVERRIDES.get(subscriber.getClass());
    }

    private static boolean overrides(Class<?> type) {
        try {
            Method release = type.getMethod("release", AddressSpace.class);
            return release.getDeclaringClass() != MmuNotifier.class;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError unknown) {
            return true;
        }
    }
}
