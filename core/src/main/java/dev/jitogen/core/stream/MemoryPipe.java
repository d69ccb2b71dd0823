package dev.jitogen.core.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A bounded in-memory byte pipe: what an in-process context's {@link Stream} reads and writes instead of a
 * process's stdin and stdout. Unlike {@code java.io.PipedInputStream} it does not care which threads write (any
 * number may, one after another) and does not fail when a writer thread ends.
 *
 * <p>Threads: any thread may write and any thread may read; a reader waits while the pipe is empty, a writer while
 * it is full. Closing either end wakes both: the reader drains what was written before the writer closed and then
 * sees the end of the stream; a writer after the reader closed gets an {@link IOException}.
 */
public final class MemoryPipe {
    private static final int CAPACITY = 256 * 1024;

    private final byte[] buffer = new byte[CAPACITY];
    /** Guarded by this: the oldest unread byte, how many are unread, and whether each end has closed. */
    private int head, count;
    private boolean writerClosed, readerClosed;

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return take(b, off, len);
        }

        @Override
        public int available() {
            synchronized (MemoryPipe.this) {
                return count;
            }
        }

        @Override
        public void close() {
            synchronized (MemoryPipe.this) {
                readerClosed = true;
                MemoryPipe.this.notifyAll();
            }
        }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            put(b, off, len);
        }

        @Override
        public void close() {
            synchronized (MemoryPipe.this) {
                writerClosed = true;
                MemoryPipe.this.notifyAll();
            }
        }
    };

    /** The reading end. */
    public InputStream in() {
        return in;
    }

    /** The writing end. */
    public OutputStream out() {
        return out;
    }

    private synchronized int take(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        boolean interrupted = false;
        try {
            while (count == 0 && !writerClosed && !readerClosed) interrupted |= await();
            if (readerClosed) throw new IOException("pipe closed");
            if (count == 0) return -1;
            int n = Math.min(len, count);
            int first = Math.min(n, CAPACITY - head);
            System.arraycopy(buffer, head, b, off, first);
            System.arraycopy(buffer, 0, b, off + first, n - first);
            head = (head + n) % CAPACITY;
            count -= n;
            notifyAll();
            return n;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private synchronized void put(byte[] b, int off, int len) throws IOException {
        boolean interrupted = false;
        try {
            while (len > 0) {
                while (count == CAPACITY && !readerClosed && !writerClosed) interrupted |= await();
                if (readerClosed || writerClosed) throw new IOException("pipe closed");
                int tail = (head + count) % CAPACITY;
                int n = Math.min(len, Math.min(CAPACITY - count, CAPACITY - tail));
                System.arraycopy(b, off, buffer, tail, n);
                count += n;
                off += n;
                len -= n;
                notifyAll();
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the other end; returns true if interrupted. An interrupt is kept for the caller to see afterwards
     * rather than cutting a frame in half (a half-written frame would break the stream for every context on it).
     */
    private boolean await() {
        try {
            wait();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }
}
