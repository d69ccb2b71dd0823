package dev.jitogen.core;

import dev.jitogen.core.classload.ClassRelay;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.nio.ByteBuffer;

/**
 * A child's layer over the routing core (parent layer, Mitogen's {@code parent.Router} in a child): routes added
 * below it are reported up to the master, classes reach its own children through the {@link ClassRelay} its
 * runtime installs, and what its parent chain sends is trusted. It prints no logs and serves no classes of its own.
 *
 * <p>Threads: any; {@code runtime} is set once, by the runtime, before the parent stream is read, and {@code relay}
 * once, when the router builds its parent layer (on the thread that starts a first child).
 */
final class ChildLayer implements Layer {
    private final Router router;
    /** Relays classes to this context's children; the runtime's, set with the parent layer, null until then. */
    private volatile ClassRelay relay;
    /** The context's runtime; set once, before the parent stream is read, null until then. */
    private volatile ChildRuntime runtime;

    ChildLayer(Router router) {
        this.router = router;
    }

    void runtime(ChildRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * The router has just built its parent layer, on the thread that starts this context's first child: the
     * runtime builds its class relay now, on this thread, which may fetch classes, so that no reader thread has to.
     */
    void parentLayerBuilt() {
        ChildRuntime r = runtime;
        if (r != null) relay = r.relay();
    }

    @Override
    public boolean isMaster() {
        return false;
    }

    @Override
    public String selfMethod() {
        return "self";
    }

    @Override
    public Stats stats() {
        ClassRelay r = relay;
        return r == null ? new Stats(0, 0, 0, 0, 0, 0, 0) : Stats.of(r.counts());
    }

    @Override
    public void routeAdded(int id, boolean direct) {
        // up to the master: this id is reached through us
        int myId = router.myId();
        router.send(new Message(router.parentId(), myId, myId, Handles.ADD_ROUTE, Handles.NO_REPLY,
                ByteBuffer.allocate(4).putInt(id).array()));
    }

    @Override
    public void streamEnded(Stream stream) {
        // the relay keeps nothing per stream
    }

    @Override
    public void pushClass(int id, String className) {
        // a child's children ask for classes; their parent's relay answers from its cache
    }

    @Override
    public long logMark() {
        return 0;
    }

    @Override
    public void awaitLogs(long mark, long maxNanos) {
        // forwarded records pass through a child on their way to the master: nothing is printed here
    }

    @Override
    public boolean trusts(Message m) {
        return router.isParentChain(m.authId);
    }

    @Override
    public byte[] callClassFile(String name) {
        // a context's own calls reach classes its parent sent it: those it keeps for relaying are their class files
        ChildRuntime r = runtime;
        return r == null ? null : r.received().received(name);
    }
}
