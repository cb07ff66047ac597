package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.MappedArena;
import io.github.mmunotify.mmap.Region;

import java.util.ArrayList;
import java.util.List;

/**
 * Three one-page regions carved in order from a fresh arena, {@code before | victim | after}
 * (adjacent: a fresh arena allocates first-fit from offset 0), each filled with a pattern of its
 * own: an access through a view of {@code victim} that strayed outside it would land in a
 * neighbour (mapped memory, so a stray write shows instead of crashing the JVM), and
 * {@link #assertUnchanged(String)} finds it, as it finds any change to the victim itself.
 */
final class NeighbourRegions implements AutoCloseable {
    static final int PAGE = 4096;

    final MappedArena arena;
    final Region before;
    final Region victim;
    final Region after;

    NeighbourRegions(String name) {
        arena = MappedArena.anonymous(name, 3L * PAGE);
        before = arena.allocate(name + "-before", PAGE);
        victim = arena.allocate(name + "-victim", PAGE);
        after = arena.allocate(name + "-after", PAGE);
        reset();
    }

    /** Writes every region's pattern again (after a call wrote to the victim on purpose). */
    void reset() {
        for (Region region : regions()) {
            region.putBytes(0, pattern(region));
        }
    }

    /** Fails naming every region whose bytes differ from its pattern, and the first offsets that do. */
    void assertUnchanged(String after) {
        List<String> changed = changes();
        if (!changed.isEmpty()) {
            throw new AssertionError(after + " changed memory it must not touch: " + changed);
        }
    }

    List<String> changes() {
        List<String> changed = new ArrayList<>();
        for (Region region : regions()) {
            byte[] expected = pattern(region);
            byte[] actual = new byte[PAGE];
            region.getBytes(0, actual);
            List<Integer> offsets = new ArrayList<>();
            for (int i = 0; i < PAGE && offsets.size() < 8; i++) {
                if (expected[i] != actual[i]) {
                    offsets.add(i);
                }
            }
            if (!offsets.isEmpty()) {
                changed.add(region.name() + " at offsets " + offsets);
            }
        }
        return changed;
    }

    private List<Region> regions() {
        return List.of(before, victim, after);
    }

    private static byte[] pattern(Region region) {
        int seed = region.name().hashCode();
        byte[] bytes = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            bytes[i] = (byte) (seed + i * 31 + (i >> 8));
        }
        return bytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
