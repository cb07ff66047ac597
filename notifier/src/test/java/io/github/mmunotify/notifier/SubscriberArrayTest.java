package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mmunotify.testing.StressSize;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SubscriberArray}, the persistent subscriber list walks iterate: contents and order against
 * a plain list through random appends and removals across trie levels, old versions untouched by
 * later changes, and a change copying one path (not the list), which a copy-on-write array fails.
 */
class SubscriberArrayTest {

    /** A subscriber with a name, for messages. */
    private record Named(int id) implements MmuNotifier {
    }

    /** The subscribers of a version in slot order, empty slots skipped, read leaf by leaf as a walk does. */
    private static List<MmuNotifier> walk(SubscriberArray array) {
        List<MmuNotifier> seen = new ArrayList<>();
        int slots = 0;
        for (int base = 0; base < array.slots; base += SubscriberArray.WIDTH) {
            MmuNotifier[] leaf = array.leafAt(base);
            slots += leaf.length;
            for (MmuNotifier subscriber : leaf) {
                if (subscriber != null) {
                    seen.add(subscriber);
                }
            }
        }
        assertEquals(array.slots, slots, "the leaves hold exactly the slots");
        assertEquals(array.count, seen.size(), "count is the number of non-empty slots");
        return seen;
    }

    @Test
    void randomAppendsAndRemovalsKeepRegistrationOrderAcrossLevels() {
        SplittableRandom random = new SplittableRandom(12);
        int operations = StressSize.of("subscriberArrayOperations", 60_000);
        SubscriberArray array = SubscriberArray.EMPTY;
        List<MmuNotifier> expected = new ArrayList<>();
        Map<MmuNotifier, Integer> slots = new IdentityHashMap<>();
        SubscriberArray kept = null;
        List<MmuNotifier> keptContents = null;
        int next = 0;
        for (int i = 0; i < operations; i++) {
            // Grow towards 5,000 (three levels) with bursts of removals, down to empty now and then.
            boolean append = expected.isEmpty() || random.nextInt(100) < (i % 20_000 < 15_000 ? 70 : 20);
            if (append) {
                Named subscriber = new Named(next++);
                slots.put(subscriber, array.slots);
                array = array.append(subscriber);
                expected.add(subscriber);
            } else {
                MmuNotifier victim = expected.remove(random.nextInt(expected.size()));
                array = array.clear(slots.remove(victim));
                if (array.wantsCompaction()) {
                    array = array.compacted();
                    slots.clear();
                    for (int slot = 0; slot < array.slots; slot++) {
                        slots.put(array.get(slot), slot);
                    }
                }
            }
            if (i % 997 == 0) {
                assertEquals(expected, walk(array), "after operation " + i);
                for (Map.Entry<MmuNotifier, Integer> e : slots.entrySet()) {
                    assertSame(e.getKey(), array.get(e.getValue()), "slot of " + e.getKey());
                }
                if (kept != null) {
                    assertEquals(keptContents, walk(kept), "an old version changed under a later change");
                }
                kept = array;
                keptContents = List.copyOf(expected);
            }
        }
        assertEquals(expected, walk(array));
        while (!expected.isEmpty()) {
            array = array.clear(slots.remove(expected.removeLast()));
        }
        assertSame(SubscriberArray.EMPTY, array, "the last removal gives the shared empty version");
    }

    @Test
    void anAppendAtScaleCopiesOnePathAndSharesEveryOtherLeaf() {
        SubscriberArray array = SubscriberArray.EMPTY;
        for (int i = 0; i < 100_000; i++) {
            array = array.append(new Named(i));
        }
        SubscriberArray appended = array.append(new Named(-1));
        SubscriberArray cleared = array.clear(40_000);
        int shared = 0;
        int sharedByClear = 0;
        for (int base = 0; base < array.slots; base += SubscriberArray.WIDTH) {
            shared += array.leafAt(base) == appended.leafAt(base) ? 1 : 0;
            sharedByClear += array.leafAt(base) == cleared.leafAt(base) ? 1 : 0;
        }
        int leaves = (array.slots + SubscriberArray.WIDTH - 1) / SubscriberArray.WIDTH;
        assertEquals(leaves - 1, shared, "an append copies only the last leaf (a copy-on-write array copies all)");
        assertEquals(leaves - 1, sharedByClear, "a removal copies only its own leaf");
        assertEquals(100_001, walk(appended).size());
        assertEquals(99_999, walk(cleared).size());
    }

    @Test
    void removingTheLastSlotsShrinksTheTrieAndKeepsTheRest() {
        SubscriberArray array = SubscriberArray.EMPTY;
        List<MmuNotifier> all = new ArrayList<>();
        for (int i = 0; i < 4_097; i++) {
            Named subscriber = new Named(i);
            all.add(subscriber);
            array = array.append(subscriber);
        }
        array = array.clear(4_095);      // a hole just below the last slot
        array = array.clear(4_096);      // the last slot: drops it and the hole below
        assertEquals(4_095, array.slots, "trailing empty slots are dropped");
        assertEquals(all.subList(0, 4_095), walk(array));
        array = array.append(all.get(4_096));
        assertSame(all.get(4_096), array.get(4_095), "an append after a shrink reuses the slot");
    }

    @Test
    void clearingAnEmptyOrMissingSlotIsRefused() {
        SubscriberArray array = SubscriberArray.EMPTY.append(new Named(0)).append(new Named(1)).clear(0);
        assertThrows(IllegalArgumentException.class, () -> array.clear(0));
        assertThrows(IllegalArgumentException.class, () -> array.clear(2));
        assertThrows(IllegalArgumentException.class, () -> array.clear(-1));
    }
}
