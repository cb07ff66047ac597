package io.github.mmunotify.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.github.mmunotify.GracePeriod}: one wait for an SRCU grace period, by
 * {@link Srcu#synchronize()}, {@link Srcu#synchronize(java.time.Duration)}, their expedited
 * forms ({@link Srcu#synchronizeExpedited()}; the {@code expedited} field says which) or the domain's
 * callback thread (for queued callbacks and polled requests). Its duration is how long the
 * caller waited; a wait that found its grace period already run by another thread drives none.
 *
 * <p>Recorded only while a recording enables it; then its default threshold (10 ms) keeps the
 * usual sub-millisecond grace periods out. When no recording enables it, nothing is allocated
 * or timed: callers ask {@link #enabled()} first.
 */
@Name(GracePeriodEvent.NAME)
@Label("SRCU Grace Period")
@Category("mmunotify")
@Description("A wait for an SRCU grace period: until every read section that began before it has ended")
@Threshold("10 ms")
final class GracePeriodEvent extends Event {

    /** The event's name in recordings and in settings ({@code NAME#threshold=0 ms}). */
    static final String NAME = "io.github.mmunotify.GracePeriod";

    /** Answers {@link #isEnabled()} for the class: that check reads only the type's settings. */
    private static final GracePeriodEvent PROBE = new GracePeriodEvent();

    @Label("Domain")
    @Description("The name of the SRCU domain")
    String domain;

    @Label("Waiter")
    @Description("Who waited: synchronize(), synchronize(Duration), synchronizeExpedited(),"
            + " synchronizeExpedited(Duration), or the callback thread")
    String waiter;

    @Label("Grace Periods Driven")
    @Description("Grace periods this wait ran to their end itself; 0 when another thread's grace period served it")
    int gracePeriodsDriven;

    @Label("Reader Scans")
    @Description("Scans of the domain's readers for sections still open on the drained index")
    long scans;

    @Label("Readers Waited For")
    @Description("Threads found inside a read section that held up the grace period (counted when a scan first finds one, per drained index)")
    int readersWaitedFor;

    @Label("Expedited")
    @Description("Whether the waiter asked for an expedited grace period (synchronizeExpedited): the driver then"
            + " spins longer and then parks for a short fixed interval between reader scans, instead of"
            + " parking for intervals that double to 1 ms")
    boolean expedited;

    @Label("Completed")
    @Description("False if a timed wait gave up (timeout or interrupt); the grace period is resumed later")
    boolean completed;

    /** Whether a recording enables this event now: one read of its settings, no allocation. */
    static boolean enabled() {
        return PROBE.isEnabled();
    }
}
