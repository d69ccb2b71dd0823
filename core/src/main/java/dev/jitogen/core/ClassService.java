package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ClassRequests;
import dev.jitogen.core.classload.ClassServer;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.util.Set;

/**
 * The master's class service (master layer, Mitogen's {@code ModuleResponder}): answers GET_CLASS from every context
 * with the {@link ClassServer}, and pushes a call's classes ahead of the call to a direct child, never sending one
 * twice down a stream ({@link SentClasses}). A child never builds one: classes reach it from its parent, through the
 * parent's {@code ClassRelay}.
 *
 * <p>Threads: {@link #onGetClass} runs on a reader thread and only queues (see {@link ClassRequests}); requests are
 * answered on the broker's service threads, each stream's in turn; {@link #push} runs on a caller's thread. A
 * context's set of sent classes is locked while a class is chosen and queued to it, so a class is queued before
 * another thread can answer "already sent" for it; nothing else is held while sending.
 */
final class ClassService {
    private final Router router;
    private final ClassServer server;
    /** GET_CLASS requests waiting for the service threads, per stream. */
    private final ClassRequests<Stream> requests;
    private final SentClasses sent;

    ClassService(Router router, SentClasses sent, ClassLoader loader, ClassPolicy policy) {
        this.router = router;
        this.sent = sent;
        this.server = new ClassServer(new ClassFinder(loader), policy);
        server.runtime(name -> CoreBundle.forMaxMessageSize(router.maxMessageSize()).family(name),
                CoreBundle::notSentAhead);
        this.requests = new ClassRequests<>(router.broker().services(), 2, this::serve);
    }

    ClassServer server() {
        return server;
    }

    /** The stream has ended: its waiting requests are dropped. */
    void forget(Stream stream) {
        requests.forget(stream);
    }

    /**
     * GET_CLASS from a context: queued per stream it came on and served in turn with other streams' requests, on
     * the service threads (see {@link ClassRequests}). Reader thread: checks and queues, never blocks.
     */
    void onGetClass(Message m) {
        if (sent.to(m.src) == null) return;
        String name = ClassRequests.className(m.data);
        Stream from = router.core().streamFor(m.src);
        if (name == null) {
            if (from != null && router.core().firstTime(from, "class name")) {
                Log.warning("refused a class request from context " + m.src + ": " + m.data.length + " bytes "
                        + "that cannot be a class name (empty, over " + ClassRequests.MAX_NAME_BYTES + " bytes, or a "
                        + "path); more from " + from.name() + " are dropped without a word");
            }
            return;
        }
        if (from != null) requests.offer(from, m.src, name);
    }

    /** Answers one class request; on a service thread. */
    private void serve(int src, String name) {
        Set<String> sentTo = sent.to(src);
        if (sentTo == null) return;
        synchronized (sentTo) {
            byte[] answer;
            try {
                answer = server.serve(name, sentTo, router.maxMessageSize());
            } catch (RuntimeException | Error e) {
                // a child waiting for a class must always get an answer
                Log.warning("serving class " + name + " failed", e);
                answer = ClassServer.missing(name, "the master failed to read it: " + e);
            }
            // queued before the lock is released: once a class counts as sent, another thread may answer "already
            // sent" for it, and that answer must not overtake the class itself (a relay would have no copy to pass on)
            router.sendClasses(src, answer);
        }
    }

    /**
     * Sends context {@code id} the class {@code className} and what it refers to ahead of a call that needs it,
     * unless it has them: saves the call's first round trip for classes. Direct children only (a context started via
     * another gets classes through it).
     */
    void push(int id, String className) {
        Set<String> sentTo = sent.to(id);
        if (sentTo == null || sentTo.contains(className)) return;
        Stream s = router.core().routeOf(id);
        if (s == null || s.remoteId() != id) return; // behind another context, whose cache answers it
        synchronized (sentTo) {
            byte[] payload = server.push(className, sentTo, router.maxMessageSize());
            // queued before the lock is released, as in serve
            if (payload != null) router.sendClasses(id, payload);
        }
    }
}
