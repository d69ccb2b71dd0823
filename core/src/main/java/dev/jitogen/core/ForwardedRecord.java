package dev.jitogen.core;

import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * A log record a context forwarded to the master: a line its code printed on {@code System.out} or
 * {@code System.err}, or a record of one of its loggers. Published to the master's {@code java.util.logging}
 * logger {@code dev.jitogen.ctx.NAME} with the message {@code [NAME] SOURCE: TEXT}; a handler that wants to lay the
 * parts out itself (the shell does) reads them from here.
 *
 * <p>Threads: created and published on the router's log thread; immutable once published.
 */
public final class ForwardedRecord extends LogRecord {
    private final String contextName;
    private final String source;
    private final String text;

    ForwardedRecord(Level level, String contextName, String source, String text) {
        super(level, "[" + contextName + "] " + source + ": " + text);
        this.contextName = contextName;
        this.source = source;
        this.text = text;
        setLoggerName("dev.jitogen.ctx." + contextName);
    }

    /** The name of the context that sent it. */
    public String contextName() {
        return contextName;
    }

    /** {@code stdout}, {@code stderr}, or the name of the logger in the context. */
    public String source() {
        return source;
    }

    /** What was printed or logged, without a trailing newline; may hold several lines. */
    public String text() {
        return text;
    }
}
