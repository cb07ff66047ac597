package io.github.mmunotify.samples;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.Srcu;
import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.notifier.AddressSpace;
import io.github.mmunotify.notifier.InvalidationRange;
import io.github.mmunotify.notifier.Mmu;
import io.github.mmunotify.notifier.MmuNotifier;
import io.github.mmunotify.notifier.NotifierReference;

/** The quick start: one short walk through core, mmap and notifier, one line per step. */
public final class QuickStart {
    public static void main(String[] args) throws Exception {
        // core: an epoch domain. Readers never block writers; retire old objects after a grace period.
        try (Srcu srcu = Srcu.create("config")) {
            int token = srcu.readLock();
            try {
                System.out.println("srcu: reading inside a read section");
            } finally {
                srcu.readUnlock(token);
            }
            srcu.callSrcu(() -> System.out.println("srcu: old config freed after a grace period"));
            srcu.barrier();                          // returns once that callback has run
        }

        // core: an object that can be taken away under open handles.
        Revocable device = Revocable.create("accel0");
        Revocable.Handle file = device.open(() -> System.out.println("revocable: handle released"));
        if (device.tryEnter()) {                     // every method of the open file
            try { System.out.println("revocable: serving a call"); } finally { device.exit(); }
        }
        device.revoke();                             // waits out calls in flight, releases each handle once
        System.out.println("revocable: revoked, handle open = " + file.isOpen());

        // mmap: memory that can be unmapped under live readers.
        try (Region region = Region.allocate("data", 1 << 16)) {
            region.putLong(4096, 42);
            Mapping window = region.map(4096, 4096);
            System.out.println("mmap: window reads " + window.getLong(0));
            region.revoke();                         // waits for writes and pins in flight, unmaps
            try {
                window.getLong(0);
            } catch (SigBusException e) {            // the JVM lives on
                System.out.println("mmap: " + e.getMessage());
            }
        }

        // notifier: mirror an address space and be told before any of it changes.
        try (Mmu mmu = Mmu.create(); Region memory = Region.allocate("heap", 1 << 20)) {
            AddressSpace process = mmu.createAddressSpace("process");
            Mapping heap = process.map(memory, 0, 1 << 20);
            // One refcounted mirror per (space, key), as the kernel's mmu_notifier_get/put.
            NotifierReference<MmuNotifier> mirror = process.getNotifier("mirror", space -> new MmuNotifier() {
                @Override public boolean invalidateRangeStart(InvalidationRange range) {
                    System.out.println("notifier: drop the mirror of " + range);
                    return true;
                }
            });
            process.unmap(heap.address(), heap.length());  // invalidate start, unmap, invalidate end
            mirror.put();                    // the last put unregisters; the free follows a grace period
        }
        System.out.println("quick start: ok");
    }
}
