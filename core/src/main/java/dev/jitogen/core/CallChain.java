package dev.jitogen.core;

import java.util.UUID;

/**
 * Calls to one context that depend on each other (Mitogen's CallChain): the calls run in order, and once one fails,
 * the later ones are refused without running until {@link #reset()}. With pipelining, fire-and-forget calls do not
 * wait for each other, so "copy, then chmod, then restart, then check" costs one round trip:
 *
 * <pre>{@code
 * CallChain chain = new CallChain(web1);
 * chain.callNoReply(() -> Files.copy(...));
 * chain.callNoReply(() -> Files.setPosixFilePermissions(...));
 * chain.callNoReply(() -> restart());
 * boolean ok = chain.call(() -> check());   // a failure of any earlier call is raised here
 * }</pre>
 *
 * <p>Threads: any thread, but the order of calls is the order in which they are made: make them from one thread.
 */
public final class CallChain {
    private final Context context;
    private volatile String id = UUID.randomUUID().toString();

    public CallChain(Context context) {
        this.context = context;
    }

    public Context context() {
        return context;
    }

    /** Sends {@code fn} without waiting; if it fails, the chain's next {@link #call} raises the failure. */
    public void callNoReply(RemoteRunnable fn) {
        context.start(CallSpec.of(fn), false, id);
    }

    public <T> Receiver<T> callAsync(RemoteCallable<T> fn) {
        return context.start(CallSpec.of(fn), true, id);
    }

    /** Runs {@code fn} after the chain's earlier calls; raises {@link CallError} if it or an earlier call failed. */
    public <T> T call(RemoteCallable<T> fn) {
        return this.<T>callAsync(fn).get();
    }

    /** Forgets an earlier failure so the chain's calls run again. */
    public void reset() {
        String old = id;
        id = UUID.randomUUID().toString();
        // a lambda, not a method named in a string: the compiler checks it, and the call layer stays below the entry point
        RemoteRunnable forget = () -> ChildRuntime.current().forgetChain(old);
        context.start(CallSpec.of(forget), false, null);
    }
}
