package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.Region;
import net.openhft.chronicle.bytes.Bytes;

/**
 * A Chronicle quick start (the package documentation's example), run in child JVMs with chosen flags by
 * {@link ChronicleFlagsTest}: prints {@code chronicle quick start ok} and exits 0, or prints the
 * exception and exits 1.
 */
final class ChronicleQuickStart {
    private ChronicleQuickStart() {
    }

    public static void main(String[] args) {
        try (Region region = Region.allocate("quick-start", 4096)) {
            Bytes<Void> bytes = GuardedBytes.wrap(region).clear();
            bytes.writeUtf8("hello").append(42L).append(' ').writeLong(7);
            String text = bytes.readUtf8();
            long number = bytes.parseLong();
            long seven = bytes.readLong();
            if (!"hello".equals(text) || number != 42 || seven != 7) {
                System.out.println("failed: read back " + text + ", " + number + ", " + seven);
                System.exit(1);
            }
            System.out.println("chronicle quick start ok");
        } catch (RuntimeException | Error e) {
            System.out.println("failed: " + e);
            System.exit(1);
        }
    }
}
