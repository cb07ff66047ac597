package io.github.mmunotify.notifier;

/**
 * An augmented AVL tree of closed intervals {@code [first, last]} that finds the intervals
 * overlapping a query by visiting only subtrees that can hold one.
 *
 * <p><b>Algorithm.</b> Nodes are ordered by {@code (first, order)}, where {@code order} is a
 * counter taken at insertion so that equal starts stay distinct and removal finds its node by key.
 * Every node also keeps {@code maxLast}, the largest {@code last} in its subtree. A query
 * {@code [qFirst, qLast]} skips a subtree whose {@code maxLast < qFirst} (nothing in it reaches
 * the query) and stops descending right once a node starts after {@code qLast} (everything to its
 * right starts later still). Insertion and removal rebalance with AVL rotations (height difference
 * at most one, so height below 1.45 log2 n), recomputing {@code maxLast} bottom-up on the path.
 *
 * <p><b>Cost.</b> Every subtree the query enters holds at least one result or lies on one of the
 * two boundary paths. When the intervals are disjoint (each range mirrored once, the usual case)
 * the results are consecutive in start order, so a query costs O(log n + k) for k results. When
 * many intervals nest or overlap, the results can be scattered through the tree and a query may
 * also pass through up to O(log n) ancestors per result: O(log n + k log(n / k)) at worst, the
 * same bound as the kernel's augmented rbtree interval tree.
 *
 * <p><b>Invariants</b> (checked by {@link #checkInvariants()} in tests): in-order traversal is
 * sorted by {@code (first, order)}; for every node {@code |height(left) - height(right)| <= 1},
 * {@code height = 1 + max(children)}, {@code maxLast = max(last, children's maxLast)}.
 *
 * <p>Not thread-safe: the owner guards every call. A query's visitor must not modify the tree.
 *
 * @param <V> the value kept with each interval
 */
final class IntervalTree<V> {

    /** Receives the values of overlapping intervals; returning {@code false} stops the query. */
    @FunctionalInterface
    interface Visitor<V> {
        boolean visit(V value);
    }

    /** One interval and its value; also the handle by which it is removed. */
    static final class Node<V> {
        final long first;
        final long last;
        final long order;
        final V value;
        Node<V> left;
        Node<V> right;
        int height = 1;
        long maxLast;
        boolean linked;

        Node(long first, long last, long order, V value) {
            this.first = first;
            this.last = last;
            this.order = order;
            this.value = value;
            this.maxLast = last;
        }

        @Override
        public String toString() {
            return "[" + first + ", " + last + "]";
        }
    }

    private Node<V> root;
    private int size;
    private long nextOrder;

    int size() {
        return size;
    }

    /** Adds {@code [first, last]} with its value and returns the node that removes it. */
    Node<V> insert(long first, long last, V value) {
        if (first > last) {
            throw new IllegalArgumentException("interval [" + first + ", " + last + "] is empty");
        }
        Node<V> node = new Node<>(first, last, nextOrder++, value);
        root = insert(root, node);
        node.linked = true;
        size++;
        return node;
    }

    /** Removes a node returned by {@link #insert}; throws if it is not in this tree. */
    void remove(Node<V> node) {
        if (!node.linked) {
            throw new IllegalArgumentException("interval " + node + " is not in the tree");
        }
        root = remove(root, node);
        node.linked = false;
        node.left = null;
        node.right = null;
        size--;
    }

    /** Stops at the first interval visited (a class, not a lambda: its first linkage cannot fail). */
    private static final Visitor<Object> STOP = new Visitor<>() {
        @Override
        public boolean visit(Object value) {
            return false;
        }
    };

    /** Whether any interval overlaps {@code [first, last]}. */
    boolean anyOverlapping(long first, long last) {
        return !visitOverlapping(first, last, STOP);
    }

    /**
     * Calls the visitor with every interval overlapping {@code [first, last]}, in order of start.
     *
     * @return {@code false} if the visitor stopped the query, {@code true} otherwise
     */
    boolean visitOverlapping(long first, long last, Visitor<? super V> visitor) {
        return visit(root, first, last, visitor);
    }

    private static <V> boolean visit(Node<V> node, long first, long last, Visitor<? super V> visitor) {
        while (node != null && node.maxLast >= first) {
            if (!visit(node.left, first, last, visitor)) {
                return false;
            }
            if (node.first > last) {
                return true;
            }
            if (node.last >= first && !visitor.visit(node.value)) {
                return false;
            }
            node = node.right;
        }
        return true;
    }

