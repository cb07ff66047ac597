package io.github.mmunotify.agrona;

import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.testing.StressSize;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link GuardedAtomicBuffer} under a revoke behaves as the region's own accessors: calls after
 * the revoke throw {@link SigBusException} naming the region and offset, a revoke waits for the
 * writes in flight (so every write is all or nothing; single reads of a count-free region are not
 * waited for: each completes before the memory is replaced or throws), and a file truncated under
 * the region raises {@link SigBusException}, not a crash.
 */
class GuardedAtomicBufferRevokeTest {

    @Test
    void callsAfterARevokeThrowSigBusNamingTheRegionAndTheRegionOffset() {
        Region region = Region.allocate("buffer-revoked", 8192);
        AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 4096, 4096);
        buffer.putLong(8, 2);
        region.revoke();
        SigBusException e = assertThrows(SigBusException.class, () -> buffer.getLong(8));
        assertEquals("buffer-revoked", e.regionName());
        assertEquals(4096 + 8, e.offset(), "the offset in the region");
        assertThrows(SigBusException.class, () -> buffer.putLong(8, 3));
        assertThrows(SigBusException.class, () -> buffer.compareAndSetLong(8, 2, 3));
        assertThrows(SigBusException.class, () -> buffer.putStringAscii(16, "late"));
        assertThrows(SigBusException.class, () -> buffer.getStringUtf8(16));
        assertThrows(SigBusException.class, () -> GuardedAtomicBuffer.wrap(region, 0, 8));
        assertEquals(4096, buffer.capacity(), "metadata needs no memory");
    }

    /**
     * A writer fills a file-backed window again and again (each fill one call) while this thread
     * revokes the region. The revoke waits for the fill in flight, and later fills throw before
     * writing; so the file ends holding exactly the last fill that returned, every byte of it. A
     * revoke that did not wait would unmap under a fill and leave the file mixed.
     */
    @Test
    void aRevokeWaitsForTheCallsInFlightSoEachCallIsAllOrNothing(@TempDir Path dir) throws Exception {
        int rounds = StressSize.of("agronaRevokeRounds", 50);
        int size = 1 << 20;
        for (int round = 0; round < rounds; round++) {
            Path file = dir.resolve("all-or-nothing-" + round + ".bin");
            Region region = Region.mapFile(file, 0, size, true);
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, size);
            CountDownLatch writing = new CountDownLatch(2);
            AtomicInteger lastReturned = new AtomicInteger();
            AtomicReference<SigBusException> refused = new AtomicReference<>();
            try (TestThreads threads = new TestThreads("all-or-nothing")) {
                threads.start(() -> {
                    try {
                        for (int fill = 1; ; fill++) {
                            if ((fill & 1) == 0) {
                                buffer.setMemory(0, size, (byte) fill);
                            } else {
                                buffer.putStringWithoutLengthAscii(0, new RepeatedChar((char) (fill & 0x7f), size));
                            }
                            lastReturned.set(fill);
                            writing.countDown();
                        }
                    } catch (SigBusException expected) {
                        refused.set(expected);
                    }
                });
                assertTrue(writing.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS), "the writer started");
                region.revoke();
                threads.join();
            }
            assertTrue(refused.get() != null, "the writer ended with a SigBusException");
            int fill = lastReturned.get();
            byte expected = (fill & 1) == 0 ? (byte) fill : (byte) (fill & 0x7f);
            byte[] contents = Files.readAllBytes(file);
            for (int i = 0; i < size; i++) {
                if (contents[i] != expected) {
                    throw new AssertionError("round " + round + ": byte " + i + " is " + contents[i] + ", not "
                            + expected + " (fill " + fill + ", the last call that returned): a call was cut by the revoke");
                }
            }
        }
    }

    @Test
    void aFileTruncatedByAnotherProcessRaisesSigBusNotACrash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("truncated.bin");
        try (Region region = Region.mapFile(file, 0, 1 << 20, true)) {
            AtomicBuffer buffer = GuardedAtomicBuffer.wrap(region, 0, 1 << 20);
            buffer.putLong(8192, 1);
            Process truncate = new ProcessBuilder("truncate", "-s", "0", file.toString()).inheritIO().start();
            assertEquals(0, truncate.waitFor());
            for (int i = 0; i < 100; i++) {
                int index = 8192 + 8 * i;
                SigBusException e = assertThrows(SigBusException.class, () -> buffer.getLong(index));
                assertTrue(e.reason().contains("truncated"), e.reason());
                assertEquals(index, e.offset());
                assertThrows(SigBusException.class, () -> buffer.putLong(index, 2));
                assertThrows(SigBusException.class, () -> buffer.getAndAddLong(index, 1));
                assertThrows(SigBusException.class, () -> buffer.getStringAscii(index));
                assertThrows(SigBusException.class, () -> buffer.putStringUtf8(index, "text"));
                assertThrows(SigBusException.class, () -> buffer.parseLongAscii(index, 4));
            }
        }
    }

    /** {@code length} copies of one char, without a heap string of that size. */
    private record RepeatedChar(char c, int length) implements CharSequence {
        @Override
        public char charAt(int index) {
            return c;
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new RepeatedChar(c, end - start);
        }

        @Override
        public String toString() {
            return String.valueOf(c).repeat(length);
        }
    }
}
