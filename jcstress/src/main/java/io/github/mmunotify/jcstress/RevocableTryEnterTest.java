package io.github.mmunotify.jcstress;

import io.github.mmunotify.core.Revocable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link Revocable#tryEnter()} against {@link Revocable#revoke()}: when {@code revoke()} returns,
 * no method of the object is running and none will start. A method that entered completed before
 * {@code revoke()} returned, and everything it wrote is visible to the revoker; a method that
 * enters after never observes what the revoker did after {@code revoke()}.
 *
 * <p>The method writes {@code work} inside and reads {@code afterRevoke}; the revoker writes
 * {@code afterRevoke} after {@code revoke()} returns and then reads {@code work}. Both fields are
 * plain. Fence pairs: A in {@code Revocable.tryEnter()} (count in with a full-fence atomic add, then
 * re-read the state) against B in {@code Revocable.beginRevocation()} (the state CAS, then the
 * drain's reads of the counts, C): either the method backs out or the drain waits for it; and
 * K in {@code UseCell.ownerDecrement()} (the exit's release store) against C's reads of the
 * counts, so everything the method did happens-before {@code revoke()} returns.
 */
@JCStressTest
@Description("Revocable.tryEnter() vs revoke(): after revoke() returns no method is inside, the effects of the "
        + "ones that entered are visible, and none runs later")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the method entered and finished before revoke() returned; "
        + "the revoker sees its write")
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "tryEnter() refused: revocation had begun")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "revoke() returned while the method was still inside, or "
        + "without its write being visible")
@Outcome(id = "1, .*", expect = FORBIDDEN, desc = "the method ran after revoke() returned: it saw the "
        + "revoker's later write")
@Outcome(expect = FORBIDDEN, desc = "any other result")
@State
public class RevocableTryEnterTest {

    static final int REFUSED = -1;

    /** Fresh per state: one is revoked per state, and creating one is a few small allocations. */
    final Revocable revocable = Revocable.create("jcstress-try-enter");
    int work;
    int afterRevoke;

    @Actor
    public void method(II_Result r) {
        if (!revocable.tryEnter()) {
            r.r1 = REFUSED;
            return;
        }
        try {
            r.r1 = afterRevoke;
            work = 1;
        } finally {
            revocable.exit();
        }
    }

    @Actor
    public void revoker(II_Result r) {
        revocable.revoke();
        afterRevoke = 1;
        r.r2 = work;
    }
}
