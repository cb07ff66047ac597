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
 * {@link Srcu#close()} never completes while a read section is held: a reader that got into a
 * section never sees, from inside it, a store the closer made after {@code close()} returned.
 *
 * <p>The bare store-buffering pair of the read side, with nothing else in the window: the reader
 * stores its lock count, then (B in {@code Srcu.readLock()}) loads the domain's state; the closer
 * stores {@code CLOSING}, then (I in {@code Srcu.close()}) loads every reader's counts. On the
 * fenced side both are full fences; on the membarrier side B is a compiler barrier and I a
 * {@code membarrier(2)}. Either the reader sees {@code CLOSING} and is refused, or the closer sees
 * the count and refuses to close. The reader then stays inside for a bounded spin, watching for
 * the closer's signal; the domain is fresh per state, because a close is once per domain.
 *
 * <p>Checked to catch a broken pairing: with the membarrier in I (and A) skipped on the
 * membarrier side, so that neither side orders the reader's store before its load, this test
 * reported the forbidden outcome on x86 (2 vCPUs of an AMD EPYC, JDK 25, {@code -sc false -f 1}):
 * 5 in 602,131 samples over 3 iterations of 2 s, 6 in 837,651 over 5 of 3 s; unbroken, 0 in
 * 469,011 on the membarrier side. The four Srcu tests that go through a whole grace period
 * reported nothing with the same breakage (3 iterations of 2 s each): their window is a
 * store-buffer drain against a grace period's many scans.
 */
@JCStressTest
@Description("Srcu.close(): never completes while a read section is held; the reader is refused or close is")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the reader was refused: it saw the domain closing; close completed")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader was refused, and close refused too: it saw the "
        + "refused reader's count before the reader took it back (documented: a racing readLock may be refused)")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the reader got in; close saw it and refused, leaving the domain open")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader got in and left before close looked; close completed")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "the reader, inside its section, saw close complete: close "
        + "missed a held section")
@State
public class SrcuCloseTest {

    private static final VarHandle CLOSED;
    /** How long the reader stays inside, watching for the closer's signal. */
    private static final int SPINS = 200;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(SrcuCloseTest.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A domain per state: close is once per domain. */
    final Srcu srcu = Srcu.create("jcstress-close");

    /** Set by the closer once close() has returned (opaque: no ordering of its own). */
    @SuppressWarnings("unused") // accessed through CLOSED
    boolean closed;

    @Actor
    public void reader(II_Result r) {
        int token;
        try {
            token = srcu.readLock();
        } catch (IllegalStateException refused) {
            r.r1 = 0;
            return;
        }
        int seen = 1;
        for (int i = 0; i < SPINS; i++) {
            if ((boolean) CLOSED.getOpaque(this)) {
                seen = 2;
                break;
            }
            Thread.onSpinWait();
        }
        srcu.readUnlock(token);
        r.r1 = seen;
    }

    @Actor
    public void closer(II_Result r) {
        try {
            srcu.close();
        } catch (IllegalStateException readerInside) {
            r.r2 = 0;
            return;
        }
        CLOSED.setOpaque(this, true);
        r.r2 = 1;
    }
}
