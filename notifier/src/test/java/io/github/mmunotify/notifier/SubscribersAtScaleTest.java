package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestTimeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 100,000 list subscribers in one address space: registering them is not quadratic (a
 * copy-on-write array took 11.3 s and 3.1 GB here), a walk calls each once in registration order,
 * and removals keep that order.
 */
@Tag("stress")
class SubscribersAtScaleTest {

    private final Failures failures = new Failures();
    private final Mmu mmu = Mmu.create("scale", failures);
    private final AddressSpace space = mmu.createAddressSpace("scale");
    private final Region region = Region.allocate("scale", 1 << 16);

    @AfterEach
    void tearDown() {
        mmu.close();
        region.close();
    }

    /** Records the order of its starts in a shared list; checks that its end follows its start. */
    private static final class Counting implements MmuNotifier {
        final int id;
        final List<Integer> starts;
        int started;
        int ended;

        Counting(int id, List<Integer> starts) {
            this.id = id;
            this.starts = starts;
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            started++;
            starts.add(id);
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            ended++;
        }
    }

    @Test
    void oneHundredThousandRegistrationsFinishInLinearTimeAndWalkInOrder() {
        int n = StressSize.of("scaleSubscribers", 100_000);
        Mapping mapping = space.map(region, 0, 4096);
        List<Integer> starts = new ArrayList<>(n);
        List<Counting> subscribers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            subscribers.add(new Counting(i, starts));
        }
        // The copy-on-write array copied n^2 / 2 = 5 * 10^9 references for this (11.3 s); one path
        // per register is about 200 references each. 3 s is a bound for a loaded 2-core box.
        Duration bound = TestTimeouts.scaled(Duration.ofSeconds(3));
        long began = System.nanoTime();
        for (Counting subscriber : subscribers) {
            space.register(subscriber);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        assertTrue(took.compareTo(bound) < 0, n + " registrations took " + took + ", over " + bound);
        assertEquals(n, space.stats().subscribers());

        space.protect(mapping.address(), 4096, false);
        assertEquals(n, starts.size(), "every subscriber started once");
        for (int i = 0; i < n; i++) {
            assertEquals(i, starts.get(i), "starts come in registration order");
            assertEquals(1, subscribers.get(i).ended, "every subscriber ended once");
        }

        // Unregister every odd one: the rest keep their order; the removed hear nothing more.
        began = System.nanoTime();
        for (int i = 1; i < n; i += 2) {
            space.unregister(subscribers.get(i));
        }
        took = Duration.ofNanos(System.nanoTime() - began);
        assertTrue(took.compareTo(bound) < 0, n / 2 + " unregistrations took " + took + ", over " + bound);
        starts.clear();
        space.protect(mapping.address(), 4096, true);
        assertEquals(n / 2, starts.size());
        for (int i = 0; i < n / 2; i++) {
            assertEquals(2 * i, starts.get(i), "the remaining subscribers start in registration order");
        }
        assertEquals(1, subscribers.get(1).started, "an unregistered subscriber hears nothing more");
        assertFalse(space.isRegistered(subscribers.get(1)));

        for (int i = 0; i < n; i += 2) {
            space.unregister(subscribers.get(i));
        }
        assertEquals(0, space.stats().subscribers());
        starts.clear();
        space.protect(mapping.address(), 4096, false);
        assertTrue(starts.isEmpty(), "nobody left to call");
        assertTrue(failures.reported.isEmpty(), failures.reported.toString());
    }
}
