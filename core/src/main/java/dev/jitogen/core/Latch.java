package dev.jitogen.core;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue for handing values between threads of one JVM, which can be closed (Mitogen's Latch): {@link #put} never
 * blocks, {@link #get} waits, and after {@link #close} every waiter and later {@code get} raises
 * {@link LatchError}. A latch can be a member of a {@link Select}, to wait for a local thread and remote replies at
 * once. Any thread.
 */
public final class Latch<T> {
    private static final Object CLOSED = new Object();
    private static final Object NULL = new Object();
    /** What {@link #poll} returns when no value is waiting. */
    static final Object NONE = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    /** The {@link Select} this latch is a member of, told of each put; guarded by {@code this}. */
    private Select owner;

    /** Raised by {@link Latch#get} once the latch is closed, and by a closed {@link Select}'s get. */
    public static final class LatchError extends JitogenError {
        public LatchError(String message) {
            super(message);
        }
    }

    public void put(T value) {
        if (closed) throw new LatchError("latch is closed");
        queue.add(value == null ? NULL : value);
        Select s = owner();
        if (s != null) s.ready(this);
    }

    public T get() {
        return get(null);
    }

    /** Waits for a value; {@link TimeoutError} if none comes in time. */
    @SuppressWarnings("unchecked")
    public T get(Duration timeout) {
        Object v;
        try {
            v = timeout == null ? queue.take() : queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JitogenError("interrupted while waiting on a latch", e);
        }
        if (v == null) throw new TimeoutError("nothing arrived on the latch within " + timeout);
        if (v == CLOSED) {
            queue.add(CLOSED); // wake the next waiter too
            throw new LatchError("latch is closed");
        }
        return v == NULL ? null : (T) v;
    }

    /** The next value without waiting, or {@link #NONE} (also once closed). For {@link Select}. */
    Object poll() {
        Object v = queue.poll();
        if (v == null) return NONE;
        if (v == CLOSED) {
            queue.add(CLOSED);
            return NONE;
        }
        return v == NULL ? null : v;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    boolean isClosed() {
        return closed;
    }

    /** Wakes every waiter with {@link LatchError}; values not yet taken are dropped; a select drops the latch. */
    public void close() {
        closed = true;
        queue.clear();
        queue.add(CLOSED);
        Select s = owner();
        if (s != null) s.ready(this);
    }

    /** See {@link Receiver#claim}. */
    synchronized int claim(Select select) {
        if (owner != null) throw new Select.SelectError(Select.OWNED);
        owner = select;
        return closed ? 0 : queue.size();
    }

    synchronized void release(Select select) {
        if (owner == select) owner = null;
    }

    synchronized Select owner() {
        return owner;
    }
}
