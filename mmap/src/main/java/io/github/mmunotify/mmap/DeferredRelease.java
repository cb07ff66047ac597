package io.github.mmunotify.mmap;

import io.github.mmunotify.core.FailureReports;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Gives revoked memory back to the kernel on a daemon thread: closes the descriptors of revoked
 * file regions and unmaps the pages a revoke moved out of the way. Freeing a megabyte of pages
 * costs more than all the rest of a revoke together; once the trap mapping stands in the original
 * range nothing can reach those pages, so the revoking thread hands them over and returns, and
 * they are freed moments later.
 *
 * <p>Thread-safe; the queue is unbounded but drains as fast as {@code munmap}/{@code close} run.
 */
final class DeferredRelease {
    private static final System.Logger LOG = System.getLogger(DeferredRelease.class.getName());
    private static final LinkedBlockingQueue<Runnable> PENDING = new LinkedBlockingQueue<>();

    static {
        MmapThreads.startReleaser(); // a platform daemon "mmunotify-releaser", or the MmapThreads factory's
    }

    private DeferredRelease() {
    }

    /** Closes {@code fd} soon; the caller must not use it again. */
    static void close(int fd) {
        PENDING.add(() -> Libc.close(fd));
    }

    /** Unmaps {@code [address, address + length)} soon; the caller must not touch it again. */
    static void unmap(long address, long length) {
        PENDING.add(() -> Libc.munmap(address, length));
    }

    /** The daemon's loop; package-private for {@link MmapThreads}, which makes its thread. */
    static void serve() {
        while (true) {
            try {
                PENDING.take().run();
            } catch (InterruptedException e) {
                // Daemon thread: nobody interrupts it on purpose; keep serving.
            } catch (Throwable e) {
                // Reported without throwing: this daemon thread must survive to run the rest.
                FailureReports.log(LOG, System.Logger.Level.ERROR, () -> "releasing revoked memory failed", e);
            }
        }
    }
}
