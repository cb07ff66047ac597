package io.github.mmunotify.samples;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.IntervalNotifier;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;
import io.github.mmunotify.notifier.NotifierReference;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An accelerator driver that mirrors a process's address space into its own page table, the way
 * GPU and NIC drivers use the kernel's mmu notifiers.
 *
 * <p>The device faults a page into its table with the interval notifier's
 * {@code readBegin()}/{@code readRetry()} pattern and drops pages when an invalidation reaches
 * it. It "DMAs" by reading device memory through its table while another thread unmaps and remaps
 * pages of the address space, each time from a different backing region. The device reads under
 * its own lock, the same lock the invalidation callback takes, so an unmap can only proceed once the
 * device has dropped the page: a read through an invalidated page would raise
 * {@link SigBusException}, and the sample counts such reads (there must be none).
 *
 * <p>Lifetime follows the kernel's refcounted pattern ({@code mmu_notifier_get}/{@code _put}):
 * every open of the device by the process gets the one mirror of that process with
 * {@code AddressSpace.getNotifier(Accelerator.KEY, ...)}, and every close puts its reference. The
 * mirror is made and registered by the first open; when the process exits, its {@code release}
 * drops the device's mirror; the last close unregisters it without waiting, and its
 * {@code freeNotifier} frees the device state once no callback of it can run. Unloading the driver
 * is {@code Mmu.barrier()}, after which the free has run.
 */
final class AcceleratorDriverSample implements Sample {

    private static final int PAGE = 4096;
    private static final int PAGES = 64;
    private static final long BASE = 0x7f00_0000_0000L;
    private static final int ROUNDS = Integer.getInteger("mmunotify.samples.driver.rounds", 3_000);

    @Override
    public String name() {
        return "driver";
    }

    @Override
    public String title() {
        return "an accelerator driver mirrors an address space and survives unmaps under DMA";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Checks checks = new Checks(out);
        try (Mmu mmu = Mmu.create("accel-mmu");
             Region ram = Region.allocate("ram", (long) PAGES * PAGE);
             Region swap = Region.allocate("swap", (long) PAGES * PAGE)) {
            for (int page = 0; page < PAGES; page++) {
                ram.putLong((long) page * PAGE, marker(ram, page));
                swap.putLong((long) page * PAGE, marker(swap, page));
            }
            AddressSpace process = mmu.createAddressSpace("process");
            for (int page = 0; page < PAGES; page++) {
                process.mapAt(BASE + (long) page * PAGE, ram, (long) page * PAGE, PAGE);
            }
            // Two opens of the device by the process (two file descriptors): one mirror, two references.
            NotifierReference<Accelerator> computeQueue = process.getNotifier(Accelerator.KEY, Accelerator::new);
            NotifierReference<Accelerator> copyQueue = process.getNotifier(Accelerator.KEY, Accelerator::new);
            Accelerator device = computeQueue.notifier();
            out.printf("   %s mirrors %d pages of %s%n", device, PAGES, process.name());
            checks.check("two opens of the device share one registered mirror",
                    copyQueue.notifier() == device && process.isRegistered(device)
                            && process.stats().subscribers() == 1);

            CompletableFuture<Void> dma = CompletableFuture.runAsync(device::dmaUntilStopped);
            Region[] backing = {ram, swap};
            SplittableRandom random = new SplittableRandom(42);
            for (int round = 0; round < ROUNDS; round++) {
                int page = random.nextInt(PAGES);
                long address = BASE + (long) page * PAGE;
                process.unmap(address, PAGE);
                process.mapAt(address, backing[round & 1], (long) page * PAGE, PAGE);
            }
            device.stopDma();
            dma.get(60, TimeUnit.SECONDS);
            out.printf("   %d remaps raced %d DMA reads: %d page faults, %d fault retries, %d pages dropped%n",
                    ROUNDS, device.reads.get(), device.faults.get(), device.retries.get(), device.dropped.get());
            checks.check("the device read " + device.reads.get() + " times through its table",
                    device.reads.get() > 0);
            checks.check("every unmap reached the device's interval notifier before the page went ("
                    + device.intervalInvalidations.get() + " invalidations)",
                    device.intervalInvalidations.get() >= ROUNDS);
            checks.check("the device never read a page after it was invalidated (SigBus reads: "
                    + device.staleReads.get() + ")", device.staleReads.get() == 0);
            checks.check("every read returned the data of the page the device had mapped (wrong data: "
                    + device.wrongData.get() + ")", device.wrongData.get() == 0);

            out.println("   the process exits: closing its address space");
            process.close();
            checks.check("release ran once and dropped the device's mirror",
                    device.releases.get() == 1 && device.mirroredPages() == 0);
            out.println("   the process's device files close: one put per open");
            copyQueue.put();
            mmu.barrier();
            checks.check("the first close freed nothing: the other open still holds the mirror", !device.freed);
            computeQueue.put();
            checks.check("the last close unregistered the mirror without waiting", !process.isRegistered(device));
            out.println("   unloading the driver: Mmu.barrier()");
            mmu.barrier();
            checks.check("barrier() returned only after freeNotifier ran, once", device.frees.get() == 1);
            checks.check("no callback of the driver ran after its state was freed",
                    device.callbacksAfterFree.get() == 0);
        }
        return checks.allHeld();
    }

