package dev.jitogen.plugins.service;

import dev.jitogen.core.CallError;
import dev.jitogen.core.ChannelError;
import dev.jitogen.core.Context;
import dev.jitogen.core.JitogenError;
import dev.jitogen.core.Router;
import dev.jitogen.core.TimeoutError;
import dev.jitogen.core.wire.Message;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The address of a context's {@link ServicePool}: its context id and handle. Get one from {@link Services#ref}
 * (a parent, activating the pool) or {@link ServicePool#ref()}, and pass it to functions running in other contexts
 * (it travels as its two numbers, like a {@code Sender}), which then call the services there.
 *
 * <p>Threads: any thread but a stream reader thread may call; {@link #call} blocks until the reply. The reply
 * arrives on a reader thread, which only queues it.
 */
public final class ServiceRef implements Serializable {
    private static final long serialVersionUID = 1;

    private final int contextId;
    private final int handle;
    /** Null once it has travelled: then the router of the context it runs in. */
    private final transient Router router;

    ServiceRef(Router router, int contextId, int handle) {
        this.router = router;
        this.contextId = contextId;
        this.handle = handle;
    }

    /** The pool at {@code handle} of context {@code contextId}, called through {@code router}. */
    public static ServiceRef of(Router router, int contextId, int handle) {
        return new ServiceRef(router, contextId, handle);
    }

    public int contextId() {
        return contextId;
    }

    public int handle() {
        return handle;
    }

    /** The router messages go through: the one it was made with, or that of the context it now runs in. */
    public Router router() {
        Router r = router != null ? router : Router.current();
        if (r == null) throw new IllegalStateException("a ServiceRef that travelled works only inside a context");
        return r;
    }

    /** Calls {@code service.method(args)} in the pool's context and waits for its result, with no time limit. */
    public Object call(String service, String method, Object... args) {
        return call(null, service, method, args);
    }

    /**
     * Calls {@code service.method(args)} and waits at most {@code timeout} (null: no limit) for its result.
     *
     * @throws CallError    if the call was refused or the method threw (class and message of what it threw)
     * @throws ChannelError if the context is gone or its pool is stopped ("invalid handle")
     * @throws TimeoutError if no reply arrives in time
     */
    public Object call(Duration timeout, String service, String method, Object... args) {
        Router r = router();
        LinkedBlockingQueue<Message> replies = new LinkedBlockingQueue<>();
        Context respondent = r.contextById(contextId);
        int replyTo = r.addHandler(replies::add, repliesFrom(contextId), respondent, false);
        send(replyTo, service, method, args);
        Message m;
        try {
            m = timeout == null ? replies.take() : replies.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.delHandler(replyTo);
            throw new JitogenError("interrupted while waiting for " + service + "." + method + " in context " + contextId);
        }
        if (m == null) {
            r.delHandler(replyTo);
            throw new TimeoutError("no reply from " + service + "." + method + " in context " + contextId + " within " + timeout);
        }
        if (!isReply(m)) throw new ChannelError("context " + contextId + " sent something other than a service reply");
        if (m.isDead() && m.src == contextId && m.deadReason().startsWith("no handler for handle " + handle + " ")) {
            throw new ChannelError("no service pool at handle " + handle + " of " + name(r) + " (" + m.deadReason()
                    + "): the framework was never activated there, or this ServiceRef is stale; get one from "
                    + "Services.ref(context) in a parent of it");
        }
        return value(m, name(r));
    }

    /** The name of the pool's context as this side knows it. */
    public String name(Router r) {
        Context c = r.contextById(contextId);
        return c != null ? c.name() : contextId == r.myId() ? r.myName() : "context " + contextId;
    }

    /**
     * Sends the call without waiting: its reply goes to {@code replyTo}, a handle of this context's router. For
     * services that stream frames of their own to the same handle before replying (see {@link #isReply}). The
     * request carries {@code replyTo} as its reply_to, so if it cannot be delivered (no pool at that handle: never
     * activated there, or the handle is stale; no route) a dead message comes back there instead of nothing.
     */
    public void send(int replyTo, String service, String method, Object... args) {
        byte[] body = Wire.encode(List.of(service, method, java.util.Arrays.asList(args)));
        router().send(contextId, handle, replyTo, body);
    }

    /**
     * The policy for a handle that takes the replies of calls to context {@code contextId}: its messages, and dead
     * messages from this context's own router or a router of its parent chain on the way (no route, refused by
     * routing mode), which carry a reason and no value, so at worst they end a wait early.
     */
    public static Router.HandlerPolicy repliesFrom(int contextId) {
        Router.HandlerPolicy parents = Router.HandlerPolicy.hasParentAuthority();
        return (m, r) -> m.src == contextId || (m.isDead() && m.src == m.authId && parents.accepts(m, r));
    }

    /** Whether {@code m} is a service reply (or a dead message, which ends a call too). */
    public static boolean isReply(Message m) {
        return m.isDead() || (m.data.length >= 2 && m.data[0] == ServicePool.REPLY);
    }

    /** The value a reply carries; throws what the call failed with. */
    public static Object value(Message m) {
        return value(m, "context " + m.src);
    }

    /** The same, naming the context {@code name} in a failure. */
    public static Object value(Message m, String name) {
        if (m.isDead()) throw new ChannelError(m.deadReason());
        Object v;
        try {
            v = Wire.decode(m.data, 2);
        } catch (Wire.BadValue e) {
            throw new CallError(name, Wire.BadValue.class.getName(), "a malformed reply: " + e.getMessage(),
                    List.of(), null);
        }
        switch (m.data[1]) {
            case ServicePool.OK:
                return v;
            case ServicePool.INVALID:
                throw new ChannelError(String.valueOf(v));
            default:
                if (v instanceof List<?> l && l.size() == 2) {
                    throw new CallError(name, String.valueOf(l.get(0)), String.valueOf(l.get(1)), List.of(), null);
                }
                throw new CallError(name, JitogenError.class.getName(), "a malformed failure", List.of(), null);
        }
    }

    @Override
    public String toString() {
        return "ServiceRef(context " + contextId + ", handle " + handle + ")";
    }
}
