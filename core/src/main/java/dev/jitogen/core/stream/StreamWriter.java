package dev.jitogen.core.stream;

import dev.jitogen.core.wire.FrameReader;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The writing half of a {@link Stream}: its queue of frames, the writer thread that drains it, direct writes within
 * {@link Stream#DIRECT_BUDGET}, flow control toward a trusted peer, and the output sliced for the stall watchdog
 * (the rules are the stream's: see there).
 *
 * <p>Locking: {@code lock} guards the queue, its byte count, who owns the output and the writer thread's state; it
 * is never held during I/O, and no other lock is taken while holding it ({@link Stream#close} takes it only after
 * its closed flag is set). {@code out} is written only by the thread that owns it: the writer thread while it drains
 * the queue, or a caller writing directly. Threads: {@link #enqueue} from any thread (a user thread may wait in it
 * for a trusted peer, never an I/O thread); the writer thread is started here, ends after a second without work, and
 * never runs user code.
 */
final class StreamWriter {
    /** Frames are written in slices of this size, so a slow but moving peer shows progress. */
    static final int WRITE_SLICE = 64 * 1024;
    /** A writer thread with nothing to write ends after this long. */
    private static final long WRITER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Stream stream;
    /** Written only by the thread that owns the output (see {@link #owned}). */
    private final OutputStream out;
    /** The unbuffered end: closed directly, so that closing never waits on a writer's monitor. */
    private final OutputStream rawOut;

    private final Object lock = new Object();
    /** Frames waiting to be written, oldest first. Guarded by lock. */
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    /** Bytes of the frames in {@link #queue} and of the one being written. Guarded by lock. */
    private long queuedBytes;
    /**
     * Some thread owns {@link #out}: the writer thread while it drains the queue, or a caller writing directly.
     * Stays true once closed, so that no one writes again. Guarded by lock.
     */
    private boolean owned;
    /** The writer thread is asked to drain the queue (it owns the output for that). Guarded by lock. */
    private boolean writerKicked;
    /** A write or flush was asked for while a caller owned the output: it kicks the writer when done. Guarded by lock. */
    private boolean kickWhenDone;
    /** The writer thread, or null if none runs; it waits a while for more work before ending. Guarded by lock. */
    private Thread writer;
    /** Frames are queued that asked not to be flushed yet ({@link Stream#sendUnflushed}). Guarded by lock. */
    private boolean flushWanted;
    /** Frames refused since the queue was last under the high-water mark, so a flood logs twice. Guarded by lock. */
    private long refused;
    /** Makes writer threads; null until the stream starts. Guarded by lock (written), volatile for the closer. */
    private volatile ThreadFactory threads;

    /** Bytes of whole frames handed to {@link #out} so far. Written by the output's owner only. */
    private volatile long written;
    /** nanoTime when the write under way began, or 0 if none is blocked in {@code out}. */
    private volatile long writeSince;

    StreamWriter(Stream stream, OutputStream rawOut) {
        this.stream = stream;
        this.rawOut = rawOut;
        this.out = new SlicedOutput();
    }

    /** The stream started: writer threads come from {@code threads}; frames sent before now are written. */
    void start(ThreadFactory threads) {
        synchronized (lock) {
            this.threads = threads;
            if (!queue.isEmpty()) kickWriter(); // frames sent before the start
        }
    }

    /** nanoTime when the write under way began, or 0 if none is blocked: for the stall watchdog. */
    long writeSince() {
        return writeSince;
    }

    long queuedBytes() {
        synchronized (lock) {
            return queuedBytes;
        }
    }

    /** See {@link Stream#awaitWritten}. */
    boolean awaitWritten(long nanos) {
        long end = System.nanoTime() + nanos;
        boolean interrupted = false;
        try {
            synchronized (lock) {
                if (flushWanted || !queue.isEmpty()) kickWriter();
                while ((owned || !queue.isEmpty() || flushWanted) && !stream.isClosed()) {
                    long left = end - System.nanoTime();
                    if (left <= 0) return false;
                    try {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    } catch (InterruptedException e) {
                        interrupted = true;
                        return false;
                    }
                }
                return !stream.isClosed();
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** See {@link Stream#flush}. */
    boolean flush() {
        synchronized (lock) {
            if (stream.isClosed()) return false;
            if (flushWanted || owned) kickWriter(); // an owner may be writing an unflushed frame right now
            return true;
        }
    }

    /** See {@link Stream#send} and {@link Stream#sendUnflushed}. */
    boolean enqueue(Message m, boolean flush) {
        long size = m.frameSize();
        boolean io = Stream.isIoThread(), trusted = stream.peerTrusted(), direct = false, interrupted = false;
        try {
            synchronized (lock) {
                if (!owned && queue.isEmpty() && threads != null && (!io || trusted)
                        && unacknowledged() + size <= Stream.DIRECT_BUDGET) {
                    owned = true; // this thread writes it, below
                    queuedBytes += size;
                    direct = true;
                } else {
                    if (trusted && !io && threads != null && queuedBytes >= Stream.QUEUE_HIGH_WATER) {
                        // flow control toward a trusted peer only; if it stalls, the watchdog closes the stream
                        kickWriter();
                        while (queuedBytes >= Stream.QUEUE_HIGH_WATER && !stream.isClosed()) {
                            try {
                                lock.wait();
                            } catch (InterruptedException e) {
                                interrupted = true; // queue it anyway: the caller hears of the interrupt afterwards
                                break;
                            }
                        }
                    }
                    if (stream.isClosed()) return false;
                    if (queuedBytes >= Stream.QUEUE_LIMIT) {
                        if (refused++ == 0) {
                            Log.warning("stream " + stream.name() + ": " + queuedBytes + " bytes wait to be written and "
                                    + "the peer is not reading them; refusing frames for it until it does (first: " + m
                                    + ")");
                        }
                        return false;
                    }
                    queue.add(m);
                    queuedBytes += size;
                    // unflushed frames wait for flush(), like bytes in a buffer, unless they would fill one
                    if (flush || queuedBytes >= WRITE_SLICE) kickWriter();
                    else flushWanted = true;
                    return true;
                }
            }
            return direct && writeNow(m, flush);
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Bytes written that the peer has not acknowledged reading (by the ack in the last frame it sent). */
    private long unacknowledged() {
        FrameReader r = stream.frameReader();
        long ack = r == null ? -1 : r.peerAck();
        // mod 2^32, as acks travel; a peer claiming more than was written (raw writes by user code) counts as 0
        int d = (int) written - (int) Math.max(ack, 0);
        return Math.max(0, d);
    }

    /** Writes one frame to the output, with the ack of what we read. Owner of the output only. */
    private void write(Message m) throws IOException {
        FrameReader r = stream.frameReader();
        m.writeTo(out, r == null ? 0 : r.bytesRead());
        written += m.frameSize();
    }

    /** Writes {@code m} on the calling thread, which owns the output; then hands the output on. */
    private boolean writeNow(Message m, boolean flush) {
        try {
            write(m);
            if (flush) out.flush();
        } catch (IOException | RuntimeException e) {
            stream.close(e);
            return false;
        }
        synchronized (lock) {
            queuedBytes -= m.frameSize();
            if (!stream.isClosed()) {
                owned = false;
                if (!queue.isEmpty() || kickWhenDone) kickWriter(); // frames queued, or a flush asked, meanwhile
                else if (!flush) flushWanted = true; // bytes left in the buffer until flush()
                lock.notifyAll(); // awaitWritten
            }
        }
        return true;
    }

    /**
     * Asks the writer thread to drain the queue and flush, starting one if none runs; if some thread owns the output,
     * that thread kicks it when done (the writer thread drains and flushes anyway). Holding lock.
     */
    private void kickWriter() {
        assert Thread.holdsLock(lock);
        if (threads == null || stream.isClosed()) return; // start() kicks
        if (owned) {
            kickWhenDone = true;
            return;
        }
        flushWanted = false;
        kickWhenDone = false;
        owned = true;
        writerKicked = true;
        if (writer != null) {
            LockSupport.unpark(writer);
            return;
        }
        writer = threads.newThread(this::writeLoop);
        writer.setName("jitogen-writer-" + stream.name());
        writer.start();
    }

    /**
     * The writer thread: drains the queue each time it is kicked, and ends after {@link #WRITER_IDLE_NANOS} without
     * work, or when the stream closes.
     */
    private void writeLoop() {
        Stream.markIoThread();
        Thread me = Thread.currentThread();
        while (true) {
            if (!waitForKick(System.nanoTime() + WRITER_IDLE_NANOS)) {
                synchronized (lock) {
                    if (!writerKicked && !stream.isClosed()) {
                        writer = null; // idle: the next kick starts another
                        return;
                    }
                }
            }
            synchronized (lock) {
                writerKicked = false;
            }
            if (!drain()) {
                synchronized (lock) {
                    if (writer == me) writer = null;
                }
                return;
            }
        }
    }

    /** Parks until kicked or closed (true), or until {@code until} passes (false). */
    private boolean waitForKick(long until) {
        while (true) {
            synchronized (lock) {
                if (writerKicked || stream.isClosed()) return true;
            }
            long left = until - System.nanoTime();
            if (left <= 0) return false;
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * Writes queued frames until the queue is empty, flushes, and gives up the output. Returns false if the stream
     * closed meanwhile. Writer thread.
     */
    private boolean drain() {
        try {
            while (true) {
                Message m;
                synchronized (lock) {
                    if (stream.isClosed()) return false;
                    m = queue.poll();
                }
                if (m != null) {
                    write(m);
                    wrote(m.frameSize());
                    continue;
                }
                out.flush();
                synchronized (lock) {
                    if (stream.isClosed()) return false;
                    if (queue.isEmpty()) {
                        owned = false;
                        kickWhenDone = false; // everything asked for is written and flushed
                        lock.notifyAll(); // awaitWritten
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            stream.close(e);
            return false;
        }
    }

    private void wrote(long size) {
        long refusedBefore = 0;
        synchronized (lock) {
            queuedBytes -= size;
            if (queuedBytes < Stream.QUEUE_HIGH_WATER) {
                lock.notifyAll();
                refusedBefore = refused;
                refused = 0;
            }
        }
        if (refusedBefore > 1) {
            Log.warning("stream " + stream.name() + ": the peer reads again; " + refusedBefore + " frames were refused");
        }
    }

    /**
     * The stream closed (its flag is set): drops the queue, releases waiters, and closes the output without blocking.
     * A thread blocked in a write may hold the output's monitor (a process pipe's buffer does), and closing would wait
     * for it; closing is what unblocks it where it can (an in-process pipe, an SSH channel): so then a short-lived
     * thread closes it.
     */
    void close() {
        boolean writing;
        synchronized (lock) {
            queue.clear();
            queuedBytes = 0;
            writing = owned;
            owned = true; // no one starts another write
            if (writer != null) LockSupport.unpark(writer);
            lock.notifyAll();
        }
        if (!writing) {
            closeOutput();
        } else {
            ThreadFactory t = threads;
            Thread closer = t != null ? t.newThread(this::closeOutput) : new Thread(this::closeOutput);
            closer.setName("jitogen-close-" + stream.name());
            closer.setDaemon(true);
            closer.start();
        }
    }

    private void closeOutput() {
        try {
            rawOut.close();
        } catch (IOException ignored) {
            // the peer is gone already
        }
    }

    /**
     * The raw output in slices of {@link #WRITE_SLICE} bytes, each timed for the watchdog: frames are copied into one
     * buffer and written a full slice at a time, and what is left on {@link #flush}. A {@code BufferedOutputStream}
     * writes a large array past its buffer directly, which split every frame's tail from it: a file chunk
     * (256 KiB and a tag byte) went out as the previous frame's trailer with this one's header (34 bytes), four
     * slices of 64 KiB, then its last byte alone, six writes where four do. Over SSH each write into the pipe woke
     * {@code sshd} for a packet of its own (a strace of a child during gets: 7,539 writes of 64 KiB, and 3,880 of
     * 1 to 37 bytes). Used by the output's owner only.
     */
    private final class SlicedOutput extends OutputStream {
        private final byte[] buf = new byte[WRITE_SLICE];
        private int count;

        @Override
        public void write(int b) throws IOException {
            if (count == buf.length) drain();
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (count == 0 && len >= buf.length) { // a whole slice: no need to copy it first
                    raw(b, off, buf.length);
                    off += buf.length;
                    len -= buf.length;
                    continue;
                }
                int n = Math.min(len, buf.length - count);
                System.arraycopy(b, off, buf, count, n);
                count += n;
                off += n;
                len -= n;
                if (count == buf.length) drain();
            }
        }

        private void drain() throws IOException {
            int n = count;
            count = 0; // a failed write closes the stream: nothing is written again
            raw(buf, 0, n);
        }

        private void raw(byte[] b, int off, int len) throws IOException {
            writeSince = System.nanoTime();
            try {
                rawOut.write(b, off, len);
            } finally {
                writeSince = 0;
            }
        }

        @Override
        public void flush() throws IOException {
            if (count > 0) drain();
            writeSince = System.nanoTime();
            try {
                rawOut.flush();
            } finally {
                writeSince = 0;
            }
        }
    }
}
