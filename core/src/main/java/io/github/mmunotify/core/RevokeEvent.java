package io.github.mmunotify.core;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.github.mmunotify.Revoke}: one call of {@link Revocable#revoke()},
 * {@link Revocable#revoke(java.time.Duration)}, or the background part of
 * {@link Revocable#revokeAsync()}. Its duration is how long the call took, kick and releases
 * included. A call that found another thread's revocation under way and only waited for it
 * reports {@code joined}; the thread doing the work reports what was waited for and released.
 *
 * <p>Recorded only while a recording enables it (default threshold 0: revokes are rare and each
 * one matters). When no recording enables it, nothing is allocated or timed.
 */
@Name(RevokeEvent.NAME)
@Label("Revoke")
@Category("mmunotify")
@Description("A revocation of a Revocable: refuse new entries, wait for the methods in flight, release the open handles")
@Threshold("0 ms")
final class RevokeEvent extends Event {

    /** The event's name in recordings and in settings. */
    static final String NAME = "io.github.mmunotify.Revoke";

    /** Answers {@link #isEnabled()} for the class: that check reads only the type's settings. */
    private static final RevokeEvent PROBE = new RevokeEvent();

    @Label("Object")
    @Description("The name of the revoked object")
    String object;

    @Label("Operation")
    @Description("revoke(), revoke(Duration), or revokeAsync() (its background part)")
    String operation;

    @Label("Joined")
    @Description("True if another thread had begun the revocation and this call waited for it (or took it over)")
    boolean joined;

    @Label("Methods In Flight")
    @Description("Methods inside tryEnter() when this call began to wait for them (0: none had to be waited for)")
    long methodsInFlight;

    @Label("Handles Released")
    @Description("Handles whose release this call ran")
    int handlesReleased;

    @Label("Timed Out")
    @Description("True if a timed revoke gave up (timeout or interrupt); the object stays revoked and a later revoke finishes it")
    boolean timedOut;

    /** Whether a recording enables this event now: one read of its settings, no allocation. */
    static boolean enabled() {
        return PROBE.isEnabled();
    }

    /** A started event if a recording enables it, else null (nothing allocated). */
    static RevokeEvent beginIfEnabled(String object, String operation) {
        if (!enabled()) {
            return null;
        }
        RevokeEvent event = new RevokeEvent();
        event.object = object;
        event.operation = operation;
        event.begin();
        return event;
    }
}
