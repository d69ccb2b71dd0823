package dev.jitogen.core;

/**
 * Base of Jitogen's own errors (Mitogen's {@code mitogen.core.Error}). Unchecked: a remote call can fail in ways no
 * signature could list.
 *
 * <p>Threads: errors are immutable once thrown; any thread may read them.
 */
public class JitogenError extends RuntimeException {
    public JitogenError(String message) {
        super(message);
    }

    public JitogenError(String message, Throwable cause) {
        super(message, cause);
    }
}
