package dev.jitogen.shell;

import dev.jitogen.core.RemoteCallable;
import dev.jitogen.core.RemoteFunction;

/**
 * The benchmark's calls (the no-op, the echo), in a class of its own that names nothing else: a context receives the class of a
 * call's lambda, and what it refers to in the same jar, ahead of the first call. From {@link Bench} that would be
 * much of the shell, more than any operator's snippet, and over a slow link the cold-start rows would time the
 * bench's own classes. Mitogen's side likewise calls a function of its small benchmark script. Stateless.
 */
final class BenchCalls {
    static final RemoteCallable<Object> NOOP = () -> null;
    /** The echo rows' call: its argument back. */
    static final RemoteFunction<byte[], byte[]> ECHO = b -> b;

    private BenchCalls() {}
}
