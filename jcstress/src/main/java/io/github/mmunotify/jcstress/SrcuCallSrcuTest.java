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
 * The RCU guarantee of {@link Srcu#callSrcu(Runnable)}: the callback runs after a grace period, so
 * the free it performs is never observed by a reader whose section could still see the object,
 * that is, one that began before {@code callSrcu}.
 *
 * <p>Plain pointer and data, as in {@link SrcuSynchronizeTest}. The callback thread takes the cookie
 * for a batch after it has taken the batch (so after the updater's queueing, an atomic hand-off
 * that follows the unpublishing store), through H in {@code SrcuGracePeriods.cookie()}, which pairs
 * with B in {@code Srcu.readLock()}; it runs the batch after F at the end of the grace period,
 * which follows C in {@code SrcuReader.unlock()} through A's acquire loads.
 */
@JCStressTest
@Description("Srcu.callSrcu(): the callback's free is never observed by a reader that found the object "
        + "published before callSrcu()")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: the callback "
        + "ran before a read section that began before callSrcu() had ended")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuCallSrcuTest {

    static final Srcu SRCU = Srcu.create("jcstress-call-srcu");

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
        SRCU.callSrcu(old::free);
    }
}
