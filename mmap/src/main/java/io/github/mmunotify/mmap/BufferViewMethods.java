package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;

import java.util.HashMap;
import java.util.Map;

import static io.github.mmunotify.mmap.ViewMethod.alignedAt;
import static io.github.mmunotify.mmap.ViewMethod.arrayAt;
import static io.github.mmunotify.mmap.ViewMethod.at;
import static io.github.mmunotify.mmap.ViewMethod.inside;
import static io.github.mmunotify.mmap.ViewMethod.lengthPrefixed;
import static io.github.mmunotify.mmap.ViewMethod.range;
import static io.github.mmunotify.mmap.ViewMethod.reads;
import static io.github.mmunotify.mmap.ViewMethod.refused;
import static io.github.mmunotify.mmap.ViewMethod.sliceAt;
import static io.github.mmunotify.mmap.ViewMethod.stringAt;
import static io.github.mmunotify.mmap.ViewMethod.where;
import static io.github.mmunotify.mmap.ViewMethod.writes;

/**
 * The allow-list of the guarded Agrona {@link AtomicBuffer} view: every method it lets through and
 * the bytes each touches, checked against the view's window before it runs, whether or not
 * Agrona's own checks are on ({@code agrona.disable.bounds.checks}). A method of
 * {@code AtomicBuffer} not listed here is refused.
 *
 * <p>Atomic, volatile, ordered, release, acquire and opaque accesses also need an address aligned
 * to their width (an unaligned atomic is not atomic, and faults on some CPUs).
 */
final class BufferViewMethods {
    static final Map<String, ViewMethod> TABLE = build();

    private BufferViewMethods() {
    }

