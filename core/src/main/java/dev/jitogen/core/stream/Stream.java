package dev.jitogen.core.stream;

import dev.jitogen.core.wire.BadFrameException;
import dev.jitogen.core.wire.Message;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One bidirectional byte stream to a peer context (a child's stdin/stdout pipes, an SSH channel), carrying frames.
 *
 * <p>Threads: one reader thread per stream, started by {@link #start}, reads frames and hands each to the
 * {@link Listener} <em>on that thread</em>; the listener must not block (no waiting on replies, no user code).
 * {@link #send} may be called from any thread; writes are serialised by {@code writeLock}, and a frame is written
 * whole. {@link #close} may be called from any thread, any number of times; the listener hears
 * {@link Listener#onClose} exactly once, on whichever thread closed it first.
 */
public final class Stream {
    /** Receives frames and the end of the stream. Called on the reader thread (or the closing thread). */
    public interface Listener {
        void onMessage(Stream stream, Message message);

        /** @param cause null for a clean end of stream */
        void onClose(Stream stream, Throwable cause);
    }

    /** Marks reader threads, so code that would wait for the network on one can refuse instead of deadlocking. */
    private static final ThreadLocal<Boolean> READER = ThreadLocal.withInitial(() -> false);

    private final String name;
    private final DataInputStream in;
    private final OutputStream out;
    /** The unbuffered ends, closed directly so that closing never waits on a writer's monitor. */
    private final InputStream rawIn;
    private final OutputStream rawOut;
    private final int maxMessageSize;
    /** Guards {@link #out}: held for the length of one frame write. No other lock is taken while holding it. */
    private final Object writeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Listener listener;
    /** The context id at the other end, or -1 until known. */
    private volatile int remoteId = -1;

    public Stream(String name, InputStream in, OutputStream out, int maxMessageSize) {
        this.name = name;
        this.in = new DataInputStream(in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 65536));
        this.out = new BufferedOutputStream(out, 65536);
        this.rawIn = in;
        this.rawOut = out;
        this.maxMessageSize = maxMessageSize;
    }

    public String name() {
        return name;
    }

    public int remoteId() {
        return remoteId;
    }

    public void remoteId(int id) {
        this.remoteId = id;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Starts the reader thread. */
    public void start(Listener listener, ThreadFactory threads) {
        this.listener = listener;
        Thread t = threads.newThread(this::readLoop);
        t.setName("jitogen-reader-" + name);
        t.start();
    }

    /** True on a stream's reader thread, where nothing may wait for a message. */
    public static boolean isReaderThread() {
        return READER.get();
    }

    private void readLoop() {
        READER.set(true);
        Throwable cause = null;
        try {
            Message m;
            while ((m = Message.readFrom(in, maxMessageSize)) != null) listener.onMessage(this, m);
        } catch (BadFrameException e) {
            cause = e;
        } catch (IOException e) {
            if (!closed.get()) cause = e;
        } catch (RuntimeException | Error e) {
            cause = e;
        }
        close(cause);
    }

    /**
     * Writes one frame. Returns false if the stream is closed or the write failed (the stream is then closed).
     * Blocks only while the peer is not reading; a live Jitogen peer always reads.
     */
    public boolean send(Message m) {
        return write(m, true);
    }

    /**
     * Writes one frame into the buffer without flushing it: for a sender that has more to send at once and calls
     * {@link #flush} when it has not. Any later {@link #send}, from any thread, flushes it too.
     */
    public boolean sendUnflushed(Message m) {
        return write(m, false);
    }

    /** Flushes frames written by {@link #sendUnflushed}. Returns false if the stream is closed or failed. */
    public boolean flush() {
        if (closed.get()) return false;
        try {
            synchronized (writeLock) {
                out.flush();
            }
            return true;
        } catch (IOException e) {
            close(e);
            return false;
        }
    }

    private boolean write(Message m, boolean flush) {
        if (closed.get()) return false;
        try {
            synchronized (writeLock) {
                m.writeTo(out);
                if (flush) out.flush();
            }
            return true;
        } catch (IOException e) {
            close(e);
            return false;
        }
    }

    /** Closes both directions; the listener hears of it once. */
    public void close(Throwable cause) {
        if (!closed.compareAndSet(false, true)) return;
        try {
            rawOut.close();
        } catch (IOException ignored) {
            // the peer is gone already
        }
        try {
            rawIn.close();
        } catch (IOException ignored) {
            // likewise
        }
        Listener l = listener;
        if (l != null) l.onClose(this, cause);
    }

    @Override
    public String toString() {
        return "Stream(" + name + ")";
    }
}
