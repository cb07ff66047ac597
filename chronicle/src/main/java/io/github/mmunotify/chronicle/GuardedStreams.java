package io.github.mmunotify.chronicle;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The streams of a {@link GuardedBytes}: {@code inputStream()} and {@code outputStream()}. Every
 * call goes to the view's guarded methods, so the streams see its positions, its bounds checks and
 * its guard: once the region is revoked every call that touches memory throws
 * {@link io.github.mmunotify.mmap.SigBusException}.
 *
 * <p>Not thread-safe, as the view they read and write.
 */
final class GuardedStreams {
    private GuardedStreams() {
    }

    /** Reads the view from its read position to its read limit. */
    static final class In extends InputStream {
        private final GuardedBytes view;

        In(GuardedBytes view) {
            this.view = view;
        }

        @Override
        public int read() {
            return view.readRemaining() > 0 ? view.readUnsignedByte() : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            return view.read(b, off, len);
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, view.readRemaining()));
            view.readSkip(skipped);
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.max(0, Math.min(Integer.MAX_VALUE, view.readRemaining()));
        }

        @Override
        public String toString() {
            return "InputStream of " + view;
        }
    }

    /** Writes at the view's write position, up to its write limit. */
    static final class Out extends OutputStream {
        private final GuardedBytes view;

        Out(GuardedBytes view) {
            this.view = view;
        }

        @Override
        public void write(int b) {
            view.writeByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            view.write(b, off, len);
        }

        @Override
        public String toString() {
            return "OutputStream of " + view;
        }
    }
}
