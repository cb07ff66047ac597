package io.github.mmunotify.agrona;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Calls every method of {@link AtomicBuffer} (and its super-interfaces) by reflection, with
 * harmless arguments or with one bad value, so that tests cover methods a newer Agrona adds without
 * anyone listing them. The tests' own view of the methods (which are refused, which write) is here,
 * by name, on purpose: the adapter itself decides nothing by name.
 */
final class EveryMethod {
    /** The methods GuardedAtomicBuffer refuses: they would re-point the buffer or hand out its memory. */
    static final Set<String> REFUSED = Set.of("wrap(byte[])", "wrap(byte[],int,int)", "wrap(ByteBuffer)",
            "wrap(ByteBuffer,int,int)", "wrap(DirectBuffer)", "wrap(DirectBuffer,int,int)", "wrap(long,int)",
            "addressOffset()", "byteArray()", "byteBuffer()", "wrapAdjustment()");

    /** The methods that touch no memory (and so work after a revoke). */
    static final Set<String> METADATA = Set.of("capacity()", "isExpandable()", "checkLimit(int)",
            "boundsCheck(int,int)");

    /**
     * Where the callers of {@link #args} keep a number for the parsers' harmless arguments:
     * {@code '7'} at this index (no harmless write touches it).
     */
    static final int DIGIT_INDEX = 100;

    /** Harmless arguments where all-zero ones would be refused for another reason than the one tested. */
    private static final Map<String, Object[]> HARMLESS = Map.of(
            "parseIntAscii(int,int)", new Object[]{DIGIT_INDEX, 1},
            "parseLongAscii(int,int)", new Object[]{DIGIT_INDEX, 1},
            "parseNaturalIntAscii(int,int)", new Object[]{DIGIT_INDEX, 1},
            "parseNaturalLongAscii(int,int)", new Object[]{DIGIT_INDEX, 1},
            "putNaturalPaddedIntAscii(int,int,int)", new Object[]{0, 4, 7},
            "putNaturalIntAsciiFromEnd(int,int)", new Object[]{7, 8},
            "putStringUtf8(int,String,int)", new Object[]{0, "abc", 64},
            "putStringUtf8(int,String,ByteOrder,int)", new Object[]{0, "abc", ByteOrder.LITTLE_ENDIAN, 64});

    private EveryMethod() {
    }

    /** Every instance method of {@code AtomicBuffer}, inherited ones included, in a stable order. */
    static List<Method> methods() {
        List<Method> methods = new ArrayList<>();
        for (Method m : AtomicBuffer.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                methods.add(m);
            }
        }
        methods.sort(Comparator.comparing(EveryMethod::signature));
        return methods;
    }

    /** {@code name(SimpleType,SimpleType)}. */
    static String signature(Method method) {
        StringBuilder s = new StringBuilder(method.getName()).append('(');
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            s.append(i == 0 ? "" : ",").append(types[i].getSimpleName());
        }
        return s.append(')').toString();
    }

    /** Whether the method may write the buffer's memory (by Agrona's naming). */
    static boolean writes(Method m) {
        String name = m.getName();
        return name.startsWith("put") || name.startsWith("set") || name.startsWith("add")
                || name.startsWith("compareAnd") || name.startsWith("getAnd");
    }

    /** The argument that is the buffer index: the first int, except where the method says otherwise; -1 if none. */
    static int indexArg(Method m) {
        return switch (signature(m)) {
            case "checkLimit(int)" -> -1;
            case "putNaturalIntAsciiFromEnd(int,int)" -> 1;
            default -> m.getParameterCount() > 0 && m.getParameterTypes()[0] == int.class ? 0 : -1;
        };
    }

    /**
     * Harmless arguments for {@code m}, with {@code value} in argument {@code badArg} (if >= 0);
     * buffer arguments are {@code other}.
     */
    static Object[] args(Method m, int badArg, long value, Supplier<DirectBuffer> other) {
        Class<?>[] params = m.getParameterTypes();
        Object[] harmless = HARMLESS.get(signature(m));
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Class<?> p = params[i];
            if (i == badArg) {
                args[i] = p == int.class ? (Object) (int) value : (Object) value;
            } else if (harmless != null) {
                args[i] = harmless[i];
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
            } else if (p == byte[].class) {
                args[i] = new byte[16];
            } else if (p == String.class || p == CharSequence.class) {
                args[i] = "abc";
            } else if (p == ByteOrder.class) {
                args[i] = ByteOrder.LITTLE_ENDIAN;
            } else if (p == Appendable.class) {
                args[i] = new StringBuilder();
            } else if (p == ByteBuffer.class) {
                args[i] = ByteBuffer.allocate(16);
            } else if (DirectBuffer.class.isAssignableFrom(p) || p == Object.class) {
                args[i] = other.get();
            } else {
                throw new AssertionError("no harmless argument of type " + p.getName() + " for " + signature(m)
                        + ": teach EveryMethod.args about it");
            }
        }
        return args;
    }

    /** Calls {@code m} on {@code target}; returns what it threw, or null. */
    static Throwable invoke(Object target, Method m, Object[] args) {
        try {
            m.invoke(target, args);
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
