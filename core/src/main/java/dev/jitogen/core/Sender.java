package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.nio.charset.StandardCharsets;

/**
 * Sends values to a {@link Receiver}, possibly in another context: make one with {@link Receiver#toSender()} and
 * capture it in a remote function, which can then stream results back while it runs. It travels as its address
 * (context id and handle); on arrival it sends through the router of the context it runs in.
 *
 * <p>Threads: any thread. {@link #send} encodes on the calling thread and never waits for the receiver.
 *
 * @param <T> the type of value sent
 */
public final class Sender<T> {
    private final int contextId;
    private final int handle;
    /** Null once it has travelled: then the router of the JVM it runs in. */
    private final transient Router router;

    Sender(Router router, int contextId, int handle) {
        this.router = router;
        this.contextId = contextId;
        this.handle = handle;
    }

    private Router router() {
        Router r = router != null ? router : Router.current();
        if (r == null) throw new IllegalStateException("a Sender that travelled works only inside a context");
        return r;
    }

    /** The context the receiver is in. */
    public int contextId() {
        return contextId;
    }

    public int handle() {
        return handle;
    }

    /** Sends {@code value}; it must be something the receiving side accepts as data. */
    public void send(T value) {
        Router r = router();
        r.send(new Message(contextId, r.myId(), r.myId(), handle, Handles.NO_REPLY, r.encode(Receiver.VALUE, value)));
    }

    /** Tells the receiver nothing more will come: its iteration ends, and {@code get} raises {@link ChannelError}. */
    public void close() {
        Router r = router();
        r.send(new Message(contextId, r.myId(), r.myId(), handle, Handles.IS_DEAD,
                "the sender closed".getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return "Sender(context " + contextId + ", handle " + handle + ")";
    }
}
