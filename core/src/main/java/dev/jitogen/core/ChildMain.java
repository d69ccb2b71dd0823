package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFetcher;
import dev.jitogen.core.classload.ClassRelay;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * The runtime's entry point in a child, called by the first stage on the JVM's main thread. Sets up the router on
 * the parent stream, fetches missing classes from the parent, forwards stdout, stderr and logging to the master, and
 * then runs calls, one at a time in arrival order, on the main thread.
 *
 * <p>Threads: the main thread runs calls (user code); the parent stream's reader thread routes and never runs user
 * code; SHUTDOWN or the loss of the parent ends the process from a separate thread, even while a call is hung.
 */
public final class ChildMain {
    private static final LinkedBlockingQueue<Message> calls = new LinkedBlockingQueue<>();
    private static volatile Router router;
    private static volatile LogForwarder.Lines stdout, stderr;
    /** Guards {@link #running}: a CANCEL interrupts the main thread only while the call it names runs. */
    private static final Object RUNNING_LOCK = new Object();
    /** Reply handle of the call running on the main thread, or 0. */
    private static int running;
    /** Chains whose calls failed, with the failure: later calls of the chain are refused until reset. Main thread. */
    private static final Map<String, String> failedChains = new java.util.HashMap<>();
    /** Reply handles of queued calls cancelled before they ran. Guarded by RUNNING_LOCK. */
    private static final java.util.Set<Integer> cancelled = new java.util.HashSet<>();
    private static Thread mainThread;
    /** What the first stage kept for starting children: its own bytes and the compressed bundle; null in a master. */
    private static volatile byte[] firstStage, bundle;

    private ChildMain() {}