    private static Map<String, ViewMethod> build() {
        Map<String, ViewMethod> t = new HashMap<>();
        for (String s : new String[]{"capacity()", "isExpandable()", "checkLimit(int)", "verifyAlignment()"}) {
            add(t, reads(s, ViewMethod.NONE));
        }
        add(t, reads("boundsCheck(int,int)", range(0, 1)));

        String[] types = {"Byte", "Short", "Char", "Int", "Float", "Long", "Double"};
        int[] widths = {1, 2, 2, 4, 4, 8, 8};
        String[] params = {"byte", "short", "char", "int", "float", "long", "double"};
        for (int i = 0; i < types.length; i++) {
            String type = types[i];
            int width = widths[i];
            String param = params[i];
            add(t, reads("get" + type + "(int)", at(0, width)));
            add(t, writes("put" + type + "(int," + param + ")", at(0, width)));
            if (width > 1) {
                add(t, reads("get" + type + "(int,ByteOrder)", at(0, width)));
                add(t, writes("put" + type + "(int," + param + ",ByteOrder)", at(0, width)));
            }
        }
        add(t, reads("getByteVolatile(int)", at(0, 1)));
        add(t, writes("putByteVolatile(int,byte)", at(0, 1)));
        for (String type : new String[]{"Short", "Char"}) {
            String param = type.toLowerCase(java.util.Locale.ROOT);
            add(t, reads("get" + type + "Volatile(int)", alignedAt(0, 2)));
            add(t, writes("put" + type + "Volatile(int," + param + ")", alignedAt(0, 2)));
        }
        for (String type : new String[]{"Int", "Long"}) {
            String param = type.toLowerCase(java.util.Locale.ROOT);
            int width = type.equals("Int") ? 4 : 8;
            for (String mode : new String[]{"Volatile", "Acquire", "Opaque"}) {
                add(t, reads("get" + type + mode + "(int)", alignedAt(0, width)));
            }
            for (String mode : new String[]{"Volatile", "Ordered", "Release", "Opaque"}) {
                add(t, writes("put" + type + mode + "(int," + param + ")", alignedAt(0, width)));
            }
            for (String mode : new String[]{"Ordered", "Release", "Opaque"}) {
                add(t, writes("add" + type + mode + "(int," + param + ")", alignedAt(0, width)));
            }
            add(t, writes("getAndAdd" + type + "(int," + param + ")", alignedAt(0, width)));
            add(t, writes("getAndSet" + type + "(int," + param + ")", alignedAt(0, width)));
            add(t, writes("compareAndSet" + type + "(int," + param + "," + param + ")", alignedAt(0, width)));
            add(t, writes("compareAndExchange" + type + "(int," + param + "," + param + ")", alignedAt(0, width)));
        }

        // Bulk copies to and from heap arrays.
        add(t, reads("getBytes(int,byte[])", arrayAt(0, 1)));
        add(t, reads("getBytes(int,byte[],int,int)", sliceAt(0, 1, 2, 3)));
        add(t, writes("putBytes(int,byte[])", arrayAt(0, 1)));
        add(t, writes("putBytes(int,byte[],int,int)", sliceAt(0, 1, 2, 3)));
        add(t, writes("setMemory(int,int,byte)", range(0, 1)));

        // Strings: a 4-byte length prefix then the bytes, or the bytes alone.
        add(t, reads("getStringAscii(int)", lengthPrefixed(-1)));
        add(t, reads("getStringAscii(int,ByteOrder)", lengthPrefixed(1)));
        add(t, reads("getStringAscii(int,Appendable)", lengthPrefixed(-1)));
        add(t, reads("getStringAscii(int,Appendable,ByteOrder)", lengthPrefixed(2)));
        add(t, reads("getStringUtf8(int)", lengthPrefixed(-1)));
        add(t, reads("getStringUtf8(int,ByteOrder)", lengthPrefixed(1)));
        add(t, reads("getStringAscii(int,int)", prefixedRange()));
        add(t, reads("getStringAscii(int,int,Appendable)", prefixedRange()));
        add(t, reads("getStringUtf8(int,int)", prefixedRange()));
        add(t, reads("getStringWithoutLengthAscii(int,int)", range(0, 1)));
        add(t, reads("getStringWithoutLengthAscii(int,int,Appendable)", range(0, 1)));
        add(t, reads("getStringWithoutLengthUtf8(int,int)", range(0, 1)));
        for (String s : new String[]{"putStringAscii(int,String)", "putStringAscii(int,CharSequence)",
                "putStringAscii(int,String,ByteOrder)", "putStringAscii(int,CharSequence,ByteOrder)"}) {
            add(t, writes(s, stringAt(0, 1, Integer.BYTES, false)));
        }
        for (String s : new String[]{"putStringUtf8(int,String)", "putStringUtf8(int,String,ByteOrder)",
                "putStringUtf8(int,String,int)", "putStringUtf8(int,String,ByteOrder,int)"}) {
            add(t, writes(s, stringAt(0, 1, Integer.BYTES, true)));
        }
        add(t, writes("putStringWithoutLengthAscii(int,String)", stringAt(0, 1, 0, false)));
        add(t, writes("putStringWithoutLengthAscii(int,CharSequence)", stringAt(0, 1, 0, false)));
        add(t, writes("putStringWithoutLengthAscii(int,String,int,int)", stringSlice()));
        add(t, writes("putStringWithoutLengthAscii(int,CharSequence,int,int)", stringSlice()));
        add(t, writes("putStringWithoutLengthUtf8(int,String)", stringAt(0, 1, 0, true)));

        // ASCII numbers: as many bytes as the digits of the value.
        for (String s : new String[]{"parseNaturalIntAscii(int,int)", "parseNaturalLongAscii(int,int)",
                "parseIntAscii(int,int)", "parseLongAscii(int,int)"}) {
            add(t, reads(s, range(0, 1)));
        }
        add(t, writes("putIntAscii(int,int)", (p, a, w, m) -> inside(w, m, 0, (Integer) a[0], digits((Integer) a[1]))));
        add(t, writes("putLongAscii(int,long)", (p, a, w, m) -> inside(w, m, 0, (Integer) a[0], digits((Long) a[1]))));
        add(t, writes("putNaturalIntAscii(int,int)", (p, a, w, m) ->
                inside(w, m, 0, (Integer) a[0], digits(natural(w, m, 1, (Integer) a[1])))));
        add(t, writes("putNaturalLongAscii(int,long)", (p, a, w, m) ->
                inside(w, m, 0, (Integer) a[0], digits(natural(w, m, 1, (Long) a[1])))));
        add(t, writes("putNaturalPaddedIntAscii(int,int,int)", (p, a, w, m) -> {
            natural(w, m, 2, (Integer) a[2]);
            range(0, 1).check(p, a, w, m);
        }));
        add(t, writes("putNaturalIntAsciiFromEnd(int,int)", (p, a, w, m) -> {
            long end = (Integer) a[1];
            long width = digits(natural(w, m, 0, (Integer) a[0]));
            inside(w, m, 1, end - width, width);
        }));

        // Refused, with what to use instead.
        String wrap = "it would re-point the view past the region's guard; use Region.atomicBuffer(offset, length)"
                + " for a view of another window instead";
        for (String s : new String[]{"wrap(byte[])", "wrap(byte[],int,int)", "wrap(ByteBuffer)", "wrap(ByteBuffer,int,int)",
                "wrap(DirectBuffer)", "wrap(DirectBuffer,int,int)", "wrap(long,int)"}) {
            add(t, refused(s, wrap));
        }
        String raw = "it would hand out the region's memory outside the view's guard; use Region.pin() for raw-speed"
                + " access that a revoke waits for instead";
        for (String s : new String[]{"addressOffset()", "byteBuffer()", "byteArray()", "wrapAdjustment()"}) {
            add(t, refused(s, raw));
        }
        String copy = "another buffer's memory is not checked by this view; copy through a byte[] instead"
                + " (getBytes(int, byte[], int, int) / putBytes(int, byte[], int, int))";
        for (String s : new String[]{"getBytes(int,ByteBuffer,int)", "getBytes(int,ByteBuffer,int,int)",
                "getBytes(int,MutableDirectBuffer,int,int)", "putBytes(int,ByteBuffer,int)",
                "putBytes(int,ByteBuffer,int,int)", "putBytes(int,DirectBuffer,int,int)", "compareTo(Object)"}) {
            add(t, refused(s, copy));
        }
        return Map.copyOf(t);
    }

