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
 * The RCU guarantee of polled grace periods, {@link Srcu#startPoll()} and
 * {@link Srcu#pollState(long)}: once {@code pollState(cookie)} is true, every read section that
 * began before {@code startPoll()} has ended, so an updater that unpublished an object before
 * {@code startPoll()} may free it, and no reader that found it published sees it freed.
 *
 * <p>Plain pointer and data, as in {@link SrcuSynchronizeTest}. Fence pairs: H in
 * {@code SrcuGracePeriods.cookie()}, reached through {@code startPoll()}, against B in
 * {@code Srcu.readLock()}; and G in {@code SrcuGracePeriods.isDone()} (the acquire behind
 * {@code pollState()}) against F at the end of the grace period, which follows C in
 * {@code SrcuReader.unlock()} through A's acquire loads. The grace period is driven by the
 * domain's own thread, not by the updater.
 */
@JCStressTest
@Description("Srcu.startPoll()/pollState(): once pollState(cookie) is true, a reader that found the object "
        + "published before startPoll() has left its section")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: pollState() "
        + "reported a grace period complete while a section that began before startPoll() was still running")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuPollTest {

    static final Srcu SRCU = Srcu.create("jcstress-poll");

    RcuBox published = new RcuBox();

    @Actor
    public void reader(I_Result r) {
        int token = SRCU.readLock();
        try {
            r.r1 = RcuBox.read(published);
        } finally {
            SRCU.readUnlock(token);
        }
    }

    @Actor
    public void updater() {
        RcuBox old = published;
        published = null;
        long cookie = SRCU.startPoll();
        while (!SRCU.pollState(cookie)) {
            // The domain's thread drives the grace period; on a small machine it needs this core.
            Thread.yield();
        }
        old.free();
    }
}
