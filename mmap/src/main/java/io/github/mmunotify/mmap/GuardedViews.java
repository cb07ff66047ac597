package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The guarded Chronicle {@link Bytes} and Agrona {@link AtomicBuffer} views of a {@link Region}.
 *
 * <p>Each view is a {@link Proxy} of the library's interface in front of a plain view of the
 * region's memory (a Chronicle {@code PointerBytesStore}'s {@code Bytes}, an Agrona
 * {@link UnsafeBuffer}). Every call through the proxy enters the region's guard, runs on the plain
 * view, surfaces pending faults (file-backed regions), and exits; so once the region is revoked
 * every call throws {@link SigBusException}, and a revoke waits for calls in flight exactly as for
 * direct accesses. A call that returns the plain view itself (fluent setters) returns the proxy
 * instead; one that would hand out another object over the region's memory (a {@code BytesStore},
 * a second {@code Bytes}) returns it behind the same guard when its type is an interface, and is
 * refused otherwise, since it would escape the guard. On a read-only region, every call that may
 * write is refused with {@link ReadOnlyMappingException} before it runs.
 *
 * <p>The proxies cost a reflective call per access (tens of nanoseconds): they are for
 * convenience and interoperability; hot loops use {@link Pin} or the region's own accessors.
 *
 * <p>Limit: a method that returns a raw address ({@code addressOffset()}, {@code addressForRead})
 * hands out memory the guard cannot follow; after a revoke such an address meets the trap mapping
 * ({@link InternalError}) during its quarantine, and reused memory after it.
 */
final class GuardedViews {
    /** Chronicle methods that only read, allowed on a read-only region (everything else may write). */
    private static final Predicate<String> BYTES_READ_ONLY = Pattern.compile(
            "^(read.*|peek.*|parse.*|is.*|to.*|capacity|realCapacity|start|length|indexOf|startsWith"
                    + "|contentEquals|byteCheckSum|fastHash|charAt|writePosition|writeLimit|writeRemaining"
                    + "|lastDecimalPlaces|lastNumberHadDigits|refCount|singleThreadedCheckDisabled|compareTo"
                    + "|equalBytes|realReadRemaining|realWriteRemaining|safeLimit|sharedMemory|underlyingObject"
                    + "|copyTo|unchecked|lenient|decimaliser)$").asMatchPredicate();
    /** Agrona methods that may write (the rest only read). */
    private static final Predicate<String> BUFFER_WRITES = Pattern.compile(
            "^(put.*|set.*|compareAndSet.*|getAnd.*|add.*|wrap)$").asMatchPredicate();

    private GuardedViews() {
    }

    @SuppressWarnings("unchecked")
    static Bytes<Void> bytes(Region region) {
        BytesStore<?, Void> store = BytesStore.wrap(region.base, region.length);
        Bytes<Void> plain = region.isWritable() ? store.bytesForWrite() : store.bytesForRead();
        plain.singleThreadedCheckDisabled(true);
        Predicate<Method> refused = region.isWritable()
                ? m -> false
                : m -> !(BYTES_READ_ONLY.test(m.getName()) && !isSetter(m));
        return (Bytes<Void>) guard(Bytes.class, plain, region, "Bytes view of", refused);
    }

    static AtomicBuffer atomicBuffer(Region region, long offset, int length) {
        UnsafeBuffer plain = new UnsafeBuffer(region.base + offset, length);
        Predicate<Method> refused = region.isWritable()
                ? m -> m.getName().equals("wrap")
                : m -> BUFFER_WRITES.test(m.getName());
        return (AtomicBuffer) guard(AtomicBuffer.class, plain, region, "AtomicBuffer view of", refused);
    }

    /** {@code writePosition(long)} and {@code writeLimit(long)} move positions: allowed; others named write* are not. */
    private static boolean isSetter(Method m) {
        return m.getName().startsWith("write") && m.getParameterCount() > 0;
    }

    private static Object guard(Class<?> type, Object plain, Region region, String what, Predicate<Method> refused) {
        Handler handler = new Handler(plain, region, what + " " + region.describe(), refused);
        Object proxy = Proxy.newProxyInstance(GuardedViews.class.getClassLoader(), new Class<?>[]{type}, handler);
        handler.proxy = proxy;
        return proxy;
    }

    private static final class Handler implements InvocationHandler {
        private final Object plain;
        private final Region region;
        private final String description;
        private final Predicate<Method> refused;
        Object proxy;

        Handler(Object plain, Region region, String description, Predicate<Method> refused) {
            this.plain = plain;
            this.region = region;
            this.description = description;
            this.refused = refused;
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> self == args[0];
                    case "hashCode" -> System.identityHashCode(self);
                    default -> "Guarded" + description + " " + region;
                };
            }
            if (refused.test(method)) {
                if (method.getName().equals("wrap")) {
                    throw new UnsupportedOperationException(description + ": wrap() would re-point the view past"
                            + " the region's guard");
                }
                throw new ReadOnlyMappingException(description + " is read-only: " + method.getName() + " refused");
            }
            long offset = firstIndex(args);
            if (!region.guard.tryEnter()) {
                throw SigBusException.revoked(region.name(), description + " in " + method.getName(), offset,
                        region.revocation());
            }
            try {
                Object result = method.invoke(plain, args);
                region.surfaceFaults();
                return result == plain ? proxy : guardEscaping(method, result);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InternalError fault) {
                    throw SigBusException.faulted(region.name(), description + " in " + method.getName(), offset, fault);
                }
                throw cause;
            } catch (InternalError fault) {
                throw SigBusException.faulted(region.name(), description + " in " + method.getName(), offset, fault);
            } finally {
                region.guard.exit();
            }
        }

        private Object guardEscaping(Method method, Object result) {
            if (!(result instanceof BytesStore<?, ?>) && !(result instanceof org.agrona.DirectBuffer)) {
                return result;
            }
            Class<?> type = method.getReturnType();
            if (!type.isInterface()) {
                throw new UnsupportedOperationException(description + ": " + method.getName()
                        + " would hand out a " + type.getSimpleName() + " outside the region's guard");
            }
            Handler inner = new Handler(result, region, description, refused);
            Object wrapped = Proxy.newProxyInstance(GuardedViews.class.getClassLoader(), new Class<?>[]{type}, inner);
            inner.proxy = wrapped;
            return wrapped;
        }

        /** The first integral argument, the index or offset of most calls; -1 if there is none. */
        private static long firstIndex(Object[] args) {
            if (args != null) {
                for (Object arg : args) {
                    if (arg instanceof Long l) {
                        return l;
                    }
                    if (arg instanceof Integer i) {
                        return i;
                    }
                }
            }
            return -1;
        }
    }
}
