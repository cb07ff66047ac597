package io.github.mmunotify.jcstress;

/**
 * The object an RCU test publishes: its data is {@link #LIVE} until it is freed, which poisons it
 * to {@link #FREED}. A reader reports what it saw with {@link #read(RcuBox)}.
 */
final class RcuBox {
    static final int LIVE = 42;
    static final int FREED = 0;
    static final int UNPUBLISHED = -1;
    /**
     * How long a reader holds the object before it reads the data, as a reader that works on it
     * would: long enough (about a microsecond) for a grace period that wrongly ends under it to
     * free the object first, short enough to keep many samples per second.
     */
    private static final int HOLD_SPINS = 16;

    /** Plain on purpose: only the SRCU domain's fences order it. */
    int data = LIVE;

    void free() {
        data = FREED;
    }

    /** {@link #UNPUBLISHED} if {@code box} is null, else its data, read after holding the box a while. */
    static int read(RcuBox box) {
        if (box == null) {
            return UNPUBLISHED;
        }
        for (int i = 0; i < HOLD_SPINS; i++) {
            Thread.onSpinWait();
        }
        return box.data;
    }
}
