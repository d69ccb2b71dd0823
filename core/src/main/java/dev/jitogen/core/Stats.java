package dev.jitogen.core;

/**
 * Class-serving counters of a router, as Mitogen's {@code get_stats()}: GET_CLASS requests answered, seconds spent
 * answering them, classes and bytes sent (preloaded ones included), refusals by the {@link ClassPolicy}, classes
 * asked for that the master does not have, and requests passed on to the parent. In the master, every request is
 * answered from its class path ({@code forwarded} is 0); in a context with children, requests are answered from the
 * classes it received, and {@code forwarded} counts the ones it had to ask its own parent for (each at most once).
 *
 * <p>Threads: an immutable snapshot; any thread.
 */
public record Stats(long requests, double seconds, long classesSent, long bytesSent, long refusals, long notFound,
                    long forwarded) {
    static Stats of(dev.jitogen.core.classload.ClassCounts c) {
        return new Stats(c.requests(), c.seconds(), c.classesSent(), c.bytesSent(), c.refusals(), c.notFound(),
                c.forwarded());
    }
}
