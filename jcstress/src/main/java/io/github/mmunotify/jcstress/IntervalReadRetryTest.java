package io.github.mmunotify.jcstress;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.IntervalNotifier;
import io.github.mmunotify.notifier.Mmu;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JIJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link IntervalNotifier#readBegin()}/{@link IntervalNotifier#readRetry(long)} against an
 * invalidation of the range: a driver that follows the documented pattern never keeps a mirror of
 * memory the invalidation took away. A read whose {@code readRetry} passes saw the page as it was
 * before an invalidation that has not yet dropped the mirror (which then drops it), or as it is
 * after the invalidation; never the old page committed after the invalidation dropped it.
 *
 * <p>The reader is the driver's fault path of the class Javadoc: {@code readBegin}, look the page
 * up (read through the mapping, or {@link SigBusException} once unmapped), then under the driver
 * lock {@code readRetry} and install the mirror. The invalidation is an {@code unmap} of the
 * mapping; its interval callback sets the sequence and drops the mirror under the same lock. Fence
 * pairs: I1 in {@code IntervalNotifiers.invalidateStart()} (the odd sequence is published before
 * any callback runs) and I3 in {@code invalidateEnd()} (even again) against I2 in
 * {@code readBegin()} (an interval sequence equal to the odd one means wait); the callback's
 * {@code setSequence} happens before the unmap, and {@code readRetry} reads it under the driver
 * lock, so a read that saw the page gone, or raced the callback, is told to retry.
 *
 * <p>Results: r1 is the first value the reader looked up (42: the page; -1: unmapped), r2 whether
 * its first {@code readRetry} said retry, r3 the mirror once both are done (0: dropped).
 */
@JCStressTest
@Description("IntervalNotifier readBegin/readRetry vs invalidation: a read that passes readRetry never leaves a "
        + "mirror of a page the invalidation took away")
@Outcome(id = "42, 0, 0", expect = ACCEPTABLE, desc = "read the page and installed it before the invalidation, "
        + "which then dropped it")
@Outcome(id = "42, 1, -1", expect = ACCEPTABLE, desc = "read the page, the invalidation ran meanwhile: readRetry "
        + "said retry, the second read found it unmapped")
@Outcome(id = "-1, 1, -1", expect = ACCEPTABLE, desc = "began before the invalidation, looked up after the unmap: "
        + "readRetry said retry, the second read found it unmapped")
@Outcome(id = "-1, 0, -1", expect = ACCEPTABLE, desc = "began after the invalidation: found the page unmapped")
@Outcome(id = "42, 0, 42", expect = FORBIDDEN, desc = "readRetry passed a read of the old page after the "
        + "invalidation dropped the mirror: a stale mirror of unmapped memory")
@Outcome(expect = FORBIDDEN, desc = "any other result")
@State
public class IntervalReadRetryTest {

    static final long PAGE = 42;
    static final long UNMAPPED = -1;
    static final long DROPPED = 0;

    static final Mmu MMU = Mmu.create("jcstress-interval");
    static final Region REGION = Region.allocate("jcstress-interval", AddressSpace.PAGE_SIZE);

    static {
        REGION.putLong(0, PAGE);
    }

    final AddressSpace space = MMU.createAddressSpace("jcstress-interval");
    final Mapping mapping = space.map(REGION, 0, AddressSpace.PAGE_SIZE);
    final Object driverLock = new Object();
    final IntervalNotifier interval;
    /** Guarded by driverLock. */
    long mirror = DROPPED;

    public IntervalReadRetryTest() {
        interval = space.insert(mapping.address(), AddressSpace.PAGE_SIZE, (notifier, range, sequence) -> {
            synchronized (driverLock) {
                notifier.setSequence(sequence);
                mirror = DROPPED;
            }
            return true;
        });
    }

    @Actor
    public void reader(JIJ_Result r) {
        boolean first = true;
        for (;;) {
            long seq = interval.readBegin();
            long page = lookUp();
            if (first) {
                r.r1 = page;
            }
            synchronized (driverLock) {
                if (!interval.readRetry(seq)) {
                    mirror = page;
                    return;
                }
            }
            if (first) {
                r.r2 = 1;
                first = false;
            }
        }
    }

    private long lookUp() {
        try {
            return mapping.getLong(0);
        } catch (SigBusException unmapped) {
            return UNMAPPED;
        }
    }

    @Actor
    public void invalidator() {
        space.unmap(mapping.address(), AddressSpace.PAGE_SIZE);
    }

    @Arbiter
    public void arbiter(JIJ_Result r) {
        synchronized (driverLock) {
            r.r3 = mirror;
        }
        interval.remove();
        space.close();
    }
}
