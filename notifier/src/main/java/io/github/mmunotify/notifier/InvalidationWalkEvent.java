package io.github.mmunotify.notifier;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.github.mmunotify.InvalidationWalk}: one invalidation of an
 * {@link AddressSpace} (unmap, protection change, region revoke, teardown): the interval
 * notifiers' and list subscribers' starts, the change, and their ends. Its duration is the whole
 * walk, callbacks included.
 *
 * <p>Recorded only while a recording enables it; its default threshold (10 ms) keeps the usual
 * sub-microsecond walks out. The walk is a hot path: when no recording enables the event it
 * asks {@link #enabled()} once and allocates and times nothing.
 */
@Name(InvalidationWalkEvent.NAME)
@Label("Invalidation Walk")
@Category("mmunotify")
@Description("An invalidation of an address space: every overlapping interval notifier and every list subscriber"
        + " hears the start, the change is made, then every one hears the end")
@Threshold("10 ms")
final class InvalidationWalkEvent extends Event {

    /** The event's name in recordings and in settings. */
    static final String NAME = "io.github.mmunotify.InvalidationWalk";

    /** Answers {@link #isEnabled()} for the class: that check reads only the type's settings. */
    private static final InvalidationWalkEvent PROBE = new InvalidationWalkEvent();

    @Label("Address Space")
    @Description("The name of the address space")
    String addressSpace;

    @Label("Start")
    @Description("The first address of the invalidated range")
    @MemoryAddress
    long start;

    @Label("End")
    @Description("The address just past the invalidated range")
    @MemoryAddress
    long end;

    @Label("Cause")
    @Description("Why the range was invalidated: UNMAP, PROTECTION_CHANGE, REGION_REVOKED or RELEASE")
    String cause;

    @Label("Blockable")
    @Description("Whether callbacks could block; a non-blockable walk lets subscribers refuse")
    boolean blockable;

    @Label("Subscribers")
    @Description("List subscribers registered when the walk began")
    int subscribers;

    @Label("Interval Notifiers")
    @Description("Interval notifiers registered in the address space when the walk began (those overlapping the"
            + " range were invalidated)")
    int intervalNotifiers;

    @Label("Outcome")
    @Description("DONE, or TRY_AGAIN if a subscriber or interval notifier refused (nothing was changed)")
    String outcome;

    /** Whether a recording enables this event now: one read of its settings, no allocation. */
    static boolean enabled() {
        return PROBE.isEnabled();
    }
}
