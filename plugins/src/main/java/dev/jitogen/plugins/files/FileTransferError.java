package dev.jitogen.plugins.files;

import dev.jitogen.core.JitogenError;

/**
 * A file transfer failed; the message names the file, the context and why, and the destination was left as it was
 * (no partial file: content is written to a temporary file beside it and renamed only once verified).
 *
 * <p>Threads: a value; any thread.
 */
public class FileTransferError extends JitogenError {
    public FileTransferError(String message) {
        super(message);
    }

    public FileTransferError(String message, Throwable cause) {
        super(message, cause);
    }
}
