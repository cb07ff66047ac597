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
 * The RCU guarantee of {@link Srcu#synchronize()}: a reader inside a read section that finds an
 * object published never sees it freed, because the updater unpublishes it, waits for a grace
 * period, and only then frees it.
 *
 * <p>The pointer and the data are plain fields, as in the kernel ({@code rcu_assign_pointer} of
 * {@code NULL} and {@code rcu_dereference} order nothing by themselves): only the domain's own
 * fences may order them. Fence pairs: B in {@code Srcu.readLock()} (count the section, full fence,
 * then read) against H in {@code SrcuGracePeriods.cookie()} (the unpublishing store, full fence,
 * then the cookie snapshot, the kernel's {@code rcu_seq_snap}) and D/E around the index flip:
 * either the grace period sees the reader's count, or the reader sees {@code null}. The free is
 * ordered after the reader's loads by C in {@code SrcuReader.unlock()} (release) through A's
 * acquire loads in {@code SrcuReaderRegistry.readersGone()} and F at the end of the grace period.
 */
@JCStressTest
@Description("Srcu.synchronize(): a reader that finds the object published never sees it freed by an updater "
        + "that unpublished it and then synchronized")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: synchronize() "
        + "returned before a read section that could see the object had ended")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuSynchronizeTest {

    /** One domain per fork: creating one per state would cost far more than what is tested. */
    static final Srcu SRCU = Srcu.create("jcstress-synchronize");

    /** Published object; fresh per state, so every state starts with it published. */
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
        SRCU.synchronize();
        old.free();
    }
}
