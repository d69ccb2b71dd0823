package dev.jitogen.core;

import dev.jitogen.core.serial.Codec;
import dev.jitogen.core.serial.DataLimitException;
import dev.jitogen.core.serial.RefusedClassException;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Message;

import java.time.Duration;
import java.util.List;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Receives the messages sent to one handle of its router: the reply of a {@link Context#callAsync} call, or whatever
 * a remote sender sends. Values are decoded on the thread that calls {@link #get}, never on an I/O thread. A value
 * from a child is data, not trusted: decoding it is allow-listed and bounded (see the router's
 * {@code maxDataDepth} and {@code maxDataElements}), and whatever goes wrong while decoding it, even running out of
 * memory, fails that one wait with a {@link CallError}, never the caller's JVM.
 *
 * <p>Threads: the thread reading the stream enqueues (never blocks): a reader thread, or a child's idle main thread
 * holding the stream's read role (see {@link Stream}); any thread may call {@link #get} and
 * {@link #close}. If the context it waits on disconnects, a dead message is enqueued and {@code get} throws
 * {@link ChannelError}. {@link #close} wakes every thread waiting in {@code get} (with {@link ChannelError}) and ends
 * an iteration in progress.
 *
 * @param <T> the type of value expected
 */
public final class Receiver<T> implements AutoCloseable, Iterable<T> {
    static final int VALUE = 0, FAILURE = 1;
    /** The longest a caller waits for the printing of output that arrived before its reply. */
    private static final long LOG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Router router;
    private final int handle;
    private final Context respondent;
    /** Messages not yet taken; guarded by itself, which waiting threads wait on. Most receivers get one message. */
    private final ArrayDeque<Message> queue = new ArrayDeque<>(2);
    /** Set once by {@link #close}; guarded by {@link #queue}. A closed receiver keeps no messages. */
    private boolean closed;
    /** The {@link Select} this receiver is a member of, told of each arrival on the reader thread; guarded by queue. */
    private Select owner;
    /** The router's count of forwarded log records when the latest message arrived (see {@link Router#awaitLogs}). */
    private volatile long logMark;

    /** True for the reply of a call: its arrival tells the respondent that the call is over. */
    private final boolean callReply;

    Receiver(Router router, Context respondent, boolean persist) {
        this(router, respondent, persist, false);
    }

    Receiver(Router router, Context respondent, boolean persist, boolean callReply) {
        this.router = router;
        this.respondent = respondent;
        this.callReply = callReply;
        this.handle = router.addHandler(this::arrive, respondent, persist);
    }

    /**
     * A receiver on a new handle of {@code router} that accepts values from any context: hand out
     * {@link #toSender()} so remote functions can stream results back.
     */
    public static <T> Receiver<T> create(Router router) {
        return new Receiver<>(router, null, true);
    }

    private void arrive(Message m) {
        logMark = router.logMark(); // records the context sent before this message are queued by now (same stream)
        if (callReply) respondent.replied();
        Select s;
        synchronized (queue) {
            if (closed) return;
            queue.add(m);
            queue.notifyAll();
            s = owner;
        }
        if (s != null) s.ready(this);
    }

    /**
     * Makes {@code select} this receiver's owner, which is told of every arrival; returns how many messages are
     * waiting already. Fails if another select owns it.
     */
    int claim(Select select) {
        synchronized (queue) {
            if (owner != null) throw new Select.SelectError(Select.OWNED);
            owner = select;
            return queue.size();
        }
    }

    /** Ends {@code select}'s ownership (no-op if it is not the owner). */
    void release(Select select) {
        synchronized (queue) {
            if (owner == select) owner = null;
        }
    }

    Select owner() {
        synchronized (queue) {
            return owner;
        }
    }

    /**
     * The next message, waiting at most {@code nanos} (forever if negative); null on timeout.
     *
     * @throws ChannelError once the receiver is closed, even if messages had arrived
     */
    private Message take(long nanos) throws InterruptedException {
        Stream.awaitingPeer(); // a main thread that left its read role to run a call: the reader thread takes it up
        synchronized (queue) {
            long deadline = System.nanoTime() + nanos;
            while (queue.isEmpty() && !closed) {
                if (nanos < 0) {
                    queue.wait();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return null;
                    TimeUnit.NANOSECONDS.timedWait(queue, left);
                }
            }
            if (closed) throw new ChannelError(CLOSED);
            return queue.poll();
        }
    }

    /** Mitogen's words for a receiver closed on this side. */
    static final String CLOSED = "the Receiver has been closed";

    /** A sender for this receiver, which can be passed to a function running in another context. */
    public Sender<T> toSender() {
        return new Sender<>(router, router.myId(), handle);
    }

    /** Context whose loss ends this receiver, or null. */
    public Context respondent() {
        return respondent;
    }

    /**
     * Values in arrival order until the sending side closes ({@link Sender#close()}), its context is lost, or this
     * receiver is {@linkplain #close() closed} (from any thread); a failure is thrown as {@link CallError}. Iterate
     * on one thread only.
     */
    @Override
    public java.util.Iterator<T> iterator() {
        return new java.util.Iterator<>() {
            private Message next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = take(-1);
                    } catch (ChannelError closed) {
                        return false; // closed on this side: the iteration is over, not failed
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new JitogenError("interrupted while iterating " + who(), e);
                    }
                }
                return !next.isDead();
            }

            @Override
            public T next() {
                if (!hasNext()) throw new java.util.NoSuchElementException(who() + " is closed");
                Message m = next;
                next = null;
                router.awaitLogs(logMark, LOG_WAIT_NANOS);
                return decode(m);
            }
        };
    }

    /** The handle messages for this receiver are addressed to. */
    public int handle() {
        return handle;
    }

    /** Waits with no deadline. */
    public T get() {
        return get(null);
    }

    /**
     * Waits for the next value, and decodes it, within {@code timeout} (null: no limit). Decoding counts against the
     * timeout too: a reply that arrives in time but takes longer to decode is abandoned at the deadline (small
     * replies always decode). An interrupt stops the wait, or the decoding.
     *
     * @throws TimeoutError  if nothing arrives in time, or decoding what arrived did not finish in time
     * @throws CallError     if the remote function failed, or its result is refused by the data allow-list or a
     *                       decoding limit, or cannot be decoded at all
     * @throws ChannelError  if the context is gone, or this receiver is closed (before or during the wait)
     */
    public T get(Duration timeout) {
        long start = System.nanoTime();
        if (Stream.isReaderThread()) {
            throw new IllegalStateException("Receiver.get() called on a stream reader thread: the reply could only "
                    + "arrive on that same thread, so this would deadlock. Wait on your own thread instead.");
        }
        Message m;
        try {
            m = take(timeout == null ? -1 : Math.max(0, timeout.toNanos()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (respondent != null) respondent.cancel(handle);
            throw new JitogenError("interrupted while waiting for a reply from " + who()
                    + "; the remote call was asked to stop (its thread is interrupted)", e);
        }
        if (m == null) throw new TimeoutError("no reply from " + who() + " within " + timeout);
        router.awaitLogs(logMark, LOG_WAIT_NANOS); // what the call printed shows before its result
        if (timeout == null) return decode(m, false, 0);
        long nanos = Math.max(0, timeout.toNanos());
        return decode(m, true, start + Math.min(nanos, Long.MAX_VALUE / 4));
    }

    /** The next value if one has arrived, else null (also once closed); never waits. Used by {@link Select}. */
    Message poll() {
        synchronized (queue) {
            return queue.poll();
        }
    }

    boolean isClosed() {
        synchronized (queue) {
            return closed;
        }
    }

    T decodeMessage(Message m) {
        return decode(m);
    }

    private T decode(Message m) {
        return decode(m, false, 0);
    }

    /** The value of {@code m}, decoded by the given deadline (a nanoTime) if {@code timed}; see {@link #get}. */
    @SuppressWarnings("unchecked")
    private T decode(Message m, boolean timed, long deadline) {
        if (m.isDead()) throw new ChannelError(m.deadReason());
        String name = respondent != null ? respondent.name() : "context " + m.src;
        Object value;
        try {
            value = router.decode(m, timed, deadline);
        } catch (Throwable e) {
            throw decodingFailed(name, m, e);
        }
        if (m.data.length > 0 && m.data[0] == FAILURE) {
            if (!(value instanceof RemoteFailure f)) {
                throw new CallError(name, JitogenError.class.getName(), name + " sent a malformed failure", List.of(), null);
            }
            throw f.toCallError(name);
        }
        return (T) value;
    }

    /**
     * What the waiter gets when the value of {@code m} from {@code name} cannot be decoded: whatever it was, out of
     * memory or a stack overflow included, it ends this one wait and nothing else.
     */
    private RuntimeException decodingFailed(String name, Message m, Throwable e) {
        DataLimitException limit = Codec.limitIn(e);
        if (limit != null && limit.deadlinePassed()) {
            return new TimeoutError("the reply of " + name + " arrived in time, but decoding it (" + m.data.length
                    + " bytes) did not finish by the deadline; it was abandoned");
        }
        if (limit != null && limit.byInterrupt()) {
            return new JitogenError("interrupted while decoding the reply of " + name + "; it was abandoned", e);
        }
        RefusedClassException refused = Codec.refusalIn(e);
        if (refused != null) {
            return new CallError(name, RefusedClassException.class.getName(),
                    "the reply of " + name + " was refused: " + refused.getMessage(), List.of(), null);
        }
        if (limit != null) {
            return new CallError(name, DataLimitException.class.getName(),
                    "the reply of " + name + " was refused: " + limit.getMessage(), List.of(), null);
        }
        if (e instanceof OutOfMemoryError) {
            return new CallError(name, e.getClass().getName(), "the reply of " + name + " (" + m.data.length
                    + " bytes) needs more memory than this JVM has left to decode it: " + e.getMessage(), List.of(), null);
        }
        return new CallError(name, e.getClass().getName(), "cannot decode the reply of " + name + ": " + e,
                List.of(), null);
    }

    private String who() {
        return respondent != null ? respondent.name() : "handle " + handle;
    }

    /**
     * Stops receiving (Mitogen's {@code Receiver.close}): the handle is unregistered, so later messages to it get a
     * dead reply (a call's reply is still awaited, then dropped, so that {@link Context#callsInFlight()} counts the
     * call until it ends); messages not yet taken are dropped; every thread waiting in {@link #get} is woken with
     * {@link ChannelError} ({@code the Receiver has been closed}), as is every later {@code get}; an iteration in
     * progress ends; a {@link Select} it belongs to drops it. Idempotent; any thread.
     */
    @Override
    public void close() {
        // a call's reply keeps its (one-message) handler: its arrival still tells the respondent the call is over
        if (!callReply) router.removeHandler(handle);
        Select s;
        synchronized (queue) {
            if (closed) return;
            closed = true;
            queue.clear();
            queue.notifyAll();
            s = owner;
        }
        if (s != null) s.ready(this); // so that it sees the receiver is closed, and drops it
    }
}
