package io.github.mmunotify.jcstress;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JI_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * An access of a {@link Region} against {@link Region#revoke()}: the access either completes on
 * the region's real memory (and reads what was written there) or throws {@link SigBusException};
 * it never reads the trap mapping, zeroes, another region's memory, nor crashes. After
 * {@code revoke()} returns, no access succeeds.
 *
 * <p>The region's guard is a {@code Revocable}: the access brackets itself with its
 * {@code tryEnter()}/{@code exit()}, and the revoke drains the guard before it replaces the memory,
 * so the fence pairs are those of {@link RevocableTryEnterTest} (A in {@code Revocable.tryEnter()}
 * against B in {@code Revocable.beginRevocation()}; K in {@code UseCell.ownerDecrement()} against
 * C in the drain), checked here on memory that really goes away. A region is mapped per state (one
 * {@code mmap}, one revoke), which is what the claim is about; it keeps this test slower than the
 * others.
 */
@JCStressTest
@Description("Region access vs revoke(): an access reads the real memory or throws SigBusException, never "
        + "anything else; after revoke() returns every access throws")
@Outcome(id = "42, 0", expect = ACCEPTABLE, desc = "the access completed on the live memory; after revoke() "
        + "the revoker's own access threw SigBusException")
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "the access threw SigBusException: the revoke had begun")
@Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "an access succeeded after revoke() returned")
@Outcome(expect = FORBIDDEN, desc = "the access read something other than the region's data (unmapped, "
        + "trap or reused memory)")
@State
public class RegionRevokeTest {

    static final long DATA = 42;
    static final long SIGBUS = -1;

    final Region region = Region.allocate("jcstress-region", 4096);

    public RegionRevokeTest() {
        region.putLong(0, DATA);
    }

    @Actor
    public void access(JI_Result r) {
        try {
            r.r1 = region.getLong(0);
        } catch (SigBusException revoked) {
            r.r1 = SIGBUS;
        }
    }

    @Actor
    public void revoker(JI_Result r) {
        region.revoke();
        try {
            region.getLong(0);
            r.r2 = 1;
        } catch (SigBusException expected) {
            r.r2 = 0;
        }
    }
}
