package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.SigBusException;
import net.openhft.chronicle.bytes.Bytes;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.github.mmunotify.chronicle.NeighbourRegions.PAGE;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method of {@code Bytes}, by reflection, on a view of a region between two
 * neighbours: given out-of-range, negative and overflowing values in every integral argument, it
 * never touches memory outside the region, writes nothing when it throws, and throws for every
 * bad offset; the refused ones throw {@link UnsupportedOperationException} and touch nothing.
 */
class GuardedBytesMethodsTest {
    /** The methods GuardedBytes refuses (see its class comment and GuardedBytesEscapeTest). */
    static final Set<String> REFUSED = Set.of("addressForRead(long)", "addressForRead(long,int)",
            "addressForWrite(long)", "addressForWritePosition()", "bytesStore()", "copy()", "bytesForRead()",
            "bytesForWrite()", "subBytes(long,long)", "subSequence(int,int)", "toTemporaryDirectByteBuffer()",
            "copyTo(BytesStore)", "cipher(Cipher,Bytes,ByteBuffer,ByteBuffer)", "cipher(Cipher,Bytes)",
            "unchecked(boolean)", "unsafeRead(long,int)", "unsafeWrite(long,int)", "unsafeReadObject(Object,int,int)",
            "unsafeWriteObject(Object,int,int)", "reader()", "writer()", "nativeRead(long,long,long)",
            "nativeWrite(long,long,long)", "addReferenceChangeListener(ReferenceChangeListener)",
            "appendAndReturnLength(long,boolean,long,int,boolean)");

    private static final Set<String> OBJECT_METHODS = Set.of("toString()", "hashCode()", "equals(Object)");

    /**
     * Methods whose first (long) argument is a value, not an offset or a position: a bad value
     * there is written, formatted or used as a length, not refused as an offset.
     */
    private static final Set<String> VALUE_FIRST = Set.of("writeLong(long)", "writeUnsignedInt(long)",
            "writeStopBit(long)", "writeOrderedLong(long)", "append(long)", "appendBase16(long)",
            "appendBase16(long,int)", "appendBase(long,int)", "appendDecimal(long,int)", "appendDateMillis(long)",
            "appendTimeMillis(long)", "rawWriteLong(long)", "prewriteLong(long)", "writeLongAdv(long,int)",
            "ensureCapacity(long)", "clearAndPad(long)", "readSkip(long)", "writeSkip(long)", "hash(long)",
            "readWithLength(long,BytesOut)", "readWithLength(long,ThrowingConsumer)",
            "readWithLength0(long,ThrowingConsumerNonCapturing,StringBuilder,BytesOut)", "toHexString(long)",
            "toHexString(long,long)", "toDebugString(long)", "lengthWritten(long)", "inside(long)",
            "inside(long,long)", "readPositionRemaining(long,long)", "writePositionRemaining(long,long)",
            "prepend(long)", "unwrite(long,int)", "zeroOut(long,long)", "byteCheckSum(long,long)",
            "canReadDirect(long)", "canWriteDirect(long)");

    @Test
    void everyIndexTakingMethodStaysInsideTheRegion() {
        try (NeighbourRegions n = new NeighbourRegions("methods-every")) {
            long[] bad = {-1, -8, PAGE + 1, PAGE + 8, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 3,
                    Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 3, PAGE - 1};
            int calls = 0;
            List<String> notRefused = new ArrayList<>();
            for (Method m : publicMethods()) {
                String signature = signature(m);
                if (REFUSED.contains(signature)) {
                    Throwable thrown = invoke(GuardedBytes.wrap(n.victim), m, defaultArgs(m, -1, 0));
                    assertTrue(thrown instanceof UnsupportedOperationException, signature + " threw " + thrown);
                    n.assertUnchanged(signature);
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
                        GuardedBytes view = GuardedBytes.wrap(n.victim);
                        String call = signature + " with argument " + arg + " = " + value;
                        Throwable thrown = invoke(view, m, defaultArgs(m, arg, value));
                        calls++;
                        if (thrown != null) {
                            // Chronicle's own argument assertions (tests run with -ea) fire before any access.
                            boolean chronicleAssert = thrown instanceof AssertionError
                                    && thrown.getStackTrace()[0].getClassName().startsWith("net.openhft.");
                            if ((thrown instanceof Error && !chronicleAssert) || thrown instanceof SigBusException
                                    || thrown instanceof UnsupportedOperationException) {
                                throw new AssertionError(call + " threw " + thrown, thrown);
                            }
                            n.assertUnchanged(call + ", which threw " + thrown);
                        } else {
                            List<String> changed = n.changes();
                            changed.removeIf(c -> c.startsWith(n.victim.name() + " "));
                            assertTrue(changed.isEmpty(), call + " changed a neighbour: " + changed);
                        }
                        // GuardedBytes's own methods refuse a bad offset; a reviewed default may instead
                        // return without access (an empty range, "nothing readable there"), which the
                        // unchanged neighbours above already confirm.
                        boolean offsetArg = arg == 0 && params[0] == long.class && !VALUE_FIRST.contains(signature)
                                && declared(m);
                        if (offsetArg && (value < 0 || value > PAGE)
                                && !(thrown instanceof IndexOutOfBoundsException
                                || thrown instanceof IllegalArgumentException
                                || thrown instanceof BufferUnderflowException
                                || thrown instanceof BufferOverflowException
                                || (m.getReturnType() == int.class && signature.startsWith("peek")))) {
                            notRefused.add(call + (thrown == null ? " returned normally" : " threw " + thrown));
                        }
                        n.reset();
                    }
                }
            }
            assertTrue(notRefused.isEmpty(), "out-of-range offsets not refused: " + notRefused);
            assertTrue(calls > 1000, "only " + calls + " calls probed");
        }
    }

    private static List<Method> publicMethods() {
        List<Method> methods = new ArrayList<>();
        for (Method m : Bytes.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers()) && !OBJECT_METHODS.contains(signature(m))) {
                methods.add(m);
            }
        }
        methods.sort(Comparator.comparing(GuardedBytesMethodsTest::signature));
        return methods;
    }

    private static boolean declared(Method m) {
        try {
            return GuardedBytes.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass()
                    == GuardedBytes.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    static String signature(Method m) {
        return m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",")) + ")";
    }

    /** Harmless arguments for {@code m}, with {@code value} in argument {@code badArg} (if >= 0). */
    static Object[] defaultArgs(Method m, int badArg, long value) {
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
            } else if (p.isAssignableFrom(Bytes.class)) {
                Bytes<byte[]> other = Bytes.allocateElasticOnHeap(16);
                other.write(new byte[16]);
                args[i] = other;
            } else if (p == java.nio.ByteBuffer.class) {
                args[i] = java.nio.ByteBuffer.allocate(16);
            }
        }
        return args;
    }

    /** Calls {@code m} on {@code view}; returns what it threw, or null. */
    static Throwable invoke(Object view, Method m, Object[] args) {
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