    private static void add(Map<String, ViewMethod> table, ViewMethod method) {
        if (table.put(method.signature(), method) != null) {
            throw new IllegalStateException("classified twice: " + method.signature());
        }
    }

    /** {@code 4 + length}: a string read past its length prefix, the length given as argument 1. */
    private static ViewMethod.Check prefixedRange() {
        return (p, a, w, m) -> {
            int length = (Integer) a[1];
            ViewMethod.nonNegative(w, m, 1, length);
            inside(w, m, 0, (Integer) a[0], Integer.BYTES + (long) length);
        };
    }

    /** {@code value[valueOffset, valueOffset + length)}, clipped to the value as Agrona clips it. */
    private static ViewMethod.Check stringSlice() {
        return (p, a, w, m) -> {
            CharSequence value = (CharSequence) a[1];
            int valueOffset = (Integer) a[2];
            int length = (Integer) a[3];
            long width = 0;
            if (value != null) {
                if (valueOffset < 0 || valueOffset > value.length() || length < 0) {
                    throw new IndexOutOfBoundsException(where(w, m) + ": value slice from " + valueOffset + " of "
                            + length + " chars is not inside the value of length " + value.length());
                }
                width = Math.min(length, value.length() - valueOffset);
            }
            inside(w, m, 0, (Integer) a[0], width);
        };
    }

    private static long natural(ViewMethod.Window w, String m, int arg, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(where(w, m) + ": argument " + arg + " = " + value
                    + " is negative; natural numbers only");
        }
        return value;
    }

    /** Characters of {@code value} in decimal, with its sign. */
    static long digits(long value) {
        return Long.toString(value).length();
    }
}
