package io.github.mmunotify.mmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Mapping#takeProtection}: once taken, only the key changes the mapping's protection. */
class MappingProtectionTest {

    @TempDir
    Path dir;

    @Test
    void afterTheKeyIsTakenSetWritableRefusesAndOnlyTheKeyChangesTheProtection() {
        try (Region region = Region.allocate("keyed", 4096)) {
            Mapping mapping = region.map(0, 4096);
            Mapping.ProtectionKey key = mapping.takeProtection("the test's manager");
            assertSame(mapping, key.mapping());

            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> mapping.setWritable(false));
            assertTrue(refused.getMessage().contains("the test's manager"), refused.getMessage());
            assertTrue(mapping.isWritable(), "a refused setWritable changed the protection");

            key.setWritable(false);
            assertFalse(mapping.isWritable());
            assertThrows(ReadOnlyMappingException.class, () -> mapping.putLong(0, 1));
            key.setWritable(true);
            mapping.putLong(0, 1);
            assertEquals(1, region.getLong(0));

            IllegalStateException again = assertThrows(IllegalStateException.class,
                    () -> mapping.takeProtection("someone else"));
            assertTrue(again.getMessage().contains("the test's manager"), again.getMessage());
            assertThrows(NullPointerException.class, () -> region.map(0, 8).takeProtection(null));
        }
    }

    @Test
    void theKeyCannotMakeAMappingOfAReadOnlyRegionWritable() throws Exception {
        Path file = dir.resolve("ro.bin");
        Files.write(file, new byte[4096]);
        try (Region region = Region.mapFile(file, 0, 4096, false)) {
            Mapping.ProtectionKey key = region.map(0, 8).takeProtection("manager");
            assertThrows(ReadOnlyMappingException.class, () -> key.setWritable(true));
            assertFalse(key.mapping().isWritable());
        }
    }

    /** The only public ways to change a mapping's protection are the two above: no other public mutator exists. */
    @Test
    void noOtherPublicMethodChangesTheProtection() {
        List<String> protectionMethods = Arrays.stream(Mapping.class.getMethods())
                .filter(m -> m.getDeclaringClass() == Mapping.class)
                .map(Method::getName)
                .filter(name -> name.toLowerCase().contains("writ") || name.toLowerCase().contains("protect"))
                .sorted().toList();
        assertEquals(List.of("isWritable", "setWritable", "takeProtection"), protectionMethods);
        assertTrue(Modifier.isFinal(Mapping.ProtectionKey.class.getModifiers()));
        assertEquals(0, Mapping.ProtectionKey.class.getConstructors().length, "anyone could make a key");
    }
}
