package io.github.mmunotify.mmap;

import java.lang.reflect.Method;
import java.util.Objects;

/**
 * What one method of a guarded view may do to the memory behind it: whether it writes, and the
 * check that proves, before it runs, that it stays inside the view's window. A method of
 * {@code Bytes} or {@code AtomicBuffer} that has no {@code ViewMethod} is refused (see
 * {@link #refused}), so a method added by a new Chronicle or Agrona version cannot reach memory
 * until someone has classified it.
 *
 * <p>Checks use the view's own window and positions, never the library's checks (Agrona's can be
 * switched off with {@code agrona.disable.bounds.checks}; Chronicle's absolute accessors have
 * none), with arithmetic that cannot overflow: {@code offset > capacity - width} with both sides
 * non-negative.
 */
record ViewMethod(String signature, Kind kind, Check check, String refusal,
                  java.util.function.UnaryOperator<Object> adapter) {

    enum Kind {
        /** Reads the view's memory or positions only; allowed on read-only regions. */
        READS,
        /** May write the view's memory; refused on read-only regions before it runs. */
        WRITES,
        /**
         * Writes a variable number of bytes at the write position (text, UTF-8, stop-bit
         * numbers): run on a heap scratch buffer first, then copied in only if it fits, so that a
         * write that does not fit writes nothing.
         */
        STAGED_WRITES,
        /** Not allowed through a guarded view; {@link #refusal} says what to use instead. */
        REFUSED
    }

    /** Proves a call stays inside the window; throws naming the method, argument and bounds otherwise. */
    @FunctionalInterface
    interface Check {
        void check(Object plain, Object[] args, Window window, String method);
    }

    /**
     * The memory a view may touch: {@code [address, address + capacity)}, and how to name it in
     * messages (with the signature of the method being checked).
     */
    record Window(long address, long capacity, String description) {
    }

    static final Check NONE = (plain, args, window, method) -> {
    };

    static ViewMethod reads(String signature, Check check) {
        return new ViewMethod(signature, Kind.READS, check, null, null);
    }

    static ViewMethod writes(String signature, Check check) {
        return new ViewMethod(signature, Kind.WRITES, check, null, null);
    }

    static ViewMethod stagedWrites(String signature) {
        return stagedWrites(signature, NONE);
    }

    /** A staged write whose arguments are checked first (the check must not touch memory: it runs outside the guard). */
    static ViewMethod stagedWrites(String signature, Check argumentCheck) {
        return new ViewMethod(signature, Kind.STAGED_WRITES, argumentCheck, null, null);
    }

    /**
     * A method answered by an adapter over the view itself (a stream whose every call goes back
     * through the view, so through its guard and checks) instead of by the plain view.
     */
    static ViewMethod adapted(String signature, Kind kind, java.util.function.UnaryOperator<Object> adapter) {
        return new ViewMethod(signature, kind, NONE, null, adapter);
    }

    /** Whether the method may write (and so is refused on a read-only region). */
    boolean mayWrite() {
        return kind == Kind.WRITES || kind == Kind.STAGED_WRITES;
    }

    static ViewMethod refused(String signature, String instead) {
        return new ViewMethod(signature, Kind.REFUSED, NONE, instead, null);
    }

    /** {@code name(SimpleType,SimpleType)}: the key of the classification tables. */
    static String signatureOf(Method method) {
        StringBuilder s = new StringBuilder(method.getName()).append('(');
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            s.append(i == 0 ? "" : ",").append(types[i].getSimpleName());
        }
        return s.append(')').toString();
    }

    // -------------------------------------------------------------------------------------------
    // Checks of absolute accesses: an offset (or index) argument and a width

    /** {@code width} bytes at the offset in argument {@code offsetArg}. */
    static Check at(int offsetArg, long width) {
        return (plain, args, w, m) -> inside(w, m, offsetArg, ((Number) args[offsetArg]).longValue(), width);
    }

    /** As {@link #at}, and the absolute address must be a multiple of {@code width} (atomics, volatile and ordered accesses). */
    static Check alignedAt(int offsetArg, int width) {
        return (plain, args, w, m) -> {
            long offset = ((Number) args[offsetArg]).longValue();
            inside(w, m, offsetArg, offset, width);
            if (((w.address() + offset) & (width - 1)) != 0) {
                throw new IllegalArgumentException(where(w, m) + ": argument " + offsetArg + " = " + offset
                        + " is not " + width + "-byte aligned in memory (address 0x" + Long.toHexString(w.address() + offset)
                        + "); atomic, volatile and ordered accesses need aligned addresses");
            }
        };
    }

    /** The range from the offset in {@code offsetArg} of the length in {@code lengthArg}. */
    static Check range(int offsetArg, int lengthArg) {
        return (plain, args, w, m) -> {
            long length = ((Number) args[lengthArg]).longValue();
            nonNegative(w, m, lengthArg, length);
            inside(w, m, offsetArg, ((Number) args[offsetArg]).longValue(), length);
        };
    }

    /** The range {@code [start, end)} given by two arguments. */
    static Check fromTo(int startArg, int endArg) {
        return (plain, args, w, m) -> {
            long start = ((Number) args[startArg]).longValue();
            long end = ((Number) args[endArg]).longValue();
            if (start < 0 || end < start || end > w.capacity()) {
                throw new IndexOutOfBoundsException(where(w, m) + ": range [" + start + ", " + end
                        + ") (arguments " + startArg + " and " + endArg + ") is not inside [0, " + w.capacity() + ")");
            }
        };
    }

    /** A whole {@code byte[]} (argument {@code arrayArg}) copied at the offset in {@code offsetArg}. */
    static Check arrayAt(int offsetArg, int arrayArg) {
        return (plain, args, w, m) -> {
            byte[] array = (byte[]) Objects.requireNonNull(args[arrayArg], "argument " + arrayArg + " (array)");
            inside(w, m, offsetArg, ((Number) args[offsetArg]).longValue(), array.length);
        };
    }

    /** {@code array[arrayOffset, arrayOffset + length)} copied at the offset in {@code offsetArg}. */
    static Check sliceAt(int offsetArg, int arrayArg, int arrayOffsetArg, int lengthArg) {
        Check slice = slice(arrayArg, arrayOffsetArg, lengthArg);
        return (plain, args, w, m) -> {
            slice.check(plain, args, w, m);
            inside(w, m, offsetArg, ((Number) args[offsetArg]).longValue(), ((Number) args[lengthArg]).longValue());
        };
    }

    /** A slice of a heap array argument: checked here, since the copy below it is unchecked {@code Unsafe}. */
    static Check slice(int arrayArg, int arrayOffsetArg, int lengthArg) {
        return (plain, args, w, m) -> {
            Object array = Objects.requireNonNull(args[arrayArg], "argument " + arrayArg + " (array)");
            int arrayLength = java.lang.reflect.Array.getLength(array);
            int offset = (Integer) args[arrayOffsetArg];
            int length = (Integer) args[lengthArg];
            if (offset < 0 || length < 0 || offset > arrayLength - length) {
                throw new IndexOutOfBoundsException(where(w, m) + ": array slice [" + offset + ", " + offset
                        + " + " + length + ") (arguments " + arrayOffsetArg + " and " + lengthArg
                        + ") is not inside the array of length " + arrayLength);
            }
        };
    }

    /** {@code header} bytes plus the string in argument {@code valueArg} encoded as by {@code encodedLength}. */
    static Check stringAt(int offsetArg, int valueArg, long header, boolean utf8) {
        return (plain, args, w, m) -> {
            CharSequence value = (CharSequence) args[valueArg];
            long encoded = value == null ? 0 : utf8 ? utf8UpperBound(value) : value.length();
            inside(w, m, offsetArg, ((Number) args[offsetArg]).longValue(), header + encoded);
        };
    }

    /**
     * An upper bound of the bytes {@code value} takes in UTF-8, whichever encoder writes it: 1 to 3
     * bytes per UTF-16 unit (a surrogate pair, 4 bytes, is two units), never fewer than any encoder.
     */
    static long utf8UpperBound(CharSequence value) {
        long bytes = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        return bytes;
    }

    // -------------------------------------------------------------------------------------------
    // The shared failure paths

    static String where(Window w, String method) {
        return w.description() + ": " + method;
    }

    static void inside(Window w, String m, int arg, long offset, long width) {
        if (offset < 0 || width < 0 || offset > w.capacity() - width) {
            throw new IndexOutOfBoundsException(where(w, m) + ": argument " + arg + " = " + offset + " with "
                    + width + " bytes is outside [0, " + w.capacity() + ")");
        }
    }

    static void nonNegative(Window w, String m, int arg, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(where(w, m) + ": argument " + arg + " (a length) = " + value
                    + " is negative");
        }
    }
}
