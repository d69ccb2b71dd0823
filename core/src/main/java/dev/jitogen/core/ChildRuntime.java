package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFetcher;
import dev.jitogen.core.classload.ClassRelay;
import dev.jitogen.core.classload.ClassRequests;
import dev.jitogen.core.classload.LoadClass;
import dev.jitogen.core.classload.ParentLink;
import dev.jitogen.core.classload.ReceivedClasses;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * What makes a router a child context: class fetching from the parent (and relaying to its own children), the call
 * queue, CANCEL and SHUTDOWN. One per child context: a child JVM has one ({@link ChildMain}), and an in-process
 * context ({@link Router#inProcess}) has its own in the JVM it shares.
 *
 * <p>Threads: the context's main thread runs calls ({@link #runCalls}), one at a time in arrival order; handlers run
 * on the thread reading the parent stream and only enqueue or interrupt. When idle, the main thread reads the parent
 * stream itself (it takes the stream's read role: see {@link Stream}), so that a call reaches it with no thread
 * wake-up; it gives the role back to the stream's reader thread before it runs the call (user code, and the
 * decoding that may fetch classes), so a call that blocks never stops the frames behind it. When a call arrives
 * while the reader thread reads and the main thread is idle, the reader thread hands the role back with it. {@link #current()} finds the runtime of the
 * calling thread: the main thread of an in-process context and the threads it starts see theirs, every other thread
 * of a child JVM sees the JVM's. The class relay is built once, with the router's parent layer, on the thread that
 * starts a first child, under the monitor of {@code received} (held only for that).
 *
 * <p>Why this file is over 400 lines (about 330 of code): it is a boot class, and nearly all of it runs in every
 * child, at start or on the parent stream's frames (calls, cancels, shutdown, class answers, the main thread's read
 * loop; what only a context with children adds is a few delegations); each class split off would be one more class
 * every child receives and loads before its first reply, a few hundred bytes deflated and a class definition each.
 */
final class ChildRuntime implements Router.MessageHandler, ParentLink {
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
    /** The main thread waits in the call queue: a call handed to it should bring the read role with it. */
    private volatile boolean idle;
    private volatile boolean exiting;
    /** Set by DETACHING from the parent chain: the end of the parent's stream no longer ends this context. */
    private volatile boolean detached;
    /** Detached and the parent is gone: the main loop exits once no call is left. */
    private volatile boolean orphaned;
    /** Put in the call queue to wake an idle main loop; not a call. */
    private static final Message WAKE = new Message(0, 0, 0, 0, Handles.NO_REPLY, null);
    /** Flushed after each call so a call's output precedes its reply; null in-process (output is the JVM's own). */
    private volatile LogForwarder.Lines stdout, stderr;

    /** Fetches what this context's loader lacks from the parent. */
    private final ClassFetcher fetcher;
    /** What the parent sent: for this context's own calls, and to relay to its children. */
    private final ReceivedClasses received = new ReceivedClasses();
    /**
     * For this context's own children: classes it received, relayed without asking its parent twice. Built with the
     * parent layer, before a first child starts ({@link #relay()}); null before.
     */
    private volatile ClassRelay relay;

    /**
     * Wires {@code router} as a child: its loader asks the parent for classes missing from {@code classes} through
     * {@link #fetcher()}, which the caller gives the loader.
     */
    ChildRuntime(Router router, ClassLoader loader, Map<String, byte[]> classes, Consumer<String> exit) {
        this.router = router;
        this.loader = loader;
        this.exit = exit;
        this.fetcher = new ClassFetcher(classes, this);
        router.runtime(this);
        // last: from here on a reader thread may call handle(), so every field must be set above this line
        for (int handle : HANDLES) router.addHandler(handle, this, -1, true);
    }

    /** The handles this runtime handles (see {@link #handle}); in a child, messages to them come from anywhere. */
    private static final int[] HANDLES = {Handles.LOAD_CLASS, Handles.GET_CLASS, Handles.CALL_FUNCTION,
            Handles.CANCEL, Handles.SHUTDOWN, Handles.DETACHING};

    /** The fetcher the context's loader asks for the classes it lacks. */
    ClassFetcher fetcher() {
        return fetcher;
    }

    /**
     * Handles what the parent chain sends a child, and refuses it from anyone else. Reader thread: only enqueues,
     * interrupts or replies, never blocks. One handler for all of them, not a lambda each: see {@link ParentLink}.
     */
    @Override
    public void handle(Message m) {
        Router r = router;
        switch (m.handle) {
            case Handles.LOAD_CLASS -> {
                if (!r.isParentChain(m.authId)) { // code only from the parent chain
                    Log.warning("refused LOAD_CLASS from context " + m.authId + ": not in the parent chain");
                    return;
                }
                byte[] payload;
                try {
                    payload = LoadClass.inflated(m.data, r.maxMessageSize());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("malformed LOAD_CLASS message", e);
                }
                java.util.List<String> names = received.store(payload);
                ClassRelay relay = this.relay;
                if (relay != null) relay.onAnswer(names);
                fetcher.onLoadClass(payload);
            }
            case Handles.GET_CLASS -> {
                if (r.sentTo(m.src) == null) return;
                // a child's own fetcher never asks for such a name: only a broken or hostile one does, and it gets no answer
                String name = ClassRequests.className(m.data);
                if (name == null || ClassFetcher.malformed(name) != null) {
                    Log.fine("refused a class request from context " + m.src + ": not a class name");
                    return;
                }
                ClassRelay relay = this.relay;
                if (relay != null) relay.onRequest(m.src, name); // built with the parent layer, before any child
            }
            case Handles.CALL_FUNCTION -> {
                // refused on arrival, not when the main thread gets to it: a call from outside the parent chain must
                // neither wait behind a long call nor take queue memory
                if (r.isParentChain(m.authId)) {
                    calls.add(m);
                    if (idle) Stream.handBack(); // the main thread reads the next frame itself, after this call
                } else {
                    refuseCall(m);
                }
            }
            case Handles.CANCEL -> {
                if (!r.isParentChain(m.authId) || m.data.length != 4) return;
                int handle = java.nio.ByteBuffer.wrap(m.data).getInt();
                synchronized (runningLock) {
                    if (handle == 0) return;
                    Thread main = mainThread;
                    if (handle == running && main != null) main.interrupt();
                    else if (cancelled.size() < 10_000) cancelled.add(handle); // still queued: it will not run
                }
            }
            case Handles.SHUTDOWN -> {
                if (r.isParentChain(m.authId)) exit("shutdown requested");
            }
            case Handles.DETACHING -> onDetaching(m);
            default -> throw new IllegalStateException("not a handle of the child runtime: " + m.handle);
        }
    }

    /**
     * The relay, built with the parent layer ({@link ChildLayer#parentLayerBuilt}), on the thread that starts this
     * context's first child. Building it loads what the reader threads then run for this context's children (the
     * relay, the constant pool reader, the class requests' checks, deflating for a network), so that none of them
     * waits for a class: they come with the parent layer's family, but a family can arrive in part when a large
     * answer leaves it no room, and then they are fetched here, on a thread that may wait. A GET_CLASS can reach a
     * reader thread only from a child, so after this.
     */
    ClassRelay relay() {
        ClassRelay r = relay;
        if (r != null) return r;
        synchronized (received) {
            if (relay == null) {
                for (String name : READER_CLASSES) {
                    try {
                        Class.forName(name, false, loader); // loaded, not initialised
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException("the parent layer's class " + name + " is missing: " + e, e);
                    }
                }
                relay = r = new ClassRelay(received, this);
            }
            return relay;
        }
    }

    /** Classes of the parent layer's family that a reader thread runs for this context's children. */
    private static final String[] READER_CLASSES = {"dev.jitogen.core.classload.ClassRelay",
            "dev.jitogen.core.classload.ClassRelay$Waiting", "dev.jitogen.core.classload.ConstantPool",
            "dev.jitogen.core.classload.ClassRequests", "dev.jitogen.core.classload.DeflatedAnswers"};

    ReceivedClasses received() {
        return received;
    }

    private void onDetaching(Message m) {
        Router r = router;
        if (!r.isParentChain(m.authId)) {
            Log.warning("refused DETACHING from context " + m.authId + ": not in the parent chain");
            if (m.replyTo != Handles.NO_REPLY) {
                r.send(Message.deadReplyTo(m, r.myId(), "context " + r.myName() + " takes DETACHING only from "
                        + "its parent chain"));
            }
            return;
        }
        detached = true;
        Log.fine("[" + r.myName() + "] detached: it outlives its parent, until its calls are done");
        if (m.replyTo != Handles.NO_REPLY) {
            r.send(new Message(m.src, r.myId(), r.myId(), m.replyTo, Handles.NO_REPLY, null));
        }
    }

    @Override
    public void askParent(String name) {
        Router r = router;
        r.send(new Message(r.parentId(), r.myId(), r.myId(), Handles.GET_CLASS, Handles.NO_REPLY,
                name.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void answerChild(int child, byte[] payload) {
        router.sendClasses(child, payload);
    }

    @Override
    public Set<String> sentTo(int child) {
        return router.sentTo(child);
    }

    /** The bundle's families: asked only once this context has children, so it has the parent layer. */
    @Override
    public Set<String> family(String name) {
        return CoreBundle.get().family(name);
    }

    @Override
    public boolean notSentAhead(String name) {
        return CoreBundle.notSentAhead(name);
    }

    @Override
    public NoClassDefFoundError denial(String reason) {
        return new ClassDeniedByPolicyError(reason);
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

    /** The child JVM's standard output and error, which this runtime flushes after each call. */
    void output(LogForwarder.Lines stdout, LogForwarder.Lines stderr) {
        this.stderr = stderr;
        this.stdout = stdout;
    }

    /** Starts reading the parent stream, whose end ends this context (see {@link #parentGone}). */
    void attachParent() {
        router.core().attachParent(cause -> parentGone(cause == null ? "parent disconnected"
                : "parent stream failed: " + cause.getMessage()));
    }

    /**
     * The parent's stream has ended (reader thread). A context that is not detached exits at once, even with a call
     * hung; a detached one finishes the calls it has, then exits.
     */
    void parentGone(String why) {
        if (!detached) {
            exit(why);
            return;
        }
        orphaned = true;
        calls.add(WAKE);
    }

    /** Ends this context (idempotent); the parent sees its stream end. */
    void exit(String why) {
        if (exiting) return;
        exiting = true;
        exit.accept(why);
        Thread main = mainThread;
        if (main != null && main != Thread.currentThread()) main.interrupt();
    }

    /** True once a parent detached this context. */
    boolean detached() {
        return detached;
    }

    boolean exiting() {
        return exiting;
    }

    /** Runs calls on the calling thread, which becomes the context's main thread, until the context exits. */
    void runCalls() {
        mainThread = Thread.currentThread();
        CURRENT.set(this);
        Stream parent = router.core().parentStream();
        while (!exiting) {
            Message m = calls.poll();
            if (m == null && orphaned) {
                exit("detached, its parent is gone and its calls are done");
                break;
            }
            if (m == null) {
                router.core().flushParent(); // replies held back while more calls were queued (see run)
                if (parent != null && parent.tryLead()) {
                    readUntilCalled(parent);
                    continue;
                }
                idle = true;
                try {
                    m = calls.take();
                } catch (InterruptedException e) {
                    continue; // a late CANCEL, or exit: the loop condition decides
                } finally {
                    idle = false;
                }
            }
            if (m != WAKE) run(m);
        }
    }

    /**
     * Reads the parent stream on the main thread, which holds its read role, until a call is queued, the stream
     * ends, or the context exits; then gives the role up, before any call runs: to the reader thread at once if
     * more frames are waiting (a burst of calls, which it reads while this thread runs them), else for as long as
     * the call takes.
     */
    private void readUntilCalled(Stream parent) {
        boolean more = false;
        try {
            while (!exiting && parent.readFrame()) {
                if (!calls.isEmpty()) {
                    more = parent.hasBuffered();
                    return;
                }
            }
        } finally {
            if (more) parent.handOff();
            else parent.stepDown();
        }
    }

    /** Refuses a call from outside the parent chain, with a dead reply if one is wanted. Reader thread. */
    private void refuseCall(Message m) {
        Log.warning("refused CALL_FUNCTION from context " + m.authId + ": only the parent chain may call");
        if (m.replyTo != Handles.NO_REPLY) {
            router.send(Message.deadReplyTo(m, router.myId(), "context " + router.myName() + " refuses calls from "
                    + "context " + m.authId + ": not in its parent chain"));
        }
    }

    private void run(Message m) {
        Router r = router;
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
            CallSpec spec = (CallSpec) r.decode(m, false, 0); // from the parent chain (checked above): trusted
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
            if (m.replyTo == Handles.NO_REPLY) Log.warning("call with no reply failed", t);
        } finally {
            synchronized (runningLock) {
                running = 0;
                Thread.interrupted(); // a late CANCEL must not leak into the next call
            }
        }
        LogForwarder.Lines out = stdout, err = stderr;
        if (out != null) out.flushLine();
        if (err != null) err.flushLine();
        if (m.replyTo == Handles.NO_REPLY || exiting) return; // exiting: the caller hears of the loss instead
        byte[] data;
        String type = result == null ? "null" : result.getClass().getName();
        try {
            data = r.encode(ok ? Receiver.VALUE : Receiver.FAILURE, result);
        } catch (Throwable e) {
            // not a value, over the max message size (the codec stops there), or more than this JVM's memory can
            // encode: the call fails saying why, and the context lives on for the next call
            result = null; // what did not fit must not stay reachable while the failure is encoded
            String why = "cannot send a value of type " + type + " back from " + r.myName() + ": " + e.getMessage();
            data = failure(e.getClass().getName(), why);
            if (data == null) {
                // not even a failure could be encoded (Kryo could not be had): the caller must not wait for ever
                r.send(Message.deadReplyTo(m, r.myId(), why));
                return;
            }
        }
        Message reply = new Message(m.src, r.myId(), r.myId(), m.replyTo, Handles.NO_REPLY, data);
        // with calls queued behind this one (pipelined callAsync), replies share writes: runCalls flushes when idle
        if (calls.isEmpty() || !r.core().sendUnflushedToParent(reply)) r.send(reply);
    }

    /** A failure reply saying {@code message}; if even that cannot be encoded, a shorter one, or null (logged). */
    private byte[] failure(String className, String message) {
        try {
            return router.encode(Receiver.FAILURE, RemoteFailure.of(className, message));
        } catch (Throwable e) {
            try {
                return router.encode(Receiver.FAILURE, RemoteFailure.of(className, "the result could not be sent"));
            } catch (Throwable again) {
                Log.severe("cannot send a failure back: " + message, again);
                return null;
            }
        }
    }

    /** Forgets a chain's failure ({@link CallChain#reset()}). Main thread. */
    void forgetChain(String chain) {
        failedChains.remove(chain);
    }
}
