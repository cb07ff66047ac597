package io.github.mmunotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mmunotify.testing.TestThreads;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The read side: tokens, nesting, misuse of tokens, virtual threads, and no allocation. */
class SrcuReadSideTest {

    @Test
    void sectionsNestAndTheDomainKnowsWhetherTheThreadIsInside() {
        try (Srcu srcu = Srcu.create("nest")) {
            assertFalse(srcu.isReaderOnCurrentThread());
            int outer = srcu.readLock();
            int inner = srcu.readLock();
            assertTrue(srcu.isReaderOnCurrentThread());
            assertEquals(1, srcu.stats().readersActive());
            srcu.readUnlock(inner);
            assertTrue(srcu.isReaderOnCurrentThread(), "the outer section is still held");
            srcu.readUnlock(outer);
            assertFalse(srcu.isReaderOnCurrentThread());
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void sectionsMayBeLeftOutOfOrder() {
        try (Srcu srcu = Srcu.create("overlap")) {
            int first = srcu.readLock();
            int second = srcu.readLock();
            srcu.readUnlock(first);
            srcu.readUnlock(second);
            assertFalse(srcu.isReaderOnCurrentThread());
        }
    }

    @Test
    void unlockingTwiceThrowsAndChangesNothing() {
        try (Srcu srcu = Srcu.create("twice")) {
            int held = srcu.readLock();
            int token = srcu.readLock();
            srcu.readUnlock(token);
            srcu.readUnlock(held);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> srcu.readUnlock(token));
            assertTrue(e.getMessage().contains("not outstanding") || e.getMessage().contains("is outstanding"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("'twice'"), e.getMessage());
            assertFalse(srcu.isReaderOnCurrentThread());
            srcu.synchronize(); // the counts stayed balanced, so a grace period still completes
        }
    }

    @Test
    void aTokenOfAnotherDomainOrAMadeUpOneIsRejected() {
        try (Srcu a = Srcu.create("a"); Srcu b = Srcu.create("b")) {
            int tokenOfA = a.readLock();
            int tokenOfB = b.readLock();
            assertNotEquals(tokenOfA & ~1, tokenOfB & ~1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.readUnlock(tokenOfA));
            assertTrue(e.getMessage().contains("not returned by readLock() of this domain"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.readUnlock(tokenOfA ^ 0x1000));
            assertTrue(a.isReaderOnCurrentThread());
            assertTrue(b.isReaderOnCurrentThread());
            a.readUnlock(tokenOfA);
            b.readUnlock(tokenOfB);
        }
    }

    @Test
    void aTokenCannotBeUnlockedOnAnotherThread() throws Exception {
        try (Srcu srcu = Srcu.create("cross-thread")) {
            int token = srcu.readLock();
            CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
                try {
                    srcu.readUnlock(token);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, Executors.newVirtualThreadPerTaskExecutor());
            Throwable thrown = other.get(30, TimeUnit.SECONDS);
            assertTrue(thrown instanceof IllegalArgumentException, String.valueOf(thrown));
            assertTrue(srcu.isReaderOnCurrentThread());
            srcu.readUnlock(token);
        }
    }

    @Test
    void anotherThreadsTokenIsRejectedEvenWhileTheCallerHoldsASectionOnTheSameIndex() throws Exception {
        try (Srcu srcu = Srcu.create("foreign-token")) {
            int mine = srcu.readLock();
            try (TestThreads threads = new TestThreads("foreign-token")) {
                threads.start(() -> {
                    int theirs = srcu.readLock();
                    assertEquals(mine & 1, theirs & 1, "no grace period ran, so both count on one index");
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> srcu.readUnlock(mine));
                    assertTrue(e.getMessage().contains("'foreign-token'"), e.getMessage());
                    assertTrue(e.getMessage().contains(Thread.currentThread().getName()), e.getMessage());
                    assertTrue(srcu.isReaderOnCurrentThread(), "the caller's own section is untouched");
                    srcu.readUnlock(theirs);
                    assertFalse(srcu.isReaderOnCurrentThread());
                });
            }
            assertTrue(srcu.isReaderOnCurrentThread(), "the owner's section is untouched");
            srcu.readUnlock(mine);
            assertFalse(srcu.isReaderOnCurrentThread());
            srcu.synchronize(); // both threads' counts are balanced
        }
    }

    @Test
    void virtualThreadsReadAndBlockInsideSections() throws Exception {
        try (Srcu srcu = Srcu.create("virtual");
             var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new java.util.ArrayList<CompletableFuture<Boolean>>();
            for (int i = 0; i < 200; i++) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    int token = srcu.readLock();
                    try {
                        Thread.yield(); // unmounts; may come back on another carrier
                        return srcu.isReaderOnCurrentThread();
                    } finally {
                        srcu.readUnlock(token);
                    }
                }, executor));
            }
            for (var future : futures) {
                assertTrue(future.get(30, TimeUnit.SECONDS));
            }
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void manyMoreConcurrentReadersThanLookupSlotsEachKeepTheirOwnSections() throws Exception {
        int readers = 600; // several threads per slot of the thread-id table, all inside at once
        try (Srcu srcu = Srcu.create("crowd");
             var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch allInside = new java.util.concurrent.CountDownLatch(readers);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            var futures = new java.util.ArrayList<CompletableFuture<String>>();
            for (int i = 0; i < readers; i++) {
                futures.add(CompletableFuture.supplyAsync(() -> {
                    int outer = srcu.readLock();
                    int inner = srcu.readLock();
                    allInside.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return "interrupted";
                    }
                    srcu.readUnlock(inner);
                    boolean stillInside = srcu.isReaderOnCurrentThread();
                    srcu.readUnlock(outer);
                    return stillInside && !srcu.isReaderOnCurrentThread() ? "ok" : "lost its section";
                }, executor));
            }
            assertTrue(allInside.await(60, TimeUnit.SECONDS));
            assertEquals(readers, srcu.stats().readersActive());
            release.countDown();
            for (var future : futures) {
                assertEquals("ok", future.get(60, TimeUnit.SECONDS));
            }
            srcu.synchronize();
            assertEquals(0, srcu.stats().readersActive());
        }
    }

    @Test
    void enteringAndLeavingAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Srcu srcu = Srcu.create("no-allocation")) {
            for (int i = 0; i < 20_000; i++) { // registers this thread and warms the path
                srcu.readUnlock(srcu.readLock());
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                int outer = srcu.readLock();
                srcu.readUnlock(srcu.readLock());
                srcu.readUnlock(outer);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // 300,000 operations: even one byte each would be far above this allowance for the
            // measurement's own noise.
            assertTrue(allocated < 4_096, "the read side allocated " + allocated + " bytes");
        }
    }

    @Test
    void readLockAfterCloseThrows() {
        Srcu srcu = Srcu.create("closed-read");
        srcu.readUnlock(srcu.readLock());
        srcu.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, srcu::readLock);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertFalse(srcu.isReaderOnCurrentThread(), "a refused readLock leaves no section behind");
    }
}
