package io.github.mmunotify.samples;

import io.github.mmunotify.core.Revocable;
import io.github.mmunotify.core.RevokedException;
import io.github.mmunotify.mmap.Mapping;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hot-unplug: a character device with open files is removed while a reader is blocked in
 * {@code read}, a poller waits for events and a client has the device's memory mapped.
 *
 * <p>The device node is a {@link Revocable}. Every file method is bracketed by
 * {@code tryEnter()}/{@code exit()}; a blocked read waits on a condition the kick signals; each
 * open file is a {@link Revocable.Handle} whose release closes what the file holds. Unplugging is
 * {@code revoke()} on the node, then {@code revoke()} on the device memory: once both return, no
 * file method runs, every release has run once, and the mapping raises {@link SigBusException}.
 */
final class HotUnplugSample implements Sample {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Override
    public String name() {
        return "unplug";
    }

    @Override
    public String title() {
        return "hot-unplug of a device with open files, a blocked reader, a poller and a mapping";
    }

    @Override
    public boolean run(PrintStream out) throws Exception {
        Checks checks = new Checks(out);
        try (Device device = new Device("accel0", 64 * 1024)) {
            DeviceFile reader = device.open("reader");
            DeviceFile poller = device.open("poller");
            DeviceFile writer = device.open("writer");
            DeviceFile mapper = device.open("mapper");
            out.println("   opened 4 files on " + device.node);

            writer.write("hello");
            checks.check("a read before the unplug returns what was written",
                    "hello".equals(reader.read()));
            Mapping window = mapper.mmap(0, 4096);
            window.putLong(0, 0xC0FFEEL);
            checks.check("the mapping reads back what was stored through it", window.getLong(0) == 0xC0FFEEL);

            CompletableFuture<String> blockedRead = CompletableFuture.supplyAsync(reader::read, Thread::startVirtualThread);
            CompletableFuture<Revocable.Events> pollResult =
                    CompletableFuture.supplyAsync(() -> poller.pollUntilHangUp(WAIT), Thread::startVirtualThread);
            checks.check("a reader is blocked in read() waiting for data", device.awaitBlockedReaders(1, WAIT));

            out.println("   unplugging " + device.node.name() + " ...");
            long start = System.nanoTime();
            device.unplug();
            out.printf("   unplug returned after %.2f ms%n", (System.nanoTime() - start) / 1e6);

            String woken = blockedRead.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            checks.check("the kick woke the blocked reader, which got end of data", woken == null);
            Revocable.Events events = pollResult.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            checks.check("the poller saw hang-up and error (" + events + ")", events.hangUp() && events.error());
            checks.check("a new read gets end of data", reader.read() == null);
            checks.check("a write throws RevokedException", throwsRevoked(() -> writer.write("late")));
            checks.check("opening a new file throws RevokedException", throwsRevoked(() -> device.open("late")));
            String fault = faultOf(window);
            checks.check("the mapping faults with SigBusException: " + fault, fault != null);
            for (DeviceFile file : List.of(reader, poller, writer, mapper)) {
                file.close();
            }
            checks.check("every file's release ran exactly once, closing afterwards changed nothing "
                    + device.releaseCounts(), device.everyReleaseRanOnce());
        }
        return checks.allHeld();
    }

    private static boolean throwsRevoked(Runnable operation) {
        try {
            operation.run();
            return false;
        } catch (RevokedException expected) {
            return true;
        }
    }

    private static String faultOf(Mapping window) {
        try {
            window.getLong(0);
            return null;
        } catch (SigBusException expected) {
            return expected.getMessage();
        }
    }

    /** A character device: a queue of messages to read, device memory to map, and its node. */
    private static final class Device implements AutoCloseable {

        final Revocable node;
        final Region memory;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition dataOrUnplug = lock.newCondition();
        private final ArrayDeque<String> messages = new ArrayDeque<>();
        private final List<DeviceFile> files = new ArrayList<>();
        private int blockedReaders;

