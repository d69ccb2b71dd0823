package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ClassRelay;
import dev.jitogen.core.classload.ClassRequests;
import dev.jitogen.core.classload.ClassServer;
import dev.jitogen.core.serial.Codec;
import dev.jitogen.core.serial.DataAllowList;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Routes messages between this context's handlers and the streams to other contexts, and is the entry point of the
 * public API: {@code Router.create()}, then {@link #local()} (and, with plugins, other connection methods).
 *
 * <pre>
 *   stream reader thread ──frame──▶ route(): source check ──▶ dst is me? ──▶ handler (enqueue, never block)
 *                                                         └──▶ else ──▶ stream toward dst (or dead reply)
 * </pre>
 *
 * <p>Threads: any thread may call public methods. Handlers run on the reader thread of the stream a message
 * arrived on and must not block; replies are decoded by the thread that waits for them ({@link Receiver#get}).
 * Class requests are answered on the broker's service threads, each stream's in turn. {@code routes},
 * {@code handlers} and {@code contexts} are concurrent maps; no lock is held while sending, except a context's set of
 * classes sent (a class is queued before another thread can answer "already sent" for it). Sending never waits for
 * a child JVM to read: frames are queued on its stream (see {@link Stream}).
 */
public final class Router implements AutoCloseable {
    static final Logger LOG = Logger.getLogger("dev.jitogen.core");
    /** Jitogen's own types in data, registered by id on both sides (so always allowed, and small). */
    private static final Class<?>[] CODEC_CLASSES = {CallSpec.class, RemoteFailure.class, Sender.class, Stats.class};
    private static final int MASTER_ID = 0;

    private final int myId;
    private final String myName;
    private final Broker broker = new Broker();
    private final ClassLoader classLoader;
    private final int maxMessageSize;
    /** How long a stream may make no progress (a write blocked, a frame half-read) before it is closed. */
    private final Duration stallTimeout;
    private final Duration shutdownGrace;
    private final StaticState staticState;
    /** Mitogen's unidirectional mode: refuse traffic between two children. Inherited by children. */
    private final boolean unidirectional;
    /** Null in the master; the stream to our parent in a child, and the route of last resort. */
    private final Stream parent;
    /** Context ids allowed to make calls here: the parent chain, master first. Empty in the master. */
    private final List<Integer> parentIds;
    private final Codec sendCodec;
    private final Codec receiveCodec;
    /** Master only: answers GET_CLASS. */
    private final ClassServer classServer;
    /** Master only: GET_CLASS requests waiting for the service threads, per stream. */
    private final ClassRequests<Stream> classRequests;
    /** Child only: relays classes to this context's children. */
    private volatile ClassRelay relay;

    private final Map<Integer, Stream> routes = new ConcurrentHashMap<>();
    private final Map<Integer, Registration> handlers = new ConcurrentHashMap<>();
    private final Map<Integer, Context> contexts = new ConcurrentHashMap<>();
    /** Per context, the classes already sent to it: never send one twice. */
    private final Map<Integer, Set<String>> sentClasses = new ConcurrentHashMap<>();
    /** A flush of the parent stream is scheduled (see {@link #sendUnflushedToParent}). */
    private final java.util.concurrent.atomic.AtomicBoolean flushPending = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * Context id ranges handed to children (Mitogen's ALLOCATE_ID), with the stream of the child each went to: a
     * child may add routes only for ids in the ranges it was given.
     */
    private final List<Grant> grants = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** A child's own block of ids for the contexts it starts: next and end (exclusive). Guarded by idLock. */
    private int idNext, idEnd;
    private final Object idLock = new Object();
    private final AtomicInteger nextHandle = new AtomicInteger(Handles.FIRST_USER_HANDLE);
    private final AtomicInteger nextContextId = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * Forwarded log records handed to the log thread, and those it has finished with (printed or dropped): a caller
     * that got a reply waits until every record that arrived before it is printed, so a call's output shows before
     * its result. Done is guarded by itself (waiters wait on it).
     */
    private final java.util.concurrent.atomic.AtomicLong logsQueued = new java.util.concurrent.atomic.AtomicLong();
    private long logsDone;
    private final Object logsDoneLock = new Object();
    private final List<Runnable> closeActions = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** (stream, kind of fault) pairs already logged: a flood of one fault from one stream logs once. */
    private final Set<List<Object>> warned = ConcurrentHashMap.newKeySet();

    private record Registration(MessageHandler handler, int respondent, boolean persist, HandlerPolicy policy) {}

    /** Ids {@code [from, to)} given to the child at the end of {@code stream}. */
    private record Grant(int from, int to, Stream stream) {
        boolean contains(int id) {
            return id >= from && id < to;
        }
    }

    /** How many ids a child asks for at a time (Mitogen's IdAllocator block size). */
    static final int ID_BLOCK = 1000;

    /** Which messages a handler accepts (Mitogen's handler policies). Called on a reader thread: must not block. */
    @FunctionalInterface
    public interface HandlerPolicy {
        boolean accepts(Message message, Router router);

        /** Only messages carrying the authority of this context or one of its parents (Mitogen's has_parent_authority). */
        static HandlerPolicy hasParentAuthority() {
            return (m, r) -> m.authId == r.myId() || r.isParentChain(m.authId);
        }

        /** Only messages from a child this context started itself (Mitogen's is_immediate_child). */
        static HandlerPolicy isImmediateChild() {
            return (m, r) -> r.isImmediateChild(m.src);
        }
    }

    /** Receives messages for a handle. Runs on the reader thread of the stream they arrive on: must not block. */
    @FunctionalInterface
    public interface MessageHandler {
        void handle(Message message);
    }

    /**
     * Registers {@code fn} on a new handle and returns it (Mitogen's {@code add_handler}). Messages the policy
     * refuses are logged and answered with a dead reply; if {@code respondent} is lost, {@code fn} gets a dead
     * message. With {@code persist} false the handler is removed after its first message.
     *
     * @param policy     null accepts every message
     * @param respondent null if no context's loss should end it
     */
    public int addHandler(MessageHandler fn, HandlerPolicy policy, Context respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        handlers.put(handle, new Registration(fn, respondent == null ? -1 : respondent.id(), persist, policy));
        return handle;
    }

    /** Removes the handler of {@code handle} (Mitogen's {@code del_handler}); later messages get dead replies. */
    public void delHandler(int handle) {
        handlers.remove(handle);
    }

    /** Sends {@code data} (raw bytes) to {@code handle} of context {@code dst}, from this context. */
    public void send(int dst, int handle, byte[] data) {
        send(new Message(dst, myId, myId, handle, Handles.NO_REPLY, data));
    }

    boolean isImmediateChild(int id) {
        Stream s = routes.get(id);
        return s != null && s != parent && s.remoteId() == id;
    }


    private Router(Builder b) {
        this.myId = MASTER_ID;
        this.myName = "master";
        this.classLoader = b.classLoader != null ? b.classLoader : defaultLoader();
        this.maxMessageSize = b.maxMessageSize;
        this.stallTimeout = b.stallTimeout;
        this.shutdownGrace = b.shutdownGrace;
        this.staticState = b.staticState;
        this.unidirectional = b.unidirectional;
        this.parent = null;
        this.parentIds = List.of();
        this.classServer = new ClassServer(new ClassFinder(classLoader), b.policy);
        this.classRequests = new ClassRequests<>(broker.services(), 2, this::serveClass);
        this.sendCodec = new Codec(classLoader, null, CODEC_CLASSES);
        this.receiveCodec = new Codec(classLoader, new DataAllowList(classServer::served, b.dataPackages),
                CODEC_CLASSES);
        addHandler(Handles.GET_CLASS, this::onGetClass, -1, true);
        addHandler(Handles.FORWARD_LOG, this::onForwardLog, -1, true);
        addHandler(Handles.ALLOCATE_ID, this::onAllocateId, -1, true);
        // a master almost always starts a context next: build the core bundle and warm Kryo meanwhile
        broker.services().execute(() -> {
            CoreBundle.get();
            RemoteCallable<Object> lambda = () -> null;
            sendCodec.encode(Receiver.VALUE, CallSpec.of(lambda)); // lambdas, Kryo's first graph: warm now
        });
    }

    /** A child's router: everything it cannot route itself goes to {@code parent}. */
    Router(ChildConfig config, Stream parent, ClassLoader loader) {
        this.myId = config.id();
        this.unidirectional = config.unidirectional();
        this.myName = config.name();
        this.classLoader = loader;
        this.maxMessageSize = config.maxMessageSize();
        this.stallTimeout = Duration.ofMillis(config.stallMillis());
        this.shutdownGrace = Duration.ofSeconds(1);
        this.staticState = StaticState.NONE;
        this.parent = parent;
        this.parentIds = List.copyOf(config.parentIds());
        this.classServer = null;
        this.classRequests = null;
        // both directions trust the data (it comes from the parent chain), so one codec, warmed while the handshake
        // finishes: the first call would otherwise pay for Kryo's set-up and the JDK's lambda machinery
        this.sendCodec = this.receiveCodec = new Codec(loader, null, CODEC_CLASSES);
        RemoteCallable<Object> lambda = () -> null;
        sendCodec.warmUp(CallSpec.of(lambda));
        addHandler(Handles.ALLOCATE_ID, this::onAllocateId, -1, true);
    }

    private static ClassLoader defaultLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Router.class.getClassLoader();
    }

    /** A master router with default settings: permissive class policy, 128 MiB messages. */
    public static Router create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a child JVM on this host with default options. */
    public Context local() {
        return local(LocalOptions.defaults());
    }

    /** Starts a child JVM on this host (Mitogen's {@code Router.local}). Blocks until it is ready or failed. */
    public Context local(LocalOptions options) {
        if (options.via() != null) {
            LocalOptions there = options.newBuilder().via(null).name(null).build();
            return startVia(options.via(), "local", options.name(), options.connectTimeout(),
                    (router, name) -> router.local(there.newBuilder().name(name).build()));
        }
        return start("local", options.name(), options.connectTimeout(), options.debug(),
                timeout -> ChildProcess.start(Bootstrap.command(options)));
    }

    /**
     * Starts an in-process context (see {@link #inProcess(String, Context)}) named {@code in-process}, or
     * {@code in-process.N} if that name is taken.
     */
    public Context inProcess() {
        return inProcess(null, null);
    }

    /**
     * Starts a context inside this JVM (the JVM's stand-in for Mitogen's {@code fork}): it has its own router and
     * class loader, fetches every class that is not Jitogen's own from its parent, and is linked to it by an
     * in-memory stream, so it behaves like a child JVM for routing, class serving and trust at the cost of three
     * threads. With {@code via}, it is created inside that context's JVM, as its child. Cheap enough to build
     * trees of hundreds of contexts in tests.
     *
     * @param name null for a unique default
     * @param via  null to make it a child of this router
     */
    public Context inProcess(String name, Context via) {
        if (via != null) {
            return startVia(via, "in-process", name, Duration.ofSeconds(30), (router, n) -> router.inProcess(n, null));
        }
        if (closed.get()) throw new IllegalStateException("router is closed");
        int id = allocateContextId();
        return InProcess.start(this, id, uniqueName(name, "in-process", id));
    }

    /**
     * Starts a context whose parent is {@code via} rather than this router: it runs {@code start} on via's main
     * thread with via's router, so the child is launched from via's host and user. Via takes the child's id from
     * its block (ALLOCATE_ID), and its ADD_ROUTE travels up to the master before the call returns. For connection
     * methods, each of which supports {@code via} through this; users set {@code via} in a method's options.
     *
     * @param method the connection method's name, the default context name
     * @param start  serializable, so it must capture only data (the method's options with {@code via} cleared)
     */
    public Context startVia(Context via, String method, String requestedName, Duration timeout, ViaStart start) {
        requireMaster(method + "(via)");
        String name = requestedName != null ? requestedName : uniqueName(null, method, -1);
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
        }
        int id = (int) started[0];
        if (!routes.containsKey(id)) {
            throw new StreamError("context " + via.name() + " started " + name + " but no route to it arrived");
        }
        Context c = new Context(this, id, name, method, null, via, started[1]);
        contexts.put(id, c);
        return c;
    }

    /**
     * What a context given as {@code via} runs to start its child: usually the connection method's own
     * {@code connect} with via cleared. Runs on via's main thread.
     */
    @FunctionalInterface
    public interface ViaStart extends java.io.Serializable {
        /** Starts the context {@code name} from {@code router} (via's) and returns it. */
        Context start(Router router, String name);
    }

    /** Runs a bootstrap command somewhere; a connection method's part of starting a context. */
    @FunctionalInterface
    public interface Launcher {
        /**
         * Starts the command (for example {@link Bootstrap#script} through ssh) and returns the running child;
         * must finish within {@code timeout} or throw. Throw {@link StreamError} (or a subclass such as
         * {@link PasswordError}) to report a failure in the method's own words.
         */
        ChildProcess launch(Duration timeout) throws java.io.IOException;
    }

    /**
     * Starts a context with a connection method's launcher: the launcher runs the bootstrap command, and this takes
     * the child through the handshake (core bundle, config) within the connect timeout. Blocks until the context is
     * ready or failed. For connection methods; users call {@link #local} or a plugin's options.
     *
     * @param method the connection method's name ({@code ssh}), also the default context name
     * @param name   the context's name, or null for a unique default
     */
    public Context start(String method, String name, Duration connectTimeout, boolean debug, Launcher launcher) {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("the connect timeout of " + method + " must be positive, not "
                    + connectTimeout);
        }
        if (closed.get()) throw new IllegalStateException("router is closed");
        return ProcessConnection.connect(this, allocateContextId(), method, name, connectTimeout, debug, launcher);
    }

    /** Runs {@code action} when the router closes, after its contexts are gone (plugins release resources here). */
    public void onClose(Runnable action) {
        closeActions.add(action);
    }

    /** Size in bytes of the compressed runtime every new child receives on its stdin. */
    public static int coreBundleBytes() {
        return CoreBundle.get().compressed().length;
    }

    /**
     * Class-serving counters (Mitogen's {@code get_stats()}): in the master, what it served; in a child, what it
     * relayed to its own children and how often it asked its parent.
     */
    public Stats stats() {
        if (parent == null) return classServer.stats();
        ClassRelay r = relay;
        return r == null ? new Stats(0, 0, 0, 0, 0, 0, 0) : r.stats();
    }

    void relay(ClassRelay relay) {
        this.relay = relay;
    }

    /** Where classes served to children come from; add a {@link ClassFinder.ClassSource} here. */
    public ClassFinder classFinder() {
        requireMaster("classFinder()");
        return classServer.finder();
    }

    /**
     * The router of the context the calling code runs in (Mitogen's {@code takes_router}): in a function called in a
     * context, that context's router; null in a master (which may have several). In an in-process context it is
     * known on the context's main thread and the threads started from it.
     */
    public static Router current() {
        ChildRuntime runtime = ChildRuntime.current();
        return runtime == null ? null : runtime.router;
    }

    /**
     * A context referring to this router's own context (Mitogen's {@code Router.myself()}): its id and name, for
     * addressing and logs. Calling functions on it from its own main thread would wait for itself.
     */
    public Context myself() {
        return new Context(this, myId, myName, parent == null ? "master" : "self", null, null,
                ProcessHandle.current().pid());
    }

    /**
     * The routing table: for each context id with a route, the name of the stream its messages take. In a child,
     * id {@code -1} names the default route, up to the parent.
     */
    public java.util.SortedMap<Integer, String> routes() {
        java.util.SortedMap<Integer, String> table = new java.util.TreeMap<>();
        routes.forEach((id, stream) -> table.put(id, stream.name()));
        if (parent != null) table.put(-1, parent.name() + " (default)");
        return table;
    }

    /** The contexts this router started, in order of creation, live or not. */
    public List<Context> contexts() {
        List<Context> all = new ArrayList<>(contexts.values());
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return Collections.unmodifiableList(all);
    }

    /** The context with this id that this router knows (started by it or routed through it), or null. */
    public Context contextById(int id) {
        return contexts.get(id);
    }

    /** This context's id: 0 in the master. */
    public int myId() {
        return myId;
    }

    @Override
    public String toString() {
        return "Router(" + myName + ", " + contexts.size() + (contexts.size() == 1 ? " context)" : " contexts)");
    }

    public String myName() {
        return myName;
    }

    public Broker broker() {
        return broker;
    }

    int maxMessageSize() {
        return maxMessageSize;
    }

    boolean unidirectional() {
        return unidirectional;
    }

    Duration stallTimeout() {
        return stallTimeout;
    }

    ClassLoader classLoader() {
        return classLoader;
    }

    StaticState staticState() {
        return staticState;
    }

    private void requireMaster(String what) {
        if (parent != null) throw new UnsupportedOperationException(what + " is available in the master only (for now)");
        if (closed.get()) throw new IllegalStateException("router is closed");
    }

    // ---- contexts -------------------------------------------------------------------------------------------------

    /**
     * A new context id. The master counts; a child takes ids from a block its parent gave it, asking for another
     * block (ALLOCATE_ID, forwarded up to the master) when it runs out. Blocks in a child: never on a reader thread.
     */
    int allocateContextId() {
        if (parent == null) return nextContextId.getAndIncrement();
        synchronized (idLock) {
            if (idNext == idEnd) {
                int[] block = requestIds(ID_BLOCK);
                idNext = block[0];
                idEnd = block[0] + block[1];
            }
            return idNext++;
        }
    }

    /** Asks the parent for {@code count} context ids; returns {first, count}. */
    private int[] requestIds(int count) {
        if (Stream.isReaderThread()) throw new IllegalStateException("context ids cannot be requested on a reader thread");
        java.util.concurrent.CompletableFuture<Message> answer = new java.util.concurrent.CompletableFuture<>();
        int handle = addHandler(answer::complete, parentId(), false);
        send(new Message(parentId(), myId, myId, Handles.ALLOCATE_ID, handle,
                java.nio.ByteBuffer.allocate(4).putInt(count).array()));
        Message m;
        try {
            m = answer.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamError("interrupted while asking the parent for context ids");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new StreamError("the parent of " + myName + " did not give context ids within 30 s");
        } finally {
            removeHandler(handle);
        }
        if (m.isDead() || m.data.length != 8) {
            throw new StreamError("the parent of " + myName + " refused context ids: "
                    + new String(m.data, java.nio.charset.StandardCharsets.UTF_8));
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(m.data);
        return new int[]{b.getInt(), b.getInt()};
    }

    /**
     * ALLOCATE_ID from a direct child: the master gives a range from its counter; a child forwards the request to
     * its own parent and notes the answer on its way down. Either way the range is recorded against the asking
     * child's stream, so only that part of the tree may add routes for it. Runs on a reader thread: never blocks.
     */
    private void onAllocateId(Message m) {
        Stream from = routes.get(m.src);
        int count = m.data.length == 4 ? java.nio.ByteBuffer.wrap(m.data).getInt() : -1;
        if (from == null || from == parent || !isImmediateChild(m.src) || count < 1 || count > 100 * ID_BLOCK
                || m.replyTo == Handles.NO_REPLY) {
            LOG.warning("refused ALLOCATE_ID " + m + ": only a direct child may ask, for 1 to " + 100 * ID_BLOCK + " ids");
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                send(Message.deadReplyTo(m, myId, "context ids are given only to direct children"));
            }
            return;
        }
        if (parent == null) {
            int first = nextContextId.getAndAdd(count);
            grants.add(new Grant(first, first + count, from));
            send(new Message(m.src, myId, myId, m.replyTo, Handles.NO_REPLY,
                    java.nio.ByteBuffer.allocate(8).putInt(first).putInt(count).array()));
            return;
        }
        int handle = addHandler(answer -> {
            if (answer.isDead() || answer.data.length != 8) {
                send(Message.deadReplyTo(m, myId, "the parent of " + myName + " gave no context ids"));
                return;
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(answer.data);
            int first = b.getInt();
            grants.add(new Grant(first, first + b.getInt(), from));
            send(new Message(m.src, myId, myId, m.replyTo, Handles.NO_REPLY, answer.data));
        }, parentId(), false);
        send(new Message(parentId(), myId, myId, Handles.ALLOCATE_ID, handle, m.data));
    }

    /** A default name for a context of {@code method}: the method's name, made unique (with the id if known). */
    String uniqueName(String requested, String method, int id) {
        if (requested != null) return requested;
        if (!nameTaken(method)) return method;
        if (id >= 0) return method + "." + id;
        for (int n = 2; ; n++) if (!nameTaken(method + "." + n)) return method + "." + n;
    }

    private boolean nameTaken(String name) {
        for (Context c : contexts.values()) if (c.name().equals(name)) return true;
        return false;
    }

    /** Attaches a started child's stream and begins reading it. */
    void attach(Context context, Stream stream) {
        if (closed.get()) throw new StreamError("the router was closed while context " + context.name() + " started");
        stream.remoteId(context.id());
        contexts.put(context.id(), context);
        routes.put(context.id(), stream);
        trackSent(context.id());
        startStream(stream, routing(this::onStreamClosed));
        if (parent != null) {
            // tell the parent chain, up to the master, that this id is reached through us
            send(new Message(parentId(), myId, myId, Handles.ADD_ROUTE, Handles.NO_REPLY,
                    java.nio.ByteBuffer.allocate(4).putInt(context.id()).array()));
        }
    }

    /**
     * Sends context {@code id} the class {@code className} and what it refers to ahead of a call that needs it,
     * unless it has them: saves the call's first round trip for classes. Master only, direct children only (a
     * context started via another gets classes through it).
     */
    void pushClass(int id, String className) {
        Set<String> sent = classServer == null ? null : sentClasses.get(id);
        if (sent == null || sent.contains(className)) return;
        Stream s = routes.get(id);
        if (s == null || s.remoteId() != id) return; // behind another context, whose cache answers it
        synchronized (sent) {
            byte[] payload = classServer.push(className, sent, maxMessageSize);
            // queued before the lock is released, as in serveClass
            if (payload != null) send(new Message(id, myId, myId, Handles.LOAD_CLASS, Handles.NO_REPLY, payload));
        }
    }

    /** The classes already sent to context {@code id}, or null if it is not one of ours. */
    Set<String> sentTo(int id) {
        return sentClasses.get(id);
    }

    private void trackSent(int contextId) {
        Set<String> sent = ConcurrentHashMap.newKeySet();
        sent.addAll(CoreBundle.get().names());
        sentClasses.put(contextId, sent);
    }

    /** The parent chain of a child this context starts: ours, then us. */
    List<Integer> childParentIds() {
        List<Integer> ids = new ArrayList<>(parentIds);
        ids.add(myId);
        return ids;
    }

    /** Starts reading the parent stream; {@code onParentGone} hears of its end (on the reader thread). */
    void attachParent(java.util.function.Consumer<Throwable> onParentGone) {
        routes.put(parentId(), parent);
        parent.trustPeer(); // frames forwarded up may be written without a thread handoff
        startStream(parent, routing((s, cause) -> onParentGone.accept(cause)));
    }

    /** The id of this context's parent; for children only. */
    int parentId() {
        return parentIds.get(parentIds.size() - 1);
    }

    private void startStream(Stream stream, Stream.Listener listener) {
        stream.start(listener, broker.threads(), broker.timer(), stallTimeout);
    }

    /** A stream listener that routes every frame and calls {@code onClose} when the stream ends. */
    private Stream.Listener routing(java.util.function.BiConsumer<Stream, Throwable> onClose) {
        return new Stream.Listener() {
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
                onClose.accept(s, cause);
            }
        };
    }

    /**
     * A frame over the max message size arrived on {@code from} and is being skipped: one lost message, not a lost
     * stream. Logged (once per flood), and whoever waits for it hears why: a dead reply to its reply_to, and, if it
     * was for a receiver's handle, a dead message there, routed as if the sender had sent it (so the usual respondent
     * checks apply). Reader thread: never blocks.
     */
    private void oversize(Stream from, Message header, int length) {
        String why = "a message of " + length + " bytes from context " + header.src + " to " + header.dst
                + " was dropped by " + myName + ": over the max message size " + maxMessageSize;
        if (firstTime(from, "oversize")) {
            LOG.warning(why + " (raise it with Router.builder().maxMessageSize(...) if the data is genuine; "
                    + "further oversize messages on " + from.name() + " are logged at FINE)");
        } else {
            LOG.fine(why);
        }
        // answer only what could have come over that stream: a forged header gets no one a dead message
        if (header.isDead() || streamFor(header.src) != from || streamFor(header.authId) != from) return;
        if (header.handle >= Handles.FIRST_USER_HANDLE) { // a receiver's handle: someone may wait for it
            route(new Message(header.dst, header.src, header.authId, header.handle, Handles.IS_DEAD,
                    why.getBytes(java.nio.charset.StandardCharsets.UTF_8)), from);
        }
        if (header.replyTo != Handles.NO_REPLY) route(Message.deadReplyTo(header, myId, why), null);
    }

    /** True the first time {@code kind} of fault is seen on {@code stream}: a flood logs once. */
    private boolean firstTime(Stream stream, String kind) {
        return warned.add(List.of(stream, kind));
    }

    private void onStreamClosed(Stream stream, Throwable cause) {
        warned.removeIf(key -> key.get(0) == stream);
        if (classRequests != null) classRequests.forget(stream);
        grants.removeIf(g -> g.stream() == stream);
        List<Integer> lost = new ArrayList<>();
        routes.entrySet().removeIf(e -> {
            if (e.getValue() != stream) return false;
            lost.add(e.getKey());
            return true;
        });
        for (int id : lost) lose(id, cause);
    }

    /**
     * Context {@code id} can no longer be reached: its waiters get dead messages and, in a child, the parent chain
     * hears DEL_ROUTE so the master does too.
     */
    private void lose(int id, Throwable cause) {
        sentClasses.remove(id);
        String why = cause == null ? "its stream ended" : cause.getMessage();
        if (parent != null) {
            send(new Message(parentId(), myId, myId, Handles.DEL_ROUTE, Handles.NO_REPLY,
                    java.nio.ByteBuffer.allocate(4).putInt(id).array()));
        }
        Context c = contexts.get(id);
        String name = c != null ? c.name() : "context " + id;
        if (cause != null) LOG.log(Level.WARNING, "[" + name + "] stream closed: " + why);
        else LOG.log(Level.FINE, "[" + name + "] disconnected");
        if (c != null) c.disconnected(cause);
        String reason = "context " + name + " disconnected: " + why;
        handlers.forEach((handle, reg) -> {
            if (reg.respondent == id) {
                handlers.remove(handle);
                reg.handler.handle(new Message(myId, id, id, handle, Handles.IS_DEAD,
                        reason.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        });
    }

    // ---- handlers and routing -------------------------------------------------------------------------------------

    /** Registers {@code h} on a new handle; {@code respondent} (or -1) is the context whose loss kills it. */
    int addHandler(MessageHandler h, int respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        addHandler(handle, h, respondent, persist);
        return handle;
    }

    void addHandler(int handle, MessageHandler h, int respondent, boolean persist) {
        handlers.put(handle, new Registration(h, respondent, persist, null));
        if (respondent >= 0 && respondent != myId && !routes.containsKey(respondent) && parent == null) {
            // the respondent is already gone: say so at once rather than let a waiter hang
            Registration r = handlers.remove(handle);
            Context c = contexts.get(respondent);
            String why = c == null ? "context " + respondent + " is not connected"
                    : "context " + c.name() + " is not connected" + (c.disconnectCause() != null
                    ? " (" + c.disconnectCause().getMessage() + ")" : "");
            if (r != null) h.handle(new Message(myId, respondent, respondent, handle, Handles.IS_DEAD,
                    why.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    void removeHandler(int handle) {
        handlers.remove(handle);
    }

    /** Sends a message originating here. */
    void send(Message m) {
        route(m, null);
    }

    /**
     * Writes {@code m} to the parent stream without flushing, if that is its route; false (nothing sent) otherwise.
     * The caller must {@link #flushParent} before it waits for anything. For a child's call loop.
     */
    boolean sendUnflushedToParent(Message m) {
        Stream p = parent;
        if (p == null || streamFor(m.dst) != p) return false;
        if (!p.sendUnflushed(m)) LOG.fine("dropped " + m + ": the parent stream is closed");
        // a reply held back must not wait for a long call queued behind it: flushed within a millisecond anyway
        if (flushPending.compareAndSet(false, true)) {
            try {
                broker.timer().schedule(() -> broker.services().execute(() -> {
                    flushPending.set(false);
                    p.flush();
                }), 1, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                flushPending.set(false);
                p.flush(); // closing
            }
        }
        return true;
    }

    void flushParent() {
        Stream p = parent;
        if (p != null) p.flush();
    }

    /** Waits at most {@code millis} for the frames queued to the parent to be written. For a child about to exit. */
    void awaitParentWritten(long millis) {
        Stream p = parent;
        if (p != null) p.awaitWritten(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private Stream streamFor(int id) {
        Stream s = routes.get(id);
        return s != null ? s : parent;
    }

    /** Delivers or forwards {@code m}; {@code from} is the stream it arrived on, or null if it originated here. */
    void route(Message m, Stream from) {
        if (from != null && (streamFor(m.authId) != from || streamFor(m.src) != from)) {
            LOG.warning("dropped " + m + " from " + from.name() + ": src " + m.src + " / auth_id " + m.authId
                    + " does not route back over that stream (forged source?)");
            return;
        }
        if (from != null && m.dst == myId && (m.handle == Handles.ADD_ROUTE || m.handle == Handles.DEL_ROUTE)) {
            updateRoute(m, from);
            return;
        }
        if (m.dst == myId) {
            deliver(m);
            return;
        }
        Stream s = streamFor(m.dst);
        if (unidirectional && from != null && s != null && from != parent && s != parent) {
            // between two children: only parent<->child traffic is allowed
            LOG.severe("refused " + m + " from " + from.name() + " to " + s.name()
                    + ": this router is unidirectional (only parent<->child traffic)");
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                route(Message.deadReplyTo(m, myId, myName + " is unidirectional: context " + m.src
                        + " may not send to context " + m.dst), null);
            }
            return;
        }
        if (s == null || s == from || !s.send(m)) {
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                String why = s == null || s == from ? "" : ": " + s.refusal();
                route(Message.deadReplyTo(m, myId, "no route from " + myName + " to context " + m.dst + why), null);
            } else if (!m.isDead()) {
                LOG.fine("dropped " + m + ": no route to context " + m.dst);
            }
        }
    }

    private void deliver(Message m) {
        Registration r = handlers.get(m.handle);
        if (r == null) {
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                route(Message.deadReplyTo(m, myId, "no handler for handle " + m.handle + " in " + myName), null);
            } else if (!m.isDead()) {
                LOG.fine("dropped " + m + ": no handler for handle " + m.handle);
            }
            return;
        }
        if (r.respondent >= 0 && m.src != r.respondent && m.src != myId) {
            LOG.warning("dropped " + m + ": handle " + m.handle + " takes messages from context " + r.respondent
                    + " only (forged reply?)");
            return;
        }
        if (r.policy != null && !r.policy.accepts(m, this)) {
            LOG.warning("refused " + m + ": the policy of handle " + m.handle + " does not accept it");
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                route(Message.deadReplyTo(m, myId, "refused by the policy of handle " + m.handle + " in " + myName), null);
            }
            return;
        }
        if (!r.persist) handlers.remove(m.handle);
        try {
            r.handler.handle(m);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "handler for " + m.handle + " failed on " + m, e);
        }
    }

    /** ADD_ROUTE / DEL_ROUTE from a child: context N is (no longer) reached through that child's stream. */
    private void updateRoute(Message m, Stream from) {
        if (m.data.length != 4 || from == parent) return;
        int id = java.nio.ByteBuffer.wrap(m.data).getInt();
        if (m.handle == Handles.ADD_ROUTE) {
            Stream existing = routes.get(id);
            boolean allowed = existing == null && id != myId && !parentIds.contains(id) && m.src == from.remoteId()
                    && grants.stream().anyMatch(g -> g.stream() == from && g.contains(id));
            if (!allowed) {
                LOG.warning("refused ADD_ROUTE for context " + id + " from " + from.name()
                        + ": not an id given to that part of the tree");
                return;
            }
            routes.put(id, from);
            if (parent == null) trackSent(id);
            else send(new Message(parentId(), myId, myId, Handles.ADD_ROUTE,
                    Handles.NO_REPLY, m.data));
        } else if (routes.get(id) == from) {
            routes.remove(id);
            lose(id, null);
        }
    }

    boolean isParentChain(int contextId) {
        return parentIds.contains(contextId);
    }

    // ---- codecs ---------------------------------------------------------------------------------------------------

    byte[] encode(int tag, Object value) {
        return sendCodec.encode(tag, value);
    }

    Object decode(byte[] data) {
        return receiveCodec.decode(data);
    }

    // ---- master services ------------------------------------------------------------------------------------------

    /**
     * GET_CLASS from a context: queued per stream it came on and served in turn with other streams' requests, on
     * the service threads (see {@link ClassRequests}). Reader thread: checks and queues, never blocks.
     */
    private void onGetClass(Message m) {
        if (sentClasses.get(m.src) == null) return;
        String name = ClassRequests.className(m.data);
        Stream from = streamFor(m.src);
        if (name == null) {
            if (from != null && firstTime(from, "class name")) {
                LOG.warning("refused a class request from context " + m.src + ": " + m.data.length + " bytes that "
                        + "cannot be a class name (empty, over " + ClassRequests.MAX_NAME_BYTES + " bytes, or a path); "
                        + "more from " + from.name() + " are dropped without a word");
            }
            return;
        }
        if (from != null) classRequests.offer(from, m.src, name);
    }

    /** Answers one class request; on a service thread. */
    private void serveClass(int src, String name) {
        Set<String> sent = sentClasses.get(src);
        if (sent == null) return;
        synchronized (sent) {
            byte[] answer;
            try {
                answer = classServer.serve(name, sent, maxMessageSize);
            } catch (RuntimeException | Error e) {
                // a child waiting for a class must always get an answer
                LOG.log(Level.WARNING, "serving class " + name + " failed", e);
                answer = ClassServer.missing(name, "the master failed to read it: " + e);
            }
            // queued before the lock is released: once a class counts as sent, another thread may answer "already
            // sent" for it, and that answer must not overtake the class itself (a relay would have no copy to pass on)
            send(new Message(src, myId, myId, Handles.LOAD_CLASS, Handles.NO_REPLY, answer));
        }
    }

    private void onForwardLog(Message m) {
        // printing may block (a paused terminal, a full pipe): never on the reader thread
        logsQueued.incrementAndGet();
        try {
            broker.logs().execute(() -> {
                try {
                    printForwardedLog(m);
                } finally {
                    logDone();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the log queue is full or the router is closing: drop the line rather than stall the stream
            logDone();
        }
    }

    private void logDone() {
        synchronized (logsDoneLock) {
            logsDone++;
            logsDoneLock.notifyAll();
        }
    }

    /** How many forwarded log records have arrived so far: a mark for {@link #awaitLogs}. Any thread. */
    long logMark() {
        return logsQueued.get();
    }

    /**
     * Waits until the first {@code mark} forwarded records are printed, at most {@code maxNanos}: what a context
     * printed during a call shows before the call's result. Never on a reader thread (it would wait for itself).
     */
    void awaitLogs(long mark, long maxNanos) {
        if (mark == 0 || Stream.isReaderThread()) return;
        long deadline = System.nanoTime() + maxNanos;
        boolean interrupted = false;
        synchronized (logsDoneLock) {
            while (logsDone < mark) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(logsDoneLock, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void printForwardedLog(Message m) {
        Context c = contexts.get(m.src);
        String name = c != null ? c.name() : "context " + m.src;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(m.data));
            Level level = Level.parse(Integer.toString(in.readInt()));
            String logger = in.readUTF();
            String text = in.readUTF();
            Logger.getLogger("dev.jitogen.ctx." + name).log(new ForwardedRecord(level, name, logger, text));
            if (c != null) c.recordLog(logger + ": " + text);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warning("[" + name + "] sent a malformed log record: " + e);
        }
    }

    /** The level children log at: {@code JITOGEN_LOG_LEVEL} if set, else that of the master's Jitogen logger. */
    static Level childLogLevel() {
        String env = System.getenv("JITOGEN_LOG_LEVEL");
        if (env != null && !env.isBlank()) return parseLevel(env);
        for (Logger l = Logger.getLogger("dev.jitogen"); l != null; l = l.getParent()) {
            if (l.getLevel() != null) return l.getLevel();
        }
        return Level.INFO;
    }

    static Level parseLevel(String s) {
        switch (s.trim().toUpperCase()) {
            case "DEBUG": return Level.FINE;
            case "TRACE": case "IO": return Level.FINEST;
            case "WARN": return Level.WARNING;
            case "ERROR": return Level.SEVERE;
            default:
                try {
                    return Level.parse(s.trim().toUpperCase());
                } catch (IllegalArgumentException e) {
                    return Level.INFO;
                }
        }
    }

    // ---- shutdown -------------------------------------------------------------------------------------------------

    /**
     * Shuts every context down: SHUTDOWN first, then, after the grace period, the processes that remain are killed.
     * Returns once no child process is left.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<Context> all = contexts();
        for (Context c : all) c.sendShutdownAsync();
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        for (Context c : all) c.awaitExit(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        for (Context c : all) c.killProcess();
        for (Stream s : new ArrayList<>(routes.values())) s.close(null);
        for (Runnable r : closeActions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a close action failed", e);
            }
        }
        broker.close();
    }

    /** Master router settings. Not thread-safe; build once. */
    public static final class Builder {
        private ClassLoader classLoader;
        private ClassPolicy policy = ClassPolicy.permissive();
        private int maxMessageSize = Message.DEFAULT_MAX_SIZE;
        private Duration shutdownGrace = Duration.ofSeconds(2);
        private Duration stallTimeout = Duration.ofSeconds(30);
        private StaticState staticState = StaticState.NONE;
        private final List<String> dataPackages = new ArrayList<>();
        private boolean unidirectional;

        private Builder() {}

        /**
         * Mitogen's {@code unidirectional}: contexts may talk only to their parents and children; a message between
         * two children gets a dead reply and an error in the log. Children inherit it.
         */
        public Builder unidirectional(boolean on) {
            this.unidirectional = on;
            return this;
        }

        /**
         * Also accept, in data from children, classes under this package served from a jar (a library's value
         * types). Classes of your own code (class directories, the shell) are accepted without this.
         */
        public Builder acceptData(String packagePrefix) {
            dataPackages.add(packagePrefix);
            return this;
        }

        /** Static field values to ship with each call (the shell's top-level variables). Default: none. */
        public Builder staticState(StaticState state) {
            this.staticState = state;
            return this;
        }

        /** Where served classes are looked up; default: the creating thread's context class loader. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        public Builder classPolicy(ClassPolicy policy) {
            this.policy = policy;
            return this;
        }

        /** Largest message accepted or sent, in bytes; children inherit it. Default 128 MiB. */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 1024) throw new IllegalArgumentException("max message size must be at least 1024 bytes");
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * How long a stream may make no progress before it is declared dead: a write the peer does not read (a
         * stopped or hung child), or a frame that started arriving and then stopped. The stream is closed with an
         * error naming it and the stall, and every caller waiting on a context behind it gets a {@link ChannelError}.
         * Callers never wait on a stream's writes meanwhile: frames are queued (up to 32 MiB per stream; past that a
         * call fails at once, saying the context is not reading). Children inherit it. Default 30 s.
         */
        public Builder stallTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the stall timeout must be positive, not " + timeout);
            }
            this.stallTimeout = timeout;
            return this;
        }

        /** How long {@link Router#close()} lets contexts exit after SHUTDOWN before killing them. Default 2 s. */
        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = grace;
            return this;
        }

        public Router build() {
            return new Router(this);
        }
    }
}
