package dev.jitogen.plugins.files;

/**
 * Told how a transfer goes. For a get, called on the thread that called {@code RemoteFiles.get}; for a put, on the
 * service pool thread that sends the file, as the receiver acknowledges what it wrote. Must return quickly (it holds
 * up the transfer) and must not throw.
 */
@FunctionalInterface
public interface Progress {
    /**
     * @param path  the file being sent (the source path)
     * @param done  bytes written at the destination so far
     * @param total the size of the file (bytes)
     */
    void progress(String path, long done, long total);
}
