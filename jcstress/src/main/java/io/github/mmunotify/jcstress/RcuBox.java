package io.github.mmunotify.jcstress;

/**
 * The object an RCU test publishes: its data is {@link #LIVE} until it is freed, which poisons it
 * to {@link #FREED}. A reader reports what it saw with {@link #read(RcuBox)}.
 */
final class RcuBox {
    static final int LIVE = 42;
    static final int FREED = 0;
    static final int UNPUBLISHED = -1;

    /** Plain on purpose: only the SRCU domain's fences order it. */
    int data = LIVE;

    void free() {
        data = FREED;
    }

    /** {@link #UNPUBLISHED} if {@code box} is null, else its data. */
    static int read(RcuBox box) {
        return box == null ? UNPUBLISHED : box.data;
    }
}
