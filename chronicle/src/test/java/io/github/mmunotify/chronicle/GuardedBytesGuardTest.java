package io.github.mmunotify.chronicle;

import io.github.mmunotify.mmap.ReadOnlyMappingException;
import io.github.mmunotify.mmap.Region;
import io.github.mmunotify.mmap.SigBusException;
import io.github.mmunotify.testing.TestThreads;
import io.github.mmunotify.testing.TestTimeouts;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The region's guard covers every call through the view: once the region is revoked every access
 * throws {@link SigBusException}; a revoke waits for a call in flight; on a read-only region every
 * write throws {@link ReadOnlyMappingException} before touching memory or positions.
 */
class GuardedBytesGuardTest {

    @Test
    void everyKindOfAccessThrowsSigBusOnceTheRegionIsRevoked() {
        Region region = Region.allocate("guard-revoked", 4096);
        GuardedBytes bytes = GuardedBytes.wrap(region);
        bytes.clear().writeUtf8("before").writeLong(7);
        region.revoke();
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("readLong(long)", () -> bytes.readLong(0));
        calls.put("readUtf8()", bytes::readUtf8);
        calls.put("readLong()", bytes::readLong);
        calls.put("parseLong()", bytes::parseLong);
        calls.put("toByteArray()", bytes::toByteArray);
        calls.put("writeLong(long,long)", () -> bytes.writeLong(0, 1));
        calls.put("writeLong(long)", () -> bytes.writeLong(1));
        calls.put("writeUtf8(CharSequence)", () -> bytes.writeUtf8("after"));
        calls.put("append(long)", () -> bytes.append(5L));
        calls.put("compareAndSwapLong", () -> bytes.compareAndSwapLong(0, 0, 1));
        calls.put("readVolatileInt(long)", () -> bytes.readVolatileInt(0));
        calls.put("addAndGetInt", () -> bytes.addAndGetInt(0, 1));
        calls.put("move", () -> bytes.move(0, 8, 8));
        calls.put("zeroOut", () -> bytes.zeroOut(0, 8));
        calls.put("write(byte[])", () -> bytes.write(new byte[4]));
        calls.put("read(byte[])", () -> bytes.read(new byte[4]));
        calls.put("hash", () -> bytes.hash(8));
        for (Map.Entry<String, Executable> call : calls.entrySet()) {
            SigBusException gone = assertThrows(SigBusException.class, call.getValue(), call.getKey());
            assertEquals("guard-revoked", gone.regionName(), call.getKey());
            assertTrue(gone.getMessage().contains("revoked by Region.revoke()"), gone.getMessage());
        }
        assertTrue(bytes.toString().contains("revoked"), bytes.toString());
    }

