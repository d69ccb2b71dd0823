package dev.jitogen.core.classload;

import dev.jitogen.core.wire.Log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * GET_CLASS requests waiting to be served, kept per peer (the stream they arrived on: a direct child and the
 * contexts behind it) and served round-robin over peers. A peer that floods requests fills its own queue, at most
 * {@link #PER_PEER} requests and {@link #PER_PEER_CHARS} characters of names, and then loses its excess requests
 * (logged once per flood); every other peer's requests are served in turn with it, so a flood delays them by a
 * request or two, never by the flood's length. Memory is bounded by the number of peers, which the parent chose.
 *
 * <p>Threads: {@link #offer} and {@link #forget} are called on reader threads and never block; requests are served
 * on {@code executor}, by at most {@code workers} tasks at a time. {@code this} guards the queues; it is never held
 * while serving or logging.
 *
 * @param <P> what identifies a peer (the stream); its {@code toString} names it in logs
 */
public final class ClassRequests<P> {
    /** Longest class name accepted: a class file cannot name a longer one (modified UTF-8, 16-bit length). */
    public static final int MAX_NAME_BYTES = 65535;
    /** Requests one peer may have waiting. */
    public static final int PER_PEER = 1024;
    /** Characters of names one peer may have waiting. */
    public static final int PER_PEER_CHARS = 256 * 1024;
    /** Requests one task serves before it makes way for the executor's other tasks. */
    private static final int BATCH = 64;

    private record Request(int src, String name) {}

    /** One peer's waiting requests, and what it lost in its current flood. */
    private static final class Queue {
        final ArrayDeque<Request> requests = new ArrayDeque<>();
        int bytes;
        long dropped;
    }

    private final Executor executor;
    private final int workers;
    private final BiConsumer<Integer, String> serve;
    /** Peers with requests waiting. Guarded by this. */
    private final Map<P, Queue> queues = new HashMap<>();
    /** Peers in the order they are served; each appears once while it has requests. Guarded by this. */
    private final ArrayDeque<P> turns = new ArrayDeque<>();
    /** Serving tasks running or submitted. Guarded by this. */
    private int running;

    /**
     * @param serve answers one request: the asking context's id and the class name; runs on {@code executor} and
     *              may do I/O
     */
    public ClassRequests(Executor executor, int workers, BiConsumer<Integer, String> serve) {
        this.executor = executor;
        this.workers = workers;
        this.serve = serve;
    }

    /**
     * The class name in a GET_CLASS payload, or null if it cannot be one: empty, over {@link #MAX_NAME_BYTES}, or
     * holding a path separator or control character (a binary name is dot-separated identifiers).
     */
    public static String className(byte[] data) {
        if (data.length == 0 || data.length > MAX_NAME_BYTES) return null;
        String name = new String(data, StandardCharsets.UTF_8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == '/' || c == '\\' || c == 0x7f) return null;
        }
        return name.contains("..") || name.startsWith(".") ? null : name;
    }

    /**
     * Queues a request from context {@code src} for {@code name} (checked with {@link #className}), arriving from
     * {@code peer}. False if it was dropped.
     */
    public boolean offer(P peer, int src, String name) {
        boolean start = false;
        long dropped;
        synchronized (this) {
            Queue q = queues.get(peer);
            if (q == null) {
                queues.put(peer, q = new Queue());
                turns.add(peer);
            }
            // an empty queue takes any valid name (at most MAX_NAME_BYTES), so no peer waits in turns with nothing
            if (q.requests.size() >= PER_PEER || q.bytes + name.length() > PER_PEER_CHARS) {
                dropped = ++q.dropped;
            } else {
                dropped = 0;
                q.requests.add(new Request(src, name));
                q.bytes += name.length();
                if (running < workers) {
                    running++;
                    start = true;
                }
            }
        }
        if (dropped == 1) {
            Log.warning("class requests from " + peer + " are flooding in: " + PER_PEER + " wait already; dropping "
                    + "more until they are served (a context asking for that many classes at once is hostile or broken)");
        }
        if (start) {
            try {
                executor.execute(this::work);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    running--; // closing: nobody will be served
                }
            }
        }
        return dropped == 0;
    }

    /** Forgets the requests of a peer that is gone. */
    public synchronized void forget(P peer) {
        if (queues.remove(peer) != null) turns.remove(peer);
    }

    /**
     * Serves requests, one peer's turn at a time, until none waits; after {@link #BATCH} it goes to the back of the
     * executor's queue, so that a long flood does not keep the executor from its other tasks.
     */
    private void work() {
        for (int served = 0; ; served++) {
            Request r;
            P peer;
            long lost = 0;
            synchronized (this) {
                peer = turns.poll();
                if (peer == null) {
                    running--;
                    return;
                }
                if (served == BATCH) {
                    turns.addFirst(peer);
                    try {
                        executor.execute(this::work); // still counted in running
                    } catch (RejectedExecutionException e) {
                        running--; // closing
                    }
                    return;
                }
                Queue q = queues.get(peer);
                r = q.requests.poll();
                q.bytes -= r.name.length();
                if (q.requests.isEmpty()) {
                    queues.remove(peer);
                    lost = q.dropped;
                } else {
                    turns.add(peer);
                }
            }
            if (lost > 0) Log.warning("the flood of class requests from " + peer + " is over: " + lost + " dropped");
            serve.accept(r.src, r.name);
        }
    }
}
