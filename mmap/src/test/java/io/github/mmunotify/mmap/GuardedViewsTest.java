package io.github.mmunotify.mmap;

import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import org.agrona.concurrent.AtomicBuffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardedViewsTest {

    @Test
    void atomicBufferViewIsAWindowOfTheRegion() {
        try (Region region = Region.allocate("agrona", 8192)) {
            AtomicBuffer buffer = region.atomicBuffer(4096, 64);
            assertEquals(64, buffer.capacity());
            buffer.putLong(8, 3);
            assertEquals(3, region.getLong(4096 + 8));
            assertTrue(buffer.compareAndSetLong(8, 3, 4));
            assertEquals(4, buffer.getAndAddLong(8, 1));
            assertEquals(5, buffer.getLongVolatile(8));
            buffer.putStringAscii(16, "abc");
            assertEquals("abc", buffer.getStringAscii(16));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.getLong(60));
            assertThrows(UnsupportedOperationException.class, () -> buffer.wrap(new byte[8]));
        }
    }

    @Test
    void theAtomicBufferViewThrowsSigBusOnceTheRegionIsRevoked() {
        Region region = Region.allocate("views-revoked", 4096);
        AtomicBuffer buffer = region.atomicBuffer(0, 4096);
        buffer.putLong(8, 2);
        region.revoke();
        SigBusException fromBuffer = assertThrows(SigBusException.class, () -> buffer.getLong(8));
        assertEquals(8, fromBuffer.offset());
        assertThrows(SigBusException.class, () -> buffer.putLong(8, 3));
        assertThrows(SigBusException.class, () -> buffer.compareAndSetLong(8, 2, 3));
    }

    @Test
    void aRevokeWaitsForAViewCallInFlight() throws Exception {
        Region region = Region.allocate("view-in-flight", 1 << 20);
        AtomicBuffer buffer = region.atomicBuffer(0, 1 << 20);
        CountDownLatch started = new CountDownLatch(1);
        try (TestThreads threads = new TestThreads("view-writer")) {
            threads.start(() -> {
                started.countDown();
                try {
                    for (long i = 0; ; i++) {
                        buffer.putLong((int) ((i * 8) & ((1 << 20) - 8)), i);
                    }
                } catch (SigBusException expected) {
                    // the end of the loop: the revoke refused the next call
                }
            });
            assertTrue(started.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
            region.revoke();
            threads.join();
        }
    }
}