    @Test
    void everyWriteToAReadOnlyRegionIsRefusedBeforeTouchingMemoryOrPositions(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("read-only.bin");
        byte[] content = new byte[4096];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 13);
        }
        Files.write(file, content);
        try (Region region = Region.mapFile(file, 0, 4096, false)) {
            GuardedBytes bytes = GuardedBytes.wrap(region);
            assertEquals(content[5], bytes.readByte(5), "reads work");
            bytes.readPosition(64);
            Map<String, Executable> writes = new LinkedHashMap<>();
            writes.put("writeLong(long,long)", () -> bytes.writeLong(0, 1));
            writes.put("writeByte(long,byte)", () -> bytes.writeByte(0, (byte) 1));
            writes.put("writeInt24(long,int)", () -> bytes.writeInt24(0, 1));
            writes.put("writeVolatileInt", () -> bytes.writeVolatileInt(0, 1));
            writes.put("writeOrderedLong(long,long)", () -> bytes.writeOrderedLong(0, 1));
            writes.put("compareAndSwapInt", () -> bytes.compareAndSwapInt(0, 0, 1));
            writes.put("addAndGetLong", () -> bytes.addAndGetLong(0, 1));
            writes.put("write(long,byte[],int,int)", () -> bytes.write(0, new byte[4], 0, 4));
            writes.put("write(long,ByteBuffer,int,int)", () -> bytes.write(0, ByteBuffer.allocate(4), 0, 4));
            writes.put("write(long,RandomDataInput,long,long)", () -> bytes.write(0, bytes, 8, 8));
            writes.put("writeUtf8(long,CharSequence)", () -> bytes.writeUtf8(0, "x"));
            writes.put("write8bit(long,String,int,int)", () -> bytes.write8bit(0, "x", 0, 1));
            writes.put("zeroOut", () -> bytes.zeroOut(0, 8));
            writes.put("move", () -> bytes.move(0, 8, 8));
            writes.put("append(long,long,int)", () -> bytes.append(0, 5L, 2));
            writes.put("prewriteLong", () -> bytes.prewriteLong(1));
            writes.put("prewrite(byte[])", () -> bytes.prewrite(new byte[2]));
            writes.put("compact", bytes::compact);
            writes.put("writeLong(long)", () -> bytes.writeLong(1));
            writes.put("writeByte(byte)", () -> bytes.writeByte((byte) 1));
            writes.put("write(byte[])", () -> bytes.write(new byte[1]));
            writes.put("writeUtf8(String)", () -> bytes.writeUtf8("x"));
            writes.put("append(double)", () -> bytes.append(1.5));
            writes.put("append(BigDecimal)", () -> bytes.append(BigDecimal.ONE));
            writes.put("writeStopBit(long)", () -> bytes.writeStopBit(1));
            writes.put("writeSome(ByteBuffer)", () -> bytes.writeSome(ByteBuffer.allocate(4)));
            writes.put("outputStream().write", () -> bytes.outputStream().write(1));
            for (boolean cleared : new boolean[]{false, true}) {
                for (Map.Entry<String, Executable> write : writes.entrySet()) {
                    if (cleared) {
                        bytes.clear().readLimit(128).readPosition(64); // room to write, in case a check relied on none
                    }
                    long rp = bytes.readPosition();
                    long wp = bytes.writePosition();
                    ReadOnlyMappingException refused = assertThrows(ReadOnlyMappingException.class, write.getValue(),
                            write.getKey());
                    assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
                    assertEquals(rp, bytes.readPosition(), write.getKey() + " moved the read position");
                    assertEquals(wp, bytes.writePosition(), write.getKey() + " moved the write position");
                }
            }
            byte[] now = new byte[4096];
            region.getBytes(0, now);
            assertArrayEquals(content, now, "a refused write changed the region");
        }
        assertArrayEquals(content, Files.readAllBytes(file), "a refused write changed the file");
    }

    /**
     * A revoke that begins while a multi-step call (a move, one pin for the whole copy) is in
     * flight waits for it: the file holds either the whole move or none of it, never part, and at
     * least once the revoke is seen to have begun while the move was still running and the move
     * still completed. A move guarded chunk by chunk fails this (a partial move).
     */
    @Test
    void aRevokeWaitsForACallInFlight(@TempDir Path dir) throws Exception {
        int size = 4 << 20;
        int attempts = 40;
        byte[] original = new byte[size];
        for (int i = 0; i < size; i++) {
            original[i] = (byte) (i * 31 + (i >> 11));
        }
        byte[] moved = original.clone();
        System.arraycopy(original, 0, moved, 8, size - 8);
        int waitedFor = 0;
        for (int attempt = 0; attempt < attempts && waitedFor == 0; attempt++) {
            Path file = dir.resolve("in-flight-" + attempt + ".bin");
            Files.write(file, original);
            Region region = Region.mapFile(file, 0, size, true);
            GuardedBytes bytes = GuardedBytes.wrap(region);
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean completed = new AtomicBoolean();
            AtomicBoolean revokeBegunBeforeReturn = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try (TestThreads threads = new TestThreads("in-flight")) {
                threads.start(() -> {
                    started.countDown();
                    try {
                        bytes.move(0, 8, size - 8);
                        revokeBegunBeforeReturn.set(region.isRevoked());
                        completed.set(true);
                    } catch (SigBusException refused) {
                        failure.set(refused);
                    }
                });
                assertTrue(started.await(TestTimeouts.await().toMillis(), TimeUnit.MILLISECONDS));
                region.revoke();
            }
            byte[] after = Files.readAllBytes(file);
            if (completed.get()) {
                assertTrue(Arrays.equals(moved, after), "attempt " + attempt + ": the move completed but the file"
                        + " does not hold all of it");
                if (revokeBegunBeforeReturn.get()) {
                    waitedFor++;
                }
            } else {
                assertTrue(failure.get() instanceof SigBusException, String.valueOf(failure.get()));
                assertTrue(Arrays.equals(original, after), "attempt " + attempt + ": the move was refused but the"
                        + " file changed: a partial move");
            }
            Files.delete(file);
        }
        assertTrue(waitedFor > 0, "in " + attempts + " attempts the revoke never began during the move");
    }

    @Test
    void referenceCountingIsTheRegionsNotTheViews() {
        Region region = Region.allocate("guard-refcount", 4096);
        Bytes<Void> bytes = GuardedBytes.wrap(region);
        assertTrue(bytes.tryReserve(bytes));
        bytes.release(bytes);
        bytes.releaseLast();
        assertEquals(1, bytes.refCount());
        bytes.writeLong(0, 3);
        assertEquals(3, region.getLong(0), "releasing the view frees nothing");
        region.revoke();
        assertTrue(!bytes.tryReserve(bytes), "tryReserve says the region is gone");
        assertThrows(SigBusException.class, () -> bytes.readLong(0));
    }
}
