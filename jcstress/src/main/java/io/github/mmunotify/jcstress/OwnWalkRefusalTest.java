package io.github.mmunotify.jcstress;

import io.github.mmunotify.mmap.Mapping;
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
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A change of an {@link AddressSpace} from inside a callback of the thread's own walk of it is
 * refused, while another thread walks the same space at the same moment.
 *
 * <p>The space asks the walk's readers ({@code SnapshotReaders.mayBeInsideOnThisThread()}) before
 * it looks up the thread-local walk depth: the walking thread's stripe, read with R2's order
 * (left counters, then entered; R2 in {@code SnapshotReaders.quiet()}, against R1 in
 * {@code enter()} and R3 in the leave methods). The second actor's walk counts in and out, on the
 * same stripe or not, while the first actor's callback asks; however the counts interleave, the
 * first actor's own entry must keep the answer at "may be inside", so that the depth is looked up
 * and the change refused.
 *
 * <p>Per state: an address space with three one-page mappings of a shared region and one
 * subscriber; the arbiter closes the space (the Mmu is shared, one per fork).
 */
@JCStressTest
@Description("A change from inside the thread's own walk is refused while another thread walks the same space")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the inner change was refused and changed nothing")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the callback never ran: the walk skipped its subscriber")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "a change from inside the thread's own walk was allowed")
@Outcome(id = ".*, 0", expect = FORBIDDEN, desc = "the refused change changed the mapping")
@Outcome(expect = FORBIDDEN, desc = "any other result")
@State
public class OwnWalkRefusalTest {

    private static final long PAGE = AddressSpace.PAGE_SIZE;
    static final Mmu MMU = Mmu.create("jcstress-own-walk");
    static final Region REGION = Region.allocate("jcstress-own-walk", 3 * PAGE);

    final AddressSpace space = MMU.createAddressSpace("jcstress-own-walk");
    final long walked = space.map(REGION, 0, PAGE).address();
    final long alsoWalked = space.map(REGION, PAGE, PAGE).address();
    final Mapping target = space.map(REGION, 2 * PAGE, PAGE);

    /** The first actor's inner change: 1 refused, 2 allowed; written only on its thread. */
    int inner;

    public OwnWalkRefusalTest() {
        space.register(new MmuNotifier() {
            @Override
            public boolean invalidateRangeStart(InvalidationRange range) {
                if (range.start() == walked) {
                    try {
                        space.tryProtect(target.address(), PAGE, false);
                        inner = 2;
                    } catch (IllegalStateException refused) {
                        inner = 1;
                    }
                }
                return true;
            }
        });
    }

    @Actor
    public void walker() {
        space.protect(walked, PAGE, true);
    }

    @Actor
    public void otherWalker() {
        space.protect(alsoWalked, PAGE, true);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = inner;
        r.r2 = target.isWritable() ? 1 : 0;
        space.close();
    }
}
