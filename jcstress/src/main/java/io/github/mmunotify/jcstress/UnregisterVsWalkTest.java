package io.github.mmunotify.jcstress;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * An invalidation walk of an {@link AddressSpace} against {@link AddressSpace#unregister}: once
 * {@code unregister(n)} returns, no callback of {@code n} is running or will run, and every effect
 * of the callbacks that did run is visible to the caller.
 *
 * <p>The walk ({@code protect} of a mapping: start and end callbacks, no memory goes away) runs in
 * one read section of the Mmu's SRCU domain over a snapshot of the subscriber array. Fence pairs:
 * S1 in {@code SubscriberList.remove()} (publish the array without {@code n}) against S2 in
 * {@code SubscriberList.snapshot()} (one volatile read per walk), and S3 in
 * {@code AddressSpace.awaitCallbacks()}, the grace period {@code unregister} waits, which carries
 * the SRCU pairs of {@link SrcuSynchronizeTest}: a walk that read the old array is waited for (both
 * its callbacks), a walk that began later cannot see {@code n}. The callbacks count themselves in a
 * plain field and check a plain flag the unregistering thread sets after {@code unregister}
 * returns: only those pairs order them.
 *
 * <p>Per state: an address space with one mapping of a shared region and the subscriber; the
 * arbiter closes the space (the Mmu and its domain are shared, one per fork).
 */
@JCStressTest
@Description("AddressSpace walk vs unregister(n): once unregister returns, no callback of n runs and the effects "
        + "of those that ran are visible")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "the walk did not see the subscriber: unregistered first")
@Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "the walk called start and end before unregister returned")
@Outcome(id = "1, .*, .*", expect = FORBIDDEN, desc = "unregister returned between the start and end callbacks of "
        + "a walk (or without their effects visible)")
@Outcome(id = ".*, [1-9], .*", expect = FORBIDDEN, desc = "a callback ran after unregister returned")
@Outcome(id = ".*, .*, 1", expect = FORBIDDEN, desc = "a callback saw the write made after unregister returned")
@Outcome(expect = FORBIDDEN, desc = "any other result")
@State
public class UnregisterVsWalkTest {

    static final Mmu MMU = Mmu.create("jcstress-unregister");
    static final Region REGION = Region.allocate("jcstress-unregister", AddressSpace.PAGE_SIZE);

    final AddressSpace space = MMU.createAddressSpace("jcstress-unregister");
    final long address = space.map(REGION, 0, AddressSpace.PAGE_SIZE).address();
    final Subscriber subscriber = new Subscriber();

    /** Written by the callbacks (only the walking thread). */
    int calls;
    /** Set when a callback sees {@link #unregistered}. */
    int sawUnregistered;
    /** Written by the unregistering thread after unregister() returned. */
    int unregistered;

    public UnregisterVsWalkTest() {
        space.register(subscriber);
    }

    final class Subscriber implements MmuNotifier {
        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            called();
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            called();
        }

        private void called() {
            if (unregistered != 0) {
                sawUnregistered = 1;
            }
            calls++;
        }
    }

    @Actor
    public void walker() {
        space.protect(address, AddressSpace.PAGE_SIZE, true);
    }

    @Actor
    public void unregisterer(III_Result r) {
        space.unregister(subscriber);
        unregistered = 1;
        r.r1 = calls;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r2 = calls - r.r1;
        r.r3 = sawUnregistered;
        space.close();
    }
}
