package dev.jitogen.core;

/**
 * A context could not be started or its stream failed at connection time: the command failed, {@code java} is
 * missing or too old on the target, the connect timeout passed. The message carries what the target printed on
 * stderr.
 *
 * <p>Threads: thrown on the thread that started the context; immutable, any thread may read it.
 */
public class StreamError extends JitogenError {
    public StreamError(String message) {
        super(message);
    }

    public StreamError(String message, Throwable cause) {
        super(message, cause);
    }
}
