package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.DeflatedAnswers;
import dev.jitogen.core.serial.Codec;
import dev.jitogen.core.spi.ChildProcess;
import dev.jitogen.core.spi.Launcher;
import dev.jitogen.core.spi.ViaStart;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Routes messages between this context's handlers and the streams to other contexts, and is the entry point of the
 * public API: {@code Router.create()}, then {@link #local()} (and, with plugins, other connection methods).
 *
 * <p>Threads: any thread may call public methods. Handlers run on the reader thread of the stream a message
 * arrived on and must not block; replies are decoded by the thread that waits for them ({@link Receiver#get}).
 * Class requests are answered on the broker's service threads, each stream's in turn. {@code contexts} is a
 * concurrent map and {@code closed} atomic. The one lock this class takes, {@code parentLayerLock}, guards building a
 * child's parent layer on first use, on the starting thread (never a reader's); under it run only the layer's
 * constructors and the registration of its ALLOCATE_ID handler (each collaborator states its own locks). Sending
 * never waits for a child JVM to read: frames are queued on its stream (see {@link Stream}).
 *
 * <p>This class is the facade; the work is done by package-private collaborators, one per layer, as Mitogen's
 * {@code core.Router} ← {@code parent.Router} ← {@code master.Router} (see docs/how-it-works.md, "Layers"):
 * <pre>
 *   core    RouterCore (routing table, source checks, ADD_ROUTE/DEL_ROUTE, losses), Handlers (handles, respondents)
 *   parent  IdAllocator / ChildIdAllocator (ids and their blocks), Branch (each child's part of the tree),
 *           ChildStarter (starting children), SentClasses (classes sent to each child)
 *           ChildLayer (a child's role: routes reported up, classes relayed, the parent chain trusted)
 *   master  MasterLayer (the master's role), which builds MasterIdAllocator (the id counter), ClassService
 *           (GET_CLASS, pushes), LogPrinter (FORWARD_LOG)
 * </pre>
 * Codecs holds the serialization policy every layer shares. What differs by role is behind one {@link Layer}: the
 * master's {@link MasterLayer} or a child's {@link ChildLayer}; the facade asks it rather than switching on
 * {@code parent == null}. A child's router builds no master-layer object at all.
 *
 * <p>Why this file is about 800 lines, over the 400 the project aims at: it is the public API (about 350 lines,
 * mostly documentation), the master's {@link Builder} (120 lines, a public nested class by contract), and the
 * package-private seams that the runtime, the collaborators and core's tests call (about 180 lines of one-line
 * delegations). It keeps no routing, id, class-serving or log-printing logic of its own, and what connection methods
 * implement is in {@link dev.jitogen.core.spi}.
 *
 * <p>Trust: a child is not trusted by its parent. Ids come from the master only, in blocks whose size the parent
 * sets, a bounded number per direct child; they never wrap and no id is routed twice. A route is added only by the
 * child a block went to and removed only by the child it goes through; a dead message is never taken for a request;
 * a reply is taken only from the context waited on, or (dead) from a parent on the way to it.
 */
public final class Router implements AutoCloseable {
    static {
        dev.jitogen.core.serial.KryoProperties.apply();
    }

    private static final int MASTER_ID = 0;
    /** See {@link IdAllocator#ID_BLOCK}. */
    static final int ID_BLOCK = IdAllocator.ID_BLOCK;
    /** See {@link IdAllocator#MAX_BLOCKS_PER_CHILD}. */
    static final int MAX_BLOCKS_PER_CHILD = IdAllocator.MAX_BLOCKS_PER_CHILD;
    static final String CONNECT_CANCELLED = ChildStarter.CONNECT_CANCELLED;

    private final int myId;
    private final String myName;
    private final Broker broker = new Broker(ChildRuntime::clearCurrent);
    private final ClassLoader classLoader;
    private final int maxMessageSize;
    /** How long a stream may make no progress (a write blocked, a frame half-read) before it is closed. */
    private final Duration stallTimeout;
    private final Duration shutdownGrace;
    /** Null in a child, which has none (and so need not load the interface as it starts). */
    private final StaticState staticState;
    /** Mitogen's unidirectional mode: refuse traffic between two children. Inherited by children. */
    private final boolean unidirectional;
    /** Context ids allowed to make calls here: the parent chain, master first. Empty in the master. */
    private final List<Integer> parentIds;
    /** The trusted codec and the data codec with its allow-list and limits. */
    private final Codecs codecs;

    // core layer
    private final RouterCore core;
    private final Handlers handlers = new Handlers(this);
    // parent layer: the master's from the start; a child's once it first starts a context of its own
    // ({@link #parentLayer}), so that what a child runs at start, and its boot classes, leave it out
    private volatile IdAllocator ids;
    private volatile SentClasses sentClasses;
    /** Written last when the parent layer is built: non-null means the other two are set. */
    private volatile ChildStarter starter;
    /** Held while a child builds its parent layer ({@link #parentLayer}). */
    private final Object parentLayerLock = new Object();
    /** What this router's role adds: the master's {@link MasterLayer} or a child's {@link ChildLayer}. */
    private final Layer layer;
    /** The master layer; null in a child. */
    private final MasterLayer master;
    /** A child's layer; null in the master. */
    private final ChildLayer child;

    /** The connected contexts this router started (the master: also those started through them); forgotten as they end. */
    private final Map<Integer, Context> contexts = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> closeActions = new CopyOnWriteArrayList<>();

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

    /** A master's router (master layer on top of the others). */
    private Router(Builder b) {
        this.myId = MASTER_ID;
        this.myName = "master";
        this.classLoader = b.classLoader != null ? b.classLoader : defaultLoader();
        this.maxMessageSize = b.maxMessageSize;
        this.stallTimeout = b.stallTimeout;
        this.shutdownGrace = b.shutdownGrace;
        this.staticState = b.staticState;
        this.unidirectional = b.unidirectional;
        this.parentIds = List.of();
        this.core = new RouterCore(this, null);
        this.sentClasses = new SentClasses(maxMessageSize);
        this.starter = new ChildStarter(this);
        this.master = new MasterLayer(this, sentClasses, classLoader, b.policy);
        this.layer = master;
        this.child = null;
        this.ids = master.ids;
        this.codecs = new Codecs(classLoader, maxMessageSize, new Codec.Limits(b.maxDataDepth, b.maxDataElements),
                b.dataPackages, master);
        master.install(this);
        addHandler(Handles.ALLOCATE_ID, ids::onAllocateId, -1, true);
        // a master almost always starts a context next: build the core bundle and warm Kryo meanwhile
        broker.services().execute(() -> {
            CoreBundle.forMaxMessageSize(maxMessageSize);
            codecs.warmForMaster();
        });
    }

    /** A child's router: everything it cannot route itself goes to {@code parent}. No master layer. */
    Router(ChildConfig config, Stream parent, ClassLoader loader) {
        this.myId = config.id();
        this.unidirectional = config.unidirectional();
        this.myName = config.name();
        this.classLoader = loader;
        this.maxMessageSize = config.maxMessageSize();
        this.stallTimeout = Duration.ofMillis(config.stallMillis());
        this.shutdownGrace = Duration.ofSeconds(1);
        this.staticState = null;
        this.parentIds = List.copyOf(config.parentIds());
        this.core = new RouterCore(this, parent);
        this.master = null;
        this.child = new ChildLayer(this);
        this.layer = child;
        this.codecs = new Codecs(loader, maxMessageSize, new Codec.Limits(config.maxDataDepth(),
                config.maxDataElements()), config.dataPackages(), child);
    }

    /**
     * The parent layer, built in a child by the first start of a context of its own (on that caller's thread, never
     * a reader's: its classes may be fetched from the parent then): the id allocator and its ALLOCATE_ID handler,
     * which only this context's children use, the record of classes sent to them, and the starter.
     */
    private ChildStarter parentLayer() {
        ChildStarter s = starter;
        if (s != null) return s;
        synchronized (parentLayerLock) {
            if (starter == null) {
                sentClasses = new SentClasses(maxMessageSize);
                IdAllocator a = ChildIdAllocator.create(this);
                ids = a;
                addHandler(Handles.ALLOCATE_ID, a::onAllocateId, -1, true);
                // what the reader threads will run for this context's children, loaded here and not by them
                if (child != null) child.parentLayerBuilt();
                starter = new ChildStarter(this);
            }
            return starter;
        }
    }

    private static ClassLoader defaultLoader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Router.class.getClassLoader();
    }

    // ---- handlers -------------------------------------------------------------------------------------------------

    /**
     * Registers {@code fn} on a new handle and returns it (Mitogen's {@code add_handler}). Messages the policy
     * refuses are logged and answered with a dead reply; if {@code respondent} is lost, or the router closes,
     * {@code fn} gets a dead message. With {@code persist} false the handler is removed after its first message.
     *
     * @param policy     null accepts every message
     * @param respondent null if no context's loss should end it
     */
    public int addHandler(MessageHandler fn, HandlerPolicy policy, Context respondent, boolean persist) {
        return handlers.add(fn, policy, respondent == null ? -1 : respondent.id(), persist);
    }

    /** Removes the handler of {@code handle} (Mitogen's {@code del_handler}); later messages get dead replies. */
    public void delHandler(int handle) {
        handlers.remove(handle);
    }

    /** Sends {@code data} (raw bytes) to {@code handle} of context {@code dst}, from this context. */
    public void send(int dst, int handle, byte[] data) {
        send(new Message(dst, myId, myId, handle, Handles.NO_REPLY, data));
    }

    /**
     * Sends {@code data} to {@code handle} of context {@code dst} with {@code replyTo}, a handle of this context, as
     * its reply_to: a request. If it cannot be delivered (no route, no handler for {@code handle} there, refused by
     * that handler's policy or by routing mode, too large), a dead message saying why comes back to {@code replyTo}
     * (Mitogen's {@code send} of a message with {@code reply_to}), so a caller waiting there is not left hanging.
     * Any thread; never blocks.
     */
    public void send(int dst, int handle, int replyTo, byte[] data) {
        if (replyTo == Handles.IS_DEAD) {
            throw new IllegalArgumentException("reply_to " + replyTo + " marks a dead message: pass a handle of this "
                    + "context (from addHandler)");
        }
        send(new Message(dst, myId, myId, handle, replyTo, data));
    }

    /** Registers {@code h} on a new handle; {@code respondent} (or -1) is the context whose loss kills it. */
    int addHandler(MessageHandler h, int respondent, boolean persist) {
        return handlers.add(h, respondent, persist);
    }

    /** The same, naming {@code respondent} (or null) in the dead message if it has already gone. */
    int addHandler(MessageHandler h, Context respondent, boolean persist) {
        return handlers.add(h, respondent, persist);
    }

    void addHandler(int handle, MessageHandler h, int respondent, boolean persist) {
        handlers.add(handle, h, respondent, persist);
    }

    void removeHandler(int handle) {
        handlers.remove(handle);
    }

    // ---- starting contexts ----------------------------------------------------------------------------------------

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
            return startVia(options.via(), "local", options.name(), options.connectTimeout(), ViaCalls.local(there));
        }
        // the master's own local children share an archive of the JDK's classes (see LocalArchive)
        List<String> command = isMaster() ? options.command(LocalArchive.flags(options)) : options.command();
        return start("local", options.name(), options.connectTimeout(), options.debug(),
                timeout -> ChildProcess.start(command));
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
            return startVia(via, "in-process", name, Duration.ofSeconds(30), ViaCalls.inProcess());
        }
        return parentLayer().inProcess(name);
    }

    /**
     * Starts a context whose parent is {@code via} rather than this router: it runs {@code start} on via's main
     * thread with via's router, so the child is launched from via's host and user. Via takes the child's id from
     * its block (ALLOCATE_ID), and its ADD_ROUTE travels up to the master before the call returns. For connection
     * methods (see {@link dev.jitogen.core.spi}), each of which supports {@code via} through this; users set
     * {@code via} in a method's options.
     *
     * @param method the connection method's name, the default context name
     * @param start  serializable, so it must capture only data (the method's options with {@code via} cleared)
     */
    public Context startVia(Context via, String method, String requestedName, Duration timeout, ViaStart start) {
        return startVia(via, method, requestedName, method, timeout, start);
    }

    /**
     * As {@link #startVia(Context, String, String, Duration, ViaStart)}, with the method's default name for the
     * context: without a requested name, the context is named as in Mitogen, via's name and the default joined with
     * a dot ({@code ssh.web1:22.sudo.root}), made unique.
     */
    public Context startVia(Context via, String method, String requestedName, String defaultName, Duration timeout,
                            ViaStart start) {
        requireMaster(method + "(via)");
        return parentLayer().startVia(via, method, requestedName, defaultName, timeout, start);
    }

    /**
     * Starts a context with a connection method's launcher: the launcher runs the bootstrap command, and this takes
     * the child through the handshake (core bundle, config) within the connect timeout. Blocks until the context is
     * ready or failed. For connection methods (see {@link dev.jitogen.core.spi}); users call {@link #local} or a
     * plugin's options.
     *
     * @param method the connection method's name ({@code ssh}), also the default context name
     * @param name   the context's name, or null for a unique default
     */
    public Context start(String method, String name, Duration connectTimeout, boolean debug, Launcher launcher) {
        return start(method, name, method, connectTimeout, debug, launcher);
    }

    /**
     * As {@link #start(String, String, Duration, boolean, Launcher)}, with the method's default name for the context,
     * used when {@code name} is null and made unique: Mitogen's {@code ssh.HOST:PORT}, {@code sudo.USER}.
     */
    public Context start(String method, String name, String defaultName, Duration connectTimeout, boolean debug,
                         Launcher launcher) {
        return parentLayer().start(method, name, defaultName, connectTimeout, debug, launcher);
    }

    /** Runs {@code action} when the router closes, after its contexts are gone (plugins release resources here). */
    public void onClose(Runnable action) {
        closeActions.add(action);
    }

    /** Size in bytes of the compressed runtime every new child receives on its stdin. */
    public static int coreBundleBytes() {
        return CoreBundle.get().compressed().length;
    }

    // ---- what this router knows -----------------------------------------------------------------------------------

    /**
     * Class-serving counters (Mitogen's {@code get_stats()}): in the master, what it served; in a child, what it
     * relayed to its own children and how often it asked its parent.
     */
    public Stats stats() {
        return layer.stats();
    }

    /** Where classes served to children come from; add a {@link ClassFinder.ClassSource} here. */
    public ClassFinder classFinder() {
        requireMaster("classFinder()");
        return master.finder();
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
        return new Context(this, myId, myName, layer.selfMethod(), null, null,
                ProcessHandle.current().pid());
    }

    /**
     * The routing table: for each context id with a route, the name of the stream its messages take. In a child,
     * id {@code -1} names the default route, up to the parent.
     */
    public SortedMap<Integer, String> routes() {
        return core.table();
    }

    /**
     * The connected contexts this router started (in the master, also those started through them), in order of
     * creation. A context that ends is forgotten; whoever holds its {@link Context} can still ask how it ended.
     */
    public List<Context> contexts() {
        List<Context> all = new ArrayList<>(contexts.values());
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return Collections.unmodifiableList(all);
    }

    /** The connected context with this id that this router started (see {@link #contexts()}), or null. */
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

    // ---- for the runtime and the collaborators (package-private) --------------------------------------------------

    int maxMessageSize() {
        return maxMessageSize;
    }

    boolean unidirectional() {
        return unidirectional;
    }

    Duration stallTimeout() {
        return stallTimeout;
    }

    StaticState staticState() {
        StaticState s = staticState;
        return s != null ? s : StaticState.NONE;
    }

    ChildStarter starter() {
        return parentLayer();
    }

    RouterCore core() {
        return core;
    }

    Handlers handlers() {
        return handlers;
    }

    /** Null in a child that has not started a context of its own (see {@link #parentLayer}). */
    IdAllocator ids() {
        return ids;
    }

    /** Whether this is the master's router, with the master layer (class service, log printing, the id counter). */
    boolean isMaster() {
        return layer.isMaster();
    }

    boolean isClosed() {
        return closed.get();
    }

    String closedReason() {
        return "the router of " + myName + " was closed";
    }

    private void requireMaster(String what) {
        if (master == null) throw new UnsupportedOperationException(what + " is available in the master only (for now)");
        if (closed.get()) throw new IllegalStateException("router is closed");
    }

    /**
     * A new context id: the master counts; a child takes ids from a block its parent gave it (see
     * {@link IdAllocator}). Blocks in a child: never on a reader thread.
     *
     * @throws StreamError if no ids are left (ids are never wrapped or reused), or the parent refused a block
     */
    int allocateContextId() {
        parentLayer();
        return ids.next();
    }

    /** Attaches a started child's stream and begins reading it. */
    void attach(Context context, Stream stream) {
        if (closed.get()) throw new StreamError("the router was closed while context " + context.name() + " started");
        stream.remoteId(context.id());
        contexts.put(context.id(), context);
        parentLayer();
        sentClasses.track(context.id());
        core.attachChild(context.id(), stream);
        layer.routeAdded(context.id(), true);
    }

    /** A context started through another ({@code via}) is known here from now on. */
    void remember(Context c) {
        contexts.put(c.id(), c);
    }

    /** Forgets {@code c} if it is still the context known by {@code id}. */
    void forget(int id, Context c) {
        contexts.remove(id, c);
    }

    /** Context {@code id} is lost: the layers forget it; returns its context if this router knew it. */
    Context forget(int id) {
        SentClasses sent = sentClasses;
        if (sent != null) sent.forget(id);
        return contexts.remove(id);
    }

    /** The stream to a direct child has ended: the layers forget what they kept for it. */
    void streamEnded(Stream stream) {
        IdAllocator a = ids;
        if (a != null) a.forget(stream);
        layer.streamEnded(stream);
    }

    /** A route to {@code id} through a child was added (ADD_ROUTE from below): see {@link Layer#routeAdded}. */
    void routeAddedBelow(int id) {
        layer.routeAdded(id, false);
    }

    boolean isImmediateChild(int id) {
        return core.isImmediateChild(id);
    }

    boolean isParentChain(int contextId) {
        return parentIds.contains(contextId);
    }

    /** The id of this context's parent; for children only. */
    int parentId() {
        return parentIds.get(parentIds.size() - 1);
    }

    /** Sends a message originating here. */
    void send(Message m) {
        core.route(m, null);
    }

    /**
     * Sends context {@code dst} a LOAD_CLASS of {@code payload}, deflated when the stream it goes down crosses a
     * network ({@link DeflatedAnswers}): the master's class service and a child's relay
     * alike. Any thread (a service thread, a relay's reader thread); never blocks (frames are queued).
     */
    void sendClasses(int dst, byte[] payload) {
        Stream s = core.routeOf(dst);
        if (s != null && s.crossesNetwork()) payload = DeflatedAnswers.forNetwork(payload);
        send(new Message(dst, myId, myId, Handles.LOAD_CLASS, Handles.NO_REPLY, payload));
    }

    /**
     * Sends context {@code id} the class {@code className} and what it refers to ahead of a call that needs it,
     * unless it has them. Master only (a child does nothing): see {@link ClassService#push}.
     */
    void pushClass(int id, String className) {
        layer.pushClass(id, className);
    }

    /** The classes already sent to context {@code id}, or null if it is not one of ours. */
    java.util.Set<String> sentTo(int id) {
        SentClasses sent = sentClasses;
        return sent == null ? null : sent.to(id);
    }

    /** Installs a child's runtime in its layer (see {@link ChildLayer}); in a child only. */
    void runtime(ChildRuntime runtime) {
        child.runtime(runtime);
    }

    /** How many forwarded log records have arrived so far: see {@link LogPrinter#logMark}. 0 in a child. */
    long logMark() {
        return layer.logMark();
    }

    /** See {@link LogPrinter#awaitLogs}; returns at once in a child. */
    void awaitLogs(long mark, long maxNanos) {
        layer.awaitLogs(mark, maxNanos);
    }

    // ---- codecs ---------------------------------------------------------------------------------------------------

    byte[] encode(int tag, Object value) {
        return codecs.send().encode(tag, value);
    }

    /** Like {@link #encode}, always in Kryo's form (see {@link Codec#encodeWithKryo}); for tests. */
    byte[] encodeWithKryo(int tag, Object value) {
        return codecs.send().encodeWithKryo(tag, value);
    }

    /**
     * Decodes the value of {@code m}: trusted if it carries the authority of this context's parent chain, else as
     * data from another context (allow-listed, bounded, and given up at {@code deadline} if {@code timed}).
     */
    Object decode(Message m, boolean timed, long deadline) {
        // what the parent chain sends is trusted; data from this context's children or siblings is not, as in the master
        Codec codec = layer.trusts(m) ? codecs.send() : codecs.data();
        // a Context in the data becomes one of ours
        Router outer = READER.get();
        READER.set(this);
        try {
            return codec.decode(m.data, timed, deadline);
        } finally {
            if (outer == null) READER.remove();
            else READER.set(outer);
        }
    }

    /**
     * The router decoding on this thread ({@link #decode}): the one a Context read from data belongs to. Here and not
     * in {@link Context}, so that a child decoding plain values never loads that class (fetched with the parent
     * layer or Kryo, or on first use: see {@code CoreBundle.WITH_FAMILIES}).
     */
    private static final ThreadLocal<Router> READER = new ThreadLocal<>();

    /** The router decoding on this thread, or null. For {@link ContextSerializer}. */
    static Router reader() {
        return READER.get();
    }

    /**
     * A call of a function of class {@code functionClass} is about to be sent: what it reaches becomes acceptable in
     * data from children ({@code CallClasses}). On the calling thread, before the call is sent.
     */
    void sentForCall(String functionClass) {
        codecs.sentForCall(functionClass);
    }

    /** The config of a child this context starts: it inherits the limits and data rules. */
    ChildConfig childConfig(int id, String name, String logLevel, boolean debug) {
        List<Integer> parentChain = new ArrayList<>(parentIds); // ours, then us
        parentChain.add(myId);
        return new ChildConfig(id, name, parentChain, maxMessageSize, logLevel, debug, unidirectional,
                stallTimeout.toMillis(), codecs.limits.maxDepth(), codecs.limits.maxElements(), codecs.packages);
    }

    // ---- shutdown -------------------------------------------------------------------------------------------------

    /**
     * Disconnects {@code context} (Mitogen's {@code disconnect}): closes the stream to it if this router started
     * it, which ends it and every context it started (a context whose parent stream ends exits); for a context
     * started through another, asks that one to do the same. On return it is disconnected here: its waiters got
     * {@link ChannelError} and the router has forgotten it. Does nothing for a context this router does not know or
     * that is no longer connected.
     *
     * <p>Any thread, except a stream reader's for a context started through another (that waits up to 10 s for the
     * call to its parent).
     */
    public void disconnect(Context context) {
        if (context == null || context.router() != this || contexts.get(context.id()) != context) return;
        int id = context.id();
        Stream s = core.childStream(id);
        if (s != null) {
            s.close(null); // its reader hears of it at once, on this thread: the context is forgotten on return
            return;
        }
        Context via = context.via();
        if (via == null || !via.isConnected()) return;
        try {
            // via's DEL_ROUTE for it comes up the same stream ahead of the reply
            via.callAsync(ViaCalls.disconnect(id)).get(Duration.ofSeconds(10));
        } catch (JitogenError e) {
            Log.warning("could not disconnect " + context.name() + " through " + via.name() + ": " + e.getMessage());
        }
    }

    /**
     * Disconnects every context this router started itself, and with them every context they started (Mitogen's
     * {@code disconnect_all}). The router stays open for new contexts. Any thread.
     */
    public void disconnectAll() {
        core.closeChildren();
    }

    /**
     * Shuts every context down: connects in progress are cancelled and every waiter (receivers, calls) gets a dead
     * message at once; then SHUTDOWN, and after the grace period the processes that remain are killed. Returns once
     * no child process is left.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        ChildStarter s = starter;
        if (s != null) s.cancelAll();
        handlers.endWaits(closedReason());
        List<Context> all = contexts();
        for (Context c : all) c.sendShutdownAsync();
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        for (Context c : all) c.awaitExit(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        for (Context c : all) c.killProcess();
        core.closeAll();
        for (Runnable r : closeActions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Log.warning("a close action failed", e);
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
        private int maxDataDepth = Codec.Limits.DEFAULT.maxDepth();
        private int maxDataElements = Codec.Limits.DEFAULT.maxElements();
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
         * Also accept, in data from children, classes of this package and its sub-packages: a library's value types,
         * your application's own if it runs from a jar, or classes your calls reach only by name (reflection). Without
         * it, data from a child may name JDK value types and the classes of your own code (class directories, the
         * shell) that the functions of your calls reach; never a class just because a child asked for it (see
         * {@link dev.jitogen.core.serial.DataAllowList}). Children inherit it.
         */
        public Builder acceptData(String packagePrefix) {
            dataPackages.add(packagePrefix);
            return this;
        }

        /**
         * Deepest nesting (objects within objects) accepted in one message of data from a child; deeper data is
         * refused, and the wait for it gets a {@link CallError} that says so. Children inherit it. Default 512.
         */
        public Builder maxDataDepth(int levels) {
            if (levels < 2) throw new IllegalArgumentException("max data depth must be at least 2, not " + levels);
            this.maxDataDepth = levels;
            return this;
        }

        /**
         * Most elements accepted in one message of data from a child, counting an object once for every place that
         * refers to it (as {@code hashCode}, {@code equals} and {@code toString} visit it, so a small message of
         * shared references cannot make the master hash for hours); more is refused, and the wait for it gets a
         * {@link CallError} that says so. Children inherit it. Default 10,000,000.
         */
        public Builder maxDataElements(int elements) {
            if (elements < 1) throw new IllegalArgumentException("max data elements must be positive, not " + elements);
            this.maxDataElements = elements;
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
