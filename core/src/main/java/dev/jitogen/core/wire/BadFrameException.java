package dev.jitogen.core.wire;

import java.io.IOException;

/** A frame that cannot be Jitogen's: bad magic or a length over the limit. The stream it came on is closed. 
 * <p>Threads: raised on the stream's reader thread, which then closes the stream.
 */
public final class BadFrameException extends IOException {
    public BadFrameException(String message) {
        super(message);
    }
}
