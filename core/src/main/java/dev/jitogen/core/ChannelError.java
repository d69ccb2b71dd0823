package dev.jitogen.core;

/**
 * The other side of a channel is gone: the context died, its stream was closed or corrupted, or it was shut down
 * while a reply was awaited. Raised by {@link Receiver#get} when a dead message arrives.
 *
 * <p>Threads: thrown on the thread that waits; immutable, any thread may read it.
 */
public class ChannelError extends JitogenError {
    public ChannelError(String message) {
        super(message);
    }
}
