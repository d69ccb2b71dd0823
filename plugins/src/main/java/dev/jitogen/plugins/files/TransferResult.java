package dev.jitogen.plugins.files;

import java.time.Duration;

/**
 * One file copied and verified. Threads: a value; any thread.
 *
 * @param source      the path it was read from
 * @param destination the path it was written to
 * @param bytes       its size
 * @param sha256      the SHA-256 (hex) of its content, the same at both ends
 * @param elapsed     how long the transfer took
 * @param unchanged   true if the destination held this content already, and nothing was sent
 */
public record TransferResult(String source, String destination, long bytes, String sha256, Duration elapsed,
                             boolean unchanged) {
    /** Megabytes (10^6 bytes) per second. */
    public double megabytesPerSecond() {
        double s = Math.max(elapsed.toNanos(), 1) / 1e9;
        return bytes / 1e6 / s;
    }
}
