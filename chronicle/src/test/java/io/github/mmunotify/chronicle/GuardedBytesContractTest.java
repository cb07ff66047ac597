package io.github.mmunotify.chronicle;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter covers the whole {@code Bytes} interface of the Chronicle version it is built with,
 * and the build notices when a newer version adds a method: every abstract method of
 * {@code Bytes<Void>} is declared in {@link GuardedBytes} (guarded or refused), and every default
 * method is either overridden there or on the reviewed list below with the reason it cannot
 * bypass the guard. A default added by a newer Chronicle fails this test until someone reviews it.
 *
 * <p>Why an unlisted default cannot reach memory past the guard in general: {@code GuardedBytes}
 * holds no address and no store, {@code bytesStore()}, {@code addressFor*()} and the raw copies
 * are refused, and {@code isDirectMemory()} is false; so a default can only call this view's own
 * methods. The reasons say which of those paths each one takes.
 */
class GuardedBytesContractTest {
    /** Calls only this view's own (guarded or refused) methods. */
    private static final String COMPOSES = "composes this view's own guarded methods";
    /** Chronicle's static helpers (BytesInternal, BytesUtil) over this view's methods. */
    private static final String HELPER = "a Chronicle helper over this view's methods; isDirectMemory() is false,"
            + " so no raw-address path is taken, and bytesStore()/addressFor*() would be refused";
    /** No memory access at all. */
    private static final String STATE = "no memory access: positions, limits, flags or hex-dump metadata";
    /** Reference counting: the view is not reference counted. */
    private static final String OWNER = "delegates to the no-op reference counting (the region owns the memory)";
    /** Moves bytes between this view and an argument object through both objects' public methods. */
    private static final String ARGUMENT = "copies between this view and the argument through this view's guarded"
            + " methods and the argument's own methods; this view is never asked for an address or store";
    /** Calls an overload that GuardedBytes refuses, so it is refused too. */
    private static final String DELEGATES_TO_REFUSED = "delegates to an overload GuardedBytes refuses"
            + " (UnsupportedOperationException), so it never reaches memory";
    /** Chronicle's marshalling and method readers/writers over this view's streaming methods. */
    private static final String MARSHAL = "Chronicle marshalling over this view's streaming methods";

