package io.github.mmunotify.notifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.StressSize;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IntervalTreeTest {

    private static final int ROUNDS = StressSize.of("intervalTreeRounds", 20_000);

    /** {@code node} holds the tree's node once inserted (a cell: the record exists before the insert returns it). */
    private record Interval(long first, long last, AtomicReference<IntervalTree.Node<Interval>> node) {
        boolean overlaps(long qFirst, long qLast) {
            return first <= qLast && last >= qFirst;
        }
    }

    private static Interval add(IntervalTree<Interval> tree, List<Interval> model, long first, long last) {
        Interval interval = new Interval(first, last, new AtomicReference<>());
        interval.node().set(tree.insert(first, last, interval));
        model.add(interval);
        return interval;
    }

    private static List<Interval> query(IntervalTree<Interval> tree, long first, long last) {
        List<Interval> found = new ArrayList<>();
        tree.visitOverlapping(first, last, found::add);
        return found;
    }

    @Test
    void randomInsertsRemovesAndQueriesMatchABruteForceModel() {
        SplittableRandom random = new SplittableRandom(42);
        IntervalTree<Interval> tree = new IntervalTree<>();
        List<Interval> model = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            int op = random.nextInt(10);
            if (op < 5 || model.isEmpty()) {
                long first = random.nextLong(10_000);
                add(tree, model, first, first + random.nextLong(random.nextBoolean() ? 10 : 2_000));
            } else if (op < 8) {
                Interval victim = model.remove(random.nextInt(model.size()));
                tree.remove(victim.node().get());
            } else {
                long first = random.nextLong(11_000);
                long last = first + random.nextLong(500);
                List<Interval> expected = model.stream().filter(i -> i.overlaps(first, last))
                        .sorted((a, b) -> Long.compare(a.first(), b.first())).toList();
                List<Interval> actual = query(tree, first, last);
                assertEquals(expected.size(), actual.size(), "overlaps of [" + first + ", " + last + "]");
                assertTrue(actual.containsAll(expected), "same intervals for [" + first + ", " + last + "]");
                for (int i = 1; i < actual.size(); i++) {
                    assertTrue(actual.get(i - 1).first() <= actual.get(i).first(), "results come in start order");
                }
                assertEquals(!expected.isEmpty(), tree.anyOverlapping(first, last));
            }
            if (round % 997 == 0) {
                tree.checkInvariants();
            }
        }
        tree.checkInvariants();
        assertEquals(model.size(), tree.size());
    }

    @Test
    void heightStaysLogarithmicForSortedInsertions() {
        IntervalTree<Interval> tree = new IntervalTree<>();
        List<Interval> model = new ArrayList<>();
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            add(tree, model, i * 4096L, i * 4096L + 4095);
        }
        int height = tree.checkInvariants();
        double avlBound = 1.45 * (Math.log(n + 2) / Math.log(2));
        assertTrue(height <= avlBound, "height " + height + " exceeds AVL bound " + avlBound);
        assertEquals(1, query(tree, 50_000 * 4096L + 10, 50_000 * 4096L + 20).size());
        assertEquals(100, query(tree, 7 * 4096L, 107 * 4096L - 1).size());
    }

    @Test
    void aVisitorCanStopTheQuery() {
        IntervalTree<Interval> tree = new IntervalTree<>();
        List<Interval> model = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            add(tree, model, i, i + 100);
        }
        int[] calls = {0};
        assertFalse(tree.visitOverlapping(0, 200, value -> ++calls[0] < 3));
        assertEquals(3, calls[0]);
    }

    @Test
    void equalStartsStayDistinctAndRemoveExactlyTheirNode() {
        IntervalTree<Interval> tree = new IntervalTree<>();
        List<Interval> model = new ArrayList<>();
        Interval a = add(tree, model, 10, 20);
        Interval b = add(tree, model, 10, 20);
        tree.remove(a.node().get());
        assertEquals(List.of(b), query(tree, 15, 15));
        tree.checkInvariants();
    }

    @Test
    void misuseIsRejected() {
        IntervalTree<Interval> tree = new IntervalTree<>();
        List<Interval> model = new ArrayList<>();
        assertThrows(IllegalArgumentException.class, () -> tree.insert(5, 4, null));
        Interval a = add(tree, model, 1, 2);
        tree.remove(a.node().get());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> tree.remove(a.node().get()));
        assertTrue(twice.getMessage().contains("not in the tree"), twice.getMessage());
        assertEquals(0, tree.size());
    }
}
