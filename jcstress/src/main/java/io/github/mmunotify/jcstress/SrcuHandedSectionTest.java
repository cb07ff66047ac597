package io.github.mmunotify.jcstress;

import io.github.mmunotify.core.Srcu;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A read section handed from one thread to another ({@link Srcu#readLockShared()}, the kernel's
 * {@code srcu_down_read}/{@code srcu_up_read}) against {@link Srcu#synchronize()}: the updater
 * enters a shared section and hands it to the reader before it unpublishes the object; the
 * reader reads under it and leaves it on its own thread. If the reader came first and found
 * nothing handed, it reads under a shared section of its own, and the updater leaves the one it
 * could not hand. Either way no actor waits for the other, and a handed section began before the
 * unpublish, so the updater's grace period must wait for the reader to leave it: the reader never
 * finds the object freed.
 *
 * <p>What is tested is a section counted in on one thread (B' in {@code SrcuStripes.lockAndFence()}
 * on the updater's) and left on another (C'' in {@code SrcuStripes.unlock()} on the reader's):
 * the reader's loads happen-before that volatile add to the stripe's unlock count, which A in
 * {@code SrcuReaderRegistry.readersGone()} acquires before F ends the grace period and the free.
 * Two actors, so that it runs on the 2-CPU CI box.
 */
@JCStressTest
@Description("Srcu.synchronize() against a shared section entered on the updater's thread and read in and left on "
        + "the reader's: the reader never sees the object freed")
@Outcome(id = {"42, 0", "42, 1"}, expect = ACCEPTABLE, desc = "the reader found the object published, its data "
        + "intact (under its own section, 0, or the handed one, 1)")
@Outcome(id = {"-1, 0", "-1, 1"}, expect = ACCEPTABLE, desc = "the reader found the object already unpublished")
@Outcome(id = {"0, 0", "0, 1"}, expect = FORBIDDEN, desc = "the reader found the object freed: synchronize() "
        + "returned before the section was left")
@Outcome(expect = FORBIDDEN, desc = "any other value: corrupted data")
@State
public class SrcuHandedSectionTest {

    /** One domain per fork: creating one per state would cost far more than what is tested. */
    static final Srcu SRCU = Srcu.create("jcstress-handed");
    /** What the reader leaves behind when it found nothing handed: the updater keeps its section. */
    private static final Object READER_CAME = new Object();
    private static final VarHandle HANDED;

    static {
        try {
            HANDED = MethodHandles.lookup().findVarHandle(SrcuHandedSectionTest.class, "handed", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Published object, plain: only the domain orders it. */
    RcuBox published = new RcuBox();
    /** Null, then the updater's section (handed to the reader) or {@link #READER_CAME}. */
    Object handed;

    @Actor
    public void reader(II_Result r) {
        Object taken = HANDED.getAndSet(this, READER_CAME);
        Srcu.SharedSection section;
        if (taken instanceof Srcu.SharedSection handedOver) {
            section = handedOver; // entered on the updater's thread
            r.r2 = 1;
        } else {
            section = SRCU.readLockShared();
        }
        try {
            r.r1 = RcuBox.read(published);
        } finally {
            section.close(); // left on this thread
        }
    }

    @Actor
    public void updater() {
        Srcu.SharedSection section = SRCU.readLockShared();
        if (!HANDED.compareAndSet(this, null, section)) {
            section.close(); // the reader has come and gone with a section of its own
        }
        RcuBox old = published;
        published = null;
        SRCU.synchronize();
        old.free();
    }
}