    /** Every default method of {@code Bytes} that GuardedBytes inherits, and why that is safe. */
    static final Map<String, String> REVIEWED = Map.ofEntries(
            entry("addAndGetDouble(long,double)", COMPOSES),
            entry("addAndGetDoubleNotAtomic(long,double)", COMPOSES),
            entry("addAndGetFloat(long,float)", COMPOSES),
            entry("addAndGetFloatNotAtomic(long,float)", COMPOSES),
            entry("addAndGetIntNotAtomic(long,int)", COMPOSES),
            entry("addAndGetShortNotAtomic(long,short)", COMPOSES),
            entry("addAndGetUnsignedByteNotAtomic(long,int)", COMPOSES),
            entry("adjustHexDumpIndentation(int)", STATE),
            entry("append8bit(BytesStore)", ARGUMENT),
            entry("append8bit(BytesStore,long,long)", ARGUMENT),
            entry("append8bit(CharSequence,int,int)", HELPER),
            entry("appendBase(long,int)", HELPER),
            entry("appendBase16(long,int)", HELPER),
            entry("appendDateMillis(long)", HELPER),
            entry("appendTimeMillis(long)", HELPER),
            entry("appendUtf8(CharSequence,int,int)", HELPER),
            entry("appendUtf8(byte[],int,int)", HELPER),
            entry("appendUtf8(byte[],int,int,byte)", HELPER),
            entry("appendUtf8(char[],int,int)", HELPER),
            entry("appendUtf8(int)", HELPER),
            entry("byteCheckSum()", HELPER),
            entry("byteCheckSum(long,long)", HELPER),
            entry("bytesMethodReader(Object[])", MARSHAL),
            entry("bytesMethodReaderBuilder()", MARSHAL),
            entry("bytesMethodWriter(Class,Class[])", MARSHAL),
            entry("canReadDirect()", STATE),
            entry("canReadDirect(long)", STATE),
            entry("canWriteDirect(long)", STATE),
            entry("charAt(int)", COMPOSES),
            entry("chars()", COMPOSES),
            entry("cipher(Cipher,Bytes)", DELEGATES_TO_REFUSED),
            entry("codePoints()", COMPOSES),
            entry("compareAndSwapDouble(long,double,double)", COMPOSES),
            entry("compareAndSwapFloat(long,float,float)", COMPOSES),
            entry("compareUtf8(long,CharSequence)", HELPER),
            entry("contentEquals(BytesStore)", HELPER),
            entry("copyFrom(InputStream)", ARGUMENT),
            entry("copyTo(ByteBuffer)", ARGUMENT),
            entry("endsWith(char)", COMPOSES),
            entry("ensureCapacity(long)", STATE),
            entry("equalBytes(BytesStore,long)", HELPER),
            entry("fastHash(long,int)", HELPER),
            entry("findByte(byte)", HELPER),
            entry("getChars(int,int,char[],int)", ARGUMENT),
            entry("indexOf(Bytes)", ARGUMENT),
            entry("indexOf(BytesStore,int)", ARGUMENT),
            entry("inside(long)", STATE),
            entry("inside(long,long)", STATE),
            entry("isClear()", STATE),
            entry("isEmpty()", STATE),
            entry("isEqual(String)", COMPOSES),
            entry("isEqual(long,long,String)", COMPOSES),
            entry("length()", STATE),
            entry("lengthWritten(long)", STATE),
            entry("parse8bit(Appendable,StopCharTester)", HELPER),
            entry("parse8bit(Appendable,StopCharsTester)", HELPER),
            entry("parse8bit(Bytes,StopCharsTester)", HELPER),
            entry("parse8bit(StopCharTester)", HELPER),
            entry("parse8bit(StringBuilder,StopCharsTester)", HELPER),
            entry("parseBigDecimal()", HELPER),
            entry("parseBoolean()", HELPER),
            entry("parseBoolean(StopCharTester)", HELPER),
            entry("parseDouble()", HELPER),
            entry("parseFlexibleLong()", HELPER),
            entry("parseFloat()", HELPER),
            entry("parseHexLong()", HELPER),
            entry("parseInt()", HELPER),
            entry("parseLong()", HELPER),
            entry("parseLong(long)", HELPER),
            entry("parseLongDecimal()", HELPER),
            entry("parseUtf8(Appendable,StopCharTester)", HELPER),
            entry("parseUtf8(Appendable,StopCharsTester)", HELPER),
            entry("parseUtf8(Appendable,boolean,int)", HELPER),
            entry("parseUtf8(Appendable,int)", HELPER),
            entry("parseUtf8(StopCharTester)", HELPER),
            entry("peekVolatileInt()", COMPOSES),
            entry("prepend(long)", HELPER),
            entry("printable(long)", HELPER),
            entry("rawReadByte()", COMPOSES),
            entry("rawReadInt()", COMPOSES),
            entry("rawReadLong()", COMPOSES),
            entry("rawWriteByte(byte)", COMPOSES),
            entry("rawWriteInt(int)", COMPOSES),
            entry("rawWriteLong(long)", COMPOSES),
            entry("read(ByteBuffer)", ARGUMENT),
            entry("read(Bytes)", ARGUMENT),
            entry("read(Bytes,int)", ARGUMENT),
            entry("read(byte[])", COMPOSES),
            entry("read(char[],int,int)", ARGUMENT),
            entry("readBoolean()", COMPOSES),
            entry("readBoolean(long)", COMPOSES),
            entry("readChar()", COMPOSES),
            entry("readEnum(Class)", MARSHAL),
            entry("readHistogram(Histogram)", HELPER),
            entry("readIncompleteLong()", HELPER),
            entry("readIncompleteLong(long)", HELPER),
            entry("readInt24()", COMPOSES),
            entry("readLimitToCapacity()", STATE),
            entry("readMarshallableLength16(Class,ReadBytesMarshallable)", MARSHAL),
            entry("readObject(Class)", MARSHAL),
            entry("readPositionForHeader(boolean)", STATE),
            entry("readPositionRemaining(long,long)", STATE),
            entry("readPositionUnlimited(long)", STATE),
            entry("readStopBit()", HELPER),
            entry("readStopBitChar()", HELPER),
            entry("readStopBitDecimal()", HELPER),
            entry("readStopBitDouble()", HELPER),
            entry("readUnsignedByte(long)", COMPOSES),
            entry("readUnsignedInt()", COMPOSES),
            entry("readUnsignedInt(long)", COMPOSES),
            entry("readUnsignedInt24()", COMPOSES),
            entry("readUnsignedInt24(long)", COMPOSES),
            entry("readUnsignedShort()", COMPOSES),
            entry("readUnsignedShort(long)", COMPOSES),
            entry("readVolatileDouble(long)", COMPOSES),
            entry("readVolatileFloat(long)", COMPOSES),
            entry("readWithLength(Bytes)", ARGUMENT),
            entry("readWithLength(long,ThrowingConsumer)", MARSHAL),
            entry("readWithLength0(long,ThrowingConsumerNonCapturing,StringBuilder,BytesOut)", MARSHAL),
            entry("referenceId()", STATE),
            entry("referenceName()", STATE),
            entry("releaseLast()", OWNER),
            entry("reserveTransfer(ReferenceOwner,ReferenceOwner)", OWNER),
            entry("retainedHexDumpDescription()", STATE),
            entry("skipTo(StopCharTester)", HELPER),
            entry("startsWith(BytesStore)", HELPER),
            entry("startsWith(char)", HELPER),
            entry("to8bitString()", HELPER),
            entry("toDebugString()", HELPER),
            entry("toDebugString(long)", HELPER),
            entry("toHexString()", HELPER),
            entry("toHexString(long)", HELPER),
            entry("toHexString(long,long)", HELPER),
            entry("toUtf8String()", HELPER),
            entry("unchecked()", STATE),
            entry("unwrite(long,int)", COMPOSES),
            entry("write(BytesStore)", ARGUMENT),
            entry("write(BytesStore,long,long)", ARGUMENT),
            entry("write(CharSequence)", COMPOSES),
            entry("write(CharSequence,int,int)", COMPOSES),
            entry("write(InputStream)", ARGUMENT),
            entry("write(byte[])", COMPOSES),
            entry("write(long,BytesStore)", ARGUMENT),
            entry("write(long,byte[])", COMPOSES),
            entry("write8bit(CharSequence,int,int)", COMPOSES),
            entry("writeBoolean(boolean)", COMPOSES),
            entry("writeBoolean(long,boolean)", COMPOSES),
            entry("writeByte(long,int)", COMPOSES),
            entry("writeChar(char)", COMPOSES),
            entry("writeEnum(Enum)", MARSHAL),
            entry("writeHexDumpDescription(CharSequence)", STATE),
            entry("writeHistogram(Histogram)", HELPER),
            entry("writeMarshallableLength16(WriteBytesMarshallable)", MARSHAL),
            entry("writeMaxInt(long,int)", COMPOSES),
            entry("writeMaxLong(long,long)", COMPOSES),
            entry("writeObject(Class,Object)", MARSHAL),
            entry("writeOrderedDouble(long,double)", COMPOSES),
            entry("writeOrderedFloat(long,float)", COMPOSES),
            entry("writePositionForHeader(boolean)", STATE),
            entry("writePositionRemaining(long,long)", STATE),
            entry("writeUnsignedByte(int)", COMPOSES),
            entry("writeUnsignedByte(long,int)", COMPOSES),
            entry("writeUnsignedInt(long)", COMPOSES),
            entry("writeUnsignedInt(long,long)", COMPOSES),
            entry("writeUnsignedShort(int)", COMPOSES),
            entry("writeUnsignedShort(long,int)", COMPOSES),
            entry("writeVolatileDouble(long,double)", COMPOSES),
            entry("writeVolatileFloat(long,float)", COMPOSES),
            entry("writeWithLength(BytesStore)", ARGUMENT),
            entry("writeWithLength(RandomDataInput)", ARGUMENT));

