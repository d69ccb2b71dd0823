package dev.jitogen.core.stream;

import dev.jitogen.core.wire.BadFrameException;
import dev.jitogen.core.wire.FrameReader;
import dev.jitogen.core.wire.Message;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One bidirectional byte stream to a peer context (a child's stdin/stdout pipes, an SSH channel), carrying frames.
 *
 * <p>Threads: one reader thread per stream, started by {@link #start}, reads frames and hands each to the
 * {@link Listener} <em>on that thread</em> (or another thread holding the read role reads them: see below); the
 * listener must not block (no waiting on replies, no user code). A
 * stream made without an input has no reader thread: its transport pushes the bytes ({@link #received}) from its
 * own I/O thread, where the listener then runs under the same rules.
 * {@link #send} may be called from any thread and only queues the frame; the stream's writer thread (started when
 * there is something to write, ending after a second without) writes it. So a peer that stops reading (SIGSTOP, a
 * hostile child) never blocks a sender in a pipe write. {@link #close} may be called from any thread, any number of
 * times, and never blocks; the listener hears {@link Listener#onClose} exactly once, on whichever thread closed it
 * first.
 *
 * <p>Locking: this class takes no lock (its closed flag is atomic, the rest volatile or final). The writing half,
 * {@link StreamWriter}, has the one lock, which guards the queue, its byte count and who owns the output; it is never
 * held during I/O, and no other lock is taken while holding it. The output is written only by the thread that owns
 * it.
 *
 * <pre>
 *   any thread ──send()──▶ queue ──writer thread──▶ out       (a peer that stops reading blocks only the writer)
 *   in ──reader thread──▶ FrameReader ──▶ Listener.onMessage / onOversize       (never blocks on user code)
 *   timer ──watchdog──▶ a write, or a frame half-read, without progress for the stall timeout ──▶ close
 * </pre>
 *
 * <p>Direct writes: a handoff to the writer thread costs a thread wake-up, about as much as the rest of a call's
 * round trip. So a sender writes a frame on its own thread when nothing is queued and the frame fits in
 * {@link #DIRECT_BUDGET} together with every byte the peer has not yet acknowledged reading (the ack in each frame's
 * trailer): then it fits in any pipe, and the write cannot block however stopped the peer is. A request answered by
 * a reply (a call) always qualifies; a burst, a large frame or a silent peer goes through the writer thread. Only a
 * peer that lies in its acks can make such a write block, and only the caller writing to that peer, until the stall
 * timeout. I/O threads write directly only to a peer trusted to read and ack honestly ({@link #trustPeer}: a
 * context's parent, or an in-process context in this JVM); to other children they only queue.
 *
 * <p>The read role (leader/follower): a wake-up costs about as much as the rest of a round trip, so a thread that
 * would otherwise wait for the reader thread to hand it a frame may read the stream itself. Exactly one thread holds
 * the read role at a time, and only it reads. The reader thread holds it unless another thread took it
 * ({@link #tryLead}: a child's idle main thread, which then reads the call it is to run with no handoff); that thread
 * reads frames ({@link #readFrame}) under the reader thread's rules (marked as a reader while it reads and
 * dispatches: no waiting on replies, no class fetching, no user code), and gives the role up ({@link #stepDown})
 * before it runs anything else. The reader thread takes the role up again once it has been free for
 * {@link #HANDBACK_NANOS} (so a thread that steps down to run a short call takes it back first), checking every
 * {@link #POLL_NANOS} while other threads lead, and sleeping until woken after they have held it for
 * {@link #SLEEP_AFTER_NANOS} without a break. So a frame is read within about a millisecond of the role being
 * given up, however long what the thread that gave it up runs; at once if that thread leaves more frames behind
 * ({@link #handOff}) or waits for a message ({@link #awaitingPeer}). A handler on the reading thread asks for
 * the role to pass on after its frame ({@link #handBack}) when it wakes a thread that will want to read next.
 * The role passes at frame boundaries only, through an atomic reference (which orders the decoder's state
 * between the threads).
 *
 * <p>Limits: the queue accepts a frame of any size while it holds less than {@link #QUEUE_LIMIT} bytes; past that
 * the frame is refused, {@code send} returns false and {@link #refusal} says why. No sender ever waits for a stream
 * to a child. Only toward a trusted peer ({@link #trustPeer}), a context's parent, does a user thread finding
 * {@link #QUEUE_HIGH_WATER} bytes queued wait for the writer, as flow control; I/O threads (reader, timer, service:
 * see {@link #markIoThread}) never wait. A write that makes no progress for the stall timeout, or a frame that
 * started arriving and then stopped for as long, closes the stream with a {@link StalledException} naming the
 * stream.
 *
 * <p>Why this file is about 590 lines (about 320 of code, the rest mostly the rules above and on each method): the
 * read role, the reading, the writing's entry points and the stall watchdog share one stream's state, and it is a
 * boot class: each class split off would be one more class every child receives and loads before its first reply.
 */
public final class Stream {
    /**
     * Receives frames and the end of the stream. Called on the thread holding the read role (the reader thread,
     * or a thread in {@link #readFrame}), or on the closing thread.
     */
    public interface Listener {
        void onMessage(Stream stream, Message message);

        /**
         * A frame over the max message size arrived; its data is being skipped. {@code header} has no data;
         * {@code length} is what it claimed. Reader thread: must not block.
         */
        default void onOversize(Stream stream, Message header, int length) {}

        /** @param cause null for a clean end of stream */
        void onClose(Stream stream, Throwable cause);
    }

    /** The stream closed because it made no progress for its stall timeout. */
    public static final class StalledException extends IOException {
        StalledException(String message) {
            super(message);
        }
    }

    /** Below this many queued bytes, {@link #send} queues a frame of any size; past it, frames are refused. */
    public static final int QUEUE_LIMIT = 32 << 20;
    /** On a stream to the parent, a user thread finding this many bytes queued waits for the writer. */
    public static final int QUEUE_HIGH_WATER = 4 << 20;
    /** A frame is written directly if it and the bytes the peer has not acknowledged fit in this: a pipe's minimum. */
    public static final int DIRECT_BUDGET = 4096;

    /** Marks reader threads, so code that would wait for the network on one can refuse instead of deadlocking. */
    private static final ThreadLocal<Boolean> READER = new Flag();
    /** Marks threads that must never wait for a queue to drain (readers, writers, the broker's timer and services). */
    private static final ThreadLocal<Boolean> IO = new Flag();

    private final String name;
    private final InputStream in;
    /** The unbuffered input: closed directly, so that closing never waits on a reader's monitor. */
    private final InputStream rawIn;
    private final int maxMessageSize;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Listener listener;
    /** The context id at the other end, or -1 until known. */
    private volatile int remoteId = -1;
    /** The writing half: the queue, the writer thread, direct writes. */
    private final StreamWriter writer;

    /** See {@link #trustPeer()}. */
    private volatile boolean trusted;
    /** See {@link #crossesNetwork()}. */
    private volatile boolean crossesNetwork;
    private volatile ScheduledFuture<?> watchdog;
    private volatile long stallNanos = Long.MAX_VALUE;
    private volatile FrameReader reader;

    /** The reader thread takes up a read role left free for this long (the thread that left it takes it back first). */
    static final long HANDBACK_NANOS = 50_000;
    /**
     * While another thread holds the read role, or it is left free, the reader thread checks this often: rarely
     * enough that its timer wake-ups cost little (on a loaded machine a waking thread preempts the ones working),
     * often enough that a call that blocks in user code stops the frames behind it for a millisecond at most.
     * The known waits take less ({@link #awaitingPeer}).
     */
    static final long POLL_NANOS = 1_000_000;
    /** Once another thread has held the read role this long without a break, the reader thread sleeps until woken. */
    static final long SLEEP_AFTER_NANOS = 20_000_000;
    /** The stream whose read role this thread gave up last (see {@link #awaitingPeer}), or null. */
    private static final ThreadLocal<Stream> LEFT = new ThreadLocal<>();
    /** Set on a thread dispatching a frame by {@link #handBack}: it gives the read role up after that frame. */
    private static final ThreadLocal<Boolean> HAND_BACK = new Flag();
    /** The thread holding the read role (the only one that may read {@link #reader}), or null while it is free. */
    private final AtomicReference<Thread> leader = new AtomicReference<>();
    /** When the read role was last given up, and taken up (nanoTime). */
    private volatile long freeSince, leadSince;
    /** The reader thread, or null without one (a transport pushes the bytes). */
    private volatile Thread readerThread;
    /** The reader thread is parked with no timeout: whoever gives the read role up wakes it. */
    private volatile boolean readerAsleep;

    public Stream(String name, InputStream in, OutputStream out, int maxMessageSize) {
        this.name = name;
        this.in = in == null || in instanceof BufferedInputStream ? in : new ReadBuffer(in);
        this.rawIn = in;
        this.writer = new StreamWriter(this, out);
        this.maxMessageSize = maxMessageSize;
        this.freeSince = System.nanoTime() - HANDBACK_NANOS; // the reader thread takes the role up at once
    }

    /**
     * A stream whose incoming bytes are pushed by its transport ({@link #received}, {@link #receiveEnded}) on the
     * transport's own threads, rather than read by a reader thread: an SSH channel in MINA's asynchronous mode, so
     * that a thousand such streams cost no thread each.
     */
    public Stream(String name, OutputStream out, int maxMessageSize) {
        this(name, null, out, maxMessageSize);
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

    /**
     * Starts the reader thread, and the watchdog that closes the stream when a write or an incoming frame makes no
     * progress for {@code stallTimeout}.
     *
     * @param threads makes the reader thread and, when there is something to write, the writer thread
     * @param timer   runs the watchdog
     */
    public void start(Listener listener, ThreadFactory threads, ScheduledExecutorService timer, Duration stallTimeout) {
        this.listener = listener;
        this.stallNanos = stallTimeout.toNanos();
        this.reader = new FrameReader(in, maxMessageSize, trusted);
        long period = Math.max(10, Math.min(1000, stallTimeout.toMillis() / 4));
        try {
            watchdog = timer.scheduleWithFixedDelay(new Task(true), period, period, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the router is closing; the stream is closed with it
        }
        if (in != null) {
            Thread t = threads.newThread(new Task(false));
            t.setName("jitogen-reader-" + name);
            readerThread = t;
            t.start();
        }
        writer.start(threads);
    }

    /**
     * True if this stream's bytes cross a network (SSH, or a method that says so, see {@code ChildProcess}): what is
     * large and compresses well, such as class answers, goes deflated on it. Set once by whoever connects it, before
     * it carries frames; false for pipes to local processes and in-memory streams.
     */
    public boolean crossesNetwork() {
        return crossesNetwork;
    }

    /** See {@link #crossesNetwork()}. */
    public void crossesNetwork(boolean crosses) {
        this.crossesNetwork = crosses;
    }

    /**
     * Marks the peer as trusted to read and to ack honestly: a context's parent, or an in-process context (a router
     * in this JVM). I/O threads (forwarding frames) may then write to it directly too, within
     * {@link #DIRECT_BUDGET}; a user thread finding {@link #QUEUE_HIGH_WATER} bytes queued waits for the writer
     * (flow control; if a trusted peer stalls, the watchdog closes the stream and the waiter is released); and frames
     * from it are read into buffers of the size their headers say. Call before {@link #start}.
     */
    public void trustPeer() {
        this.trusted = true;
    }

    /** True on a stream's reader thread, where nothing may wait for a message. */
    public static boolean isReaderThread() {
        return READER.get();
    }

    /**
     * Marks the calling thread as one that must never wait for a stream's queue to drain, nor write to a child's
     * stream itself: {@link #send} from it only queues. For the router's own threads (timer, services, writers).
     */
    public static void markIoThread() {
        IO.set(true);
    }

    /** True on the threads {@link #markIoThread} marked, and on readers. */
    static boolean isIoThread() {
        return IO.get();
    }

    boolean peerTrusted() {
        return trusted;
    }

    /** The decoder of incoming frames, whose counts the writer acks; null until started. */
    FrameReader frameReader() {
        return reader;
    }

    /**
     * The reader thread: reads frames while it holds the read role, and takes it up whenever another thread left it
     * free for {@link #HANDBACK_NANOS}.
     */
    private void readLoop() {
        READER.set(true);
        IO.set(true);
        Thread me = Thread.currentThread();
        while (!closed.get()) {
            long now = System.nanoTime();
            if (leader.get() == null && now - freeSince >= HANDBACK_NANOS && leader.compareAndSet(null, me)) {
                leadSince = now;
                while (readOne()) {
                    if (HAND_BACK.get()) {
                        HAND_BACK.set(false);
                        // in a burst, read on: the woken thread would only hand the role straight back (handOff)
                        if (!hasBuffered()) {
                            stepDown();
                            break;
                        }
                    }
                }
            } else if (leader.get() != null && now - leadSince > SLEEP_AFTER_NANOS) {
                readerAsleep = true;
                if (leader.get() != null && !closed.get()) LockSupport.park(this);
                readerAsleep = false;
            } else {
                LockSupport.parkNanos(this, POLL_NANOS);
            }
        }
    }

    /**
     * Reads one frame and hands it to the listener on the calling thread, which holds the read role; false once
     * the stream has ended (and is closed, its listener told). Never throws.
     */
    private boolean readOne() {
        Throwable cause;
        try {
            Message m = reader.next(oversize);
            if (m != null) {
                listener.onMessage(this, m);
                return true;
            }
            cause = null;
        } catch (BadFrameException e) {
            cause = e;
        } catch (IOException e) {
            cause = closed.get() ? null : e;
        } catch (RuntimeException | Error e) {
            cause = e;
        }
        close(cause);
        return false;
    }

    private final FrameReader.Oversize oversize = new Task(false);

    /**
     * The reader thread's loop, or the watchdog's check; and what the frame reader tells of an oversized frame. A
     * class rather than three lambdas, as on all of a child's start path: a child spins a class for each lambda it
     * meets, at about half a millisecond of CPU each (How it works, "A child's start").
     */
    private final class Task implements Runnable, FrameReader.Oversize {
        private final boolean watchdog;

        Task(boolean watchdog) {
            this.watchdog = watchdog;
        }

        @Override
        public void run() {
            if (watchdog) checkStall();
            else readLoop();
        }

        @Override
        public void seen(Message header, int length) {
            listener.onOversize(Stream.this, header, length);
        }
    }

    /** A thread's flag, false until set (a class, not a lambda: see {@link Task}). */
    private static final class Flag extends ThreadLocal<Boolean> {
        @Override
        protected Boolean initialValue() {
            return Boolean.FALSE;
        }
    }

    /**
     * Takes the read role if it is free: the calling thread may then read frames itself ({@link #readFrame}) until
     * it gives the role up ({@link #stepDown}), which it must do before it runs anything but this stream's
     * dispatching. False if another thread holds it, the stream is closed or not started, or has no reader thread
     * (its transport pushes the bytes). Any thread but an I/O thread.
     */
    public boolean tryLead() {
        if (readerThread == null || closed.get() || !leader.compareAndSet(null, Thread.currentThread())) return false;
        leadSince = System.nanoTime();
        LEFT.remove();
        return true;
    }

    /**
     * Reads the next frame (waiting for it) and hands it to the listener on the calling thread, which must hold the
     * read role ({@link #tryLead}). Meanwhile the thread is marked as a reader ({@link #isReaderThread}) and an I/O
     * thread, under the reader thread's rules. False once the stream has ended: it is closed, and its listener told.
     * A handler's {@link #handBack} is ignored: the caller decides when to step down.
     */
    public boolean readFrame() {
        if (leader.get() != Thread.currentThread()) throw new IllegalStateException("readFrame() without the read role");
        boolean wasReader = READER.get(), wasIo = IO.get();
        READER.set(true);
        IO.set(true);
        try {
            return readOne();
        } finally {
            HAND_BACK.set(false);
            READER.set(wasReader);
            IO.set(wasIo);
        }
    }

    /**
     * True if bytes have arrived that are not yet decoded, in the buffer or still in the pipe: reading on waits for
     * the rest of a frame at most, not for the peer's next message. For a leader deciding whether it leaves a burst
     * behind. Costs a system call when the buffer is empty.
     */
    public boolean hasBuffered() {
        if (in == null) return false;
        if (in instanceof ReadBuffer b && b.buffered() > 0) return true;
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return false; // closed: the next read says so
        }
    }

    /**
     * Gives the read role up (the caller holds it); the reader thread takes it up unless the caller comes back
     * first (within {@link #HANDBACK_NANOS}; checked every {@link #POLL_NANOS}). For a caller about to run
     * something short, such as a call, and to read again after it.
     */
    public void stepDown() {
        freeSince = System.nanoTime();
        LEFT.set(this);
        leader.set(null);
        if (readerAsleep) LockSupport.unpark(readerThread);
    }

    /**
     * Gives the read role up (the caller holds it) to the reader thread at once: for a caller that leaves more
     * frames behind it (a burst), which the reader thread then reads while the caller works.
     */
    public void handOff() {
        freeSince = System.nanoTime() - HANDBACK_NANOS;
        LEFT.remove();
        leader.set(null);
        LockSupport.unpark(readerThread);
    }

    /**
     * Called before a thread waits for a message (a reply, a class): if it gave up the read role of a stream that
     * no one has taken up since, the reader thread takes it up now rather than at its next check, since the
     * message may come on that stream. Any thread; cheap when there is nothing to do.
     */
    public static void awaitingPeer() {
        Stream s = LEFT.get();
        if (s == null) return;
        LEFT.remove();
        if (s.leader.get() == null && !s.closed.get()) {
            s.freeSince = System.nanoTime() - HANDBACK_NANOS;
            LockSupport.unpark(s.readerThread);
        }
    }

    /**
     * Called by a handler while it handles a frame: once that frame is dispatched, the reader thread gives the read
     * role up, so that the thread the frame woke (a child's idle main thread, handed a call) can read the next frame
     * itself; unless more frames are buffered already (a burst), which it reads on. Ignored on other threads.
     */
    public static void handBack() {
        if (READER.get()) HAND_BACK.set(true);
    }

    /** A buffered input that says how much it holds. */
    private static final class ReadBuffer extends BufferedInputStream {
        ReadBuffer(InputStream in) {
            super(in, 65536);
        }

        /** Bytes read from the input and not yet taken; racy outside the read role, which is all it is used for. */
        int buffered() {
            return count - pos;
        }
    }

    /**
     * Bytes that arrived on a stream made without an input ({@link #Stream(String, OutputStream, int)}), after
     * {@link #start}: the transport calls this on its own thread, one call at a time, in order, and the frames they
     * complete go to the listener on that thread, which is this stream's reader for the call (marked as such: it
     * must not block, and nothing waits for a message on it). {@code b} is not kept.
     */
    public void received(byte[] b, int off, int len) {
        if (closed.get()) return;
        boolean wasReader = READER.get(), wasIo = IO.get();
        READER.set(true);
        IO.set(true);
        try {
            reader.feed(b, off, len, m -> listener.onMessage(this, m), oversize);
        } catch (BadFrameException | RuntimeException | Error e) {
            close(e);
        } finally {
            HAND_BACK.set(false); // a pushed stream has no read role to hand back
            READER.set(wasReader);
            IO.set(wasIo);
        }
    }

    /**
     * The transport's input ended, after {@link #received}'s last bytes: {@code cause} null for a clean end of
     * stream (which is an error still if it cut a frame). Any thread.
     */
    public void receiveEnded(Throwable cause) {
        FrameReader r = reader;
        close(cause != null ? cause : r == null ? null : r.endOfStream());
    }

    /**
     * Queues one frame for writing (or writes it, within {@link #DIRECT_BUDGET}). Returns false if the stream is
     * closed or its queue holds {@link #QUEUE_LIMIT} bytes: see {@link #refusal}. Never waits, except on a stream to
     * the parent (see the class comment).
     */
    public boolean send(Message m) {
        return writer.enqueue(m, true);
    }

    /**
     * Queues one frame without starting a write: for a sender that has more to send at once and calls
     * {@link #flush} when it has not. Any later {@link #send}, from any thread, writes it too.
     */
    public boolean sendUnflushed(Message m) {
        return writer.enqueue(m, false);
    }

    /**
     * Waits at most {@code nanos} until every frame queued so far is written and flushed, or the stream is closed:
     * for a context about to exit. True if they were. Never on an I/O thread.
     */
    public boolean awaitWritten(long nanos) {
        return writer.awaitWritten(nanos);
    }

    /** Writes frames queued by {@link #sendUnflushed}. Returns false if the stream is closed. */
    public boolean flush() {
        return writer.flush();
    }

    /**
     * Why a frame was not sent: the stream closed, or its queue is full because the peer is not reading. For the
     * dead reply of a frame {@link #send} refused.
     */
    public String refusal() {
        if (closed.get()) return "the stream " + name + " is closed";
        long queued = writer.queuedBytes();
        return "the stream " + name + " is not being read: " + queued + " bytes wait to be written (the context is "
                + "stopped, hung or hostile; it is declared dead after the stall timeout)";
    }

    /**
     * The watchdog: closes the stream if a write has been blocked, or a frame has been half-read, for longer than
     * the stall timeout. Runs on the timer; never blocks.
     */
    private void checkStall() {
        if (closed.get()) return;
        long now = System.nanoTime(), since = writer.writeSince();
        if (since != 0 && now - since > stallNanos) {
            long queued = writer.queuedBytes();
            close(new StalledException("stream " + name + " stalled: a write has not progressed for "
                    + seconds(now - since) + " (the peer stopped reading: stopped, hung or hostile; " + queued
                    + " bytes were waiting); closed after the stall timeout of " + seconds(stallNanos)));
            return;
        }
        FrameReader r = reader;
        since = r == null ? 0 : r.inFrameSince();
        if (since != 0 && now - since > stallNanos) {
            close(new StalledException("stream " + name + " stalled: a frame started arriving and then nothing came "
                    + "for " + seconds(now - since) + " (" + r.progress() + "); closed after the stall timeout of "
                    + seconds(stallNanos)));
        }
    }

    private static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }

    /** Closes both directions without blocking; the listener hears of it once. */
    public void close(Throwable cause) {
        if (!closed.compareAndSet(false, true)) return;
        ScheduledFuture<?> w = watchdog;
        if (w != null) w.cancel(false);
        Thread r = readerThread;
        if (r != null) LockSupport.unpark(r); // asleep while another thread led: it ends now
        writer.close();
        try {
            if (rawIn != null) rawIn.close();
        } catch (IOException ignored) {
            // the peer is gone already
        }
        Listener l = listener;
        if (l != null) l.onClose(this, cause);
    }

    @Override
    public String toString() {
        return "Stream(" + name + ")";
    }
}