    /** Called reflectively by {@code dev.jitogen.bootstrap.FirstStage}. Not for users. */
    @SuppressWarnings("unchecked")
    public static void main(ClassLoader loader, String remoteName, InputStream in, OutputStream out, byte[] configBytes)
            throws Exception {
        ChildConfig config = ChildConfig.decode(configBytes);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        Stream parent = new Stream("parent", in, out, config.maxMessageSize());
        Router r = new Router(config.id(), config.name(), config.parentIds(), parent, loader, config.maxMessageSize(),
                config.unidirectional());
        router = r;
        Router.current(r);

        Map<String, byte[]> classes = (Map<String, byte[]>) loader.getClass().getField("classes").get(loader);
        firstStage = (byte[]) loader.getClass().getField("firstStage").get(loader);
        bundle = (byte[]) loader.getClass().getField("bundle").get(loader);
        int parentId = config.parentIds().get(config.parentIds().size() - 1);
        java.util.function.Consumer<String> askParent = name -> r.send(new Message(parentId, r.myId(), r.myId(),
                Handles.GET_CLASS, Handles.NO_REPLY, name.getBytes(StandardCharsets.UTF_8)));
        ClassFetcher fetcher = new ClassFetcher(classes, askParent);
        loader.getClass().getField("fetcher").set(loader, (Function<String, byte[]>) fetcher);
        // for this context's own children: classes it received, relayed without asking its parent twice
        ClassRelay relay = new ClassRelay(askParent, (child, payload) -> r.send(new Message(child, r.myId(), r.myId(),
                Handles.LOAD_CLASS, Handles.NO_REPLY, payload)), r::sentTo);
        r.addHandler(Handles.LOAD_CLASS, m -> {
            if (!r.isParentChain(m.authId)) { // code only from the parent chain
                Router.LOG.warning("refused LOAD_CLASS from context " + m.authId + ": not in the parent chain");
                return;
            }
            relay.onAnswer(m.data);
            fetcher.onLoadClass(m.data);
        }, -1, true);
        r.addHandler(Handles.GET_CLASS, m -> {
            if (r.sentTo(m.src) != null) relay.onRequest(m.src, new String(m.data, StandardCharsets.UTF_8));
        }, -1, true);
        r.addHandler(Handles.CALL_FUNCTION, calls::add, -1, true);
        mainThread = Thread.currentThread();
        r.addHandler(Handles.CANCEL, m -> {
            if (!r.isParentChain(m.authId) || m.data.length != 4) return;
            int handle = java.nio.ByteBuffer.wrap(m.data).getInt();
            synchronized (RUNNING_LOCK) {
                if (handle == 0) return;
                if (handle == running) mainThread.interrupt();
                else if (cancelled.size() < 10_000) cancelled.add(handle); // still queued: it will not run
            }
        }, -1, true);
        r.addHandler(Handles.SHUTDOWN, m -> {
            if (r.isParentChain(m.authId)) exit("shutdown requested");
        }, -1, true);

        String env = System.getenv("JITOGEN_LOG_LEVEL");
        Level level = Router.parseLevel(env != null && !env.isBlank() ? env : config.logLevel());
        LogForwarder.install(r, config.debug() ? Level.FINE : level);
        stdout = new LogForwarder.Lines(r, "stdout");
        stderr = new LogForwarder.Lines(r, "stderr");
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));

        out.write(Bootstrap.CHILD_READY.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        r.attachParent();
        Thread.currentThread().setName("jitogen-main");
        while (true) run(r, loader, calls.take()); // ends with the process (see exit)
    }

    private static void run(Router r, ClassLoader loader, Message m) {
        if (!r.isParentChain(m.authId)) {
            Router.LOG.warning("refused CALL_FUNCTION from context " + m.authId + ": only the parent chain may call");
            if (m.replyTo != Handles.NO_REPLY) {
                r.send(Message.deadReplyTo(m, r.myId(), "context " + r.myName() + " refuses calls from context "
                        + m.authId + ": not in its parent chain"));
            }
            return;
        }
        Object result;
        boolean ok;
        boolean skip;
        synchronized (RUNNING_LOCK) {
            skip = cancelled.remove(m.replyTo);
            running = skip ? 0 : m.replyTo;
        }
        String chain = null;
        try {
            if (skip) throw new InterruptedException("the call was cancelled before it ran");
            CallSpec spec = (CallSpec) r.decode(m.data);
            chain = spec.chain;
            String earlier = chain == null ? null : failedChains.get(chain);
            if (earlier != null) {
                throw new IllegalStateException("not run: an earlier call of this chain failed (" + earlier
                        + "); reset the chain to go on");
            }
            result = spec.invoke(loader);
            ok = true;
        } catch (Throwable t) {
            result = RemoteFailure.of(t);
            ok = false;
            if (chain != null) failedChains.putIfAbsent(chain, t.toString());
            if (m.replyTo == Handles.NO_REPLY) Router.LOG.log(Level.WARNING, "call with no reply failed", t);
        } finally {
            synchronized (RUNNING_LOCK) {
                running = 0;
                Thread.interrupted(); // a late CANCEL must not leak into the next call
            }
        }
        stdout.flushLine();
        stderr.flushLine();
        if (m.replyTo == Handles.NO_REPLY) return;
        byte[] data;
        try {
            data = r.encode(ok ? Receiver.VALUE : Receiver.FAILURE, result);
            if (data.length > r.maxMessageSize()) {
                data = r.encode(Receiver.FAILURE, RemoteFailure.of(JitogenError.class.getName(), "the result is "
                        + data.length + " bytes, over the max message size " + r.maxMessageSize()));
            }
        } catch (RuntimeException e) {
            String type = result == null ? "null" : result.getClass().getName();
            data = r.encode(Receiver.FAILURE, RemoteFailure.of(e.getClass().getName(), "cannot send a value of type "
                    + type + " back from " + r.myName() + ": " + e.getMessage()));
        }
        r.send(new Message(m.src, r.myId(), r.myId(), m.replyTo, Handles.NO_REPLY, data));
    }

    /**
     * Called by the master (CALL_FUNCTION, so only from the parent chain) to start a local child of this context
     * with the id the master allocated. Not for users.
     */
    public static long startLocal(Integer id, String name, LocalOptions options) {
        return router.startLocalChild(id, name, options);
    }

    /** Called by {@link CallChain#reset()}: the chain's earlier failure is forgotten. Not for users. */
    public static void forgetChain(String chain) {
        failedChains.remove(chain);
    }

    static byte[] firstStage() {
        return firstStage;
    }

    static byte[] bundle() {
        return bundle;
    }

    /** The parent stream ended: nobody can use this context any more. Called on the reader thread. */
    static void parentGone(Throwable cause) {
        exit(cause == null ? "parent disconnected" : "parent stream failed: " + cause.getMessage());
    }

    /**
     * Ends the process from a fresh thread, even if a call is hung on the main thread; halts if shutdown hooks take
     * more than a second.
     */
    static void exit(String why) {
        Thread t = new Thread(() -> {
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
                Runtime.getRuntime().halt(0);
            }, "jitogen-halt");
            halt.setDaemon(true);
            halt.start();
            if (stdout != null) stdout.flushLine();
            if (stderr != null) stderr.flushLine();
            System.exit(0);
        }, "jitogen-exit: " + why);
        t.setDaemon(true);
        t.start();
    }
}
