package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;

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
 * The guarded Chronicle {@link Bytes} view of a {@link Region}.
 *
 * <p>Each view is a {@link Proxy} of the library's interface in front of a plain view of the
 * region's memory (a Chronicle store's {@code Bytes} of exactly the region's length). Every call
 * through the proxy is looked up in an allow-list ({@link BytesViewMethods}); then, in order:
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
    /** The largest staging buffer a view keeps between writes. */
    private static final long SCRATCH_KEPT = 64 * 1024;
    private static final Map<Method, ViewMethod> BYTES_METHODS = new ConcurrentHashMap<>();

    private GuardedViews() {
    }

    @SuppressWarnings("unchecked")
    static Bytes<Void> bytes(Region region) {
        BytesStore<?, Void> store = BytesStore.wrap(region.base, region.length);
        Bytes<Void> plain = region.isWritable() ? store.bytesForWrite() : store.bytesForRead();
        plain.singleThreadedCheckDisabled(true);
        // Chronicle starts the write limit near Long.MAX_VALUE; the relative accessors are bounded
        // by it, so it starts (and, through the view, stays) at the region's end.
        plain.writeLimit(region.length);
        ViewMethod.Window window = new ViewMethod.Window(region.base, region.length, "Bytes view of " + region.describe());
        return (Bytes<Void>) proxy(Bytes.class, plain, region, window, BYTES_METHODS, BytesViewMethods.TABLE);
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
        /** The staging buffer of variable-width writes, when not in use; see {@link #stage}. */
        private final java.util.concurrent.atomic.AtomicReference<Bytes<byte[]>> scratch =
                new java.util.concurrent.atomic.AtomicReference<>();

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
            byte[] staged = null;
            if (how.kind() == ViewMethod.Kind.STAGED_WRITES) {
                how.check().check(plain, arguments, window, how.signature());
                staged = stage(method, args);
            }
            long offset = firstIndex(arguments);
            if (!region.guard.tryEnter()) {
                throw SigBusException.revoked(region.name(), window.description() + " in " + method.getName(), offset,
                        region.revocation());
            }
            try {
                Object result = callInside(self, method, how, arguments, staged);
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

        /** The call itself, inside the guard: check, then run on the plain view (or copy a staged write in). */
        private Object callInside(Object self, Method method, ViewMethod how, Object[] arguments, byte[] staged)
                throws InvocationTargetException, IllegalAccessException {
            if (how.adapter() != null) {
                return how.adapter().apply(self);
            }
            if (staged != null) {
                BytesViewMethods.writable(staged.length, false).check(plain, arguments, window, how.signature());
                ((Bytes<?>) plain).write(staged);
                return self;
            }
            how.check().check(plain, arguments, window, how.signature());
            Object result = method.invoke(plain, arguments);
            return result == plain ? self : value(how, result);
        }

        /**
         * Runs a variable-width write on a heap scratch {@code Bytes} and returns the bytes it
         * wrote, outside the guard (it touches no region memory). Staged methods are fluent: they
         * return the {@code Bytes} they wrote to, for which the caller returns the view.
         *
         * <p>The scratch is taken out of the view's one-slot cache while in use, so a nested
         * staged write (a CharSequence argument writing to this view) or a racing thread gets a
         * scratch of its own; one grown past {@link #SCRATCH_KEPT} bytes is dropped, not kept.
         */
        private byte[] stage(Method method, Object[] args) throws Throwable {
            Bytes<byte[]> mine = scratch.getAndSet(null);
            if (mine == null) {
                mine = Bytes.allocateElasticOnHeap(64);
            }
            boolean keep = false;
            try {
                mine.clear();
                method.invoke(mine, args);
                keep = mine.realCapacity() <= SCRATCH_KEPT;
                return mine.toByteArray();
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                if (keep) {
                    scratch.set(mine);
                } else {
                    mine.releaseLast();
                }
            }
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
