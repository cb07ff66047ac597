package io.github.mmunotify.mmap;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.github.mmunotify.RegionRevoke}: one call of {@link Region#revoke()},
 * {@link Region#revoke(java.time.Duration)} or {@link Region#close()}: listeners told, every guard
 * (the region's and its mappings') revoked and drained, the memory released. The guards' own
 * revokes show as {@code io.github.mmunotify.Revoke} events inside it.
 *
 * <p>Recorded only while a recording enables it (default threshold 0). When no recording enables
 * it, nothing is allocated or timed.
 */
@Name(RegionRevokeEvent.NAME)
@Label("Region Revoke")
@Category("mmunotify")
@Description("A revoke of an off-heap region: its mappings' listeners are told, accesses and pins in flight are"
        + " waited for, and the memory is released")
@Threshold("0 ms")
final class RegionRevokeEvent extends Event {

    /** The event's name in recordings and in settings. */
    static final String NAME = "io.github.mmunotify.RegionRevoke";

    /** Answers {@link #isEnabled()} for the class: that check reads only the type's settings. */
    private static final RegionRevokeEvent PROBE = new RegionRevokeEvent();

    @Label("Region")
    @Description("The name of the region")
    String region;

    @Label("Reason")
    @Description("Why the region was revoked, as recorded in its revocation")
    String reason;

    @Label("Joined")
    @Description("True if another call had begun this revoke; this one waited for it or finished it")
    boolean joined;

    @Label("Mappings")
    @Description("Mappings torn down with the region")
    int mappings;

    @Label("Accesses In Flight")
    @Description("Counted accesses and pins inside the region's and its mappings' guards when this call began (count-free reads are not counted)")
    long accessesInFlight;

    @Label("Timed Out")
    @Description("True if a timed revoke gave up (timeout or interrupt); a later revoke finishes it")
    boolean timedOut;

    /** Whether a recording enables this event now: one read of its settings, no allocation. */
    static boolean enabled() {
        return PROBE.isEnabled();
    }
}
