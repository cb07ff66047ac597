package io.github.mmunotify.agrona;

import io.github.mmunotify.testing.ChildJvm;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every index and length given to a {@link GuardedAtomicBuffer} is checked against its window
 * before anything is read or written, with overflow-safe arithmetic, whatever Agrona's own
 * bounds-check switch says; a refused call writes nothing, in the window or next to it.
 */
class GuardedAtomicBufferBoundsTest {

    @Test
    void wrapRefusesWindowsOutsideTheRegionNamingTheArgument() {
        try (Region region = Region.allocate("agrona", 4096)) {
            for (long[] bad : new long[][]{{-1, 8}, {4096, 1}, {4096 - 7, 8}, {0, 4096 + 1}, {Long.MAX_VALUE, 1},
                    {Long.MIN_VALUE, 1}, {Long.MAX_VALUE - 1, Integer.MAX_VALUE}, {8, Integer.MAX_VALUE},
                    {1L << 40, 8}}) {
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                        () -> GuardedAtomicBuffer.wrap(region, bad[0], (int) bad[1]), () -> "wrap(" + bad[0] + ", " + bad[1] + ")");
                assertTrue(e.getMessage().contains("offset " + bad[0]) && e.getMessage().contains("length " + bad[1])
                        && e.getMessage().contains("agrona"), e.getMessage());
            }
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> GuardedAtomicBuffer.wrap(region, 8, -1));
            assertTrue(negative.getMessage().contains("length -1"), negative.getMessage());
            NullPointerException noRegion = assertThrows(NullPointerException.class,
                    () -> GuardedAtomicBuffer.wrap((Region) null, 0, 8));
            assertTrue(noRegion.getMessage().contains("region"), noRegion.getMessage());
            assertEquals(0, GuardedAtomicBuffer.wrap(region, 4096, 0).capacity(), "an empty window at the end is a window");
            assertEquals(4096, GuardedAtomicBuffer.wrap(region, 0, 4096).capacity());
        }
        Region revoked = Region.allocate("revoked", 4096);
        revoked.revoke();
        assertThrows(SigBusException.class, () -> GuardedAtomicBuffer.wrap(revoked, 0, 8));
    }

    @Test
    void indicesOutsideTheWindowAreRefusedNamingMethodIndexLengthAndWindowAndWriteNothing() {
        try (NeighbourRegions n = new NeighbourRegions("buffer-window")) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(n.victim, 0, NeighbourRegions.PAGE);
            expectOutOfBounds(n, () -> buffer.putLong(4092, -1L), "putLong", "4092");
            expectOutOfBounds(n, () -> buffer.getLong(-8), "getLong", "-8");
            expectOutOfBounds(n, () -> buffer.putInt(-4, -1), "putInt", "-4");
            expectOutOfBounds(n, () -> buffer.putBytes(4000, new byte[200], 0, 200), "putBytes", "4000");
            expectOutOfBounds(n, () -> buffer.putBytes(4000, new byte[200]), "putBytes", "4000");
            expectOutOfBounds(n, () -> buffer.setMemory(4000, Integer.MAX_VALUE, (byte) 1), "setMemory",
                    String.valueOf(Integer.MAX_VALUE));
            expectOutOfBounds(n, () -> buffer.putStringAscii(4090, "too long"), "putStringAscii", "4090");
            expectOutOfBounds(n, () -> buffer.putStringUtf8(4090, "\u00e9\u00e9\u00e9"), "putStringUtf8", "4090");
            expectOutOfBounds(n, () -> buffer.compareAndSetLong(4096, 0, -1), "compareAndSetLong", "4096");
            expectOutOfBounds(n, () -> buffer.putLongAscii(4090, Long.MIN_VALUE), "putLongAscii", "4090");
            expectOutOfBounds(n, () -> buffer.putNaturalIntAsciiFromEnd(123, 2), "putNaturalIntAsciiFromEnd", "2");
            expectOutOfBounds(n, () -> buffer.putNaturalPaddedIntAscii(4094, 8, 1), "putNaturalPaddedIntAscii", "4094");
            AtomicBuffer window = GuardedAtomicBuffer.wrap(n.victim, 4032, 64);
            IndexOutOfBoundsException e = expectOutOfBounds(n, () -> window.putLong(60, -1L), "putLong", "60");
            assertTrue(e.getMessage().contains("[0, 64)") && e.getMessage().contains("[4032, 4096)")
                    && e.getMessage().contains(n.victim.name()), "the message names the window: " + e.getMessage());
            // a length prefix in the window that announces bytes past it
            for (int prefix : new int[]{5, 100, Integer.MAX_VALUE, -5}) {
                window.putInt(56, prefix);
                IndexOutOfBoundsException tooLong = assertThrows(IndexOutOfBoundsException.class,
                        () -> window.getStringUtf8(56));
                assertTrue(tooLong.getMessage().contains("GuardedAtomicBuffer.getStringUtf8")
                        && tooLong.getMessage().contains("length of " + prefix), tooLong.getMessage());
            }
            window.putInt(56, 4);
            assertEquals(4, window.getStringAscii(56).length(), "a prefix that just fits");
        }
    }

    @Test
    void theWindowStaysTheWindowWithAgronasOwnBoundsChecksOff() throws Exception {
        List<String> flags = new ArrayList<>(ChildJvm.flagsFromProperty("mmunotify.agrona.jvm.flags"));
        flags.add("-Dagrona.disable.bounds.checks=true");
        ChildJvm.Result result = ChildJvm.run(UncheckedAgronaProbe.class, flags);
        assertTrue(result.exitCode() == 0 && result.output().contains("PROBE OK") && !result.crashed(),
                "probe with agrona.disable.bounds.checks=true failed: " + result.describe());
    }

    /**
     * Asserts that {@code call} throws {@link IndexOutOfBoundsException} naming the method and the
     * bad value, and that it changed nothing in the victim or its neighbours.
     */
    static IndexOutOfBoundsException expectOutOfBounds(NeighbourRegions n, Executable call, String method, String value) {
        Throwable thrown = null;
        try {
            call.execute();
        } catch (Throwable t) {
            thrown = t;
        }
        if (!(thrown instanceof IndexOutOfBoundsException refused)) {
            throw new AssertionError(method + " with " + value + (thrown == null ? " returned normally; memory changed: "
                    + n.changes() : " threw " + thrown), thrown);
        }
        String message = refused.getMessage();
        assertTrue(message.contains("GuardedAtomicBuffer." + method) && message.contains(value), message);
        n.assertUnchanged(method + " with " + value);
        return refused;
    }
}
