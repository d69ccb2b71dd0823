package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFetcher;
import dev.jitogen.core.classload.ClassRelay;
import dev.jitogen.core.classload.ClassRequests;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * What makes a router a child context: class fetching from the parent (and relaying to its own children), the call
 * queue, CANCEL and SHUTDOWN. One per child context: a child JVM has one ({@link ChildMain}), and an in-process
 * context ({@link Router#inProcess}) has its own in the JVM it shares.
 *
 * <p>Threads: the context's main thread runs calls ({@link #runCalls}), one at a time in arrival order; handlers run
 * on the parent stream's reader thread and only enqueue or interrupt. {@link #current()} finds the runtime of the
 * calling thread: the main thread of an in-process context and the threads it starts see theirs, every other thread
 * of a child JVM sees the JVM's.
 */
final class ChildRuntime {
    private static final InheritableThreadLocal<ChildRuntime> CURRENT = new InheritableThreadLocal<>();
    /** The runtime of this JVM when it is a child JVM; null in a master. */
    private static volatile ChildRuntime processWide;

    final Router router;
    private final ClassLoader loader;
    /** Ends the context: in a child JVM, the process; in-process, its router and main loop. */
    private final Consumer<String> exit;
    private final LinkedBlockingQueue<Message> calls = new LinkedBlockingQueue<>();
    /** Guards {@link #running} and {@link #cancelled}: a CANCEL interrupts the main thread only while its call runs. */
    private final Object runningLock = new Object();
    /** Reply handle of the call running on the main thread, or 0. */
    private int running;
    /** Reply handles of queued calls cancelled before they ran. Guarded by runningLock. */
    private final Set<Integer> cancelled = new HashSet<>();
    /** Chains whose calls failed, with the failure: later calls of the chain are refused until reset. Main thread. */
    private final Map<String, String> failedChains = new HashMap<>();
    private volatile Thread mainThread;
    private volatile boolean exiting;
    /** Flushed after each call so a call's output precedes its reply; null in-process (output is the JVM's own). */
    private volatile Runnable flushOutput = () -> {};

    /**
     * Wires {@code router} as a child: classes missing from {@code classes} are fetched from the parent through
     * {@code setFetcher}'s loader.
     */
    ChildRuntime(Router router, ClassLoader loader, Map<String, byte[]> classes,
                 Consumer<Function<String, byte[]>> setFetcher, Consumer<String> exit) {
        this.router = router;
        this.loader = loader;
        this.exit = exit;
        Router r = router;
        int parentId = r.parentId();
        Consumer<String> askParent = name -> r.send(new Message(parentId, r.myId(), r.myId(), Handles.GET_CLASS,
                Handles.NO_REPLY, name.getBytes(StandardCharsets.UTF_8)));
        ClassFetcher fetcher = new ClassFetcher(classes, askParent);
        setFetcher.accept(fetcher);
        // for this context's own children: classes it received, relayed without asking its parent twice
        ClassRelay relay = new ClassRelay(askParent, (child, payload) -> r.send(new Message(child, r.myId(), r.myId(),
                Handles.LOAD_CLASS, Handles.NO_REPLY, payload)), r::sentTo);
        r.relay(relay);
        r.addHandler(Handles.LOAD_CLASS, m -> {
            if (!r.isParentChain(m.authId)) { // code only from the parent chain
                Router.LOG.warning("refused LOAD_CLASS from context " + m.authId + ": not in the parent chain");
                return;
            }
            relay.onAnswer(m.data);
            fetcher.onLoadClass(m.data);
        }, -1, true);
        r.addHandler(Handles.GET_CLASS, m -> {
            if (r.sentTo(m.src) == null) return;
            String name = ClassRequests.className(m.data);
            if (name != null) relay.onRequest(m.src, name);
            else Router.LOG.fine("refused a class request from context " + m.src + ": not a class name");
        }, -1, true);
        r.addHandler(Handles.CALL_FUNCTION, calls::add, -1, true);
        r.addHandler(Handles.CANCEL, m -> {
            if (!r.isParentChain(m.authId) || m.data.length != 4) return;
            int handle = java.nio.ByteBuffer.wrap(m.data).getInt();
            synchronized (runningLock) {
                if (handle == 0) return;
                Thread main = mainThread;
                if (handle == running && main != null) main.interrupt();
                else if (cancelled.size() < 10_000) cancelled.add(handle); // still queued: it will not run
            }
        }, -1, true);
        r.addHandler(Handles.SHUTDOWN, m -> {
            if (r.isParentChain(m.authId)) exit("shutdown requested");
        }, -1, true);
    }

    /** This JVM's runtime, as a child JVM. */
    static void processWide(ChildRuntime runtime) {
        processWide = runtime;
    }

    /** The runtime of the context the calling thread belongs to, or null in a master. */
    static ChildRuntime current() {
        ChildRuntime c = CURRENT.get();
        return c != null ? c : processWide;
    }

    /** For the router's own threads, which belong to no context's calls. */
    static void clearCurrent() {
        CURRENT.remove();
    }

    void flushOutput(Runnable flush) {
        this.flushOutput = flush;
    }

    /** Ends this context (idempotent); the parent sees its stream end. */
    void exit(String why) {
        if (exiting) return;
        exiting = true;
        exit.accept(why);
        Thread main = mainThread;
        if (main != null && main != Thread.currentThread()) main.interrupt();
    }

    boolean exiting() {
        return exiting;
    }

    /** Runs calls on the calling thread, which becomes the context's main thread, until the context exits. */
    void runCalls() {
        mainThread = Thread.currentThread();
        CURRENT.set(this);
        while (!exiting) {
            Message m = calls.poll();
            if (m == null) {
                router.flushParent(); // replies held back while more calls were queued (see run)
                try {
                    m = calls.take();
                } catch (InterruptedException e) {
                    continue; // a late CANCEL, or exit: the loop condition decides
                }
            }
            run(m);
        }
    }

    private void run(Message m) {
        Router r = router;
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
        synchronized (runningLock) {
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
            synchronized (runningLock) {
                running = 0;
                Thread.interrupted(); // a late CANCEL must not leak into the next call
            }
        }
        flushOutput.run();
        if (m.replyTo == Handles.NO_REPLY || exiting) return; // exiting: the caller hears of the loss instead
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
        Message reply = new Message(m.src, r.myId(), r.myId(), m.replyTo, Handles.NO_REPLY, data);
        // with calls queued behind this one (pipelined callAsync), replies share writes: runCalls flushes when idle
        if (calls.isEmpty() || !r.sendUnflushedToParent(reply)) r.send(reply);
    }

    /** Forgets a chain's failure ({@link CallChain#reset()}). Main thread. */
    void forgetChain(String chain) {
        failedChains.remove(chain);
    }
}
