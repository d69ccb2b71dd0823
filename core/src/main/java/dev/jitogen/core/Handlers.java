package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The handlers registered on a router's handles (core layer, Mitogen's {@code add_handler} / {@code del_handler}),
 * and delivery to them: the respondent check (a reply is taken only from the context waited on), the handler's
 * policy, dead messages to waiters whose respondent is lost or whose router closed.
 *
 * <p>Threads: any thread registers and removes; {@link #deliver} and {@link #respondentLost} run on stream reader
 * threads, and so do the handlers they call, which must not block. The map is concurrent and a one-shot handler is
 * taken by whichever thread removes it first; no lock is held while a handler runs.
 */
final class Handlers {
    private record Registration(Router.MessageHandler handler, int respondent, boolean persist,
                                Router.HandlerPolicy policy) {}

    private final Router router;
    private final Map<Integer, Registration> handlers = new ConcurrentHashMap<>();
    private final AtomicInteger nextHandle = new AtomicInteger(Handles.FIRST_USER_HANDLE);

    Handlers(Router router) {
        this.router = router;
    }

    /** A new handle with {@code fn} and {@code policy} on it (see {@link Router#addHandler}). */
    int add(Router.MessageHandler fn, Router.HandlerPolicy policy, int respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        register(handle, new Registration(fn, respondent, persist, policy));
        return handle;
    }

    /** Registers {@code h} on a new handle; {@code respondent} (or -1) is the context whose loss kills it. */
    int add(Router.MessageHandler h, int respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        add(handle, h, respondent, null, persist);
        return handle;
    }

    /** The same, naming {@code respondent} (or null) in the dead message if it has already gone. */
    int add(Router.MessageHandler h, Context respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        add(handle, h, respondent == null ? -1 : respondent.id(), respondent, persist);
        return handle;
    }

    void add(int handle, Router.MessageHandler h, int respondent, boolean persist) {
        add(handle, h, respondent, null, persist);
    }

    private void add(int handle, Router.MessageHandler h, int respondent, Context known, boolean persist) {
        Registration r = new Registration(h, respondent, persist, null);
        register(handle, r);
        if (respondent >= 0 && respondent != router.myId() && router.isMaster()
                && router.core().routeOf(respondent) == null && handlers.remove(handle, r)) {
            // the respondent is already gone: say so at once rather than let a waiter hang (it is forgotten here,
            // but whoever holds its Context still knows its name and how it ended); in a child, anything not routed
            // here is behind the parent
            Context c = known != null ? known : router.contextById(respondent);
            String why = c == null ? "context " + respondent + " is not connected"
                    : "context " + c.name() + " is not connected" + (c.disconnectCause() != null
                    ? " (" + c.disconnectCause().getMessage() + ")" : "");
            h.handle(dead(handle, respondent, why));
        }
    }

    /** Adds {@code r} on {@code handle}; once the router is closed, its handler gets a dead message at once instead. */
    private void register(int handle, Registration r) {
        handlers.put(handle, r);
        if (router.isClosed() && handlers.remove(handle, r)) {
            r.handler.handle(dead(handle, router.myId(), router.closedReason()));
        }
    }

    void remove(int handle) {
        handlers.remove(handle);
    }

    /** A dead message to our own {@code handle}, as if from context {@code src}. */
    Message dead(int handle, int src, String why) {
        return new Message(router.myId(), src, src, handle, Handles.IS_DEAD, why.getBytes(StandardCharsets.UTF_8));
    }

    /** Delivers {@code m}, addressed to this context, to its handle's handler. Reader thread (or the sender's). */
    void deliver(Message m) {
        RouterCore core = router.core();
        if (m.isDead() && m.handle < Handles.FIRST_USER_HANDLE) {
            // standard handles serve requests (ids, routes, classes, logs, calls, cancels, shutdown): a dead message
            // is never one, and arrives only by mistake or by design (a message whose reply_to names such a handle)
            core.dropDead(m);
            return;
        }
        Registration r = handlers.get(m.handle);
        if (r == null) {
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                core.route(Message.deadReplyTo(m, router.myId(), "no handler for handle " + m.handle + " in "
                        + router.myName()), null);
            } else if (!m.isDead()) {
                Log.fine("dropped " + m + ": no handler for handle " + m.handle);
            }
            return;
        }
        if (r.respondent >= 0 && m.src != r.respondent && m.src != router.myId()
                && !core.refusalOnTheWay(m, r.respondent)) {
            Log.warning("dropped " + m + ": handle " + m.handle + " takes messages from context " + r.respondent
                    + " only (forged reply?)");
            return;
        }
        if (r.policy != null && !r.policy.accepts(m, router)) {
            Log.warning("refused " + m + ": the policy of handle " + m.handle + " does not accept it");
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                core.route(Message.deadReplyTo(m, router.myId(), "refused by the policy of handle " + m.handle
                        + " in " + router.myName()), null);
            }
            return;
        }
        if (!r.persist && !handlers.remove(m.handle, r)) return; // another message took this one-shot handler
        try {
            r.handler.handle(m);
        } catch (RuntimeException e) {
            Log.severe("handler for " + m.handle + " failed on " + m, e);
        }
    }

    /** Context {@code id} is lost: every handler waiting on it gets a dead message saying {@code reason}. */
    void respondentLost(int id, String reason) {
        handlers.forEach((handle, reg) -> {
            if (reg.respondent == id && handlers.remove(handle, reg)) reg.handler.handle(dead(handle, id, reason));
        });
    }

    /** Every handler still registered gets a dead message, so no waiter stays blocked on a closed router. */
    void endWaits(String why) {
        for (Map.Entry<Integer, Registration> e : handlers.entrySet()) {
            int handle = e.getKey();
            // standard handles serve requests: no one waits on them
            if (handle < Handles.FIRST_USER_HANDLE || !handlers.remove(handle, e.getValue())) continue;
            try {
                e.getValue().handler.handle(dead(handle, router.myId(), why));
            } catch (RuntimeException x) {
                Log.warning("handler for " + handle + " failed on the router's close", x);
            }
        }
    }
}
