package dev.jitogen.plugins.ssh;

import dev.jitogen.core.StreamError;

/** The SSH server's host key is unknown (under {@link HostKeyPolicy#ENFORCE}) or has changed. 
 * <p>Threads: thrown on the thread that started the context; immutable.
 */
public class HostKeyError extends StreamError {
    public HostKeyError(String message) {
        super(message);
    }
}
