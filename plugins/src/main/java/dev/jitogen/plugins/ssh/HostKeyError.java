package dev.jitogen.plugins.ssh;

import dev.jitogen.core.StreamError;

/** The SSH server's host key is unknown (under {@link HostKeyPolicy#ENFORCE}) or has changed. */
public class HostKeyError extends StreamError {
    public HostKeyError(String message) {
        super(message);
    }
}
