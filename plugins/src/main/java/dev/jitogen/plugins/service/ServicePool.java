package dev.jitogen.plugins.service;

import dev.jitogen.core.Router;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The services of one context (Mitogen's {@code mitogen.service.Pool}): one handle that takes service calls, and a
 * bounded pool of threads that runs them. A service is a class with {@link Expose}d public methods; it is activated
 * (constructed) in a context on the first call that names it, exactly once, and only if that call carries the
 * authority of the context or a parent: a sibling or child can call the methods {@link Expose.Policy#ANY} allows
 * on a service a parent already activated, and nothing else.
 *
 * <p>The pool itself is activated by a parent's first call ({@link Services#ref}, which runs {@link #activate()}
 * through {@code CALL_FUNCTION}, which only the parent chain may send), or in the master by {@link #of}. Its
 * handle is then handed out as a {@link ServiceRef}.
 *
 * <p>Refusals reach the caller as {@code CallError}s in Mitogen's words: "Caller is not authorized to invoke 'M' of
 * service 'S'", "Service 'S' is not yet activated in this context, and the caller is not privileged, therefore
 * autoactivation is disabled.". Arguments are checked against the method's declared types before it runs. Once the
 * pool is {@linkplain #stop() stopped}, every call fails with {@code ChannelError} "invalid handle".
 *
 * <p>Threads: any thread may call the public methods. Requests arrive on a stream's reader thread, which only hands
 * them to the pool (never blocks, never runs service code; a full queue is refused at once); decoding, activation
 * (which may fetch classes from the parent) and the methods themselves run on the pool's threads, at most
 * {@link #THREADS} at a time. A service method may block (a file transfer waits for its window) but holds a pool
 * thread while it does.
 */
public final class ServicePool {
    private static final Logger LOG = Logger.getLogger(ServicePool.class.getName());
    /** Threads running service methods at once; further calls wait in the queue. */
    public static final int THREADS = 16;
    /** Calls waiting for a thread; past it, calls are refused at once (a flood costs memory, not a hang). */
    static final int QUEUE = 1024;
    /** Bytes of requests waiting for a thread, all callers together; past it, calls are refused at once. */
    static final int QUEUE_BYTES = 16 << 20;
    /** First byte of a reply frame; {@link ServiceRef} and streaming services tell replies from their own frames. */
    static final byte REPLY = 'R';
    static final byte OK = 0, FAILED = 1, INVALID = 2;

    private static final Map<Router, ServicePool> POOLS = new ConcurrentHashMap<>();

    private final Router router;
    private final int handle;
    private final ThreadPoolExecutor executor;
    /** Activated (or activating) services by class name; a future so that activation happens once however many wait. */
    private final Map<String, CompletableFuture<Activated>> services = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    /** Bytes of the requests queued and not yet being served. */
    private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();

    private ServicePool(Router router) {
        this.router = router;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "jitogen-service-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true); // an idle pool holds no thread
        this.handle = router.addHandler(this::onRequest, null, null, true);
        router.onClose(this::stop);
    }

    /** The pool of {@code router}, created (and its handle registered) on first use. Any thread. */
    public static ServicePool of(Router router) {
        return POOLS.computeIfAbsent(router, ServicePool::new);
    }

    /**
     * Activates the pool of the context this runs in and returns its handle: what a parent's first service call
     * runs there (through {@code CALL_FUNCTION}, which only the parent chain may send).
     */
    public static int activate() {
        Router r = Router.current();
        if (r == null) throw new IllegalStateException("ServicePool.activate() runs inside a context; in the master use ServicePool.of(router)");
        return of(r).handle;
    }

    /** The handle service calls are sent to. */
    public int handle() {
        return handle;
    }

    /** A reference others can call this pool through (pass it to a function running elsewhere). */
    public ServiceRef ref() {
        return new ServiceRef(router, router.myId(), handle);
    }

    /**
     * The instance of {@code type} in this context, activated now if it is not yet: for code running in the same
     * context as the service (the master registering files it serves). Any thread but a reader thread (activation
     * may fetch classes).
     */
    public <T> T service(Class<T> type) {
        return type.cast(activated(type.getName(), type.getClassLoader()).instance);
    }

    /**
     * Stops the pool: calls queued or arriving later fail with {@code ChannelError} "invalid handle"; calls running
     * finish. Idempotent; any thread.
     */
    public void stop() {
        stopped = true;
        POOLS.remove(router, this);
        for (Runnable r : executor.shutdownNow()) r.run(); // queued calls: each answers "invalid handle" (see serve)
    }

    public boolean isStopped() {
        return stopped;
    }

    /** Reader thread: hand over, never block. */
    private void onRequest(Message m) {
        if (m.isDead()) return;
        int replyTo = m.replyTo;
        if (replyTo == Handles.NO_REPLY) {
            LOG.fine("dropped a service request without a reply_to from context " + m.src);
            return;
        }
        if (stopped) {
            reply(m.src, replyTo, INVALID, invalidHandle());
            return;
        }
        long waiting = queuedBytes.addAndGet(m.data.length);
        if (waiting > QUEUE_BYTES) {
            queuedBytes.addAndGet(-m.data.length);
            reply(m.src, replyTo, FAILED, List.of(RejectedExecutionException.class.getName(), "the service pool of "
                    + router.myName() + " would hold " + waiting + " bytes of calls waiting, over its "
                    + (QUEUE_BYTES >> 20) + " MiB limit: try again later, or send less per call"));
            return;
        }
        try {
            executor.execute(() -> {
                queuedBytes.addAndGet(-m.data.length);
                serve(m, replyTo);
            });
        } catch (RejectedExecutionException e) {
            queuedBytes.addAndGet(-m.data.length);
            reply(m.src, replyTo, stopped ? INVALID : FAILED, stopped ? invalidHandle()
                    : List.of(RejectedExecutionException.class.getName(), "the service pool of " + router.myName()
                    + " is full (" + QUEUE + " calls waiting): try again later"));
        }
    }

    private String invalidHandle() {
        return "invalid handle: the service pool of " + router.myName() + " is stopped";
    }

    private void serve(Message m, int replyTo) {
        if (stopped) {
            reply(m.src, replyTo, INVALID, invalidHandle());
            return;
        }
        String service = "?", method = "?";
        try {
            if (!(Wire.decode(m.data, 0) instanceof List<?> req) || req.size() != 3
                    || !(req.get(0) instanceof String s) || !(req.get(1) instanceof String mn)
                    || !(req.get(2) instanceof List<?> args)) {
                throw new ServiceError("a malformed service request");
            }
            service = s;
            method = mn;
            boolean privileged = Router.HandlerPolicy.hasParentAuthority().accepts(m, router);
            Caller caller = new Caller(m.src, m.authId, privileged);
            CompletableFuture<Activated> f = services.get(service);
            if (f == null && !privileged) {
                throw new ServiceError("Service '" + service + "' is not yet activated in this context, and the "
                        + "caller is not privileged, therefore autoactivation is disabled.");
            }
            Activated a = activated(service, ServicePool.class.getClassLoader());
            reply(m.src, replyTo, OK, a.invoke(caller, method, args));
        } catch (ServiceError e) {
            reply(m.src, replyTo, FAILED, List.of(ServiceError.class.getName(), e.getMessage()));
        } catch (Wire.BadValue e) {
            reply(m.src, replyTo, FAILED, List.of(ServiceError.class.getName(),
                    "a malformed service request: " + e.getMessage()));
        } catch (Throwable e) {
            Throwable t = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            LOG.log(Level.FINE, "service call " + service + "." + method + " failed", t);
            reply(m.src, replyTo, FAILED, List.of(t.getClass().getName(), String.valueOf(t.getMessage())));
        }
    }

    private void reply(int dst, int replyTo, byte status, Object value) {
        byte[] body;
        try {
            body = Wire.encode(value);
        } catch (IllegalArgumentException e) {
            status = FAILED;
            body = Wire.encode(List.of(ServiceError.class.getName(), "the result cannot travel: " + e.getMessage()));
        }
        byte[] frame = new byte[2 + body.length];
        frame[0] = REPLY;
        frame[1] = status;
        System.arraycopy(body, 0, frame, 2, body.length);
        router.send(dst, replyTo, frame);
    }

    /** The activated service named {@code name}, activating it (once, whoever else is waiting) if need be. */
    private Activated activated(String name, ClassLoader loader) {
        CompletableFuture<Activated> mine = new CompletableFuture<>();
        CompletableFuture<Activated> f = services.putIfAbsent(name, mine);
        if (f == null) {
            f = mine;
            try {
                mine.complete(Activated.of(name, loader, router));
            } catch (Throwable e) {
                services.remove(name, mine); // a failed activation can be retried (a class fixed, a file created)
                mine.completeExceptionally(e);
            }
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceError("interrupted while activating service '" + name + "'");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new ServiceError("cannot activate service '" + name + "': " + e.getCause());
        }
    }

    /** A refusal or a bad request: the message is what the caller sees. */
    static final class ServiceError extends RuntimeException {
        ServiceError(String message) {
            super(message);
        }
    }

    /** One service's instance and its exposed methods by name. Immutable once built. */
    private record Activated(String name, Object instance, Map<String, Method> methods) {
        static Activated of(String name, ClassLoader loader, Router router) throws ReflectiveOperationException {
            Class<?> type;
            try {
                type = Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                throw new ServiceError("No such service: '" + name + "' (no class of that name)");
            }
            Map<String, Method> methods = new HashMap<>();
            for (Method m : type.getMethods()) {
                if (!m.isAnnotationPresent(Expose.class)) continue;
                if (Modifier.isStatic(m.getModifiers()) || methods.put(m.getName(), m) != null) {
                    throw new ServiceError("'" + name + "' cannot be a service: its exposed method '" + m.getName()
                            + "' is static or overloaded; give each exposed method its own name");
                }
            }
            if (methods.isEmpty()) {
                throw new ServiceError("'" + name + "' is not a service: it has no public method marked @Expose");
            }
            Object instance;
            try {
                instance = type.getConstructor(Router.class).newInstance(router);
            } catch (NoSuchMethodException e) {
                instance = type.getConstructor().newInstance();
            }
            return new Activated(name, instance, Map.copyOf(methods));
        }

        Object invoke(Caller caller, String methodName, List<?> args) throws ReflectiveOperationException {
            Method m = methods.get(methodName);
            if (m == null) throw new ServiceError("No such method: '" + methodName + "' of service '" + name + "'");
            if (m.getAnnotation(Expose.class).policy() == Expose.Policy.PARENTS && !caller.privileged()) {
                throw new ServiceError("Caller is not authorized to invoke '" + methodName + "' of service '" + name + "'");
            }
            Class<?>[] types = m.getParameterTypes();
            boolean wantsCaller = types.length > 0 && types[0] == Caller.class;
            int first = wantsCaller ? 1 : 0;
            if (args.size() != types.length - first) {
                throw new ServiceError("'" + methodName + "' of service '" + name + "' takes " + (types.length - first)
                        + " arguments, not " + args.size());
            }
            Object[] call = new Object[types.length];
            if (wantsCaller) call[0] = caller;
            for (int i = first; i < types.length; i++) {
                Object a = args.get(i - first);
                Class<?> t = boxed(types[i]);
                if (a == null ? types[i].isPrimitive() : !t.isInstance(a)) {
                    throw new ServiceError("argument " + (i - first + 1) + " of '" + methodName + "' of service '"
                            + name + "' must be " + types[i].getSimpleName() + ", not "
                            + (a == null ? "null" : a.getClass().getSimpleName()));
                }
                call[i] = a;
            }
            return m.invoke(instance, call);
        }

        private static Class<?> boxed(Class<?> t) {
            if (t == int.class) return Integer.class;
            if (t == long.class) return Long.class;
            if (t == boolean.class) return Boolean.class;
            return t;
        }
    }
}
