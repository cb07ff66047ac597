package io.github.mmunotify.agrona.modulepath;

import io.github.mmunotify.agrona.GuardedAtomicBuffer;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Run by {@code ModulePathTest} on the class path of a JVM whose module path holds
 * {@code io.github.mmunotify.agrona}, mmap, core and Agrona (a package of its own, since the
 * module owns {@code io.github.mmunotify.agrona}). Prints {@code PROBE OK} and exits 0 when the
 * buffer works from the named modules and a revoke is seen as {@link SigBusException}.
 */
public final class ModulePathProbe {
    private ModulePathProbe() {
    }

    public static void main(String[] args) {
        check("io.github.mmunotify.agrona".equals(GuardedAtomicBuffer.class.getModule().getName()),
                "GuardedAtomicBuffer in module " + GuardedAtomicBuffer.class.getModule());
        check("org.agrona".equals(AtomicBuffer.class.getModule().getName()),
                "AtomicBuffer in module " + AtomicBuffer.class.getModule());
        check("io.github.mmunotify.mmap".equals(Region.class.getModule().getName()),
                "Region in module " + Region.class.getModule());
        Region region = Region.allocate("module-path", 4096);
        AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 4096);
        buffer.putStringAscii(8, "on the module path");
        check(buffer.getStringAscii(8).equals("on the module path"), "string round trip");
        check(buffer.getAndAddLong(0, 2) == 0 && buffer.getLongVolatile(0) == 2, "atomics");
        region.revoke();
        try {
            buffer.getLong(0);
            check(false, "getLong after revoke returned");
        } catch (SigBusException expected) {
            System.out.println("PROBE OK");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.out.println("failed: " + what);
            System.exit(1);
        }
    }
}
