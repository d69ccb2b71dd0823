package dev.jitogen.core;

import dev.jitogen.core.wire.Log;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Named events of one object, with listeners: Mitogen's {@code listen(obj, name, fn)}, {@code fire(obj, name)} and
 * {@code unlisten(obj, name, fn)}. Every {@link Context} has one ({@link Context#events()}), on which Jitogen fires
 * {@link Context#DISCONNECT}; code may fire events of its own names on it, or make an {@code Events} for an object
 * of its own.
 *
 * <pre>{@code
 * web1.events().listen(Context.DISCONNECT, c -> System.out.println(c.name() + " is gone: " + c.exitDescription()));
 * }</pre>
 *
 * <p>An event fired with {@link #fireOnce} (Jitogen's disconnect) happens once for good: a listener added after it
 * runs at once, so no caller can miss it by arriving late.
 *
 * <p>Threads: any thread may listen, unlisten and fire; the listener lists are guarded by {@code this}, never held
 * while a listener runs. Listeners never run on the firing thread, which may be a stream's reader thread: each fire
 * hands the listeners registered at that moment to a new daemon thread of its own ({@code jitogen-event-NAME}),
 * which runs them one after the other in the order they were added. A listener may therefore block (wait for a
 * reply, print to a paused terminal) without holding up the I/O; it delays only the listeners after it for the same
 * fire. A listener that throws is logged, and the next one runs.
 *
 * @param <T> the type of the object whose events these are, handed to every listener
 */
public final class Events<T> {
    private final T source;
    /** Names the firing threads and log lines: the source's name. */
    private final String label;
    /** Events only Jitogen fires (a user firing "disconnect" would tell every listener a lie). */
    private final Set<String> reserved;
    private final Map<String, List<Consumer<? super T>>> listeners = new HashMap<>();
    /** Events fired with fireOnce: later listeners run at once. */
    private final Set<String> fired = new HashSet<>();

    /** Events of {@code source}, handed to every listener. */
    public Events(T source) {
        this(source, String.valueOf(source), Set.of());
    }

    Events(T source, String label, Set<String> reserved) {
        this.source = source;
        this.label = label;
        this.reserved = reserved;
    }

    /** Runs {@code listener} at each later fire of {@code name} (at once as well if it was fired for good). */
    public void listen(String name, Consumer<? super T> listener) {
        if (name == null || listener == null) throw new NullPointerException("an event needs a name and a listener");
        synchronized (this) {
            if (!fired.contains(name)) {
                listeners.computeIfAbsent(name, n -> new ArrayList<>()).add(listener);
                return;
            }
        }
        run(name, List.of(listener));
    }

    /** Removes {@code listener} (the same object that was added) from {@code name}; false if it was not there. */
    public synchronized boolean unlisten(String name, Consumer<? super T> listener) {
        List<Consumer<? super T>> l = listeners.get(name);
        if (l == null || !l.remove(listener)) return false;
        if (l.isEmpty()) listeners.remove(name);
        return true;
    }

    /** Runs the listeners of {@code name} on a thread of their own; returns at once. */
    public void fire(String name) {
        if (reserved.contains(name)) {
            throw new IllegalArgumentException("the " + name + " event of " + label + " is fired by Jitogen only");
        }
        List<Consumer<? super T>> now;
        synchronized (this) {
            now = new ArrayList<>(listeners.getOrDefault(name, List.of()));
        }
        run(name, now);
    }

    /** Fires {@code name} once and for good: its listeners are dropped, and later ones run at once. */
    void fireOnce(String name) {
        List<Consumer<? super T>> now;
        synchronized (this) {
            if (!fired.add(name)) return;
            List<Consumer<? super T>> l = listeners.remove(name);
            now = l != null ? l : List.of();
        }
        run(name, now);
    }

    /** How many listeners {@code name} has. */
    public synchronized int listenerCount(String name) {
        return listeners.getOrDefault(name, List.of()).size();
    }

    private void run(String name, List<Consumer<? super T>> now) {
        if (now.isEmpty()) return;
        Thread t = new Thread(() -> {
            for (Consumer<? super T> l : now) {
                try {
                    l.accept(source);
                } catch (RuntimeException | LinkageError | AssertionError e) {
                    Log.warning("a " + name + " listener of " + label + " failed", e);
                }
            }
        }, "jitogen-event-" + name + "-" + label);
        t.setDaemon(true);
        t.start();
    }
}
