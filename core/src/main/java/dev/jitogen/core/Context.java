package dev.jitogen.core;

import com.esotericsoftware.kryo.DefaultSerializer;
import dev.jitogen.core.serial.Lambdas;
import dev.jitogen.core.spi.Bootstrap;
import dev.jitogen.core.spi.ChildProcess;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A handle on another context: call functions in it, shut it down. Calls to one context run there one at a time,
 * in the order they arrive, on its main thread; routing, class serving and shutdown run on other threads, so a long
 * or hung call never blocks them.
 *
 * <p>Threads and locks: any thread may call any method. {@code call} blocks the calling thread until the reply; never
 * call it from a handler or other I/O-thread callback. The locks are {@code recentLog}'s own monitor, held just to
 * add or copy lines, and {@code gone}'s, held just to make the events on first use ({@link #events()}); the rest of
 * the state is final, volatile, atomic or a latch. The router calls
 * {@link #disconnected} and {@link #replied} on I/O threads, which never block here.
 *
 * <p>A context travels as a value (a call argument, a captured value, a result): it is sent as its address (id,
 * name) and arrives as the receiving router's own {@code Context} for that id ({@link ContextSerializer}). In the
 * master that is the object the master already holds; in a child, a context it started itself, or else a new
 * {@code Context} there that addresses that id (calls through it are accepted only by contexts the child is a parent
 * of: see {@code CALL_FUNCTION}'s parent-chain rule).
 *
 * <p>Why this file is over 400 lines: it is the public API of a context, the fifteen call methods and the lifetime
 * (shutdown, detach, kill, events, how it ended), mostly documentation; what it could hand off has gone to
 * {@link UnsendableCall} (why a call cannot be sent), {@link ExitStatus} and {@link ContextSerializer}.
 */
@DefaultSerializer(ContextSerializer.class)
public final class Context {
    private static final int LOG_LINES = 500;

    private final Router router;
    private final int id;
    private final String name;
    private final String method;
    private final ChildProcess process;
    /** The context that started this one, or null if the master did. */
    private final Context via;
    private final long pid;
    private final CountDownLatch gone = new CountDownLatch(1);
    private volatile Throwable disconnectCause;
    /** Set once the context confirmed {@link #detach()}: the router's close leaves it running. */
    private volatile boolean detached;
    /** Last forwarded log lines, newest last; guarded by itself. */
    private final ArrayDeque<String> recentLog = new ArrayDeque<>();
    /** Calls sent with a reply expected whose reply (or dead message) has not arrived, abandoned ones included. */
    private final java.util.concurrent.atomic.AtomicInteger callsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Its named events, made on first use ({@link #events()}): a context nobody listens to never loads them, and a
     * child's start-up leaves them out. Jitogen fires {@link #DISCONNECT} once its stream has ended, at once when they
     * are made after that (firing is idempotent: both sides of that race may fire).
     */
    private volatile Events<Context> events;

    /** The event fired (once, for good) when a context's stream has ended: Mitogen's {@code disconnect} signal. */
    public static final String DISCONNECT = "disconnect";

    /** Set once by the connecting thread before the context is published; see {@link #bootBytes()}. */
    volatile long bootBytes = -1;

    Context(Router router, int id, String name, String method, ChildProcess process, Context via, long pid) {
        this.router = router;
        this.via = via;
        this.pid = pid;
        this.id = id;
        this.name = name;
        this.method = method;
        this.process = process;
    }

    public int id() {
        return id;
    }

    /** The name used in logs and errors, e.g. {@code local}. */
    public String name() {
        return name;
    }

    /** The connection method that started it, e.g. {@code local}. */
    public String method() {
        return method;
    }

    /**
     * The child's process id on its host, or -1 if unknown. An SSH child's is the one it reported as it started; for
     * a tool that starts the JVM as its own child (sudo), the tool's.
     */
    public long pid() {
        return pid;
    }

    /**
     * The bytes this router wrote on the child's stdin to boot it, until the child said it was ready: the core
     * bundle, as sent, and the child's config. The first stage travels in the boot command instead (see
     * {@link Bootstrap#script}). -1 for contexts this router did not start as a process (in-process, via another).
     */
    public long bootBytes() {
        return bootBytes;
    }

    /** The context that started this one as its parent, or null if the master did. */
    public Context via() {
        return via;
    }

    /** False once its stream is gone. */
    public boolean isConnected() {
        return gone.getCount() > 0;
    }

    public Router router() {
        return router;
    }

    /** Up to the last 500 log lines the context forwarded ({@code stdout: ...}, {@code stderr: ...}, loggers). */
    public List<String> recentLog() {
        synchronized (recentLog) {
            return List.copyOf(recentLog);
        }
    }

    // ---- calls ----------------------------------------------------------------------------------------------------

    /** Runs {@code fn} in this context and returns its result. */
    public <T> T call(RemoteCallable<T> fn) {
        return callAsync(fn).get();
    }

    public void call(RemoteRunnable fn) {
        callAsync(fn).get();
    }

    public <A, R> R call(RemoteFunction<A, R> fn, A arg) {
        return callAsync(fn, arg).get();
    }

    public <A, B, R> R call(RemoteBiFunction<A, B, R> fn, A a, B b) {
        return callAsync(fn, a, b).get();
    }

    /** Calls the public static method {@code className.methodName(args)} in this context. */
    public <T> T callStatic(String className, String methodName, Object... args) {
        return this.<T>callStaticAsync(className, methodName, args).get();
    }

    /** Starts {@code fn} and returns at once; the receiver yields its result or failure. */
    public <T> Receiver<T> callAsync(RemoteCallable<T> fn) {
        return start(CallSpec.of(fn), true);
    }

    public Receiver<Void> callAsync(RemoteRunnable fn) {
        return start(CallSpec.of(fn), true);
    }

    public <A, R> Receiver<R> callAsync(RemoteFunction<A, R> fn, A arg) {
        return start(CallSpec.of(fn, arg), true);
    }

    public <A, B, R> Receiver<R> callAsync(RemoteBiFunction<A, B, R> fn, A a, B b) {
        return start(CallSpec.of(fn, a, b), true);
    }

    public <T> Receiver<T> callStaticAsync(String className, String methodName, Object... args) {
        return start(CallSpec.ofStatic(className, methodName, args), true);
    }

    /** Sends {@code fn} and forgets it; a failure is logged by the context, not reported here. */
    public void callNoReply(RemoteRunnable fn) {
        start(CallSpec.of(fn), false);
    }

    public void callNoReply(RemoteCallable<?> fn) {
        start(CallSpec.of(fn), false);
    }

    /** Sends {@code spec} (a call of {@code chain}, or of none). For {@link CallChain}. */
    <T> Receiver<T> start(CallSpec spec, boolean reply, String chain) {
        spec.chain = chain;
        return start(spec, reply);
    }

    private <T> Receiver<T> start(CallSpec spec, boolean reply) {
        List<StaticState.FieldValue> statics = spec.function == null ? List.of()
                : router.staticState().valuesFor(spec.function);
        if (!statics.isEmpty()) {
            spec.statics = new Object[statics.size() * 3];
            for (int i = 0; i < statics.size(); i++) {
                StaticState.FieldValue v = statics.get(i);
                spec.statics[3 * i] = v.className();
                spec.statics[3 * i + 1] = v.fieldName();
                spec.statics[3 * i + 2] = v.value();
            }
        }
        byte[] payload;
        try {
            payload = router.encode(Receiver.VALUE, spec);
        } catch (RuntimeException e) {
            throw UnsendableCall.explain(router, name, spec, statics, e);
        }
        if (payload.length > router.maxMessageSize()) {
            throw new CallError(name, JitogenError.class.getName(), "the call is " + payload.length
                    + " bytes, over the max message size " + router.maxMessageSize(), List.of(), null);
        }
        String functionClass = spec.function != null ? Lambdas.hostClass(spec.function) : spec.className;
        if (functionClass != null) router.sentForCall(functionClass); // before the call leaves: its reply may name it
        if (spec.function != null) router.pushClass(id, functionClass);
        Receiver<T> receiver = reply ? new Receiver<>(router, this, false, true) : null;
        if (reply) callsInFlight.incrementAndGet();
        router.send(new Message(id, router.myId(), router.myId(), Handles.CALL_FUNCTION,
                reply ? receiver.handle() : Handles.NO_REPLY, payload));
        return receiver;
    }

    // ---- lifetime -------------------------------------------------------------------------------------------------

    /**
     * Asks the context to exit and waits for it; works while a call in it is hung. A context that has not exited
     * within the router's grace period is killed. Waiters on its calls get {@link ChannelError}.
     */
    public void shutdown() {
        requestShutdown();
        waitForExit(2, TimeUnit.SECONDS);
        forceKill();
        try {
            gone.await(2, TimeUnit.SECONDS); // the stream's end follows the process's within moments
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the context to interrupt the call whose reply goes to {@code replyHandle}, if it is running. */
    void cancel(int replyHandle) {
        if (!isConnected()) return;
        byte[] data = java.nio.ByteBuffer.allocate(4).putInt(replyHandle).array();
        router.send(new Message(id, router.myId(), router.myId(), Handles.CANCEL, Handles.NO_REPLY, data));
    }

    /**
     * Lets this context outlive its parent (Mitogen's detach, message {@code DETACHING}): the router's
     * {@link Router#close() close} (or the end of the master's JVM) no longer shuts it down or kills it. The child
     * keeps running the call it is running and those already sent to it; once its parent's stream has ended and
     * those calls are done, it exits. Until then it is a context like any other: it takes calls, and
     * {@link #shutdown()} and {@link #kill()} still end it. What it prints after its parent is gone goes nowhere.
     *
     * <pre>{@code
     * Context worker = router.local();
     * worker.callNoReply(() -> Backup.run());   // an hour of work
     * worker.detach();                           // the backup finishes after this program exits
     * }</pre>
     *
     * Blocks until the context confirms (a round trip); call it from the router that started the context (or any
     * router on its parent chain), on any thread but an I/O thread.
     *
     * @throws ChannelError  if the context is gone, or refuses
     * @throws TimeoutError  if it does not confirm within 30 seconds
     */
    public void detach() {
        if (detached) return;
        if (id == router.myId()) {
            throw new UnsupportedOperationException("a context cannot detach itself: its parent detaches it, by "
                    + "calling detach() on the Context it holds for it");
        }
        if (dev.jitogen.core.stream.Stream.isReaderThread()) {
            throw new IllegalStateException("Context.detach() waits for the context's answer: not on a stream "
                    + "reader thread, which would have to deliver it");
        }
        if (!isConnected()) throw new ChannelError("cannot detach context " + name + ": it is not connected");
        java.util.concurrent.CompletableFuture<Message> answer = new java.util.concurrent.CompletableFuture<>();
        int handle = router.addHandler(answer::complete, id, false);
        try {
            router.send(new Message(id, router.myId(), router.myId(), Handles.DETACHING, handle, null));
            Message m = answer.get(30, TimeUnit.SECONDS);
            if (m.isDead()) throw new ChannelError("context " + name + " did not detach: " + m.deadReason());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutError("context " + name + " did not confirm detach() within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JitogenError("interrupted while detaching context " + name, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new JitogenError("detaching context " + name + " failed", e.getCause());
        } finally {
            router.removeHandler(handle);
        }
        detached = true;
    }

    /** True once {@link #detach()} has been confirmed. */
    public boolean isDetached() {
        return detached;
    }

    /** The router's close: asks the context to exit, unless it is detached. */
    void sendShutdownAsync() {
        if (!detached) requestShutdown();
    }

    /** The router's close: waits up to the grace period for it to exit, unless it is detached. */
    void awaitExit(long time, TimeUnit unit) {
        if (!detached) waitForExit(time, unit);
    }

    /** The router's close: kills what is left of it, unless it is detached. */
    void killProcess() {
        if (!detached) forceKill();
    }

    /**
     * Sends SHUTDOWN from another thread: a child that stopped reading its stdin would block the write, and the
     * caller must still reach the kill after the grace period.
     */
    private void requestShutdown() {
        if (!isConnected()) return;
        Thread t = router.broker().threads().newThread(() ->
                router.send(new Message(id, router.myId(), router.myId(), Handles.SHUTDOWN, 0, null)));
        t.setName("jitogen-shutdown-" + name);
        t.start();
    }

    private void waitForExit(long time, TimeUnit unit) {
        try {
            if (process != null) process.waitFor(java.time.Duration.ofNanos(unit.toNanos(time)));
            else gone.await(time, unit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends the context at once, even in the middle of a call that ignores interruption: kills its process if this
     * router started it, else asks it to exit (its router handles that while a call runs) and waits up to two
     * seconds for its stream to end. Waiters on its calls get {@link ChannelError}.
     */
    public void kill() {
        if (process == null) {
            requestShutdown();
            try {
                gone.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        forceKill();
    }

    /** Kills the process if it is still there and waits until it is. */
    private void forceKill() {
        if (process == null) return;
        if (process.isAlive()) process.kill();
        try {
            process.waitFor(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The reply (or dead message) of one of this context's calls arrived. Reader thread. */
    void replied() {
        callsInFlight.updateAndGet(n -> Math.max(0, n - 1));
    }

    /**
     * Calls made to this context whose replies have not arrived yet, including calls whose caller stopped waiting
     * (interrupted, timed out): a context with such calls is busy, and a new call waits behind them.
     */
    public int callsInFlight() {
        return isConnected() ? callsInFlight.get() : 0;
    }

    /**
     * Runs {@code listener} once this context's stream has ended, on a thread of its own (never an I/O thread); at
     * once (on such a thread) if it has already ended. Mitogen's {@code listen(context, 'disconnect', fn)}: the same
     * as {@code events().listen(Context.DISCONNECT, listener)}.
     */
    public void onDisconnect(java.util.function.Consumer<Context> listener) {
        events().listen(DISCONNECT, listener);
    }

    /**
     * This context's named events (Mitogen's listen / fire / unlisten): {@link #DISCONNECT}, fired by Jitogen, and
     * any of your own. Listeners run on threads of their own, never on an I/O thread; see {@link Events}. Events
     * fire on the {@code Context} objects of the router that started or resolved the context.
     */
    public Events<Context> events() {
        Events<Context> e = events;
        if (e == null) {
            synchronized (gone) {
                if (events == null) events = new Events<>(this, name, java.util.Set.of(DISCONNECT));
                e = events;
            }
            if (gone.getCount() == 0) e.fireOnce(DISCONNECT); // it ended before anyone asked
        }
        return e;
    }

    /**
     * How the context ended, in Mitogen's words: {@code exited with return code N}, {@code exited due to signal 9
     * (SIGKILL)}, or the stream error; null while it is connected. Waits up to a second for the process's exit
     * status, so call it off I/O threads.
     */
    public String exitDescription() {
        if (isConnected()) return null;
        if (detached && process != null && process.isAlive()) return "detached; its process " + pid + " runs on";
        Integer status = null;
        if (process != null) {
            try {
                process.waitFor(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            status = process.exitStatus();
        }
        Throwable cause = disconnectCause;
        if (status != null) return ExitStatus.describe(status);
        if (cause != null) return "stream error: " + cause.getMessage();
        return via != null ? "its stream through " + via.name() + " ended" : "its stream ended";
    }

    /** Called by the router (on an I/O thread) when the stream is gone. */
    void disconnected(Throwable cause) {
        disconnectCause = cause;
        gone.countDown();
        Events<Context> listening = events;
        if (listening != null) listening.fireOnce(DISCONNECT);
        if (process != null && process.isAlive() && !detached) {
            // its stdin is closed, so it exits by itself; make sure of it
            try {
                router.broker().timer().schedule(() -> {
                    if (process.isAlive()) process.kill();
                }, 2, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                process.kill(); // the router is closing: no grace left
            }
        }
    }

    /** Waits until the context's stream is gone. Returns false on timeout. */
    public boolean awaitDisconnect(Duration timeout) throws InterruptedException {
        return gone.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Why the stream ended, or null for a clean end (or if it has not). */
    public Throwable disconnectCause() {
        return disconnectCause;
    }

    void recordLog(String line) {
        synchronized (recentLog) {
            if (recentLog.size() == LOG_LINES) recentLog.removeFirst();
            recentLog.addLast(line);
        }
    }

    @Override
    public String toString() {
        return "Context(" + id + ", " + name + ")";
    }

    // ---- travelling as a value ------------------------------------------------------------------------------------

    /**
     * What a context read from data is in {@code router}: the router's own object for that id if it has one (a
     * context it started, or itself), else a new one that addresses the id. The router's own object wins over the
     * name in the data, which a child could have made up.
     */
    static Context resolve(Router router, int id, String name, String method, long pid) {
        if (id == router.myId()) return router.myself();
        Context known = router.contextById(id);
        return known != null ? known : new Context(router, id, name, method, null, null, pid);
    }
}
