package io.github.mmunotify.core;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two modules that share two registries, registered in opposite orders, unload concurrently
 * while other threads look drivers up: no deadlock, no lookup ever holds a driver whose exit hook
 * has run. Rounds: {@link StressSize} {@code unloadRounds} (default 150).
 */
@Tag("stress")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModuleUnloadStressTest {

    private static final int ROUNDS = StressSize.of("unloadRounds", 150);

    /** A driver whose exit hook marks it gone. */
    private static final class Driver {
        final String name;
        volatile boolean exited;

        Driver(String name) {
            this.name = name;
        }
    }

    @Test
    void concurrentUnloadsWithLookupsNeverDeadlockNorExposeARemovedDriver() throws Exception {
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong holdsTaken = new AtomicLong();
        AtomicLong busyRetries = new AtomicLong();
        for (int round = 0; round < ROUNDS && failure.get() == null; round++) {
            Registry<String, Driver> first = Registry.create("first");
            Registry<String, Driver> second = Registry.create("second");
            LoadableModule a = LoadableModule.create("a");
            LoadableModule b = LoadableModule.create("b");
            List<Driver> drivers = new ArrayList<>();
            // Opposite registration orders; the unload lock order must not depend on them.
            for (LoadableModule m : List.of(a, b)) {
                List<Registry<String, Driver>> order = m == a ? List.of(second, first) : List.of(first, second);
                for (Registry<String, Driver> r : order) {
                    Driver d = new Driver(m.name() + "@" + r.name());
                    drivers.add(d);
                    r.register(m, m.name(), d);
                    m.addExitHook(() -> d.exited = true);
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            int lookers = 3;
            CountDownLatch lookersDone = new CountDownLatch(lookers);
            CountDownLatch lookersRunning = new CountDownLatch(lookers);
            TestThreads threads = new TestThreads("unload-round-" + round);
            for (int l = 0; l < lookers; l++) {
                threads.start(() -> {
                    lookersRunning.countDown();
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            Registry<String, Driver> r = (i & 1) == 0 ? first : second;
                            try (Registry.Hold<String, Driver> hold = r.lookup((i & 2) == 0 ? "a" : "b")) {
                                if (hold != null) {
                                    holdsTaken.incrementAndGet();
                                    if (hold.driver().exited) {
                                        failure.compareAndSet(null, "lookup saw removed " + hold.driver().name);
                                    }
                                    Thread.onSpinWait();
                                    if (hold.driver().exited) {
                                        failure.compareAndSet(null, "exit ran while held: " + hold.driver().name);
                                    }
                                }
                            }
                            // Unpinned time between lookups, as real callers have, so that an
                            // unload finds the module unpinned now and then.
                            for (int spin = 0; spin < 64; spin++) {
                                Thread.onSpinWait();
                            }
                        }
                    } finally {
                        lookersDone.countDown();
                    }
                });
            }
            assertTrue(lookersRunning.await(30, SECONDS));
            List<Thread> unloaders = new ArrayList<>();
            for (LoadableModule m : List.of(a, b)) {
                unloaders.add(threads.start(() -> {
                    while (m.isLoaded()) {
                        try {
                            m.unload();
                        } catch (ModuleBusyException busy) {
                            busyRetries.incrementAndGet();
                            Thread.yield();
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t.toString());
                            return;
                        }
                    }
                }));
            }
            for (Thread u : unloaders) {
                u.join(60_000);
                if (u.isAlive()) {
                    failure.compareAndSet(null, u.getName() + " did not finish: deadlock?");
                }
            }
            stop.set(true);
            assertTrue(lookersDone.await(30, SECONDS));
            threads.close();
            assertNull(failure.get());
            for (Driver d : drivers) {
                assertTrue(d.exited, d.name + " exit hook did not run");
            }
            assertNull(first.lookup("a"));
            assertNull(second.lookup("b"));
            assertFalse(a.isLoaded() || b.isLoaded());
        }
        assertNull(failure.get());
        assertTrue(holdsTaken.get() > 0, "lookups never found a driver; the race was not exercised");
        System.out.println("holds taken " + holdsTaken + ", unloads refused as busy " + busyRetries);
    }
}
