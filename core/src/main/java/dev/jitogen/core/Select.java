package dev.jitogen.core;

import dev.jitogen.core.wire.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Waits on several receivers at once and yields values as they arrive, whichever receiver they come to (Mitogen's
 * Select). Iterating gives one {@link Event} per arrival until every receiver has delivered once
 * ({@code oneshot}, the default) or, otherwise, until closed. {@link #all} collects one value from each.
 *
 * <pre>{@code
 * try (Select select = new Select(List.of(web1.callAsync(f), web2.callAsync(f)))) {
 *     for (Select.Event e : select) System.out.println(e.receiver().respondent().name() + ": " + e.value());
 * }
 * }</pre>
 *
 * <p>Threads: add receivers and iterate on one thread; arrivals are signalled from reader threads, which only
 * enqueue. A receiver belongs to at most one select.
 */
public final class Select implements AutoCloseable, Iterable<Select.Event> {
    /** One arrival: the receiver it came to, and its value. */
    public record Event(Receiver<?> receiver, Object value) {}

    private final LinkedBlockingQueue<Receiver<?>> ready = new LinkedBlockingQueue<>();
    private final List<Receiver<?>> receivers = new ArrayList<>();
    private final boolean oneshot;
    private int pending;

    public Select() {
        this(List.of(), true);
    }

    public Select(List<? extends Receiver<?>> receivers) {
        this(receivers, true);
    }

    /** @param oneshot stop after one value from each receiver (true), or go on until closed (false) */
    public Select(List<? extends Receiver<?>> receivers, boolean oneshot) {
        this.oneshot = oneshot;
        for (Receiver<?> r : receivers) add(r);
    }

    /** Starts watching {@code r}; values that arrived already count. */
    public Select add(Receiver<?> r) {
        receivers.add(r);
        pending++;
        int waiting = r.watch(() -> ready.add(r));
        for (int i = 0; i < waiting; i++) ready.add(r);
        return this;
    }

    /** True if nothing is left to wait for (oneshot) — every receiver has delivered. */
    public boolean isEmpty() {
        return oneshot && pending == 0;
    }

    /** The next arrival, waiting up to {@code timeout} (null: no limit). */
    public Event get(Duration timeout) {
        if (isEmpty()) throw new NoSuchElementException("every receiver of this select has delivered");
        while (true) {
            Receiver<?> r;
            try {
                r = timeout == null ? ready.take() : ready.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JitogenError("interrupted while waiting on a select", e);
            }
            if (r == null) throw new TimeoutError("nothing arrived on the select within " + timeout);
            Message m = r.poll();
            if (m == null) continue; // taken directly from the receiver meanwhile
            if (oneshot) pending--;
            return new Event(r, r.decodeMessage(m));
        }
    }

    /** One value from each receiver, in the order the receivers were given; failures are thrown. */
    public static List<Object> all(List<? extends Receiver<?>> receivers) {
        List<Object> values = new ArrayList<>();
        for (Receiver<?> r : receivers) values.add(r.get());
        return values;
    }

    @Override
    public Iterator<Event> iterator() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !isEmpty();
            }

            @Override
            public Event next() {
                return get(null);
            }
        };
    }

    /** Stops watching; the receivers keep their values. */
    @Override
    public void close() {
        for (Receiver<?> r : receivers) r.watch(null);
    }
}