        Device(String name, long memoryBytes) {
            this.node = Revocable.create(name, this::wakeBlockedReaders);
            this.memory = Region.allocate(name + "-memory", memoryBytes);
        }

        DeviceFile open(String client) {
            DeviceFile file = new DeviceFile(this, client);
            file.attach(node.open(file::release));
            synchronized (files) {
                files.add(file);
            }
            return file;
        }

        /** The kick: a read blocked for data must notice the unplug. */
        private void wakeBlockedReaders() {
            lock.lock();
            try {
                dataOrUnplug.signalAll();
            } finally {
                lock.unlock();
            }
        }

        boolean awaitBlockedReaders(int count, Duration timeout) throws InterruptedException {
            long nanos = timeout.toNanos();
            lock.lock();
            try {
                while (blockedReaders < count) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = dataOrUnplug.awaitNanos(nanos);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void unplug() {
            node.revoke();
            memory.revoke();
        }

        String releaseCounts() {
            synchronized (files) {
                return files.stream().map(f -> f.client + "=" + f.releases.get()).toList().toString();
            }
        }

        boolean everyReleaseRanOnce() {
            synchronized (files) {
                return files.stream().allMatch(f -> f.releases.get() == 1);
            }
        }

        @Override
        public void close() {
            unplug();
        }
    }

    /** One open file of the device: the client's side of a {@link Revocable.Handle}. */
    private static final class DeviceFile implements AutoCloseable {

        final String client;
        final AtomicInteger releases = new AtomicInteger();
        private final Device device;
        private final List<Mapping> mappings = new ArrayList<>();
        private Revocable.Handle handle;

        DeviceFile(Device device, String client) {
            this.device = device;
            this.client = client;
        }

        void attach(Revocable.Handle handle) {
            this.handle = handle;
        }

        /** Returns the next message, blocking until one arrives; {@code null} is end of data. */
        String read() {
            if (!device.node.tryEnter()) {
                return null;
            }
            try {
                device.lock.lock();
                try {
                    while (device.messages.isEmpty() && !device.node.isRevoked()) {
                        device.blockedReaders++;
                        device.dataOrUnplug.signalAll();   // tells awaitBlockedReaders
                        device.dataOrUnplug.awaitUninterruptibly();
                        device.blockedReaders--;
                    }
                    return device.messages.poll();
                } finally {
                    device.lock.unlock();
                }
            } finally {
                device.node.exit();
            }
        }

        void write(String message) {
            if (!device.node.tryEnter()) {
                throw new RevokedException(device.node.name(), "write");
            }
            try {
                if (message.isEmpty()) {
                    throw new IllegalArgumentException("empty message");
                }
                device.lock.lock();
                try {
                    device.messages.add(message);
                    device.dataOrUnplug.signalAll();
                } finally {
                    device.lock.unlock();
                }
            } finally {
                device.node.exit();
            }
            device.node.notifyChanged();
        }

        /** Polls until the device hangs up; returns the last events seen (a timeout leaves hang-up false). */
        Revocable.Events pollUntilHangUp(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Revocable.Events events;
            do {
                events = handle.poll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } while (!events.hangUp() && System.nanoTime() < deadline);
            return events;
        }

        Mapping mmap(long offset, long length) {
            if (!device.node.tryEnter()) {
                throw new RevokedException(device.node.name(), "mmap");
            }
            try {
                Mapping mapping = device.memory.map(offset, length);
                synchronized (mappings) {
                    mappings.add(mapping);
                }
                return mapping;
            } finally {
                device.node.exit();
            }
        }

        /** The handle's release: runs once, on close or on unplug, whichever comes first. */
        private void release() {
            releases.incrementAndGet();
            synchronized (mappings) {
                mappings.forEach(Mapping::unmap);
                mappings.clear();
            }
        }

        @Override
        public void close() {
            handle.close();
        }
    }
}
