package dev.jitogen.core.classload;

/**
 * Counters of class serving, as the server or a relay keeps them; the public API shows them as {@code Stats} (see
 * there for what each means).
 *
 * <p>An immutable snapshot; any thread.
 */
public record ClassCounts(long requests, double seconds, long classesSent, long bytesSent, long refusals,
                          long notFound, long forwarded) {
}
