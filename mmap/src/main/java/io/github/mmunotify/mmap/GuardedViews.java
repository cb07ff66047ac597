package io.github.mmunotify.mmap;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guarded Agrona {@link AtomicBuffer} view of a {@link Region} (the Chronicle {@code Bytes} view
 * is {@code io.github.mmunotify.chronicle.GuardedBytes}, in its own module).
 *
 * <p>The view is a {@link Proxy} of the library's interface in front of a plain view of the
 * region's memory (an Agrona {@link UnsafeBuffer} of the window). Every call through the proxy is
 * looked up in an allow-list ({@link BufferViewMethods}); then, in order:
 * <ol>
 *   <li>a method not on the list, or listed as refused (one that would hand out a stream, a store,
 *       a {@code ByteBuffer}, an address, or switch bounds checks off), throws
 *       {@link UnsupportedOperationException} naming it and what to use instead;</li>
 *   <li>on a read-only region, a method classified as writing throws
 *       {@link ReadOnlyMappingException};</li>
 *   <li>the region's guard is entered, or {@link SigBusException} is thrown;</li>
 *   <li>the method's check proves that every byte it touches is inside the view
 *       ({@link IndexOutOfBoundsException} or {@link IllegalArgumentException} naming the method,
 *       the argument and the bounds otherwise, and nothing is written);</li>
 *   <li>the call runs on the plain view, pending faults of file-backed memory are surfaced, the
 *       guard is exited. A call that returns the plain view (fluent setters) returns the proxy;
 *       every other result must be a value or a copy (a primitive, a {@code String}, a fresh
 *       {@code byte[]}), which the handler verifies.</li>
 * </ol>
 * So no call through a view reaches memory outside the region, nor the region's memory after a
 * revoke; and a revoke waits for calls in flight exactly as for direct accesses.
 *
 * <p>The proxies cost a reflective call per access (tens of nanoseconds) plus the check: they are
 * for convenience and interoperability; hot loops use {@link Pin} or the region's own accessors.
 */
final class GuardedViews {
    private static final Object[] NO_ARGS = {};
    private static final Map<Method, ViewMethod> BUFFER_METHODS = new ConcurrentHashMap<>();

    private GuardedViews() {
    }

    static AtomicBuffer atomicBuffer(Region region, long offset, int length) {
        UnsafeBuffer plain = new UnsafeBuffer(region.base + offset, length);
        ViewMethod.Window window = new ViewMethod.Window(region.base + offset, length,
                "AtomicBuffer view [" + offset + ", " + (offset + length) + ") of " + region.describe());
        return (AtomicBuffer) proxy(AtomicBuffer.class, plain, region, window, BUFFER_METHODS, BufferViewMethods.TABLE);
    }

    /**
     * How the view treats {@code method}: its entry in {@code table}, or refused when it has none
     * (a method this version of the view does not know, e.g. one added by a newer library).
     */
    static ViewMethod classify(Method method, Map<String, ViewMethod> table) {
        String signature = ViewMethod.signatureOf(method);
        ViewMethod known = table.get(signature);
        return known != null ? known : ViewMethod.refused(signature, "it is not on the guarded view's allow-list,"
                + " so whether it stays inside the region is unknown; use the region's own accessors or a Pin instead");
    }

    private static Object proxy(Class<?> type, Object plain, Region region, ViewMethod.Window window,
                                Map<Method, ViewMethod> cache, Map<String, ViewMethod> table) {
        Handler handler = new Handler(plain, region, window, cache, table);
        return Proxy.newProxyInstance(GuardedViews.class.getClassLoader(), new Class<?>[]{type}, handler);
    }

    private static final class Handler implements InvocationHandler {
        private final Object plain;
        private final Region region;
        private final ViewMethod.Window window;
        private final Map<Method, ViewMethod> cache;
        private final Map<String, ViewMethod> table;

        Handler(Object plain, Region region, ViewMethod.Window window, Map<Method, ViewMethod> cache,
                Map<String, ViewMethod> table) {
            this.plain = plain;
            this.region = region;
            this.window = window;
            this.cache = cache;
            this.table = table;
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(self, method, args);
            }
            ViewMethod how = cache.computeIfAbsent(method, m -> classify(m, table));
            refuseIfNotAllowed(how);
            Object[] arguments = args == null ? NO_ARGS : args;
            long offset = firstIndex(arguments);
            if (!region.guard.tryEnter()) {
                throw SigBusException.revoked(region.name(), window.description() + " in " + method.getName(), offset,
                        region.revocation());
            }
            try {
                Object result = callInside(self, method, how, arguments);
                region.surfaceFaults();
                return result;
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InternalError fault) {
                    throw SigBusException.faulted(region.name(), window.description() + " in " + method.getName(),
                            offset, fault);
                }
                throw cause;
            } catch (InternalError fault) {
                throw SigBusException.faulted(region.name(), window.description() + " in " + method.getName(), offset,
                        fault);
            } finally {
                region.guard.exit();
            }
        }

        private Object objectMethod(Object self, Method method, Object[] args) {
            return switch (method.getName()) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> "Guarded" + window.description() + " " + region;
            };
        }

        private void refuseIfNotAllowed(ViewMethod how) {
            if (how.kind() == ViewMethod.Kind.REFUSED) {
                throw new UnsupportedOperationException(window.description() + ": " + how.signature() + " is refused: "
                        + how.refusal());
            }
            if (how.mayWrite() && !region.isWritable()) {
                throw new ReadOnlyMappingException(window.description() + " is read-only: " + how.signature() + " refused");
            }
        }

        /** The call itself, inside the guard: check, then run on the plain view. */
        private Object callInside(Object self, Method method, ViewMethod how, Object[] arguments)
                throws InvocationTargetException, IllegalAccessException {
            if (how.adapter() != null) {
                return how.adapter().apply(self);
            }
            how.check().check(plain, arguments, window, how.signature());
            Object result = method.invoke(plain, arguments);
            return result == plain ? self : value(how, result);
        }

        /**
         * The result of an allowed call, verified to be a value or a copy: an allowed method that
         * returned anything else would hand out an object the guard cannot follow (a classification
         * error, or a library version that changed what a method returns).
         */
        private Object value(ViewMethod how, Object result) {
            if (result == null || result instanceof Number || result instanceof Boolean || result instanceof Character
                    || result instanceof String || result instanceof ByteOrder || result instanceof BigDecimal
                    || result instanceof BigInteger || result instanceof byte[]) {
                return result;
            }
            throw new UnsupportedOperationException(window.description() + ": " + how.signature() + " returned a "
                    + result.getClass().getName() + ", which the guarded view cannot hand out; use the region's own"
                    + " accessors instead");
        }

        /** The first integral argument, the index or offset of most calls; -1 if there is none. */
        private static long firstIndex(Object[] args) {
            for (Object arg : args) {
                if (arg instanceof Long l) {
                    return l;
                }
                if (arg instanceof Integer i) {
                    return i;
                }
            }
            return -1;
        }
    }
}
