package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The routing core of a router (Mitogen's {@code core.Router}): the routing table, source verification, delivery to
 * handlers ({@link Handlers}), ADD_ROUTE / DEL_ROUTE from children and the parent, and what follows the loss of a
 * stream. Every context runs it, the master too.
 *
 * <pre>
 *   stream reader thread ──frame──▶ route(): source check ──▶ dst is me? ──▶ Handlers.deliver (enqueue, never block)
 *                                                         └──▶ else ──▶ stream toward dst (or dead reply)
 * </pre>
 *
 * <p>Threads: {@link #route} runs on the thread reading the stream a message arrived on (its reader thread, or a
 * child's idle main thread holding the stream's read role, under the same rules), or on the sender's thread
 * for a message that originates here; it never blocks (streams queue). {@code routes}, {@code branches} and
 * {@code warned} are concurrent; no lock is held here while sending.
 */
final class RouterCore {
    private final Router router;
    /** Null in the master; the stream to our parent in a child, and the route of last resort. */
    private final Stream parent;
    private final Map<Integer, Stream> routes = new ConcurrentHashMap<>();
    /** The stream of each direct child, with what this router knows of that part of the tree. */
    private final Map<Stream, Branch> branches = new ConcurrentHashMap<>();
    /** (stream, kind of fault) pairs already logged: a flood of one fault from one stream logs once. */
    private final Set<List<Object>> warned = ConcurrentHashMap.newKeySet();
    /** A flush of the parent stream is scheduled (see {@link #sendUnflushedToParent}). */
    private final AtomicBoolean flushPending = new AtomicBoolean();

    RouterCore(Router router, Stream parent) {
        this.router = router;
        this.parent = parent;
    }

    /** The stream routed to {@code id} (not the default route), or null. */
    Stream routeOf(int id) {
        return routes.get(id);
    }

    /** The stream a message for {@code id} takes: its route, else the parent's (null in the master). */
    Stream streamFor(int id) {
        Stream s = routes.get(id);
        return s != null ? s : parent;
    }

    Branch branch(Stream stream) {
        return branches.get(stream);
    }

    boolean isImmediateChild(int id) {
        return childStream(id) != null;
    }

    /** The stream of direct child {@code id}, or null if {@code id} is not one. */
    Stream childStream(int id) {
        Stream s = routes.get(id);
        return s != null && s != parent && s.remoteId() == id ? s : null;
    }

    /** The routing table by stream name; in a child, {@code -1} names the default route. */
    SortedMap<Integer, String> table() {
        SortedMap<Integer, String> table = new TreeMap<>();
        routes.forEach((id, stream) -> table.put(id, stream.name()));
        if (parent != null) table.put(-1, parent.name() + " (default)");
        return table;
    }

    /** Routes {@code id} to a direct child's new stream and begins reading it. */
    void attachChild(int id, Stream stream) {
        routes.put(id, stream);
        branches.put(stream, new Branch(stream));
        startStream(stream, new Routing(null));
    }

    /** Starts reading the parent stream; {@code onParentGone} hears of its end (on the reader thread). */
    void attachParent(Consumer<Throwable> onParentGone) {
        routes.put(router.parentId(), parent);
        parent.trustPeer(); // frames forwarded up may be written without a thread handoff
        startStream(parent, new Routing(onParentGone));
    }

    private void startStream(Stream stream, Stream.Listener listener) {
        Broker broker = router.broker();
        stream.start(listener, broker.threads(), broker.timer(), router.stallTimeout());
    }

    /**
     * Routes every frame of a stream, and hears of its end: the router's own handling for a child's stream, the
     * caller's for the parent's. A class, not lambdas: see {@link dev.jitogen.core.classload.ParentLink}.
     */
    private final class Routing implements Stream.Listener {
        /** Hears of the parent stream's end; null on a child's stream. */
        private final Consumer<Throwable> parentGone;

        Routing(Consumer<Throwable> parentGone) {
            this.parentGone = parentGone;
        }

        @Override
        public void onMessage(Stream s, Message m) {
            route(m, s);
        }

        @Override
        public void onOversize(Stream s, Message header, int length) {
            oversize(s, header, length);
        }

        @Override
        public void onClose(Stream s, Throwable cause) {
            if (parentGone != null) parentGone.accept(cause);
            else onStreamClosed(s, cause);
        }
    }

    /**
     * Writes {@code m} to the parent stream without flushing, if that is its route; false (nothing sent) otherwise.
     * The caller must {@link #flushParent} before it waits for anything. For a child's call loop.
     */
    boolean sendUnflushedToParent(Message m) {
        Stream p = parent;
        if (p == null || streamFor(m.dst) != p) return false;
        if (!p.sendUnflushed(m)) Log.fine("dropped " + m + ": the parent stream is closed");
        // a reply held back must not wait for a long call queued behind it: flushed within a millisecond anyway
        if (flushPending.compareAndSet(false, true)) {
            Broker broker = router.broker();
            try {
                broker.timer().schedule(() -> broker.services().execute(() -> {
                    flushPending.set(false);
                    p.flush();
                }), 1, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                flushPending.set(false);
                p.flush(); // closing
            }
        }
        return true;
    }

    /** The stream to the parent; null in the master. */
    Stream parentStream() {
        return parent;
    }

    void flushParent() {
        if (parent != null) parent.flush();
    }

    /** Waits at most {@code millis} for the frames queued to the parent to be written. For a child about to exit. */
    void awaitParentWritten(long millis) {
        if (parent != null) parent.awaitWritten(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** Delivers or forwards {@code m}; {@code from} is the stream it arrived on, or null if it originated here. */
    void route(Message m, Stream from) {
        int myId = router.myId();
        int maxMessageSize = router.maxMessageSize();
        if (from == null && m.data.length > maxMessageSize) {
            // a frame read from a stream was checked as it was read: this is the same limit for what never crossed one
            String why = "message too large (max " + maxMessageSize + " bytes): " + m.data.length + " bytes for handle "
                    + m.handle + " of context " + m.dst;
            Log.warning("dropped " + m + ": " + why);
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) route(Message.deadReplyTo(m, myId, why), null);
            return;
        }
        if (from != null && (streamFor(m.authId) != from || streamFor(m.src) != from)) {
            Log.warning("dropped " + m + " from " + from.name() + ": src " + m.src + " / auth_id " + m.authId
                    + " does not route back over that stream (forged source?)");
            return;
        }
        if (from != null && m.dst == myId && (m.handle == Handles.ADD_ROUTE || m.handle == Handles.DEL_ROUTE)) {
            updateRoute(m, from);
            return;
        }
        if (m.dst == myId) {
            router.handlers().deliver(m);
            return;
        }
        Stream s = streamFor(m.dst);
        if (router.unidirectional() && from != null && s != null && from != parent && s != parent) {
            // between two children: only parent<->child traffic is allowed
            String why = "routing mode prevents forward of message from context " + m.src + " to context " + m.dst
                    + " via context " + myId + " (" + router.myName() + " is unidirectional: only traffic between a "
                    + "parent and its children passes)";
            Log.severe("refused " + m + " from " + from.name() + " to " + s.name() + ": " + why);
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) route(Message.deadReplyTo(m, myId, why), null);
            return;
        }
        if (from != null && from != parent && s != null && s != from && !m.isDead()) {
            Branch b = branches.get(from);
            if (b != null) b.talkedTo(m.dst); // so that branch hears if m.dst is lost (see lose)
        }
        if (s == null || s == from || !s.send(m)) {
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                String why = s == null || s == from ? "" : ": " + s.refusal();
                route(Message.deadReplyTo(m, myId, "no route from " + router.myName() + " to context " + m.dst + why),
                        null);
            } else if (!m.isDead()) {
                Log.fine("dropped " + m + ": no route to context " + m.dst);
            }
        }
    }

    /**
     * Whether {@code m}, from a context other than the respondent a handler waits on, may still end that wait: a
     * dead message from a router on the way to the respondent, saying why it would not pass our message on
     * (unidirectional mode, no route, too large). Without it a refused call hangs, since the refusal does not come
     * from the respondent. Accepted only from our parent chain, and only when the respondent is reached through our
     * parent: our messages that way pass through the parents up to the common ancestor of us and the respondent,
     * the parents above it are trusted anyway (they may call us), and no one below a parent can forge its id (each
     * router checks sources). A dead message carries a reason, never a value, so at worst it ends a wait early.
     * Routers below us need no such leave: traffic from a parent is never refused by mode, and a route lost below us
     * reaches us as DEL_ROUTE.
     */
    boolean refusalOnTheWay(Message m, int respondent) {
        return m.isDead() && parent != null && router.isParentChain(m.src) && m.authId == m.src
                && streamFor(respondent) == parent;
    }

    /** Logs and drops a dead message sent to a standard handle (see {@link Handlers#deliver}). */
    void dropDead(Message m) {
        // the reason is whatever the sender put there: printable characters only, and not much of it
        String reason = m.deadReason().codePoints().limit(200)
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        Log.warning("dropped dead message " + m + " to handle " + m.handle + " from context " + m.src
                + ": a dead message is not a request (" + reason + ")");
    }

    /**
     * ADD_ROUTE / DEL_ROUTE addressed to this router. From a direct child, sent by that child itself: context N is
     * (no longer) reached through its stream; ADD_ROUTE only for an id of a block given to that child, each id once.
     * From the parent, sent by the parent itself: DEL_ROUTE, context N elsewhere in the tree is gone.
     */
    private void updateRoute(Message m, Stream from) {
        if (m.isDead()) {
            dropDead(m);
            return;
        }
        String what = m.handle == Handles.ADD_ROUTE ? "ADD_ROUTE" : "DEL_ROUTE";
        if (m.data.length != 4) {
            Log.warning("refused " + what + " " + m + " from " + from.name() + ": its data is not one context id");
            return;
        }
        int id = ByteBuffer.wrap(m.data).getInt();
        if (from == parent) {
            // ids behind the parent need no ADD_ROUTE: everything unknown goes to the parent
            int parentId = router.parentId();
            if (m.handle == Handles.DEL_ROUTE && m.src == parentId && m.authId == parentId && id != router.myId()
                    && !routes.containsKey(id)) {
                lose(id, null, parent);
            }
            return;
        }
        String refusal;
        if (m.src != from.remoteId()) {
            refusal = "sent by context " + m.src + ", not by the child at the end of that stream";
        } else if (m.handle == Handles.DEL_ROUTE) {
            if (routes.get(id) == from && id != from.remoteId() && routes.remove(id, from)) lose(id, null, from);
            return;
        } else if (routes.containsKey(id)) {
            refusal = "it already has a route";
        } else {
            IdAllocator ids = router.ids();
            // a child stream exists only once this router started a context, which built the allocator
            refusal = ids == null ? "this context has started no contexts" : ids.claim(id, from);
        }
        if (refusal != null) {
            Log.warning("refused " + what + " for context " + id + " from " + from.name() + ": " + refusal);
            return;
        }
        if (routes.putIfAbsent(id, from) != null) return;
        router.routeAddedBelow(id);
    }

    /**
     * A frame over the max message size arrived on {@code from} and is being skipped: one lost message, not a lost
     * stream. Logged (once per flood), and whoever waits for it hears why: a dead reply to its reply_to, and, if it
     * was for a receiver's handle, a dead message there, routed as if the sender had sent it (so the usual respondent
     * checks apply). Reader thread: never blocks.
     */
    private void oversize(Stream from, Message header, int length) {
        String why = "a message of " + length + " bytes from context " + header.src + " to " + header.dst
                + " was dropped by " + router.myName() + ": over the max message size " + router.maxMessageSize();
        if (firstTime(from, "oversize")) {
            Log.warning(why + " (raise it with Router.builder().maxMessageSize(...) if the data is genuine; "
                    + "further oversize messages on " + from.name() + " are logged at FINE)");
        } else {
            Log.fine(why);
        }
        // answer only what could have come over that stream: a forged header gets no one a dead message
        if (header.isDead() || streamFor(header.src) != from || streamFor(header.authId) != from) return;
        if (header.handle >= Handles.FIRST_USER_HANDLE) { // a receiver's handle: someone may wait for it
            route(new Message(header.dst, header.src, header.authId, header.handle, Handles.IS_DEAD,
                    why.getBytes(StandardCharsets.UTF_8)), from);
        }
        if (header.replyTo != Handles.NO_REPLY) route(Message.deadReplyTo(header, router.myId(), why), null);
    }

    /** True the first time {@code kind} of fault is seen on {@code stream}: a flood logs once. */
    boolean firstTime(Stream stream, String kind) {
        return warned.add(List.of(stream, kind));
    }

    private void onStreamClosed(Stream stream, Throwable cause) {
        branches.remove(stream);
        router.streamEnded(stream);
        warned.removeIf(key -> key.get(0) == stream);
        List<Integer> lost = new ArrayList<>();
        routes.entrySet().removeIf(e -> {
            if (e.getValue() != stream) return false;
            lost.add(e.getKey());
            return true;
        });
        for (int id : lost) lose(id, cause, stream);
    }

    /**
     * Context {@code id} can no longer be reached; {@code from} is the stream the news came from (the lost context's
     * own, a child's DEL_ROUTE, or the parent's). The router forgets it; the parent chain hears DEL_ROUTE (unless the
     * news came from there), and so does every other branch below that sent it messages, so that waiters anywhere
     * in the tree end now rather than at their timeouts; then its waiters here get dead messages.
     */
    private void lose(int id, Throwable cause, Stream from) {
        Context c = router.forget(id);
        int myId = router.myId();
        byte[] idBytes = ByteBuffer.allocate(4).putInt(id).array();
        if (parent != null && from != parent) {
            router.send(new Message(router.parentId(), myId, myId, Handles.DEL_ROUTE, Handles.NO_REPLY, idBytes));
        }
        if (!router.isClosed()) { // closing: every branch is about to go anyway
            for (Branch b : branches.values()) {
                if (b.stream != from && !b.stream.isClosed() && b.mustHearOfLoss(id)) {
                    router.send(new Message(b.stream.remoteId(), myId, myId, Handles.DEL_ROUTE, Handles.NO_REPLY,
                            idBytes));
                }
            }
        }
        String name = c != null ? c.name() : "context " + id;
        String why = cause != null ? cause.getMessage()
                : from == parent ? "its route was lost (the parent of " + router.myName() + " said so)"
                : "its stream ended";
        if (cause != null) Log.warning("[" + name + "] stream closed: " + why);
        else Log.fine("[" + name + "] disconnected: " + why);
        if (c != null) c.disconnected(cause);
        router.handlers().respondentLost(id, "context " + (c != null ? c.name() : id) + " disconnected: " + why);
    }

    /** Closes the stream of every direct child (Mitogen's {@code disconnect_all}). */
    void closeChildren() {
        for (Branch b : List.copyOf(branches.values())) b.stream.close(null);
    }

    /** Closes every stream, the parent's included; for the router's close. */
    void closeAll() {
        for (Stream s : new ArrayList<>(routes.values())) s.close(null);
    }
}
