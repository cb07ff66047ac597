package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;

/**
 * Run in a JVM of its own by {@link GuardedViewsBoundsTest}: reads and writes through the
 * {@code Bytes} view of a standalone 4 KiB region (nothing mapped after it, as far as the region
 * knows) at offsets past its end and far outside the address space. Before issue 10's fix these
 * crashed the JVM (SIGSEGV); each must now be refused. Exits 0 when all were refused.
 */
final class StandaloneRegionProbe {
    private StandaloneRegionProbe() {
    }

    public static void main(String[] args) {
        try (Region region = Region.allocate("standalone", 4096)) {
            Bytes<Void> bytes = region.bytes();
            long[] offsets = {4090, 4096, 1L << 40, Long.MAX_VALUE - 3, Long.MIN_VALUE, -4096};
            int refused = 0;
            for (long offset : offsets) {
                try {
                    long value = bytes.readLong(offset);
                    System.out.println("readLong(" + offset + ") returned " + value);
                } catch (IndexOutOfBoundsException expected) {
                    refused++;
                }
                try {
                    bytes.writeLong(offset, -1L);
                    System.out.println("writeLong(" + offset + ") returned normally");
                } catch (IndexOutOfBoundsException expected) {
                    refused++;
                }
            }
            System.out.println("REFUSED " + refused + " of " + 2 * offsets.length);
            System.exit(refused == 2 * offsets.length ? 0 : 1);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
