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
 * The RCU guarantee of {@link Srcu#synchronize()} for a reader on the striped read side: a section
 * entered with {@link Srcu#readLockShared()} counts on the domain's shared stripes, as a virtual
 * thread's outermost section does (jcstress actors are platform threads, so the shared section is
 * how an actor reaches that path). A reader that finds the object published never sees it freed.
 *
 * <p>Fence pairs: B' in {@code SrcuStripes.lockAndFence()} (the atomic add, then a full fence,
 * then the read) against H in {@code SrcuGracePeriods.cookie()} and D/E around the index flip,
 * whose scans sum the stripes in {@code SrcuReaderRegistry.readersGone()} (A); the free is ordered
 * after the reader's loads by C'' in {@code SrcuStripes.unlock()} (a volatile add) through A's
 * acquire loads of the stripes' unlock counts and F at the end of the grace period.
 */
@JCStressTest
@Description("Srcu.synchronize() against a reader in a shared (striped) section: a reader that finds the object "
        + "published never sees it freed")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: synchronize() "
        + "returned before a striped read section that could see the object had ended")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuStripedReaderTest {

    /** One domain per fork: creating one per state would cost far more than what is tested. */
    static final Srcu SRCU = Srcu.create("jcstress-striped");

    /** Published object; fresh per state, so every state starts with it published. */
    RcuBox published = new RcuBox();

    @Actor
    public void reader(I_Result r) {
        Srcu.SharedSection section = SRCU.readLockShared();
        try {
            r.r1 = RcuBox.read(published);
        } finally {
            section.close();
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
