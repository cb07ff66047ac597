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
 * A read section handed from one thread to another ({@link Srcu#readLockShared()}, the kernel's
 * {@code srcu_down_read}/{@code srcu_up_read}): the section is entered by the thread that creates
 * the state, before either actor runs, and the reader actor reads under it and leaves it. The
 * section began before the updater unpublished the object, so the grace period must wait for the
 * reader's leave: whatever the reader finds, it never finds the object freed.
 *
 * <p>What is tested is C'' in {@code SrcuStripes.unlock()} on a thread other than the one that
 * counted the section in: the volatile add orders the reader's loads before the stripe's unlock
 * count, which A in {@code SrcuReaderRegistry.readersGone()} acquires before the free (through F).
 */
@JCStressTest
@Description("Srcu.synchronize() against a section entered on one thread and read in and left on another: the "
        + "reader never sees the object freed")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished (the updater "
        + "then waited for the section)")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object freed: synchronize() returned before "
        + "the handed-off section was left")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuHandedSectionTest {

    /** One domain per fork: creating one per state would cost far more than what is tested. */
    static final Srcu SRCU = Srcu.create("jcstress-handed");

    /** Entered by the thread that creates the state; handed to the reader actor. */
    final Srcu.SharedSection section = SRCU.readLockShared();
    /** Published object, plain: only the domain orders it. */
    RcuBox published = new RcuBox();

    @Actor
    public void reader(I_Result r) {
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
