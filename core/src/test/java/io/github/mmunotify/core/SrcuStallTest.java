package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stall warnings: a read section that holds up a grace period too long is reported once. */
class SrcuStallTest {

    private static final long SECONDS = 60;

    @Test
    void aLongSectionIsReportedOnceWithItsThreadAndStack() throws Exception {
        checkReported(Thread.ofPlatform().name("slow-platform-reader"), "slow-platform-reader");
    }

    /**
     * A virtual thread counts on the shared stripes, which do not record who is inside: its stall
     * is reported once, as the striped sections' stall, with no thread and no stack.
     */
    @Test
    void aLongSectionOnAVirtualThreadIsReportedOnceAsAStripedStall() throws Exception {
        LinkedBlockingQueue<Srcu.Stall> stalls = new LinkedBlockingQueue<>();
        try (Srcu srcu = Srcu.builder("stall").stallThreshold(Duration.ofMillis(50)).stallHandler(stalls::add).build()) {
            HeldReader reader = new HeldReader(srcu, Thread.ofVirtual().name("slow-virtual-reader"));
            assertTrue(reader.inside.await(SECONDS, TimeUnit.SECONDS));
            TestThreads updater = new TestThreads("updater");
            updater.start(srcu::synchronize);

            Srcu.Stall stall = stalls.poll(SECONDS, TimeUnit.SECONDS);
            assertNotNull(stall, "no stall was reported");
            assertEquals("stall", stall.domain());
            assertEquals(Srcu.Stall.STRIPED, stall.threadId());
            assertTrue(stall.threadName().startsWith("1 read section(s) of virtual threads"), stall.threadName());
            assertTrue(stall.stack().isEmpty());
            assertTrue(stall.heldAtLeast().compareTo(Duration.ofMillis(50)) >= 0, stall.heldAtLeast().toString());
            assertTrue(stall.toString().contains("have held up a grace period"), stall.toString());

            assertNull(stalls.poll(500, TimeUnit.MILLISECONDS), "the same stall was reported twice");
            assertEquals(1, srcu.stats().stallsReported());

            reader.release.countDown();
            updater.join();
        }
    }

    private static void checkReported(Thread.Builder builder, String threadName) throws Exception {
        LinkedBlockingQueue<Srcu.Stall> stalls = new LinkedBlockingQueue<>();
        try (Srcu srcu = Srcu.builder("stall").stallThreshold(Duration.ofMillis(50)).stallHandler(stalls::add).build()) {
            HeldReader reader = new HeldReader(srcu, builder);
            assertTrue(reader.inside.await(SECONDS, TimeUnit.SECONDS));
            TestThreads updater = new TestThreads("updater");
            updater.start(srcu::synchronize);

            Srcu.Stall stall = stalls.poll(SECONDS, TimeUnit.SECONDS);
            assertNotNull(stall, "no stall was reported");
            assertEquals("stall", stall.domain());
            assertEquals(threadName, stall.threadName());
            assertTrue(stall.threadAlive());
            assertTrue(stall.heldAtLeast().compareTo(Duration.ofMillis(50)) >= 0, stall.heldAtLeast().toString());
            assertTrue(stall.stack().stream().anyMatch(f -> f.getMethodName().equals("holdTheSection")),
                    stall.toString());
            assertTrue(stall.toString().contains("'" + threadName + "'"), stall.toString());
            assertTrue(stall.toString().contains("holdTheSection"), stall.toString());

            // The grace period keeps waiting and checking, several times over the threshold: no repeat.
            assertNull(stalls.poll(500, TimeUnit.MILLISECONDS), "the same stall was reported twice");
            assertEquals(1, srcu.stats().stallsReported());

            reader.release.countDown();
            updater.join();
        }
    }

    @Test
    void theSameReaderStallingAgainLaterIsReportedAgain() throws Exception {
        LinkedBlockingQueue<Srcu.Stall> stalls = new LinkedBlockingQueue<>();
        try (Srcu srcu = Srcu.builder("stall-twice").stallThreshold(Duration.ofMillis(30))
                .stallHandler(stalls::add).build()) {
            for (int round = 0; round < 2; round++) {
                HeldReader reader = new HeldReader(srcu, Thread.ofPlatform().name("round-" + round));
                assertTrue(reader.inside.await(SECONDS, TimeUnit.SECONDS));
                TestThreads updater = new TestThreads("updater");
                updater.start(srcu::synchronize);
                assertNotNull(stalls.poll(SECONDS, TimeUnit.SECONDS), "round " + round);
                reader.release.countDown();
                updater.join();
            }
            assertEquals(2, srcu.stats().stallsReported());
        }
    }

    @Test
    void aShortSectionIsNotReported() throws Exception {
        LinkedBlockingQueue<Srcu.Stall> stalls = new LinkedBlockingQueue<>();
        try (Srcu srcu = Srcu.builder("no-stall").stallThreshold(Duration.ofSeconds(30))
                .stallHandler(stalls::add).build()) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            assertTrue(reader.inside.await(SECONDS, TimeUnit.SECONDS));
            TestThreads updater = new TestThreads("updater");
            updater.start(srcu::synchronize);
            assertNull(stalls.poll(200, TimeUnit.MILLISECONDS));
            reader.release.countDown();
            updater.join();
            assertEquals(0, srcu.stats().stallsReported());
        }
    }

    @Test
    void aThreadThatTerminatedInsideASectionIsReportedAsTerminated() throws Exception {
        LinkedBlockingQueue<Srcu.Stall> stalls = new LinkedBlockingQueue<>();
        Srcu srcu = Srcu.builder("leak").stallThreshold(Duration.ofMillis(30)).stallHandler(stalls::add).build();
        Thread leaker;
        try (TestThreads leakers = new TestThreads("leaker")) { // a failing readLock fails the test
            leaker = leakers.start(srcu::readLock); // never unlocks
        }
        long cookie = srcu.startPoll(); // the domain's own thread drives it, and is stuck for good
        Srcu.Stall stall = stalls.poll(SECONDS, TimeUnit.SECONDS);
        assertNotNull(stall);
        assertEquals(leaker.getName(), stall.threadName());
        assertFalse(stall.threadAlive());
        assertTrue(stall.toString().contains("terminated"), stall.toString());
        assertFalse(srcu.pollState(cookie));
        // The domain cannot be closed (a reader is inside forever); its daemon thread is left parked.
    }

    @Test
    void aThrowingStallHandlerDoesNotBreakTheGracePeriod() throws Exception {
        CountDownLatch called = new CountDownLatch(1);
        try (Srcu srcu = Srcu.builder("bad-stall-handler").stallThreshold(Duration.ofMillis(20)).stallHandler(s -> {
            called.countDown();
            throw new IllegalStateException("handler broke");
        }).build()) {
            HeldReader reader = new HeldReader(srcu, Thread.ofPlatform());
            assertTrue(reader.inside.await(SECONDS, TimeUnit.SECONDS));
            TestThreads updater = new TestThreads("updater");
            updater.start(srcu::synchronize);
            assertTrue(called.await(SECONDS, TimeUnit.SECONDS));
            reader.release.countDown();
            updater.join();
        }
    }
}
