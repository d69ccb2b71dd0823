package dev.jitogen.core;

/**
 * Class-serving counters of a master router, as Mitogen's {@code get_stats()}: GET_CLASS requests answered, seconds
 * spent answering them, classes and bytes sent (preloaded ones included), refusals by the {@link ClassPolicy}, and
 * classes asked for that the master does not have.
 *
 * <p>Threads: an immutable snapshot; any thread.
 */
public record Stats(long requests, double seconds, long classesSent, long bytesSent, long refusals, long notFound) {
}