    private static int compare(Node<?> a, Node<?> b) {
        int byFirst = Long.compare(a.first, b.first);
        return byFirst != 0 ? byFirst : Long.compare(a.order, b.order);
    }

    private static <V> Node<V> insert(Node<V> subtree, Node<V> node) {
        if (subtree == null) {
            return node;
        }
        if (compare(node, subtree) < 0) {
            subtree.left = insert(subtree.left, node);
        } else {
            subtree.right = insert(subtree.right, node);
        }
        return rebalance(subtree);
    }

    private static <V> Node<V> remove(Node<V> subtree, Node<V> node) {
        if (subtree == null) {
            throw new IllegalStateException("interval " + node + " marked linked but not found");
        }
        int cmp = compare(node, subtree);
        if (cmp < 0) {
            subtree.left = remove(subtree.left, node);
        } else if (cmp > 0) {
            subtree.right = remove(subtree.right, node);
        } else {
            if (subtree.left == null) {
                return subtree.right;
            }
            if (subtree.right == null) {
                return subtree.left;
            }
            Node<V> successor = subtree.right;
            while (successor.left != null) {
                successor = successor.left;
            }
            successor.right = removeLeftmost(subtree.right);
            successor.left = subtree.left;
            return rebalance(successor);
        }
        return rebalance(subtree);
    }

    private static <V> Node<V> removeLeftmost(Node<V> subtree) {
        if (subtree.left == null) {
            return subtree.right;
        }
        subtree.left = removeLeftmost(subtree.left);
        return rebalance(subtree);
    }

    private static int height(Node<?> node) {
        return node == null ? 0 : node.height;
    }

    private static void update(Node<?> node) {
        node.height = 1 + Math.max(height(node.left), height(node.right));
        long maxLast = node.last;
        if (node.left != null && node.left.maxLast > maxLast) {
            maxLast = node.left.maxLast;
        }
        if (node.right != null && node.right.maxLast > maxLast) {
            maxLast = node.right.maxLast;
        }
        node.maxLast = maxLast;
    }

    private static <V> Node<V> rebalance(Node<V> node) {
        update(node);
        int balance = height(node.left) - height(node.right);
        if (balance > 1) {
            if (height(node.left.left) < height(node.left.right)) {
                node.left = rotateLeft(node.left);
            }
            return rotateRight(node);
        }
        if (balance < -1) {
            if (height(node.right.right) < height(node.right.left)) {
                node.right = rotateRight(node.right);
            }
            return rotateLeft(node);
        }
        return node;
    }

    private static <V> Node<V> rotateRight(Node<V> node) {
        Node<V> pivot = node.left;
        node.left = pivot.right;
        pivot.right = node;
        update(node);
        update(pivot);
        return pivot;
    }

    private static <V> Node<V> rotateLeft(Node<V> node) {
        Node<V> pivot = node.right;
        node.right = pivot.left;
        pivot.left = node;
        update(node);
        update(pivot);
        return pivot;
    }

    /** Verifies every structural invariant; for tests. Returns the tree's height. */
    int checkInvariants() {
        int[] count = {0};
        int height = check(root, null, null, count);
        if (count[0] != size) {
            throw new AssertionError("size " + size + " but " + count[0] + " nodes");
        }
        return height;
    }

    private static <V> int check(Node<V> node, Node<V> low, Node<V> high, int[] count) {
        if (node == null) {
            return 0;
        }
        count[0]++;
        if ((low != null && compare(node, low) <= 0) || (high != null && compare(node, high) >= 0)) {
            throw new AssertionError("order violated at " + node);
        }
        int left = check(node.left, low, node, count);
        int right = check(node.right, node, high, count);
        if (Math.abs(left - right) > 1 || node.height != 1 + Math.max(left, right)) {
            throw new AssertionError("balance violated at " + node);
        }
        long maxLast = node.last;
        if (node.left != null) {
            maxLast = Math.max(maxLast, node.left.maxLast);
        }
        if (node.right != null) {
            maxLast = Math.max(maxLast, node.right.maxLast);
        }
        if (maxLast != node.maxLast) {
            throw new AssertionError("maxLast violated at " + node);
        }
        return node.height;
    }

    @Override
    public String toString() {
        return "IntervalTree[size=" + size + ", height=" + height(root) + "]";
    }
}