    /** What page {@code page} of {@code region} holds at offset 0, so a read can tell where it came from. */
    private static long marker(Region region, int page) {
        return ((long) region.name().hashCode() << 32) | page;
    }

    /** The simulated device: a page table mirroring the address space, kept coherent by notifiers. */
    private static final class Accelerator implements MmuNotifier {

        /** The key of the driver's subscription in a space (the kernel keys by the ops table). */
        static final Object KEY = Accelerator.class;

        private final AddressSpace space;
        private final IntervalNotifier interval;
        /** The device page table; guarded by {@code this}, as are the fault path and the callbacks. */
        private final Mapping[] pageTable = new Mapping[PAGES];
        private volatile boolean dmaRunning = true;
        volatile boolean freed;
        final AtomicLong frees = new AtomicLong();

        final AtomicLong reads = new AtomicLong();
        final AtomicLong faults = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong staleReads = new AtomicLong();
        final AtomicLong wrongData = new AtomicLong();
        final AtomicLong intervalInvalidations = new AtomicLong();
        final AtomicLong releases = new AtomicLong();
        final AtomicLong callbacksAfterFree = new AtomicLong();

        /** The factory given to getNotifier: runs once per process, which then registers the mirror. */
        Accelerator(AddressSpace space) {
            this.space = space;
            this.interval = space.insert(BASE, (long) PAGES * PAGE, this::invalidateMirror);
        }

        /** The interval callback: drop the mirrored pages of the range, under the device lock. */
        private boolean invalidateMirror(IntervalNotifier notifier, InvalidationRange range, long sequence) {
            noteCallback();
            synchronized (this) {
                notifier.setSequence(sequence);
                intervalInvalidations.incrementAndGet();
                long from = Math.max(range.start(), BASE);
                long to = Math.min(range.end(), BASE + (long) PAGES * PAGE);
                for (long address = from; address < to; address += PAGE) {
                    int page = (int) ((address - BASE) / PAGE);
                    if (pageTable[page] != null) {
                        pageTable[page] = null;
                        dropped.incrementAndGet();
                    }
                }
            }
            return true;
        }

        @Override
        public boolean invalidateRangeStart(InvalidationRange range) {
            noteCallback();   // a real device would flush its TLB here
            return true;
        }

        @Override
        public void invalidateRangeEnd(InvalidationRange range) {
            noteCallback();
        }

        /** The process is going away: drop the whole mirror; the device files still hold references. */
        @Override
        public void release(AddressSpace addressSpace) {
            noteCallback();
            releases.incrementAndGet();
            synchronized (this) {
                Arrays.fill(pageTable, null);
            }
        }

        /** After the last close and a grace period: no callback of the mirror runs or will run. */
        @Override
        public void freeNotifier() {
            synchronized (this) {
                Arrays.fill(pageTable, null);
            }
            frees.incrementAndGet();
            freed = true;
        }

        synchronized int mirroredPages() {
            int mirrored = 0;
            for (Mapping page : pageTable) {
                if (page != null) {
                    mirrored++;
                }
            }
            return mirrored;
        }

        private void noteCallback() {
            if (freed) {
                callbacksAfterFree.incrementAndGet();
            }
        }

        void dmaUntilStopped() {
            SplittableRandom random = new SplittableRandom(7);
            while (dmaRunning) {
                dmaRead(random.nextInt(PAGES));
            }
        }

        void stopDma() {
            dmaRunning = false;
        }

        /** Reads page {@code page} through the device table, faulting it in first if needed. */
        private void dmaRead(int page) {
            for (;;) {
                synchronized (this) {
                    Mapping mapping = pageTable[page];
                    if (mapping != null) {
                        try {
                            long value = mapping.getLong(0);
                            reads.incrementAndGet();
                            if (value != marker(mapping.region(), page)) {
                                wrongData.incrementAndGet();
                            }
                        } catch (SigBusException stale) {
                            staleReads.incrementAndGet();
                            pageTable[page] = null;
                        }
                        return;
                    }
                }
                if (!fault(page)) {
                    return;   // not mapped in the process right now: nothing to read
                }
            }
        }

        /** Mirrors one page: look it up in the space, then install it unless an invalidation raced. */
        private boolean fault(int page) {
            long address = BASE + (long) page * PAGE;
            for (;;) {
                long sequence = interval.readBegin();
                Mapping mapping = space.find(address);
                if (mapping == null) {
                    return false;
                }
                synchronized (this) {
                    if (interval.readRetry(sequence)) {
                        retries.incrementAndGet();
                        continue;
                    }
                    pageTable[page] = mapping;
                    faults.incrementAndGet();
                    return true;
                }
            }
        }

        @Override
        public String toString() {
            return "accelerator[" + interval + "]";
        }
    }
}
