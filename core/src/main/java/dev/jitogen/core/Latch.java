package dev.jitogen.core;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue for handing values between threads of one JVM, which can be closed (Mitogen's Latch): {@link #put} never
 * blocks, {@link #get} waits, and after {@link #close} every waiter and later {@code get} raises
 * {@link LatchError}. Any thread.
 */
public final class Latch<T> {
    private static final Object CLOSED = new Object();
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    /** Raised by {@link Latch#get} once the latch is closed. */
    public static final class LatchError extends JitogenError {
        public LatchError(String message) {
            super(message);
        }
    }

    public void put(T value) {
        if (closed) throw new LatchError("latch is closed");
        queue.add(value == null ? NULL : value);
    }

    private static final Object NULL = new Object();

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

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Wakes every waiter with {@link LatchError}; values not yet taken are dropped. */
    public void close() {
        closed = true;
        queue.clear();
        queue.add(CLOSED);
    }
}
