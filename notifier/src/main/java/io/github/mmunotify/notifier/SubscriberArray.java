package io.github.mmunotify.notifier;

import java.util.Arrays;

/**
 * One immutable version of the list subscribers of an address space, in registration order: what
 * an invalidation walk iterates. Every change returns a new version that shares all but one path
 * with this one, so a walk holding a version is never disturbed and a change costs
 * O(log<sub>64</sub> n) copied references instead of the whole list.
 *
 * <p>Slots are numbered from 0 in registration order. A removed subscriber leaves an empty slot
 * (null) so that the others keep their order and slot numbers; removing the last slot drops it,
 * and the list is rebuilt without holes once they outnumber half the subscribers (amortized
 * O(1) per removal).
 *
 * <p>Immutable and thread-safe once published (by a volatile write of the reference).
 */
final class SubscriberArray {

    /*
     * Implementation notes.
     *
     * A persistent vector (a 64-way trie, as Clojure's and Scala's). Up to 64 slots the root is
     * the leaf itself, an exact-length MmuNotifier[]: the same array as the copy-on-write list
     * this replaces, so a walk over a short list costs what it did. Beyond 64 the root is an
     * Object[] of children, `shift` bits per level: leaves hold slots [64k, 64k + 64), every leaf
     * but the last is full, and the last leaf and every node on the rightmost path have exact
     * lengths (no spare capacity: an append copies the rightmost path, at most 64 references per
     * level). A walk takes one leaf at a time (leafAt) and iterates it as a plain array.
     *
     * Appending slot n copies the path to n; clearing slot i copies the path to i; dropping the
     * last slot copies the path to the new last one. 100,000 appends copy about 64 * depth
     * references each (depth 3 at that size) instead of n.
     */

    static final int BITS = 6;
    static final int WIDTH = 1 << BITS;
    private static final int MASK = WIDTH - 1;
    private static final MmuNotifier[] NO_SUBSCRIBERS = {};

    /** The version with no slot; walks compare against it to learn there is nothing to call. */
    static final SubscriberArray EMPTY = new SubscriberArray(NO_SUBSCRIBERS, 0, 0, 0);

    /** A leaf ({@code MmuNotifier[]}) when {@code shift == 0}, else an {@code Object[]} of children. */
    private final Object[] root;
    private final int shift;
    /** Slots in use, empty ones included: a walk visits slots {@code [0, slots)}. */
    final int slots;
    /** Non-empty slots: the subscribers in this version. */
    final int count;

    private SubscriberArray(Object[] root, int shift, int slots, int count) {
        this.root = root;
        this.shift = shift;
        this.slots = slots;
        this.count = count;
    }

    /**
     * The leaf holding slot {@code base}, a multiple of {@link #WIDTH} below {@link #slots}: slots
     * {@code [base, base + leaf.length)}. Null entries are empty slots.
     */
    MmuNotifier[] leafAt(int base) {
        Object[] node = root;
        for (int level = shift; level > 0; level -= BITS) {
            node = (Object[]) node[(base >>> level) & MASK];
        }
        return (MmuNotifier[]) node;
    }

    /** The subscriber in {@code slot}, or null if it is empty. */
    MmuNotifier get(int slot) {
        return leafAt(slot & ~MASK)[slot & MASK];
    }

    /** This version with {@code subscriber} appended in slot {@link #slots}. */
    SubscriberArray append(MmuNotifier subscriber) {
        int slot = slots;
        if (slot == capacity(shift)) {
            // The trie is full at this depth: one more level, the old root its first child.
            int grown = shift + BITS;
            Object[] newRoot = {root, path(grown - BITS, subscriber)};
            return new SubscriberArray(newRoot, grown, slot + 1, count + 1);
        }
        return new SubscriberArray(appendTo(root, shift, slot, subscriber), shift, slot + 1, count + 1);
    }

