package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.KryoException;

/**
 * A value cannot travel between contexts: a JDK object that is not a value (a thread, an open stream, a Stream, a
 * process) or one no serializer can take apart. The message names the type and says what to send instead; where
 * the object sat inside another value, Kryo appends the path to it.
 *
 * <p>Threads: raised on the thread that encodes (the caller's, or a context's main thread for a result); immutable
 * apart from the trace Kryo adds while it unwinds on that same thread.
 */
public final class NotSendableException extends KryoException {
    private final String className;

    public NotSendableException(String className, String message) {
        super(message);
        this.className = className;
    }

    /** Binary name of the class that cannot be sent, e.g. {@code java.lang.Thread}. */
    public String className() {
        return className;
    }
}