    @Test
    void everyAbstractMethodOfBytesIsDeclaredInGuardedBytes() throws NoSuchMethodException {
        Set<String> missing = new TreeSet<>();
        int abstracts = 0;
        for (Method m : Bytes.class.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                abstracts++;
                Method impl = GuardedBytes.class.getMethod(m.getName(), m.getParameterTypes());
                if (impl.getDeclaringClass() != GuardedBytes.class) {
                    missing.add(signature(m));
                }
            }
        }
        assertTrue(abstracts >= 100, "found only " + abstracts + " abstract methods of Bytes");
        assertEquals(Set.of(), missing, "abstract methods of Bytes not declared in GuardedBytes");
    }

    @Test
    void everyDefaultMethodIsOverriddenOrReviewed() throws NoSuchMethodException {
        Map<String, Method> inherited = new TreeMap<>();
        for (Method m : Bytes.class.getMethods()) {
            if (m.isDefault() && GuardedBytes.class.getMethod(m.getName(), m.getParameterTypes())
                    .getDeclaringClass() != GuardedBytes.class) {
                inherited.put(signature(m), m);
            }
        }
        Set<String> unreviewed = new TreeSet<>(inherited.keySet());
        unreviewed.removeAll(REVIEWED.keySet());
        assertEquals(Set.of(), unreviewed, "default methods of Bytes that GuardedBytes neither overrides nor lists"
                + " as reviewed: a newer Chronicle? Review each: override it (guarded or refused) or list it with a reason");
        Set<String> stale = new TreeSet<>(REVIEWED.keySet());
        stale.removeAll(inherited.keySet());
        assertEquals(Set.of(), stale, "reviewed defaults that Bytes no longer has or GuardedBytes now overrides");
    }

    @Test
    void nothingIsProxiedOrLookedUpByName() {
        assertTrue(Modifier.isFinal(GuardedBytes.class.getModifiers()));
        assertTrue(!java.lang.reflect.Proxy.isProxyClass(GuardedBytes.class));
        assertEquals(Set.of(), Arrays.stream(GuardedBytes.class.getDeclaredFields())
                .map(f -> f.getType().getName())
                .filter(t -> t.startsWith("java.lang.reflect") || t.contains("BytesStore") || t.equals("long[]"))
                .collect(Collectors.toSet()), "fields that could reach memory past the guard");
    }

    private static String signature(Method m) {
        return m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",")) + ")";
    }
}
