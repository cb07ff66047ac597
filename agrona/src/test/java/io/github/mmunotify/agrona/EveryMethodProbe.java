package io.github.mmunotify.agrona;

import io.github.mmunotify.mmap.Region;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.reflect.Method;
import java.util.function.Supplier;

/**
 * Run in a JVM of its own by {@link AgronaFlagsTest}, with exactly the flags under test: wraps a
 * region and calls every method of {@code AtomicBuffer} on it with harmless arguments, then
 * revokes the region and calls them again. Prints {@code PROBE OK} and exits 0 when every call
 * answered as in the module's own tests (a value, the refusal of an escaping method, a
 * {@code SigBusException} after the revoke); prints what went wrong and exits 1 otherwise.
 */
final class EveryMethodProbe {
    private EveryMethodProbe() {
    }

    public static void main(String[] args) {
        try {
            Region other = Region.allocate("other", 64);
            Supplier<DirectBuffer> others = () -> GuardedAtomicBuffer.wrap(other, 0, 64);
            Region region = Region.allocate("probe", 4096);
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 4096);
            region.putByte(EveryMethod.DIGIT_INDEX, (byte) '7');
            int calls = 0;
            for (boolean revoked : new boolean[]{false, true}) {
                if (revoked) {
                    region.revoke();
                }
                for (Method m : EveryMethod.methods()) {
                    String signature = EveryMethod.signature(m);
                    Throwable thrown = EveryMethod.invoke(buffer, m, EveryMethod.args(m, -1, 0, others));
                    calls++;
                    boolean expected = EveryMethod.REFUSED.contains(signature)
                            ? thrown instanceof UnsupportedOperationException
                            : revoked && !EveryMethod.METADATA.contains(signature)
                            ? thrown instanceof io.github.mmunotify.mmap.SigBusException
                            : thrown == null;
                    if (!expected) {
                        System.out.println(signature + (revoked ? " after revoke" : "") + " threw " + thrown);
                        if (thrown != null) {
                            thrown.printStackTrace(System.out);
                        }
                        System.exit(1);
                    }
                }
            }
            other.close();
            if (calls < 2 * 120) {
                throw new AssertionError("only " + calls + " calls");
            }
            System.out.println("PROBE OK");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
