package io.github.mmunotify.mmap;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run by {@link MmapThreadsTest} in a JVM of its own (the factory is set once per JVM): a broken
 * factory is refused and leaves nothing set; a marking factory then makes the two daemons, the
 * thread of the Cleaner that watches count-free regions, and the revokeAsync thread of a mapping unmapped with an access in flight; a second factory is refused.
 * Prints {@code OK} and exits 0, or prints the failure and exits 1.
 */
public final class MmapThreadsProbe {

    private MmapThreadsProbe() {
    }

    /** Makes platform threads named {@code marked-N} and remembers them. */
    private static final class MarkingFactory implements ThreadFactory {
        final List<Thread> made = new CopyOnWriteArrayList<>();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = Thread.ofPlatform().name("marked-" + made.size()).unstarted(task);
            made.add(thread);
            return thread;
        }

        @Override
        public String toString() {
            return "MarkingFactory";
        }
    }

    public static void main(String[] args) {
        try {
            probe();
            System.out.println("OK");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void probe() throws Exception {
        ThreadFactory returnsNull = new ThreadFactory() {
            @Override
            public Thread newThread(Runnable task) {
                return null;
            }

            @Override
            public String toString() {
                return "NullFactory";
            }
        };
        expectRefused(() -> MmapThreads.setThreadFactory(returnsNull), "NullFactory", "returned null",
                "mmunotify-releaser");
        check(MmapThreads.threadFactory().isEmpty(), "a refused factory was kept");
        ThreadFactory throwing = task -> {
            throw new IllegalStateException("no threads today");
        };
        expectRefused(() -> MmapThreads.setThreadFactory(throwing), "threw", "no threads today");

        MarkingFactory factory = new MarkingFactory();
        MmapThreads.setThreadFactory(factory);
        check(MmapThreads.threadFactory().orElseThrow() == factory, "factory not reported");
        check(factory.made.size() == 2, "the factory is asked for both daemons at once: " + factory.made);
        expectRefused(() -> MmapThreads.setThreadFactory(new MarkingFactory()), "already set", "MarkingFactory");

        Region region = Region.allocate("probe", 1 << 16);
        // A count-free region: the Cleaner that watches such regions takes its thread from the factory.
        check(region.hasCountFreeReads(), "the probe's region is not count-free: " + region);
        check(factory.made.size() == 3, "the region Cleaner's thread came from the factory: " + factory.made);
        Mapping mapping = region.map(0, 4096);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread user = Thread.ofPlatform().name("probe-user").start(() -> {
            try {
                check(mapping.guard.tryEnter(), "could not enter the mapping");
                try {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!mapping.guard.isRevoked() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                } finally {
                    mapping.guard.exit();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (mapping.guard.usersInFlight() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        mapping.unmap(); // an access is in flight: its guard is drained on a revokeAsync thread
        user.join(TimeUnit.SECONDS.toMillis(30));
        region.revoke(); // hands the memory to the releaser and installs a trap: both daemons start
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        check(factory.made.size() == 4, "the mapping's revokeAsync thread came from the factory: " + factory.made);
        for (Thread daemon : factory.made.subList(0, 3)) {
            check(daemon.isDaemon(), daemon + " is not a daemon");
        }
        check(factory.made.get(2).isAlive(), "the region Cleaner did not start: " + factory.made.get(2));
        check(factory.made.get(0).isAlive(), "the releaser did not start: " + factory.made.get(0));
        check(factory.made.get(1).isAlive(), "the reaper did not start: " + factory.made.get(1));
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            check(!thread.getName().startsWith("mmunotify-"), "a default daemon ran: " + thread);
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void expectRefused(Action action, String... mentions) throws Exception {
        try {
            action.run();
        } catch (IllegalStateException expected) {
            for (String mention : mentions) {
                check(String.valueOf(expected.getMessage()).contains(mention),
                        "'" + expected.getMessage() + "' does not mention '" + mention + "'");
            }
            return;
        }
        throw new AssertionError("not refused");
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
