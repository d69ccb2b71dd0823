package dev.jitogen.core;

import dev.jitogen.core.wire.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Waits on several sources at once and yields their items as they arrive (Mitogen's Select). Its members are
 * {@link Receiver}s, {@link Latch}es and other selects; iterating gives one {@link Event} per item until no member
 * is left. In {@code oneshot} mode (the default) a receiver or latch is removed after its first item, and a nested
 * select once it has no members left, so iterating over the replies of calls made in parallel ends after the last
 * reply. Otherwise members stay until {@link #remove}d or closed, and {@link #all} collects one value from each.
 *
 * <pre>{@code
 * try (Select select = new Select(List.of(web1.callAsync(f), web2.callAsync(f)))) {
 *     for (Select.Event e : select) System.out.println(e.receiver().respondent().name() + ": " + e.value());
 * }
 * }</pre>
 *
 * <p>Rules, as Mitogen's: a member belongs to one select at a time (adding one that another select owns fails);
 * a select cannot contain itself, directly or through nested selects; removing a non-member fails; {@link #get} on
 * a select with no members fails at once rather than wait forever. A member that is closed is dropped.
 *
 * <p>Threads: add, remove and iterate on one thread; {@link #close} may come from any thread and wakes a waiting
 * {@code get} with {@link Latch.LatchError}. Arrivals are signalled on the thread that delivers them (a stream's
 * reader thread, the thread that puts into a latch), which only enqueues a note here and never blocks or runs user
 * code; values are decoded on the thread that calls {@code get}.
 */
public final class Select implements AutoCloseable, Iterable<Select.Event> {
    static final String OWNED = "cannot add: it is already owned by another Select; remove it from that one first";
    static final String CYCLE = "cannot add: adding this Select would create a cycle of Selects";
    static final String NOT_MEMBER = "cannot remove: it is not a member of this Select";
    static final String EMPTY = "cannot get(): this Select is empty (it has no members left)";

    /** Misuse of a select (Mitogen's {@code mitogen.select.Error}): ownership, cycles, removal, an empty get. */
    public static final class SelectError extends JitogenError {
        public SelectError(String message) {
            super(message);
        }
    }

    /**
     * One item: the receiver or latch it came from (through nested selects, the innermost), and its value.
     *
     * @param source a {@link Receiver} or a {@link Latch}
     */
    public record Event(Object source, Object value) {
        /** The receiver it came to, or null if it came from a latch. */
        public Receiver<?> receiver() {
            return source instanceof Receiver<?> r ? r : null;
        }
    }

    /** Woken get() calls find this in {@link #ready} once the select is closed. */
    private static final Object CLOSED = new Object();

    /** One note per item that arrived at a member (or the member's closing); taken by get. */
    private final LinkedBlockingQueue<Object> ready = new LinkedBlockingQueue<>();
    /** Receivers, latches and selects; written by add and remove (one thread), read by any. */
    private final List<Object> members = new CopyOnWriteArrayList<>();
    private final boolean oneshot;
    private volatile boolean closed;
    /** The select this one is a member of; guarded by {@code this}. */
    private Select owner;

    public Select() {
        this(List.of(), true);
    }

    public Select(List<? extends Receiver<?>> receivers) {
        this(receivers, true);
    }

    /** @param oneshot remove each member after its item (true), or keep members until removed or closed (false) */
    public Select(List<? extends Receiver<?>> receivers, boolean oneshot) {
        this.oneshot = oneshot;
        for (Receiver<?> r : receivers) add(r);
    }

    /** Adds a receiver; items that arrived already count. */
    public Select add(Receiver<?> r) {
        return join(r, r.claim(this));
    }

    /** Adds a latch; values put already count. */
    public Select add(Latch<?> l) {
        return join(l, l.claim(this));
    }

    /** Adds a select, whose items become this one's. Refused if it would make a cycle. */
    public Select add(Select s) {
        if (s.reaches(this)) throw new SelectError(CYCLE);
        return join(s, s.claim(this));
    }

    private Select join(Object member, int waiting) {
        members.add(member);
        for (int i = 0; i < waiting; i++) ready.add(member);
        return this;
    }

    /** True if this is {@code target} or holds it, directly or through nested selects. */
    private boolean reaches(Select target) {
        if (this == target) return true;
        for (Object m : members) if (m instanceof Select s && s.reaches(target)) return true;
        return false;
    }

    /**
     * Removes a member; it may then join another select. An item of it that had arrived and was not taken stays in
     * the member (and is no longer returned here).
     */
    public void remove(Object member) {
        if (owner(member) != this || !members.remove(member)) throw new SelectError(NOT_MEMBER);
        release(member);
    }

    /** True once no member is left: every one delivered (oneshot), or was removed or closed. */
    public boolean isEmpty() {
        return members.isEmpty();
    }

    /** Waits with no deadline. */
    public Event get() {
        return get(null);
    }

    /**
     * The next item from any member, waiting up to {@code timeout} (null: no limit). A failure (a remote
     * exception, a lost context) is thrown as the receiver's {@code get} would throw it; in oneshot mode its member
     * is removed all the same.
     *
     * @throws SelectError   at once if the select has no members
     * @throws TimeoutError  if nothing arrives in time
     * @throws Latch.LatchError if the select is closed
     */
    public Event get(Duration timeout) {
        long deadline = timeout == null ? 0 : System.nanoTime() + Math.max(0, timeout.toNanos());
        while (true) {
            if (closed) throw new Latch.LatchError("the Select has been closed");
            if (members.isEmpty()) throw new SelectError(EMPTY);
            Object m;
            try {
                m = timeout == null ? ready.take() : ready.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JitogenError("interrupted while waiting on a select", e);
            }
            if (m == null) throw new TimeoutError("nothing arrived on the select within " + timeout);
            if (m == CLOSED) {
                ready.add(CLOSED); // for the next waiter
                continue;
            }
            Event e = take(m);
            if (e != null) return e;
        }
    }

    /** The next item without waiting, or null. For the select this one is a member of. */
    private Event poll() {
        Object m;
        while ((m = ready.poll()) != null) {
            if (m == CLOSED) {
                ready.add(CLOSED);
                return null;
            }
            Event e = take(m);
            if (e != null) return e;
        }
        return null;
    }

    /**
     * The item that the note for {@code member} announced, or null if there is none any more (taken directly from
     * the member meanwhile, or the member was removed or closed, which drops it).
     */
    private Event take(Object member) {
        if (!members.contains(member)) return null;
        if (member instanceof Receiver<?> r) {
            Message msg = r.poll();
            if (msg == null) {
                if (r.isClosed()) drop(r);
                return null;
            }
            if (oneshot) drop(r);
            return new Event(r, r.decodeMessage(msg));
        }
        if (member instanceof Latch<?> l) {
            Object v = l.poll();
            if (v == Latch.NONE) {
                if (l.isClosed()) drop(l);
                return null;
            }
            if (oneshot) drop(l);
            return new Event(l, v);
        }
        Select s = (Select) member;
        try {
            return s.poll();
        } finally {
            if (s.closed || (oneshot && s.isEmpty())) drop(s);
        }
    }

    private void drop(Object member) {
        if (members.remove(member)) release(member);
    }

    /** One value from each receiver, in the order the receivers were given; failures are thrown. */
    public static List<Object> all(List<? extends Receiver<?>> receivers) {
        List<Object> values = new ArrayList<>();
        for (Receiver<?> r : receivers) values.add(r.get());
        return values;
    }

    @Override
    public Iterator<Event> iterator() {
        // waits in hasNext: only then is it known whether an item comes or the last members were closed meanwhile
        return new Iterator<>() {
            private Event next;
            private RuntimeException failure;

            @Override
            public boolean hasNext() {
                if (next != null || failure != null) return true;
                if (isEmpty() || closed) return false;
                try {
                    next = get(null);
                    return true;
                } catch (SelectError | Latch.LatchError e) {
                    if (isEmpty() || closed) return false;
                    failure = e;
                    return true;
                } catch (RuntimeException e) {
                    failure = e; // a member's failure is thrown by next(), as the item it stands for
                    return true;
                }
            }

            @Override
            public Event next() {
                if (!hasNext()) throw new NoSuchElementException(closed ? "the Select has been closed" : EMPTY);
                Event e = next;
                RuntimeException f = failure;
                next = null;
                failure = null;
                if (f != null) throw f;
                return e;
            }
        };
    }

    /**
     * Removes every member (they keep their items and may join another select), and wakes a thread waiting in
     * {@link #get} with {@link Latch.LatchError}; a select this one belongs to drops it. Idempotent; any thread.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Object m : members) drop(m);
        ready.add(CLOSED);
        Select o;
        synchronized (this) {
            o = owner;
        }
        if (o != null) o.ready(this);
    }

    /** A member has an item (or was closed): note it, and tell the select this one belongs to. Never blocks. */
    void ready(Object member) {
        ready.add(member);
        Select o;
        synchronized (this) {
            o = owner;
        }
        if (o != null) o.ready(this);
    }

    private synchronized int claim(Select select) {
        if (owner != null) throw new SelectError(OWNED);
        owner = select;
        return ready.size();
    }

    private synchronized void releaseOwner(Select select) {
        if (owner == select) owner = null;
    }

    private synchronized Select ownerSelect() {
        return owner;
    }

    private Select owner(Object member) {
        if (member instanceof Receiver<?> r) return r.owner();
        if (member instanceof Latch<?> l) return l.owner();
        if (member instanceof Select s) return s.ownerSelect();
        return null;
    }

    private void release(Object member) {
        if (member instanceof Receiver<?> r) r.release(this);
        else if (member instanceof Latch<?> l) l.release(this);
        else if (member instanceof Select s) s.releaseOwner(this);
    }
}
