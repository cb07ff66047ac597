package io.github.mmunotify.mmap;

import net.openhft.chronicle.bytes.Bytes;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The streams of a guarded {@code Bytes} view: {@code inputStream()} and {@code outputStream()}.
 * Chronicle's own streams read and write the memory directly, past the guard; these call the
 * guarded view for every operation, so they see its positions, its bounds checks and its guard: once
 * the region is revoked every call throws {@link SigBusException}, never touching the memory.
 *
 * <p>Not thread-safe, as the view they read and write.
 */
final class ViewStreams {
    private ViewStreams() {
    }

    /** Reads the view from its read position to its read limit. */
    static final class In extends InputStream {
        private final Bytes<?> view;

        In(Bytes<?> view) {
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
            long remaining = view.readRemaining();
            if (remaining <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            view.read(b, off, n);
            return n;
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
    }

    /** Writes at the view's write position, up to its write limit. */
    static final class Out extends OutputStream {
        private final Bytes<?> view;

        Out(Bytes<?> view) {
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
    }
}
