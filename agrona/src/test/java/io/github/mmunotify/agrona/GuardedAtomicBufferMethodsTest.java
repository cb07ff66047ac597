package io.github.mmunotify.agrona;

import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method of {@code AtomicBuffer}, by reflection: declared by {@link GuardedAtomicBuffer}
 * itself (so a newer Agrona's default method fails here instead of bypassing the guard); refused
 * exactly where it would escape the guard; after a revoke, every memory access throws
 * {@link SigBusException}; on a read-only region every write throws
 * {@link ReadOnlyMappingException}; and given out-of-range, negative and overflowing values in
 * every int argument, none touches memory outside its window.
 */
class GuardedAtomicBufferMethodsTest {

    @Test
    void everyMethodOfAtomicBufferAndItsSuperInterfacesIsDeclaredByTheAdapterItself() throws Exception {
        List<String> notDeclared = new ArrayList<>();
        for (Method m : EveryMethod.methods()) {
            Method mine = GuardedAtomicBuffer.class.getMethod(m.getName(), m.getParameterTypes());
            if (mine.getDeclaringClass() != GuardedAtomicBuffer.class || mine.isDefault()
                    || Modifier.isAbstract(mine.getModifiers())) {
                notDeclared.add(EveryMethod.signature(m) + " (from " + mine.getDeclaringClass().getName() + ")");
            }
        }
        for (String objectMethod : new String[]{"equals", "hashCode", "toString"}) {
            Method mine = objectMethod.equals("equals") ? GuardedAtomicBuffer.class.getMethod("equals", Object.class)
                    : GuardedAtomicBuffer.class.getMethod(objectMethod);
            if (mine.getDeclaringClass() != GuardedAtomicBuffer.class) {
                notDeclared.add(objectMethod);
            }
        }
        assertTrue(notDeclared.isEmpty(), "methods GuardedAtomicBuffer inherits instead of guarding: " + notDeclared);
        assertTrue(EveryMethod.methods().size() >= 120, "AtomicBuffer lost its methods? " + EveryMethod.methods().size());
    }

    @Test
    void exactlyTheEscapingMethodsAreRefusedNamingThemAndWhatToUseInstead() {
        try (Region region = Region.allocate("classified", 4096); Region other = Region.allocate("other", 64)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 4096);
            Supplier<DirectBuffer> others = () -> GuardedAtomicBuffer.wrap(other, 0, 64);
            List<String> refused = new ArrayList<>();
            region.putByte(EveryMethod.DIGIT_INDEX, (byte) '7');
            for (Method m : EveryMethod.methods()) {
                String signature = EveryMethod.signature(m);
                Throwable thrown = EveryMethod.invoke(buffer, m, EveryMethod.args(m, -1, 0, others));
                if (thrown instanceof UnsupportedOperationException) {
                    refused.add(signature);
                    String message = thrown.getMessage();
                    assertTrue(message.contains(m.getName()) && message.contains("instead"), signature + ": " + message);
                } else {
                    assertTrue(thrown == null, signature + " with harmless arguments threw " + thrown);
                }
            }
            assertEquals(EveryMethod.REFUSED, java.util.Set.copyOf(refused));
            System.out.println("GuardedAtomicBuffer: " + (EveryMethod.methods().size() - refused.size())
                    + " methods allowed, " + refused.size() + " refused");
        }
    }

    @Test
    void afterRevokeEveryMemoryAccessThrowsSigBusAndMetadataStillAnswers() {
        try (Region other = Region.allocate("other", 64)) {
            Region region = Region.allocate("every-after-revoke", 4096);
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 4096);
            region.revoke();
            for (Method m : EveryMethod.methods()) {
                String signature = EveryMethod.signature(m);
                Throwable thrown = EveryMethod.invoke(buffer, m,
                        EveryMethod.args(m, -1, 0, () -> GuardedAtomicBuffer.wrap(other, 0, 64)));
                if (EveryMethod.REFUSED.contains(signature)) {
                    assertTrue(thrown instanceof UnsupportedOperationException, signature + " threw " + thrown);
                } else if (EveryMethod.METADATA.contains(signature)) {
                    assertTrue(thrown == null, signature + " threw " + thrown);
                } else {
                    assertTrue(thrown instanceof SigBusException, signature + " after revoke threw " + thrown);
                    assertEquals("every-after-revoke", ((SigBusException) thrown).regionName());
                }
            }
            assertTrue(!buffer.equals(GuardedAtomicBuffer.wrap(other, 0, 64)), "capacities differ: unequal, nothing read");
            assertThrows(SigBusException.class, buffer::hashCode, "hashCode reads the contents");
            try (Region twin = Region.allocate("twin", 4096)) {
                AtomicBuffer same = GuardedAtomicBuffer.wrap(twin, 0, 4096);
                assertThrows(SigBusException.class, () -> buffer.equals(same), "equals reads the contents");
            }
            assertTrue(buffer.toString().contains("every-after-revoke"), buffer.toString());
        }
    }

    @Test
    void onAReadOnlyRegionEveryWriteIsRefusedBeforeItRunsAndEveryReadWorks(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("read-only.bin");
        byte[] contents = new byte[4096];
        contents[EveryMethod.DIGIT_INDEX] = '7';
        Files.write(file, contents);
        try (Region region = Region.mapFile(file, 0, 4096, false); Region other = Region.allocate("other", 64)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 4096);
            int writes = 0;
            for (Method m : EveryMethod.methods()) {
                String signature = EveryMethod.signature(m);
                if (EveryMethod.REFUSED.contains(signature)) {
                    continue;
                }
                Throwable thrown = EveryMethod.invoke(buffer, m,
                        EveryMethod.args(m, -1, 0, () -> GuardedAtomicBuffer.wrap(other, 0, 64)));
                if (EveryMethod.writes(m)) {
                    writes++;
                    assertTrue(thrown instanceof ReadOnlyMappingException && thrown.getMessage().contains(m.getName()),
                            signature + " threw " + thrown);
                } else {
                    assertTrue(thrown == null, signature + " threw " + thrown);
                }
            }
            assertTrue(writes > 50, "only " + writes + " writing methods found");
            assertTrue(java.util.Arrays.equals(contents, Files.readAllBytes(file)), "a refused write changed the file");
        }
    }

    @Test
    void everyIntArgumentOutOfRangeStaysInsideTheWindow() {
        try (NeighbourRegions n = new NeighbourRegions("buffer-every")) {
            int calls = outOfBoundsEverywhere(n);
            assertTrue(calls > 1000, "only " + calls + " calls probed");
        }
    }

    /**
     * Calls every allowed method with each bad value in each int argument, on a fresh buffer over
     * the victim, and checks the neighbours after each; also run by {@link UncheckedAgronaProbe}
     * with Agrona's own checks off.
     *
     * @return the number of calls made
     */
    static int outOfBoundsEverywhere(NeighbourRegions n) {
        long capacity = NeighbourRegions.PAGE;
        long[] bad = {-1, -8, capacity + 1, capacity + 8, Integer.MAX_VALUE, Integer.MIN_VALUE,
                Integer.MAX_VALUE - 3, capacity - 1};
        int calls = 0;
        try (Region spare = Region.allocate("spare", 64)) { // the other buffer of copies and comparisons
            for (Method m : EveryMethod.methods()) {
                String signature = EveryMethod.signature(m);
                if (EveryMethod.REFUSED.contains(signature)) {
                    continue;
                }
                Class<?>[] params = m.getParameterTypes();
                for (int arg = 0; arg < params.length; arg++) {
                    if (params[arg] != int.class) {
                        continue;
                    }
                    for (long value : bad) {
                        AtomicBuffer buffer = GuardedAtomicBuffer.wrap(n.victim, 0, NeighbourRegions.PAGE);
                        String call = signature + " with argument " + arg + " = " + value;
                        Throwable thrown = EveryMethod.invoke(buffer, m,
                                EveryMethod.args(m, arg, value, () -> GuardedAtomicBuffer.wrap(spare, 0, 64)));
                        calls++;
                        if (thrown != null) {
                            if (thrown instanceof Error || thrown instanceof SigBusException
                                    || thrown instanceof UnsupportedOperationException) {
                                throw new AssertionError(call + " threw " + thrown, thrown);
                            }
                            n.assertUnchanged(call + ", which threw " + thrown);
                        } else {
                            List<String> changed = n.changes();
                            changed.removeIf(c -> c.startsWith(n.victim.name() + " "));
                            assertTrue(changed.isEmpty(), call + " changed a neighbour: " + changed);
                        }
                        if (arg == EveryMethod.indexArg(m) && (value < 0 || value > capacity)) {
                            assertTrue(thrown instanceof IndexOutOfBoundsException || thrown instanceof IllegalArgumentException
                                            || thrown instanceof BufferUnderflowException || thrown instanceof BufferOverflowException,
                                    call + " must be refused but " + (thrown == null ? "returned normally" : "threw " + thrown));
                            assertTrue(thrown.getMessage() != null && thrown.getMessage().contains(m.getName()),
                                    call + ": the message does not name the method: " + thrown.getMessage());
                        }
                        n.reset();
                    }
                }
            }
        }
        return calls;
    }
}
