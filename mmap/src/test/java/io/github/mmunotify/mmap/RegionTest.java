package io.github.mmunotify.mmap;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegionTest {

    @Test
    void allocatedMemoryIsZeroedAndTypedAccessRoundTrips() {
        try (Region region = Region.allocate("typed", 4096)) {
            assertEquals(4096, region.length());
            assertEquals("typed", region.name());
            for (long offset = 0; offset < 4096; offset += 8) {
                assertEquals(0L, region.getLong(offset));
            }
            region.putByte(1, (byte) -7);
            region.putInt(4, 0x12345678);
            region.putLong(8, Long.MIN_VALUE + 3);
            region.putDouble(16, Math.PI);
            assertEquals(-7, region.getByte(1));
            assertEquals(0x12345678, region.getInt(4));
            assertEquals(Long.MIN_VALUE + 3, region.getLong(8));
            assertEquals(Math.PI, region.getDouble(16));
            region.putLong(4088, 99);
            assertEquals(99, region.getLong(4088));
        }
    }

    @Test
    void bulkCopiesAndFill() {
        try (Region region = Region.allocate("bulk", 100)) {
            byte[] src = new byte[50];
            for (int i = 0; i < src.length; i++) {
                src[i] = (byte) (i * 3);
            }
            region.putBytes(25, src, 10, 40);
            byte[] dst = new byte[40];
            region.getBytes(25, dst);
            byte[] expected = java.util.Arrays.copyOfRange(src, 10, 50);
            assertArrayEquals(expected, dst);
            region.setMemory(0, 100, (byte) 5);
            assertEquals(5, region.getByte(99));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getBytes(0, dst, 30, 20));
            assertThrows(IndexOutOfBoundsException.class, () -> region.putBytes(70, src));
        }
    }

    @Test
    void atomicsOnAlignedLongs() {
        try (Region region = Region.allocate("atomics", 64)) {
            assertTrue(region.compareAndSetLong(8, 0, 5));
            assertFalse(region.compareAndSetLong(8, 0, 6));
            assertEquals(5, region.getAndAddLong(8, 10));
            assertEquals(15, region.getLongVolatile(8));
            region.putLongVolatile(16, -1);
            assertEquals(-1, region.getLong(16));
            IllegalArgumentException unaligned =
                    assertThrows(IllegalArgumentException.class, () -> region.compareAndSetLong(4, 0, 1));
            assertTrue(unaligned.getMessage().contains("offset 4"), unaligned.getMessage());
            assertTrue(unaligned.getMessage().contains("atomics"), unaligned.getMessage());
        }
    }

    @Test
    void everyOutOfRangeAccessNamesRegionOffsetSizeAndLength() {
        try (Region region = Region.allocate("bounded", 16)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> region.getLong(12));
            assertTrue(e.getMessage().contains("'bounded'"), e.getMessage());
            assertTrue(e.getMessage().contains("offset 12"), e.getMessage());
            assertTrue(e.getMessage().contains("8 bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("length 16"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> region.getByte(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.putInt(13, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.putLong(Long.MAX_VALUE, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getDouble(9));
            assertThrows(IndexOutOfBoundsException.class, () -> region.putByte(16, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.getAndAddLong(16, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> region.setMemory(8, 9, (byte) 0));
            assertThrows(IndexOutOfBoundsException.class, () -> region.map(8, 9));
            assertThrows(IndexOutOfBoundsException.class, () -> region.map(0, 0));
        }
    }

    @Test
    void badArgumentsToFactoriesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Region.allocate("empty", 0));
        assertThrows(IllegalArgumentException.class, () -> Region.allocate("negative", -5));
        assertThrows(NullPointerException.class, () -> Region.allocate(null, 8));
    }

    @Test
    void regionsBeyondTwoGibibytesWork() {
        long threeGiB = 3L << 30;
        try (Region region = Region.allocate("large", threeGiB)) {
            assertEquals(threeGiB, region.length());
            region.putLong(threeGiB - 8, 42);
            region.putLong((2L << 30) + 16, 43);
            assertEquals(42, region.getLong(threeGiB - 8));
            assertEquals(43, region.getLong((2L << 30) + 16));
            try (Mapping high = region.map(threeGiB - 4096, 4096)) {
                assertEquals(42, high.getLong(4088));
            }
        }
    }

    @Test
    void aSparseRegionLargerThanMemoryIsCommittedOnlyWhereTouched() throws Exception {
        // Strict overcommit accounting (mode 2) refuses any mapping beyond the commit limit by design.
        org.junit.jupiter.api.Assumptions.assumeFalse(
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/vm/overcommit_memory")).trim().equals("2"));
        long huge = 1L << 40; // 1 TiB of address space
        try (Region region = Region.allocate("sparse", huge)) {
            region.putLong(0, 1);
            region.putLong(huge - 8, 2);
            assertEquals(1, region.getLong(0));
            assertEquals(2, region.getLong(huge - 8));
        }
    }

    @Test
    void everyAccessAfterRevokeThrowsSigBusNamingRegionOffsetWhyAndWhen() {
        Region region = Region.allocate("doomed", 64);
        region.putLong(0, 7);
        Instant before = Instant.now();
        region.revoke();
        assertTrue(region.isRevoked());
        SigBusException e = assertThrows(SigBusException.class, () -> region.getLong(24));
        assertEquals("doomed", e.regionName());
        assertEquals(24, e.offset());
        assertTrue(e.reason().contains("Region.revoke()"), e.reason());
        assertFalse(e.revokedAt().orElseThrow().isBefore(before));
        assertTrue(e.getMessage().contains("'doomed'") && e.getMessage().contains("offset 24"), e.getMessage());
        assertThrows(SigBusException.class, () -> region.putLong(0, 1));
        assertThrows(SigBusException.class, () -> region.getByte(0));
        assertThrows(SigBusException.class, () -> region.putByte(0, (byte) 1));
        assertThrows(SigBusException.class, () -> region.getInt(0));
        assertThrows(SigBusException.class, () -> region.putInt(0, 1));
        assertThrows(SigBusException.class, () -> region.getDouble(0));
        assertThrows(SigBusException.class, () -> region.putDouble(0, 1));
        assertThrows(SigBusException.class, () -> region.getBytes(0, new byte[8]));
        assertThrows(SigBusException.class, () -> region.putBytes(0, new byte[8]));
        assertThrows(SigBusException.class, () -> region.compareAndSetLong(0, 7, 8));
        assertThrows(SigBusException.class, () -> region.getAndAddLong(0, 1));
        assertThrows(SigBusException.class, () -> region.getLongVolatile(0));
        assertThrows(SigBusException.class, () -> region.putLongVolatile(0, 1));
        assertThrows(SigBusException.class, region::pin);
        assertThrows(SigBusException.class, () -> region.map(0, 8));
        assertThrows(SigBusException.class, region::force);
        region.revoke();
        region.close();
        assertTrue(region.toString().contains("revoked by Region.revoke()"), region.toString());
    }

    @Test
    void closeRecordsThatTheRegionWasClosed() {
        Region region = Region.allocate("closed", 8);
        region.close();
        SigBusException e = assertThrows(SigBusException.class, () -> region.getLong(0));
        assertTrue(e.reason().contains("closed"), e.reason());
    }

    @Test
    void aStaleRawAddressMeetsTheTrapInsteadOfCrashingTheJvm() {
        // A region that counts (past a budget of 0): its revoke installs the trap at once. (A
        // count-free region's range is a blank until the region is collected; CountFreeReadTest.)
        int budget = CountFreeTrapRelease.maxRegions;
        CountFreeTrapRelease.maxRegions = 0;
        Region region;
        try {
            region = Region.allocate("stale", 8192);
        } finally {
            CountFreeTrapRelease.maxRegions = budget;
        }
        assertFalse(region.hasCountFreeReads(), region::toString);
        region.putLong(4096, 5);
        long rawAddress;
        try (Pin pin = region.pin()) {
            rawAddress = addressOf(region);
            assertEquals(5, pin.getLong(4096));
        }
        long trapsBefore = Region.trapStats().installed();
        region.revoke();
        assertTrue(Region.trapStats().installed() > trapsBefore, Region.trapStats().toString());
        assertTrue(Region.trapStats().held() > 0, Region.trapStats().toString());
        // The library's paths refuse; a raw read of the old address faults into the trap.
        InternalError fault = assertThrows(InternalError.class, () -> readAndSurface(rawAddress + 4096));
        assertTrue(fault.getMessage().contains("fault"), fault.getMessage());
    }

    private static long addressOf(Region region) {
        return region.base;
    }

    private static long readAndSurface(long address) {
        long value = Memory.getLong(address);
        Libc.deliverPendingFaults();
        return value;
    }

    @Test
    void pinKeepsTheRegionMappedUntilClosedAndSeesTheRevokeRequest() throws Exception {
        Region region = Region.allocate("pinned", 4096);
        CountDownLatch pinned = new CountDownLatch(1);
        CountDownLatch revokeSeen = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            try (Pin pin = region.pin()) {
                pin.putLong(0, 11);
                pinned.countDown();
                while (!pin.revokeRequested()) {
                    Thread.onSpinWait();
                }
                // Still mapped: the revoke waits for this pin.
                pin.putLong(8, pin.getLong(0) + 1);
                revokeSeen.countDown();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        holder.start();
        assertTrue(pinned.await(30, TimeUnit.SECONDS));
        region.revoke();
        assertTrue(revokeSeen.await(30, TimeUnit.SECONDS));
        holder.join(TimeUnit.SECONDS.toMillis(30));
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertThrows(SigBusException.class, () -> region.getLong(8));
    }

    @Test
    void theRevokeKicksAPinHolderParkedInsideItsBatch() throws Exception {
        Region region = Region.allocate("kicked", 64);
        CountDownLatch pinned = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            try (Pin pin = region.pin()) {
                pinned.countDown();
                while (!pin.revokeRequested()) {
                    java.util.concurrent.locks.LockSupport.park(); // woken by the revoke's kick
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        holder.start();
        assertTrue(pinned.await(30, TimeUnit.SECONDS));
        region.revoke();
        holder.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(holder.isAlive());
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @Test
    void pinMisuseIsRefused() throws Exception {
        try (Region region = Region.allocate("pin-misuse", 64)) {
            Pin pin = region.pin();
            IllegalStateException selfRevoke = assertThrows(IllegalStateException.class, region::revoke);
            assertTrue(selfRevoke.getMessage().contains("pin"), selfRevoke.getMessage());
            assertFalse(region.isRevoked());
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread thief = new Thread(() -> {
                try {
                    pin.getLong(0);
                } catch (Throwable t) {
                    other.set(t);
                }
            });
            thief.start();
            thief.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(other.get() instanceof IllegalStateException, String.valueOf(other.get()));
            assertThrows(IndexOutOfBoundsException.class, () -> pin.getLong(60));
            pin.close();
            pin.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> pin.getLong(0));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }

    @Test
    void toStringShowsNameLengthAndState() {
        Region region = Region.allocate("shown", 128);
        assertTrue(region.toString().contains("shown") && region.toString().contains("128")
                && region.toString().contains("live"), region.toString());
        region.close();
    }
}
