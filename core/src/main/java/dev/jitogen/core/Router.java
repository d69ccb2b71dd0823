package dev.jitogen.core;

import dev.jitogen.core.classload.CallClasses;
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
 * {@code handlers}, {@code contexts}, {@code branches} and {@code grants} are concurrent maps; {@code idLock} guards
 * the id counters only, and no lock is held while sending, except a context's set of classes sent (a class is queued
 * before another thread can answer "already sent" for it). Sending never waits for a child JVM to read: frames are
 * queued on its stream (see {@link Stream}).
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

    static final Logger LOG = Logger.getLogger("dev.jitogen.core");
    /** Jitogen's own types in data, registered by id on both sides (so always allowed, and small). */
    private static final Class<?>[] CODEC_CLASSES = {CallSpec.class, RemoteFailure.class, Sender.class, Stats.class,
            Context.class};
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
    /** Encodes everything this context sends; in a child, also decodes what its parent chain sends (trusted). */
    private final Codec sendCodec;
    /** Decodes data from every other context (children, siblings): allow-listed and bounded. */
    private final Codec dataCodec;
    /** What one message of data from another context may cost to decode; inherited by children. */
    private final Codec.Limits dataLimits;
    /** Packages accepted in data besides the JDK's and the calls' own classes ({@link Builder#acceptData}). */
    private final List<String> dataPackages;
    /** The classes this context sent as part of its calls: data may name them ({@link DataAllowList}). */
    private final CallClasses callClasses;
    /** Master only: answers GET_CLASS. */
    private final ClassServer classServer;
    /** Master only: GET_CLASS requests waiting for the service threads, per stream. */
    private final ClassRequests<Stream> classRequests;
    /** Child only: relays classes to this context's children. */
    private volatile ClassRelay relay;

    private final Map<Integer, Stream> routes = new ConcurrentHashMap<>();
    private final Map<Integer, Registration> handlers = new ConcurrentHashMap<>();
    /** The connected contexts this router started (the master: also those started through them); forgotten as they end. */
    private final Map<Integer, Context> contexts = new ConcurrentHashMap<>();
    /** Per context, the classes already sent to it: never send one twice. */
    private final Map<Integer, Set<String>> sentClasses = new ConcurrentHashMap<>();
    /** A flush of the parent stream is scheduled (see {@link #sendUnflushedToParent}). */
    private final java.util.concurrent.atomic.AtomicBoolean flushPending = new java.util.concurrent.atomic.AtomicBoolean();
    /** The stream of each direct child, with what this router knows of that part of the tree. */
    private final Map<Stream, Branch> branches = new ConcurrentHashMap<>();
    /**
     * Blocks of context ids given to children (Mitogen's ALLOCATE_ID), by first id, each with the stream of the
     * child it went to: a child may add a route only for an id of a block it was given, and only once. Blocks come
     * from the master's counter, so they never overlap.
     */
    private final java.util.concurrent.ConcurrentSkipListMap<Integer, Grant> grants =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    /** A child's own block of ids for the contexts it starts: next and end (exclusive). Guarded by idLock. */
    private int idNext, idEnd;
    /**
     * Master only: the next context id to give. Ids are int32 on the wire, so rather than wrap it stops short of
     * Integer.MAX_VALUE, and it never goes back: no id is given twice. Guarded by idLock.
     */
    private long nextContextId = 1;
    private final Object idLock = new Object();
    private final AtomicInteger nextHandle = new AtomicInteger(Handles.FIRST_USER_HANDLE);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** What cancels each connect in progress (see {@link #connecting}); all are run as the router closes. */
    private final Set<Runnable> connecting = ConcurrentHashMap.newKeySet();
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

    /** Ids {@code [from, to)} given to the child at the end of {@code stream}; {@code used}: those routed once. */
    private record Grant(int from, int to, Stream stream, java.util.BitSet used) {
        boolean contains(int id) {
            return id >= from && id < to;
        }

        /** Marks {@code id} as routed; false if it was already (an id is never routed twice). */
        boolean claim(int id) {
            synchronized (used) {
                if (used.get(id - from)) return false;
                used.set(id - from);
                return true;
            }
        }
    }

    /**
     * A direct child's stream as this router sees it: the blocks of ids its part of the tree has had, and the
     * contexts outside that part it has sent messages to (Mitogen's egress ids), so that the loss of one of those
     * reaches it (DEL_ROUTE down) and its waiters end at once. Touched by reader threads: thread-safe.
     */
    private static final class Branch {
        /** Ids remembered per branch; past it, the branch hears of every loss (bounded memory per child). */
        private static final int MAX_TALKED_TO = 1024;
        final Stream stream;
        private final Set<Integer> talkedTo = ConcurrentHashMap.newKeySet();
        private volatile boolean talksToMany;
        /** Blocks given to this branch, and requests refused for going past the bound. Guarded by this. */
        private int blocks, refusals;

        Branch(Stream stream) {
            this.stream = stream;
        }

        void talkedTo(int id) {
            if (talksToMany || talkedTo.contains(id)) return;
            if (talkedTo.size() >= MAX_TALKED_TO) talksToMany = true;
            else talkedTo.add(id);
        }

        /** Whether this branch must hear that {@code id} is lost; it forgets the id either way. */
        boolean mustHearOfLoss(int id) {
            return talkedTo.remove(id) || talksToMany;
        }

        /** Counts a block about to be given; false (and one more refusal) if the branch has had its share. */
        synchronized boolean takeBlock() {
            if (blocks >= MAX_BLOCKS_PER_CHILD) {
                refusals++;
                return false;
            }
            blocks++;
            return true;
        }

        /** The block counted by {@link #takeBlock} was not given after all. */
        synchronized void returnBlock() {
            blocks--;
        }

        synchronized int refusals() {
            return refusals;
        }
    }

    /** How many ids a parent gives a child at a time (Mitogen's IdAllocator block size): the parent decides. */
    static final int ID_BLOCK = 1000;
    /**
     * The most blocks of ids one direct child's part of the tree gets in its life: 10 million ids, more than any tree
     * starts, while a child flooding ALLOCATE_ID is cut off after 10,000 requests (the master's ids would last 214
     * such children). Requests past it are refused and logged.
     */
    static final int MAX_BLOCKS_PER_CHILD = 10_000;
    private static final String NO_IDS_LEFT = "no context ids left: the master has given out every id up to "
            + Integer.MAX_VALUE + ", and ids are never reused (a new master router starts again from 1)";
    static final String CONNECT_CANCELLED = "connection cancelled because the router began to shut down";

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
     * refuses are logged and answered with a dead reply; if {@code respondent} is lost, or the router closes,
     * {@code fn} gets a dead message. With {@code persist} false the handler is removed after its first message.
     *
     * @param policy     null accepts every message
     * @param respondent null if no context's loss should end it
     */
    public int addHandler(MessageHandler fn, HandlerPolicy policy, Context respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        register(handle, new Registration(fn, respondent == null ? -1 : respondent.id(), persist, policy));
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
        classServer.runtime(() -> CoreBundle.forMaxMessageSize(maxMessageSize).onDemand());
        this.classRequests = new ClassRequests<>(broker.services(), 2, this::serveClass);
        this.dataLimits = new Codec.Limits(b.maxDataDepth, b.maxDataElements);
        this.dataPackages = List.copyOf(b.dataPackages);
        this.callClasses = new CallClasses(classServer::ownCode);
        this.sendCodec = new Codec(classLoader, null, dataLimits, maxMessageSize, CODEC_CLASSES);
        this.dataCodec = new Codec(classLoader, new DataAllowList(callClasses::contains, dataPackages), dataLimits,
                maxMessageSize, CODEC_CLASSES);
        addHandler(Handles.GET_CLASS, this::onGetClass, -1, true);
        addHandler(Handles.FORWARD_LOG, this::onForwardLog, -1, true);
        addHandler(Handles.ALLOCATE_ID, this::onAllocateId, -1, true);
        // a master almost always starts a context next: build the core bundle and warm Kryo meanwhile
        broker.services().execute(() -> {
            CoreBundle.forMaxMessageSize(maxMessageSize);
            RemoteCallable<Object> lambda = () -> null;
            sendCodec.encode(Receiver.VALUE, CallSpec.of(lambda)); // the compact form of calls: warm now
            // and Kryo, for the first value that is not plain (List.of is not), with the lambda machinery
            dataCodec.decode(sendCodec.encode(Receiver.VALUE, new Object[]{List.of(1)}));
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
        this.dataLimits = new Codec.Limits(config.maxDataDepth(), config.maxDataElements());
        this.dataPackages = List.copyOf(config.dataPackages());
        // a context's own calls reach classes its parent sent it: those it keeps for relaying are their class files
        this.callClasses = new CallClasses(name -> {
            ClassRelay r = relay;
            return r == null ? null : r.received(name);
        });
        // what the parent chain sends is trusted: the codec that encodes decodes it too, warmed while the handshake
        // finishes (the first call would otherwise pay for the JDK's lambda machinery; a plain call never builds
        // Kryo, which loads on first need); data from
        // this context's own children or its siblings goes through the data codec, as in the master
        this.sendCodec = new Codec(loader, null, dataLimits, maxMessageSize, CODEC_CLASSES);
        this.dataCodec = new Codec(loader, new DataAllowList(callClasses::contains, dataPackages), dataLimits,
                maxMessageSize, CODEC_CLASSES);
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
                    + (closed.get() ? CONNECT_CANCELLED : e.getMessage()), e);
        }
        int id = (int) started[0];
        Stream through = routes.get(via.id());
        Stream route = routes.get(id);
        if (route == null) {
            throw new StreamError("context " + via.name() + " started " + name + " but no route to it arrived");
        }
        // via answers for itself: what it reports must be a context behind it that no one here knows yet
        if (id != started[0] || id == via.id() || route != through || contexts.containsKey(id)) {
            throw new StreamError("context " + via.name() + " reported " + started[0] + " as the id of " + name
                    + ", which is not a new context behind it");
        }
        Context c = new Context(this, id, name, method, null, via, started[1]);
        contexts.put(id, c);
        if (routes.get(id) != through) { // lost as it started, perhaps before it was known here to be forgotten
            contexts.remove(id, c);
            c.disconnected(null);
            throw new StreamError("context " + name + " disconnected as it started");
        }
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
        return start(method, name, method, connectTimeout, debug, launcher);
    }

    /**
     * As {@link #start(String, String, Duration, boolean, Launcher)}, with the method's default name for the context,
     * used when {@code name} is null and made unique: Mitogen's {@code ssh.HOST:PORT}, {@code sudo.USER}.
     */
    public Context start(String method, String name, String defaultName, Duration connectTimeout, boolean debug,
                         Launcher launcher) {
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("the connect timeout of " + method + " must be positive, not "
                    + connectTimeout);
        }
        if (closed.get()) throw new IllegalStateException("router is closed");
        int id = allocateContextId();
        String chosen = uniqueName(name, defaultName != null ? defaultName : method, id);
        return ProcessConnection.connect(this, id, method, chosen, connectTimeout, debug, launcher);
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
     *
     * @throws StreamError if no ids are left (ids are never wrapped or reused), or the parent refused a block
     */
    int allocateContextId() {
        if (parent == null) {
            int id = takeIds(1);
            if (id < 0) throw new StreamError(NO_IDS_LEFT);
            return id;
        }
        synchronized (idLock) {
            if (idNext == idEnd) {
                int[] block = requestIds();
                idNext = block[0];
                idEnd = block[0] + block[1];
            }
            return idNext++;
        }
    }

    /** Master: the first of {@code count} ids never given before, or -1 if fewer than that are left. */
    private int takeIds(int count) {
        synchronized (idLock) {
            if (nextContextId > Integer.MAX_VALUE - count) return -1; // the block's end must fit in an int too
            int first = (int) nextContextId;
            nextContextId += count;
            return first;
        }
    }

    /** {first, count} from an ALLOCATE_ID answer, or null if it is not a well-formed block. */
    private static int[] block(byte[] answer) {
        if (answer.length != 8) return null;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(answer);
        int first = b.getInt(), count = b.getInt();
        return first < 1 || count < 1 || first > Integer.MAX_VALUE - count ? null : new int[]{first, count};
    }

    /** Asks the parent for a block of context ids (of the size it chooses); returns {first, count}. */
    private int[] requestIds() {
        if (Stream.isReaderThread()) throw new IllegalStateException("context ids cannot be requested on a reader thread");
        java.util.concurrent.CompletableFuture<Message> answer = new java.util.concurrent.CompletableFuture<>();
        int handle = addHandler(answer::complete, parentId(), false);
        send(new Message(parentId(), myId, myId, Handles.ALLOCATE_ID, handle, null));
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
        int[] block = m.isDead() ? null : block(m.data);
        if (block == null) {
            throw new StreamError("the parent of " + myName + " refused context ids: "
                    + new String(m.data, java.nio.charset.StandardCharsets.UTF_8));
        }
        return block;
    }

    /**
     * ALLOCATE_ID from a direct child: the master gives a block of {@link #ID_BLOCK} ids from its counter; a child
     * asks its own parent and notes the answer on its way down. Either way the block is recorded against the asking
     * child's stream, so only that part of the tree may add routes for its ids, and counted against that child's
     * share ({@link #MAX_BLOCKS_PER_CHILD}). What the request carries is ignored: the parent sets the block size.
     * Runs on a reader thread: never blocks.
     */
    private void onAllocateId(Message m) {
        Stream from = routes.get(m.src);
        Branch branch = from == null || from.remoteId() != m.src ? null : branches.get(from);
        if (branch == null || m.replyTo == Handles.NO_REPLY) {
            LOG.warning("refused ALLOCATE_ID " + m + ": only a direct child may ask, with a handle for the answer");
            if (m.replyTo != Handles.NO_REPLY) {
                send(Message.deadReplyTo(m, myId, "context ids are given only to direct children"));
            }
            return;
        }
        if (!branch.takeBlock()) {
            int n = branch.refusals();
            if (Integer.bitCount(n) == 1) { // the 1st, 2nd, 4th, 8th...: a flood shows in the log without filling it
                LOG.warning("refused ALLOCATE_ID from " + from.name() + ": its part of the tree has had "
                        + MAX_BLOCKS_PER_CHILD + " blocks of " + ID_BLOCK + " context ids, the most it may have ("
                        + n + (n == 1 ? " request" : " requests") + " refused so far)");
            }
            send(Message.deadReplyTo(m, myId, "context " + from.name() + " has had its " + MAX_BLOCKS_PER_CHILD
                    + " blocks of context ids"));
            return;
        }
        if (parent == null) {
            int first = takeIds(ID_BLOCK);
            if (first < 0) {
                branch.returnBlock();
                LOG.warning("refused ALLOCATE_ID from " + from.name() + ": " + NO_IDS_LEFT);
                send(Message.deadReplyTo(m, myId, NO_IDS_LEFT));
                return;
            }
            grant(first, ID_BLOCK, from);
            send(new Message(m.src, myId, myId, m.replyTo, Handles.NO_REPLY,
                    java.nio.ByteBuffer.allocate(8).putInt(first).putInt(ID_BLOCK).array()));
            return;
        }
        int handle = addHandler(answer -> {
            int[] block = answer.isDead() ? null : block(answer.data);
            if (block == null) {
                branch.returnBlock();
                send(Message.deadReplyTo(m, myId, "the parent of " + myName + " gave no context ids"
                        + (answer.isDead() ? ": " + answer.deadReason() : "")));
                return;
            }
            grant(block[0], block[1], from);
            send(new Message(m.src, myId, myId, m.replyTo, Handles.NO_REPLY, answer.data));
        }, parentId(), false);
        send(new Message(parentId(), myId, myId, Handles.ALLOCATE_ID, handle, null));
    }

    /** Records ids {@code [first, first + count)} as given to the child at the end of {@code to}. */
    private void grant(int first, int count, Stream to) {
        Grant g = new Grant(first, first + count, to, new java.util.BitSet());
        grants.put(first, g);
        if (to.isClosed()) grants.remove(first, g); // it ended meanwhile, perhaps after its blocks were forgotten
    }

    /** The block that holds {@code id}, or null. */
    private Grant grantFor(int id) {
        Map.Entry<Integer, Grant> e = grants.floorEntry(id);
        return e != null && e.getValue().contains(id) ? e.getValue() : null;
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
        for (Context c : contexts.values()) if (c.name().equals(name)) return true;
        return false;
    }

    /** Attaches a started child's stream and begins reading it. */
    void attach(Context context, Stream stream) {
        if (closed.get()) throw new StreamError("the router was closed while context " + context.name() + " started");
        stream.remoteId(context.id());
        contexts.put(context.id(), context);
        routes.put(context.id(), stream);
        branches.put(stream, new Branch(stream));
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
        sent.addAll(CoreBundle.forMaxMessageSize(maxMessageSize).names());
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
        branches.remove(stream);
        grants.values().removeIf(g -> g.stream() == stream);
        warned.removeIf(key -> key.get(0) == stream);
        if (classRequests != null) classRequests.forget(stream);
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
        sentClasses.remove(id);
        Context c = contexts.remove(id);
        byte[] idBytes = java.nio.ByteBuffer.allocate(4).putInt(id).array();
        if (parent != null && from != parent) {
            send(new Message(parentId(), myId, myId, Handles.DEL_ROUTE, Handles.NO_REPLY, idBytes));
        }
        if (!closed.get()) { // closing: every branch is about to go anyway
            for (Branch b : branches.values()) {
                if (b.stream != from && !b.stream.isClosed() && b.mustHearOfLoss(id)) {
                    send(new Message(b.stream.remoteId(), myId, myId, Handles.DEL_ROUTE, Handles.NO_REPLY, idBytes));
                }
            }
        }
        String name = c != null ? c.name() : "context " + id;
        String why = cause != null ? cause.getMessage()
                : from == parent ? "its route was lost (the parent of " + myName + " said so)" : "its stream ended";
        if (cause != null) LOG.log(Level.WARNING, "[" + name + "] stream closed: " + why);
        else LOG.log(Level.FINE, "[" + name + "] disconnected: " + why);
        if (c != null) c.disconnected(cause);
        String reason = "context " + (c != null ? c.name() : id) + " disconnected: " + why;
        handlers.forEach((handle, reg) -> {
            if (reg.respondent == id && handlers.remove(handle, reg)) reg.handler.handle(dead(handle, id, reason));
        });
    }

    // ---- handlers and routing -------------------------------------------------------------------------------------

    /** Registers {@code h} on a new handle; {@code respondent} (or -1) is the context whose loss kills it. */
    int addHandler(MessageHandler h, int respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        addHandler(handle, h, respondent, null, persist);
        return handle;
    }

    /** The same, naming {@code respondent} (or null) in the dead message if it has already gone. */
    int addHandler(MessageHandler h, Context respondent, boolean persist) {
        int handle = nextHandle.getAndIncrement();
        addHandler(handle, h, respondent == null ? -1 : respondent.id(), respondent, persist);
        return handle;
    }

    void addHandler(int handle, MessageHandler h, int respondent, boolean persist) {
        addHandler(handle, h, respondent, null, persist);
    }

    private void addHandler(int handle, MessageHandler h, int respondent, Context known, boolean persist) {
        Registration r = new Registration(h, respondent, persist, null);
        register(handle, r);
        if (respondent >= 0 && respondent != myId && !routes.containsKey(respondent) && parent == null
                && handlers.remove(handle, r)) {
            // the respondent is already gone: say so at once rather than let a waiter hang (it is forgotten here,
            // but whoever holds its Context still knows its name and how it ended)
            Context c = known != null ? known : contexts.get(respondent);
            String why = c == null ? "context " + respondent + " is not connected"
                    : "context " + c.name() + " is not connected" + (c.disconnectCause() != null
                    ? " (" + c.disconnectCause().getMessage() + ")" : "");
            h.handle(dead(handle, respondent, why));
        }
    }

    /** Adds {@code r} on {@code handle}; once the router is closed, its handler gets a dead message at once instead. */
    private void register(int handle, Registration r) {
        handlers.put(handle, r);
        if (closed.get() && handlers.remove(handle, r)) r.handler.handle(dead(handle, myId, closedReason()));
    }

    /** A dead message to our own {@code handle}, as if from context {@code src}. */
    private Message dead(int handle, int src, String why) {
        return new Message(myId, src, src, handle, Handles.IS_DEAD, why.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private String closedReason() {
        return "the router of " + myName + " was closed";
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
        if (from == null && m.data.length > maxMessageSize) {
            // a frame read from a stream was checked as it was read: this is the same limit for what never crossed one
            String why = "message too large (max " + maxMessageSize + " bytes): " + m.data.length + " bytes for handle "
                    + m.handle + " of context " + m.dst;
            LOG.warning("dropped " + m + ": " + why);
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) route(Message.deadReplyTo(m, myId, why), null);
            return;
        }
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
            String why = "routing mode prevents forward of message from context " + m.src + " to context " + m.dst
                    + " via context " + myId + " (" + myName + " is unidirectional: only traffic between a parent "
                    + "and its children passes)";
            LOG.severe("refused " + m + " from " + from.name() + " to " + s.name() + ": " + why);
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
                route(Message.deadReplyTo(m, myId, "no route from " + myName + " to context " + m.dst + why), null);
            } else if (!m.isDead()) {
                LOG.fine("dropped " + m + ": no route to context " + m.dst);
            }
        }
    }

    private void deliver(Message m) {
        if (m.isDead() && m.handle < Handles.FIRST_USER_HANDLE) {
            // standard handles serve requests (ids, routes, classes, logs, calls, cancels, shutdown): a dead message
            // is never one, and arrives only by mistake or by design (a message whose reply_to names such a handle)
            dropDead(m);
            return;
        }
        Registration r = handlers.get(m.handle);
        if (r == null) {
            if (!m.isDead() && m.replyTo != Handles.NO_REPLY) {
                route(Message.deadReplyTo(m, myId, "no handler for handle " + m.handle + " in " + myName), null);
            } else if (!m.isDead()) {
                LOG.fine("dropped " + m + ": no handler for handle " + m.handle);
            }
            return;
        }
        if (r.respondent >= 0 && m.src != r.respondent && m.src != myId && !refusalOnTheWay(m, r.respondent)) {
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
        if (!r.persist && !handlers.remove(m.handle, r)) return; // another message took this one-shot handler
        try {
            r.handler.handle(m);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "handler for " + m.handle + " failed on " + m, e);
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
    private boolean refusalOnTheWay(Message m, int respondent) {
        return m.isDead() && parent != null && isParentChain(m.src) && m.authId == m.src
                && streamFor(respondent) == parent;
    }

    /** Logs and drops a dead message sent to a standard handle (see {@link #deliver}). */
    private void dropDead(Message m) {
        // the reason is whatever the sender put there: printable characters only, and not much of it
        String reason = m.deadReason().codePoints().limit(200)
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        LOG.warning("dropped dead message " + m + " to handle " + m.handle + " from context " + m.src
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
            LOG.warning("refused " + what + " " + m + " from " + from.name() + ": its data is not one context id");
            return;
        }
        int id = java.nio.ByteBuffer.wrap(m.data).getInt();
        if (from == parent) {
            // ids behind the parent need no ADD_ROUTE: everything unknown goes to the parent
            if (m.handle == Handles.DEL_ROUTE && m.src == parentId() && m.authId == parentId() && id != myId
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
        } else {
            Grant g = grantFor(id);
            if (routes.containsKey(id)) refusal = "it already has a route";
            else if (g == null || g.stream() != from) refusal = "not an id given to that part of the tree";
            else if (!g.claim(id)) refusal = "that id was routed before, and ids are never reused";
            else refusal = null;
        }
        if (refusal != null) {
            LOG.warning("refused " + what + " for context " + id + " from " + from.name() + ": " + refusal);
            return;
        }
        if (routes.putIfAbsent(id, from) != null) return;
        if (parent == null) trackSent(id);
        else send(new Message(parentId(), myId, myId, Handles.ADD_ROUTE, Handles.NO_REPLY, m.data));
    }

    boolean isParentChain(int contextId) {
        return parentIds.contains(contextId);
    }

    // ---- codecs ---------------------------------------------------------------------------------------------------

    byte[] encode(int tag, Object value) {
        return sendCodec.encode(tag, value);
    }

    /** Like {@link #encode}, always in Kryo's form (see {@link Codec#encodeWithKryo}); for tests. */
    byte[] encodeWithKryo(int tag, Object value) {
        return sendCodec.encodeWithKryo(tag, value);
    }

    /**
     * Decodes the value of {@code m}: trusted if it carries the authority of this context's parent chain, else as
     * data from another context (allow-listed, bounded, and given up at {@code deadline} if {@code timed}).
     */
    Object decode(Message m, boolean timed, long deadline) {
        Codec codec = parent != null && isParentChain(m.authId) ? sendCodec : dataCodec;
        // a Context in the data becomes one of ours
        return Context.readBy(this, () -> codec.decode(m.data, timed, deadline));
    }

    /**
     * A call of a function of class {@code functionClass} is about to be sent: what it reaches becomes acceptable in
     * data from children ({@link CallClasses}). On the calling thread, before the call is sent.
     */
    void sentForCall(String functionClass) {
        callClasses.sent(functionClass);
    }

    /** The config of a child this context starts: it inherits the limits and data rules. */
    ChildConfig childConfig(int id, String name, String logLevel, boolean debug) {
        return new ChildConfig(id, name, childParentIds(), maxMessageSize, logLevel, debug, unidirectional,
                stallTimeout.toMillis(), dataLimits.maxDepth(), dataLimits.maxElements(), dataPackages);
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
        Stream s = routes.get(id);
        if (s != null && s != parent && s.remoteId() == id) {
            s.close(null); // its reader hears of it at once, on this thread: the context is forgotten on return
            return;
        }
        Context via = context.via();
        if (via == null || !via.isConnected()) return;
        try {
            // via's DEL_ROUTE for it comes up the same stream ahead of the reply
            via.callAsync(() -> {
                Router r = Router.current();
                Context c = r.contextById(id);
                if (c != null) r.disconnect(c);
                return null;
            }).get(Duration.ofSeconds(10));
        } catch (JitogenError e) {
            LOG.warning("could not disconnect " + context.name() + " through " + via.name() + ": " + e.getMessage());
        }
    }

    /**
     * Disconnects every context this router started itself, and with them every context they started (Mitogen's
     * {@code disconnect_all}). The router stays open for new contexts. Any thread.
     */
    public void disconnectAll() {
        for (Branch b : List.copyOf(branches.values())) b.stream.close(null);
    }

    /**
     * Registers a connect in progress: {@code cancel} runs if the router closes before {@link #connected} is called,
     * and must end the connect at once. False, with nothing registered, if the router is closing already.
     */
    boolean connecting(Runnable cancel) {
        connecting.add(cancel);
        if (closed.get()) {
            connecting.remove(cancel);
            return false;
        }
        return true;
    }

    /** The connect registered with {@code cancel} has ended, one way or the other. */
    void connected(Runnable cancel) {
        connecting.remove(cancel);
    }

    /**
     * Shuts every context down: connects in progress are cancelled and every waiter (receivers, calls) gets a dead
     * message at once; then SHUTDOWN, and after the grace period the processes that remain are killed. Returns once
     * no child process is left.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        for (Runnable cancel : connecting) cancel.run();
        endWaits();
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

    /** Every handler still registered gets a dead message, so no waiter stays blocked on a closed router. */
    private void endWaits() {
        String why = closedReason();
        for (Map.Entry<Integer, Registration> e : handlers.entrySet()) {
            int handle = e.getKey();
            // standard handles serve requests: no one waits on them
            if (handle < Handles.FIRST_USER_HANDLE || !handlers.remove(handle, e.getValue())) continue;
            try {
                e.getValue().handler.handle(dead(handle, myId, why));
            } catch (RuntimeException x) {
                LOG.log(Level.WARNING, "handler for " + handle + " failed on the router's close", x);
            }
        }
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
         * {@link DataAllowList}). Children inherit it.
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
