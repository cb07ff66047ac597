package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method of {@code AtomicBuffer}, by reflection: each is either on
 * the view's allow-list or refused (and a refused one really throws, touching nothing); each
 * allowed one returns only values; and each allowed one, given out-of-range, negative and
 * overflowing values in every integral argument, never touches memory outside the view, writes
 * nothing when it throws, and throws for every bad offset.
 */
class GuardedViewsMethodsTest {
    private static final Set<Class<?>> VALUE_TYPES = Set.of(void.class, boolean.class, byte.class, short.class,
            char.class, int.class, long.class, float.class, double.class, String.class, Boolean.class, byte[].class,
            ByteOrder.class, BigDecimal.class, BigInteger.class);

    private static final Set<String> OBJECT_METHODS = Set.of("toString()", "hashCode()", "equals(Object)");


    @Test
    void everyMethodOfBothViewsIsClassifiedOrRefused() {
        try (Region region = Region.allocate("classified", 4096)) {
            int[] bufferCounts = checkClassification(AtomicBuffer.class, BufferViewMethods.TABLE,
                    region.atomicBuffer(0, 4096));
            System.out.printf("AtomicBuffer view: %d allowed, %d refused%n", bufferCounts[0], bufferCounts[1]);
            assertEquals(0, region.getLong(0), "refused calls wrote nothing");
        }
    }

    @Test
    void afterRevokeEveryMethodOfBothViewsThrowsSigBusOrIsRefused() {
        Region region = Region.allocate("every-after-revoke", 4096);
        AtomicBuffer buffer = region.atomicBuffer(0, 4096);
        region.revoke();
        for (Object[] view : new Object[][]{{AtomicBuffer.class, BufferViewMethods.TABLE, buffer}}) {
            @SuppressWarnings("unchecked")
            Map<String, ViewMethod> table = (Map<String, ViewMethod>) view[1];
            for (Method m : publicMethods((Class<?>) view[0])) {
                Throwable thrown = invoke(view[2], m, defaultArgs(m, -1, 0));
                boolean refused = GuardedViews.classify(m, table).kind() == ViewMethod.Kind.REFUSED;
                assertTrue(refused ? thrown instanceof UnsupportedOperationException : thrown instanceof SigBusException,
                        ViewMethod.signatureOf(m) + " after revoke threw " + thrown);
            }
        }
    }

