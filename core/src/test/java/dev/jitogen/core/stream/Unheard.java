package dev.jitogen.core.stream;

import dev.jitogen.core.wire.Message;

/** A stream listener for tests that watch a stream from its other side: it ignores messages and the close. */
final class Unheard implements Stream.Listener {
    static final Unheard LISTENER = new Unheard();

    private Unheard() {}

    @Override
    public void onMessage(Stream stream, Message message) {}

    @Override
    public void onClose(Stream stream, Throwable cause) {}
}
