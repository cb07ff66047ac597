package io.github.mmunotify.samples;

import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.IntervalNotifier;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;

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
 * <p>Teardown follows the seed's pattern: the driver's {@code release} unregisters itself without a
 * release call and frees its device state through {@code callSrcu}; unloading the driver is
 * {@code Mmu.barrier()}, after which the free has run and no callback of the driver runs again.
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
            Accelerator device = new Accelerator(mmu, process);
            out.printf("   %s mirrors %d pages of %s%n", device, PAGES, process.name());

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
            checks.check("release ran once and the driver unregistered itself inside it",
                    device.releases.get() == 1 && !process.isRegistered(device));
            out.println("   unloading the driver: Mmu.barrier()");
            mmu.barrier();
            checks.check("barrier() returned only after the deferred free ran", device.freed);
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

        private final Mmu mmu;
        private final AddressSpace space;
        private final IntervalNotifier interval;
        /** The device page table; guarded by {@code this}, as are the fault path and the callbacks. */
        private final Mapping[] pageTable = new Mapping[PAGES];
        private volatile boolean dmaRunning = true;
        volatile boolean freed;

        final AtomicLong reads = new AtomicLong();
        final AtomicLong faults = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong staleReads = new AtomicLong();
        final AtomicLong wrongData = new AtomicLong();
        final AtomicLong intervalInvalidations = new AtomicLong();
        final AtomicLong releases = new AtomicLong();
        final AtomicLong callbacksAfterFree = new AtomicLong();

        Accelerator(Mmu mmu, AddressSpace space) {
            this.mmu = mmu;
            this.space = space;
            space.register(this);
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

        /** The space is going away: detach without a release call, free the device state later. */
        @Override
        public void release(AddressSpace addressSpace) {
            noteCallback();
            releases.incrementAndGet();
            addressSpace.unregisterNoRelease(this);
            mmu.callSrcu(this::freeDeviceState);
        }

        private void freeDeviceState() {
            synchronized (this) {
                Arrays.fill(pageTable, null);
            }
            freed = true;
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
