package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ReleaseOverrides}: unregister skips the call (and its read section) only for a subscriber
 * whose {@code release} is {@link MmuNotifier}'s no-op default; a release found anywhere else (the
 * class, a superclass, a subinterface's default, a proxy's handler) is still called exactly once.
 */
class ReleaseOverridesTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("release-overrides", failures);
    private final AddressSpace space = mmu.createAddressSpace("space");

    @AfterEach
    void tearDown() {
        mmu.close();
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }

    /** A release inherited from a superclass. */
    abstract static class CountingBase implements MmuNotifier {
        final AtomicInteger releases = new AtomicInteger();

        @Override
        public void release(AddressSpace addressSpace) {
            releases.incrementAndGet();
        }
    }

    static final class Inheriting extends CountingBase {
    }

    /** A release that is a subinterface's default. */
    interface CountingNotifier extends MmuNotifier {
        AtomicInteger counter();

        @Override
        default void release(AddressSpace addressSpace) {
            counter().incrementAndGet();
        }
    }

    static final class ViaInterface implements CountingNotifier {
        final AtomicInteger releases = new AtomicInteger();

        @Override
        public AtomicInteger counter() {
            return releases;
        }
    }

    @Test
    void onlyTheNoOpDefaultCountsAsNoRelease() {
        assertFalse(ReleaseOverrides.of(new MmuNotifier() { }));
        assertFalse(ReleaseOverrides.of(new BlockingSubscriber()), "overrides callbacks, not release");
        assertTrue(ReleaseOverrides.of(new Inheriting()));
        assertTrue(ReleaseOverrides.of(new ViaInterface()));
        assertTrue(ReleaseOverrides.of(proxy(new AtomicInteger())));
    }

    @Test
    void unregisterCallsAReleaseInheritedFromASuperclassASubinterfaceOrAProxyOnce() {
        Inheriting inheriting = new Inheriting();
        ViaInterface viaInterface = new ViaInterface();
        AtomicInteger proxyReleases = new AtomicInteger();
        MmuNotifier proxy = proxy(proxyReleases);
        for (MmuNotifier subscriber : new MmuNotifier[] {inheriting, viaInterface, proxy}) {
            space.register(subscriber);
            space.unregister(subscriber);
            assertFalse(space.isRegistered(subscriber));
            space.unregister(subscriber); // already removed: success, no second release
        }
        assertEquals(1, inheriting.releases.get());
        assertEquals(1, viaInterface.releases.get());
        assertEquals(1, proxyReleases.get());
    }

    @Test
    void aSubscriberWithTheDefaultReleaseIsRemovedRefusedTwiceAsADuplicateAndRegistersAgain() {
        MmuNotifier plain = new MmuNotifier() { };
        space.register(plain);
        assertThrows(IllegalArgumentException.class, () -> space.register(plain));
        assertEquals(1, space.stats().subscribers());
        space.unregister(plain);
        assertFalse(space.isRegistered(plain));
        assertEquals(0, space.stats().subscribers());
        space.unregister(plain); // already removed: success
        space.register(plain);
        assertTrue(space.isRegistered(plain));
        space.unregisterNoRelease(plain);
        assertFalse(space.isRegistered(plain));
        MmuNotifier stranger = new MmuNotifier() { };
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> space.unregister(stranger));
        assertTrue(refused.getMessage().contains("never registered"), refused.getMessage());
    }

    private static MmuNotifier proxy(AtomicInteger releases) {
        return (MmuNotifier) Proxy.newProxyInstance(MmuNotifier.class.getClassLoader(),
                new Class<?>[] {MmuNotifier.class}, (self, method, arguments) -> switch (method.getName()) {
                    case "release" -> {
                        releases.incrementAndGet();
                        yield null;
                    }
                    case "invalidateRangeStart", "mayRefuse" -> method.getName().equals("invalidateRangeStart");
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == arguments[0];
                    case "toString" -> "proxy subscriber";
                    default -> null;
                });
    }
}
