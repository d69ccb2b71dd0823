package dev.jitogen.core;

import dev.jitogen.core.spi.Launcher;
import dev.jitogen.core.spi.ViaStart;
import dev.jitogen.core.stream.Stream;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts the contexts a router parents (parent layer, Mitogen's {@code parent.Router} connection methods): a child
 * JVM through a connection method's {@link Launcher}, an in-process context, or a context started by another
 * context ({@code via}); names them; and keeps the connects in progress so that closing the router cancels them.
 *
 * <p>Threads: any thread but a stream reader's starts contexts, and blocks until the context is ready or failed.
 * {@code connecting} is a concurrent set; no lock is held here.
 */
final class ChildStarter {
    static final String CONNECT_CANCELLED = "connection cancelled because the router began to shut down";

    private final Router router;
    /** What cancels each connect in progress (see {@link #connecting}); all are run as the router closes. */
    private final Set<Runnable> connecting = ConcurrentHashMap.newKeySet();

    ChildStarter(Router router) {
        this.router = router;
    }

    /** See {@link Router#start(String, String, String, Duration, boolean, Launcher)}. */
    Context start(String method, String name, String defaultName, Duration connectTimeout, boolean debug,
                  Launcher launcher) {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("the connect timeout of " + method + " must be positive, not "
                    + connectTimeout);
        }
        if (router.isClosed()) throw new IllegalStateException("router is closed");
        int id = router.allocateContextId();
        String chosen = uniqueName(name, defaultName != null ? defaultName : method, id);
        return ProcessConnection.connect(router, id, method, chosen, connectTimeout, debug, launcher);
    }

    /** See {@link Router#inProcess(String, Context)}, for a context that is this router's child. */
    Context inProcess(String name) {
        if (router.isClosed()) throw new IllegalStateException("router is closed");
        int id = router.allocateContextId();
        return InProcess.start(router, id, uniqueName(name, "in-process", id));
    }

    /** See {@link Router#startVia(Context, String, String, String, Duration, ViaStart)}. Master only. */
    Context startVia(Context via, String method, String requestedName, String defaultName, Duration timeout,
                     ViaStart start) {
        String name = requestedName != null ? requestedName : uniqueName(null, via.name() + "." + defaultName, -1);
        RemoteCallable<long[]> remote = () -> {
            Context c = start.start(Router.current(), name);
            return new long[]{c.id(), c.pid()};
        };
        long[] started;
        try {
            started = via.callAsync(remote).get(timeout.plusSeconds(5));
        } catch (CallError e) {
            String message = "could not start context " + name + " via " + via.name() + ": " + e.remoteMessage();
            if (PasswordError.class.getName().equals(e.remoteClassName())) throw new PasswordError(message);
            throw new StreamError(message, e);
        } catch (ChannelError e) {
            throw new StreamError("could not start context " + name + " via " + via.name() + ": "
                    + (router.isClosed() ? CONNECT_CANCELLED : e.getMessage()), e);
        }
        int id = (int) started[0];
        RouterCore core = router.core();
        Stream through = core.routeOf(via.id());
        Stream route = core.routeOf(id);
        if (route == null) {
            throw new StreamError("context " + via.name() + " started " + name + " but no route to it arrived");
        }
        // via answers for itself: what it reports must be a context behind it that no one here knows yet
        if (id != started[0] || id == via.id() || route != through || router.contextById(id) != null) {
            throw new StreamError("context " + via.name() + " reported " + started[0] + " as the id of " + name
                    + ", which is not a new context behind it");
        }
        Context c = new Context(router, id, name, method, null, via, started[1]);
        router.remember(c);
        if (core.routeOf(id) != through) { // lost as it started, perhaps before it was known here to be forgotten
            router.forget(id, c);
            c.disconnected(null);
            throw new StreamError("context " + name + " disconnected as it started");
        }
        return c;
    }

    /**
     * {@code requested}, or else a default name: {@code base} (a method's name, or its Mitogen-style name such as
     * {@code ssh.web1:22}), made unique with a number (the context's id if known).
     */
    String uniqueName(String requested, String base, int id) {
        if (requested != null) return requested;
        if (!nameTaken(base)) return base;
        if (id >= 0) return base + "." + id;
        for (int n = 2; ; n++) if (!nameTaken(base + "." + n)) return base + "." + n;
    }

    private boolean nameTaken(String name) {
        for (Context c : router.contexts()) if (c.name().equals(name)) return true;
        return false;
    }

    /**
     * Registers a connect in progress: {@code cancel} runs if the router closes before {@link #connected} is called,
     * and must end the connect at once. False, with nothing registered, if the router is closing already.
     */
    boolean connecting(Runnable cancel) {
        connecting.add(cancel);
        if (router.isClosed()) {
            connecting.remove(cancel);
            return false;
        }
        return true;
    }

    /** The connect registered with {@code cancel} has ended, one way or the other. */
    void connected(Runnable cancel) {
        connecting.remove(cancel);
    }

    /** Cancels every connect in progress; for the router's close. */
    void cancelAll() {
        for (Runnable cancel : connecting) cancel.run();
    }
}