    /**
     * This version with {@code slot} emptied (its subscriber removed); trailing empty slots are
     * dropped. The other subscribers keep their slots; see {@link #wantsCompaction()}.
     */
    SubscriberArray clear(int slot) {
        if (slot < 0 || slot >= slots || get(slot) == null) {
            throw new IllegalArgumentException("slot " + slot + " is not a subscriber of " + this);
        }
        int remaining = count - 1;
        if (remaining == 0) {
            return EMPTY;
        }
        if (slot == slots - 1) {
            int last = slot - 1;
            while (get(last) == null) {
                last--; // terminates: remaining > 0 subscribers sit below slot
            }
            return truncate(last + 1, remaining);
        }
        return new SubscriberArray(setIn(root, shift, slot, null), shift, slots, remaining);
    }

    /**
     * Whether empty slots outnumber half the subscribers (plus a few): then {@link #compacted()}
     * is due, and its O(n) copy is paid for by the n/2 removals since the last one.
     */
    boolean wantsCompaction() {
        return slots - count > count / 2 + 4;
    }

    /** This version without empty slots, the subscribers in the same order (slots renumbered). */
    SubscriberArray compacted() {
        SubscriberArray built = EMPTY;
        for (int base = 0; base < slots; base += WIDTH) {
            for (MmuNotifier subscriber : leafAt(base)) {
                if (subscriber != null) {
                    built = built.append(subscriber);
                }
            }
        }
        return built;
    }

    /** How many slots a trie of this shift holds. */
    private static long capacity(int shift) {
        return 1L << (shift + BITS);
    }

    /** A new rightmost path below a node of {@code shift}, ending in a leaf holding {@code subscriber}. */
    private static Object[] path(int shift, MmuNotifier subscriber) {
        if (shift == 0) {
            return new MmuNotifier[] {subscriber};
        }
        return new Object[] {path(shift - BITS, subscriber)};
    }

    /** A copy of {@code node} (of {@code shift}) with {@code subscriber} appended at {@code slot}. */
    private static Object[] appendTo(Object[] node, int shift, int slot, MmuNotifier subscriber) {
        int index = (slot >>> shift) & MASK;
        if (shift == 0) {
            MmuNotifier[] leaf = Arrays.copyOf((MmuNotifier[]) node, index + 1);
            leaf[index] = subscriber;
            return leaf;
        }
        Object[] copy = Arrays.copyOf(node, index + 1);
        copy[index] = index < node.length ? appendTo((Object[]) node[index], shift - BITS, slot, subscriber)
                : path(shift - BITS, subscriber);
        return copy;
    }

    /** A copy of {@code node} (of {@code shift}) with {@code slot} set to {@code subscriber}. */
    private static Object[] setIn(Object[] node, int shift, int slot, MmuNotifier subscriber) {
        Object[] copy = node.clone();
        int index = (slot >>> shift) & MASK;
        copy[index] = shift == 0 ? subscriber : setIn((Object[]) node[index], shift - BITS, slot, subscriber);
        return copy;
    }

    /** This version cut to its first {@code newSlots} slots (at least one), which hold {@code newCount}. */
    private SubscriberArray truncate(int newSlots, int newCount) {
        int newShift = 0;
        while (newSlots > capacity(newShift)) {
            newShift += BITS;
        }
        Object[] node = root;
        for (int level = shift; level > newShift; level -= BITS) {
            node = (Object[]) node[0]; // the smaller trie is the leftmost subtree
        }
        return new SubscriberArray(truncated(node, newShift, newSlots - 1), newShift, newSlots, newCount);
    }

    /** A copy of {@code node} (of {@code shift}) whose last slot is {@code last}. */
    private static Object[] truncated(Object[] node, int shift, int last) {
        int index = (last >>> shift) & MASK;
        Object[] copy = Arrays.copyOf(node, index + 1);
        if (shift > 0) {
            copy[index] = truncated((Object[]) node[index], shift - BITS, last);
        }
        return copy;
    }

    @Override
    public String toString() {
        return "SubscriberArray[" + count + " subscribers in " + slots + " slots]";
    }
}
