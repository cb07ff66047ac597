package io.github.mmunotify.jcstress;

import io.github.mmunotify.core.Srcu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The RCU guarantee of {@link Srcu#getState()} with {@link Srcu#pollState(long)}: once
 * {@code pollState(cookie)} is true, every read section that began before {@code getState()} has
 * ended, with happens-before from those sections to the poll; so an updater that unpublished an
 * object before {@code getState()} may free it, and no reader that found it published sees it freed.
 *
 * <p>Unlike {@link SrcuPollTest}, the cookie is taken by {@code getState()}, which starts no grace
 * period, and the updater does nothing but poll it: the grace periods are driven by someone else,
 * as {@code getState()} is meant to be used. Here that is a daemon thread that runs
 * {@code synchronize()} back to back for the life of the fork, so {@code getState()} usually
 * lands in the middle of a grace period, often after its flip: the case where the cookie must
 * name the end of the <em>next</em> grace period (the kernel's {@code rcu_seq_snap}: +3, rounded
 * down to even), not the running one, which does not wait for a reader counted on the new index.
 * The reader yields inside its section, so that on a small machine the driver and the updater
 * get to run while it is inside. (Checked: with {@code +2} in {@code SrcuGracePeriods.cookie()}
 * this test reports the forbidden outcome, rarely: once in 4.5 million samples of
 * {@code -Djcstress.mode=quick} on 2 cores, as the reader must enter just after a flip that the
 * updater's cookie then names.)
 *
 * <p>Plain pointer and data, as in {@link SrcuSynchronizeTest}. Fence pairs: H in
 * {@code SrcuGracePeriods.cookie()}, reached through {@code getState()}, against B in
 * {@code Srcu.readLock()}; G in {@code SrcuGracePeriods.isDone()} (the acquire behind
 * {@code pollState()}) against F at the end of the grace period, which follows C in
 * {@code SrcuReaderCounts.unlockTo()} through A's acquire loads.
 */
@JCStressTest
@Description("Srcu.getState()/pollState(): once pollState(cookie) is true, a reader that found the object "
        + "published before getState() has left its section")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: pollState() "
        + "reported a getState() cookie complete while a section that began before getState() was still running")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuGetStateTest {

    static final Srcu SRCU = Srcu.create("jcstress-get-state");

    static {
        // Someone else's grace periods, back to back; yields so that the actors keep their cores.
        Thread.ofPlatform().daemon().name("jcstress-get-state-driver").start(() -> {
            while (true) {
                SRCU.synchronize();
                Thread.yield();
            }
        });
    }

    RcuBox published = new RcuBox();

    @Actor
    public void reader(I_Result r) {
        int token = SRCU.readLock();
        try {
            RcuBox box = published;
            if (box == null) {
                r.r1 = RcuBox.UNPUBLISHED;
            } else {
                // A section may sleep; giving up the core here lets the driver and the updater run
                // inside this section's lifetime, which is where a wrong cookie would free the box.
                Thread.yield();
                r.r1 = RcuBox.read(box);
            }
        } finally {
            SRCU.readUnlock(token);
        }
    }

    @Actor
    public void updater() {
        RcuBox old = published;
        published = null;
        long cookie = SRCU.getState();
        while (!SRCU.pollState(cookie)) {
            // The driver thread runs the grace periods; on a small machine it needs this core.
            Thread.yield();
        }
        old.free();
    }
}