    @Test
    void onAReadOnlyRegionEveryWritingMethodIsRefusedBeforeItRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("read-only.bin");
        java.nio.file.Files.write(file, new byte[4096]);
        try (Region region = Region.mapFile(file, 0, 4096, false)) {
            for (Object[] view : new Object[][]{{AtomicBuffer.class, BufferViewMethods.TABLE}}) {
                @SuppressWarnings("unchecked")
                Map<String, ViewMethod> table = (Map<String, ViewMethod>) view[1];
                for (Method m : publicMethods((Class<?>) view[0])) {
                    ViewMethod how = GuardedViews.classify(m, table);
                    if (how.kind() == ViewMethod.Kind.REFUSED) {
                        continue;
                    }
                    Object target = region.atomicBuffer(0, 4096);
                    Throwable thrown = invoke(target, m, defaultArgs(m, -1, 0));
                    if (how.mayWrite()) {
                        assertTrue(thrown instanceof ReadOnlyMappingException, how.signature() + " threw " + thrown);
                    } else {
                        assertTrue(!(thrown instanceof ReadOnlyMappingException) && !(thrown instanceof Error),
                                how.signature() + " threw " + thrown);
                    }
                }
            }
        }
    }

    @Test
    void aMethodMissingFromTheAllowListIsRefused() throws Exception {
        Method unknown = AtomicBuffer.class.getMethod("getLong", int.class);
        ViewMethod how = GuardedViews.classify(unknown, Map.of());
        assertEquals(ViewMethod.Kind.REFUSED, how.kind());
        assertTrue(how.refusal().contains("allow-list"), how.refusal());
    }

    @Test
    void everyIndexTakingAtomicBufferMethodStaysInsideItsWindow() throws Exception {
        try (NeighbourRegions n = new NeighbourRegions("buffer-every")) {
            agronaOutOfBoundsEverywhere(n);
        }
    }

    /** Also run by {@link AgronaUncheckedProbe} with Agrona's own checks off. */
    static void agronaOutOfBoundsEverywhere(NeighbourRegions n) throws Exception {
        int calls = probeEveryMethod(n, AtomicBuffer.class, BufferViewMethods.TABLE,
                () -> n.victim.atomicBuffer(0, NeighbourRegions.PAGE), GuardedViewsMethodsTest::agronaIndexArg);
        System.out.println("AtomicBuffer view: " + calls + " out-of-range calls refused or kept inside");
    }

    /** Agrona's index is the first int argument, except where the method says otherwise. */
    private static int agronaIndexArg(Method m) {
        return switch (ViewMethod.signatureOf(m)) {
            case "checkLimit(int)" -> -1;
            case "putNaturalIntAsciiFromEnd(int,int)" -> 1;
            default -> m.getParameterCount() > 0 && m.getParameterTypes()[0] == int.class ? 0 : -1;
        };
    }

    // -------------------------------------------------------------------------------------------

    private static int[] checkClassification(Class<?> type, Map<String, ViewMethod> table, Object view) {
        List<String> unknownEntries = new ArrayList<>(table.keySet());
        int allowed = 0;
        int refused = 0;
        for (Method m : publicMethods(type)) {
            String signature = ViewMethod.signatureOf(m);
            unknownEntries.remove(signature);
            ViewMethod how = GuardedViews.classify(m, table);
            if (how.kind() == ViewMethod.Kind.REFUSED) {
                refused++;
                Throwable thrown = invoke(view, m, defaultArgs(m, -1, 0));
                assertTrue(thrown instanceof UnsupportedOperationException && thrown.getMessage().contains(signature)
                        && thrown.getMessage().contains("instead"), signature + " threw " + thrown);
            } else {
                allowed++;
                Class<?> returned = m.getReturnType();
                boolean stream = how.adapter() != null
                        && (returned == java.io.InputStream.class || returned == java.io.OutputStream.class);
                assertTrue(VALUE_TYPES.contains(returned) || returned.isAssignableFrom(type) || stream,
                        signature + " is allowed but returns " + returned.getName() + ", which is neither a value nor"
                                + " the view itself");
            }
        }
        assertTrue(unknownEntries.isEmpty(), "allow-list entries that match no method of " + type.getSimpleName()
                + ": " + unknownEntries);
        return new int[]{allowed, refused};
    }

    private static int probeEveryMethod(NeighbourRegions n, Class<?> type, Map<String, ViewMethod> table,
                                        Supplier<Object> views, java.util.function.ToIntFunction<Method> indexArg) {
        long capacity = NeighbourRegions.PAGE;
        long[] bad = {-1, -8, capacity + 1, capacity + 8, Integer.MAX_VALUE, Integer.MIN_VALUE,
                Integer.MAX_VALUE - 3, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 3, capacity - 1};
        int calls = 0;
        for (Method m : publicMethods(type)) {
            ViewMethod how = GuardedViews.classify(m, table);
            if (how.kind() == ViewMethod.Kind.REFUSED) {
                continue;
            }
            Class<?>[] params = m.getParameterTypes();
            for (int arg = 0; arg < params.length; arg++) {
                if (params[arg] != int.class && params[arg] != long.class) {
                    continue;
                }
                for (long value : bad) {
                    if (params[arg] == int.class && (int) value != value) {
                        continue;
                    }
                    Object view = views.get();
                    String call = how.signature() + " with argument " + arg + " = " + value;
                    long started = System.nanoTime();
                    Throwable thrown = invoke(view, m, defaultArgs(m, arg, value));
                    long tookMs = (System.nanoTime() - started) / 1_000_000;
                    if (tookMs > 100) {
                        System.out.println("SLOW " + call + ": " + tookMs + " ms");
                    }
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
                    boolean outOfRange = value < 0 || value > capacity;
                    if (arg == indexArg.applyAsInt(m) && outOfRange) {
                        assertTrue(thrown instanceof IndexOutOfBoundsException || thrown instanceof IllegalArgumentException
                                        || thrown instanceof BufferUnderflowException || thrown instanceof BufferOverflowException,
                                call + " must be refused but " + (thrown == null ? "returned normally" : "threw " + thrown));
                        assertTrue(thrown.getMessage() != null && thrown.getMessage().contains(how.signature()),
                                call + ": message does not name the method: " + thrown.getMessage());
                    }
                    n.reset();
                }
            }
        }
        return calls;
    }

    private static List<Method> publicMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        for (Method m : type.getMethods()) {
            // toString(), hashCode() and equals(Object) reach the proxy as Object's methods: identity, a name.
            if (!Modifier.isStatic(m.getModifiers()) && !OBJECT_METHODS.contains(ViewMethod.signatureOf(m))) {
                methods.add(m);
            }
        }
        methods.sort(Comparator.comparing(ViewMethod::signatureOf));
        return methods;
    }

    /** Harmless arguments for {@code m}, with {@code value} in argument {@code badArg} (if >= 0). */
    private static Object[] defaultArgs(Method m, int badArg, long value) {
        Class<?>[] params = m.getParameterTypes();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Class<?> p = params[i];
            if (i == badArg) {
                args[i] = p == int.class ? (Object) (int) value : (Object) value;
            } else if (p == int.class) {
                args[i] = 0;
            } else if (p == long.class) {
                args[i] = 0L;
            } else if (p == short.class) {
                args[i] = (short) 0;
            } else if (p == byte.class) {
                args[i] = (byte) 0;
            } else if (p == char.class) {
                args[i] = 'x';
            } else if (p == float.class) {
                args[i] = 0f;
            } else if (p == double.class) {
                args[i] = 0d;
            } else if (p == boolean.class) {
                args[i] = false;
            } else if (p == byte[].class) {
                args[i] = new byte[16];
            } else if (p == char[].class) {
                args[i] = new char[16];
            } else if (p == String.class || p == CharSequence.class) {
                args[i] = "abc";
            } else if (p == ByteOrder.class) {
                args[i] = ByteOrder.LITTLE_ENDIAN;
            } else if (p == Appendable.class || p == StringBuilder.class) {
                args[i] = new StringBuilder();
            } else if (p == BigDecimal.class) {
                args[i] = BigDecimal.ONE;
            } else if (p == BigInteger.class) {
                args[i] = BigInteger.ONE;
            }
        }
        return args;
    }

    /** Calls {@code m} on {@code view}; returns what it threw, or null. */
    private static Throwable invoke(Object view, Method m, Object[] args) {
        try {
            m.invoke(view, args);
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
