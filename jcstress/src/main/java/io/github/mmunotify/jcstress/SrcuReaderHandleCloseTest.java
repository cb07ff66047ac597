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
 * {@link SrcuCloseTest}'s store-buffering pair for a section entered through the thread-bound
 * handle ({@link Srcu#registerReader()}, {@link Srcu.Reader#lock()}): {@link Srcu#close()} never
 * completes while such a section is held.
 *
 * <p>The reader stores its lock count, then (B in {@code Srcu.Reader.lock()}) loads the domain's
 * state; the closer stores {@code CLOSING}, then (I in {@code Srcu.close()}) loads every reader's
 * counts. On the fenced side both are full fences; on the membarrier side B is a compiler barrier
 * and I a {@code membarrier(2)}. Either the reader sees {@code CLOSING} and is refused, or the
 * closer sees the count and refuses to close. The domain is fresh per state (a close is once per
 * domain), so the reader registers its handle in its actor, before the section: a registration
 * refused because the domain is already closing counts as a refused reader, as it changes nothing.
 *
 * <p>Checked to catch a broken pairing: with B taken out of {@code Srcu.Reader.lock()} alone, the
 * fenced side reported the forbidden outcome (2 vCPUs of an AMD EPYC, JDK 25, {@code -sc false -f 1
 * -iters 3 -time 3000}, the box loaded by other builds): 8 in about 684,000 samples.
 */
@JCStressTest
@Description("Srcu.close() against a section entered through Srcu.Reader.lock(): never completes while it is held; "
        + "the reader is refused or close is")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the reader was refused: it saw the domain closing; close completed")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the reader was refused, and close refused too: it saw the "
        + "refused reader's count before the reader took it back (documented: a racing readLock may be refused)")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the reader got in; close saw it and refused, leaving the domain open")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the reader got in and left before close looked; close completed")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "the reader, inside its section, saw close complete: close "
        + "missed a held section")
@State
public class SrcuReaderHandleCloseTest {

    private static final VarHandle CLOSED;
    /** How long the reader stays inside, watching for the closer's signal. */
    private static final int SPINS = 200;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(SrcuReaderHandleCloseTest.class, "closed", boolean.class);
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
        Srcu.Reader reader;
        int token;
        try {
            reader = srcu.registerReader();
            token = reader.lock();
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
        reader.unlock(token);
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
