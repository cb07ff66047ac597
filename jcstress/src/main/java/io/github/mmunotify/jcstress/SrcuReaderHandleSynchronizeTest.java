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
 * {@link SrcuSynchronizeTest}'s RCU guarantee for a reader that enters and leaves its sections
 * through its thread-bound handle ({@link Srcu#registerReader()}, {@link Srcu.Reader}): a reader
 * that finds the object published never sees it freed.
 *
 * <p>Fence pairs, as for {@code readLock()}: B in {@code Srcu.Reader.lock()} (count the section, B,
 * then read) against H in {@code SrcuGracePeriods.cookie()}, D/E around the index flip and A in
 * {@code SrcuReaderRegistry.readersGone()}; the free is ordered after the reader's loads by C in
 * {@code SrcuReaderCounts.unlockTo()} (release), reached from {@code Srcu.Reader.unlock()}, through A's
 * acquire loads and F at the end of the grace period. A handle is bound to its thread, and
 * jcstress does not promise that an actor always runs on one thread, so each actor thread
 * registers its own handle once, through a thread-local read outside the section.
 */
@JCStressTest
@Description("Srcu.synchronize() against a reader using its thread-bound Srcu.Reader handle: a reader that finds "
        + "the object published never sees it freed")
@Outcome(id = "42", expect = ACCEPTABLE, desc = "the reader found the object published, its data intact")
@Outcome(id = "-1", expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = "0", expect = FORBIDDEN, desc = "the reader found the object published but freed: synchronize() "
        + "returned before a handle's read section that could see the object had ended")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuReaderHandleSynchronizeTest {

    /** One domain per fork: creating one per state would cost far more than what is tested. */
    static final Srcu SRCU = Srcu.create("jcstress-reader-handle");
    /** Each actor thread's handle, registered on that thread the first time it reads. */
    static final ThreadLocal<Srcu.Reader> READER = ThreadLocal.withInitial(SRCU::registerReader);

    /** Published object; fresh per state, so every state starts with it published. */
    RcuBox published = new RcuBox();

    @Actor
    public void reader(I_Result r) {
        Srcu.Reader reader = READER.get();
        int token = reader.lock();
        try {
            r.r1 = RcuBox.read(published);
        } finally {
            reader.unlock(token);
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
