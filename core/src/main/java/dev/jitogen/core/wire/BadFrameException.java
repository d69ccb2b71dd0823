package dev.jitogen.core.wire;

import java.io.IOException;

/** A frame that cannot be Jitogen's: bad magic or a length over the limit. The stream it came on is closed. */
public final class BadFrameException extends IOException {
    public BadFrameException(String message) {
        super(message);
    }
}
