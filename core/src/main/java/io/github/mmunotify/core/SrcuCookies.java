package io.github.mmunotify.core;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The public form of one domain's grace-period cookies: the domain's tag in the high bits, the low
 * bits of the grace-period sequence below, so that a cookie of another domain, or a number that no
 * call of this domain returned, is refused instead of answered.
 *
 * <h2>Layout</h2>
 * <pre>
 *   bit 63      62 ........ 40   39 ............. 0
 *   0 (sign)    domain tag       sequence (low 40 bits): even = a grace period's end
 *                                                        1    = the always-completed cookie
 * </pre>
 * The tag is random per domain in {@code [1, 2^23 - 1)}, so cookies are positive, never 0, and two
 * domains share a tag with probability 2^-23 (then a cookie of one is taken for the other's).
 *
 * <h2>Counter wrap</h2>
 * Only 40 bits of the sequence travel in a cookie. It is widened back against the domain's full
 * 64-bit sequence: to the largest value congruent to it that is no later than the latest cookie
 * the domain could have handed out ({@code snap}, see {@code SrcuGracePeriods.cookie()}). A cookie
 * used within 2^39 grace periods of being taken is therefore read exactly. One held across a
 * multiple of 2^39 grace periods can be read as the fresh cookie it aliases, and reports "not
 * done" until the next grace period ends: never "done" early (the kernel's cookies have the same
 * window, at 2^63 or 2^31 grace periods). A number ahead of every cookie handed out is refused as
 * forged as long as the domain has not yet run 2^39 grace periods (after that it aliases an old
 * cookie, which is done: the answer is then {@code true}, which is right for the old one).
 *
 * <p>Immutable, thread-safe.
 */
final class SrcuCookies {
    /** Bits of the sequence a cookie carries. */
    static final int SEQUENCE_BITS = 40;
    static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    /** The low bits of the cookie that is always complete (odd: no grace period ends on an odd value). */
    private static final long COMPLETED_LOW = 1;
    /** What {@link #widen} returns for the always-completed cookie: done at any sequence. */
    static final long ALWAYS_DONE = Long.MIN_VALUE;

    private final String domain;
    private final long tagBits;

    SrcuCookies(String domain) {
        this.domain = domain;
        this.tagBits = (long) ThreadLocalRandom.current().nextInt(1, (1 << 23) - 1) << SEQUENCE_BITS;
    }

    /** The public cookie for {@code fullCookie}, a value of the domain's grace-period sequence. */
    long encode(long fullCookie) {
        return tagBits | (fullCookie & SEQUENCE_MASK);
    }

    /** The cookie every poll reports done. */
    long completed() {
        return tagBits | COMPLETED_LOW;
    }

    /**
     * The full sequence value {@code cookie} stands for, or {@link #ALWAYS_DONE}.
     *
     * @param snap the latest cookie the domain can have handed out so far (read after the caller
     *        got {@code cookie}, so no genuine cookie is later)
     * @throws IllegalArgumentException naming the cookie and why if no call of this domain returned it
     */
    long widen(long cookie, long snap) {
        if ((cookie & ~SEQUENCE_MASK) != tagBits) {
            throw refused(cookie, "it does not carry this domain's tag (a cookie of another domain, or not a cookie)");
        }
        long low = cookie & SEQUENCE_MASK;
        if (low == COMPLETED_LOW) {
            return ALWAYS_DONE;
        }
        if ((low & 1) != 0) {
            throw refused(cookie, "its sequence part is odd, and no grace period ends on an odd value");
        }
        long full = snap - ((snap - low) & SEQUENCE_MASK);
        if (full <= 0) {
            throw refused(cookie, "it is ahead of every cookie this domain has handed out (latest "
                    + encode(snap) + ")");
        }
        return full;
    }

    private IllegalArgumentException refused(long cookie, String why) {
        return new IllegalArgumentException("cookie " + cookie + " was not returned by getState(), startPoll() or"
                + " completedState() of srcu '" + domain + "': " + why);
    }

    @Override
    public String toString() {
        return "cookies of srcu '" + domain + "' (tag " + (tagBits >>> SEQUENCE_BITS) + ")";
    }
}
