package dev.jitogen.core;

import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * A log record a context forwarded to the master: a line its code printed on {@code System.out} or
 * {@code System.err}, or a record of one of its loggers. Published to the master's {@code java.util.logging}
 * logger {@code dev.jitogen.ctx.NAME} with the message {@code [NAME] SOURCE: TEXT}, every line of the text so
 * labelled and its control characters escaped; a handler that wants to lay the parts out itself (the shell does)
 * reads them, raw, from here.
 *
 * <p>Threads: created and published on the router's log thread; immutable once published.
 */
public final class ForwardedRecord extends LogRecord {
    private final String contextName;
    private final String source;
    private final String text;

    ForwardedRecord(Level level, String contextName, String source, String text) {
        super(level, labelled("[" + contextName + "] " + source + ": ", text));
        this.contextName = contextName;
        this.source = source;
        this.text = text;
        setLoggerName("dev.jitogen.ctx." + contextName);
    }

    /**
     * Every line of {@code text} under {@code label}, control characters shown as {@code ^X}: what a context prints
     * can neither pass for another context's line nor drive the terminal of whoever reads the log.
     */
    static String labelled(String label, String text) {
        StringBuilder b = new StringBuilder(label.length() + text.length() + 8);
        b.append(label);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') b.append('\n').append(label);
            else if (c < 0x20 && c != '\t' || c == 0x7f) b.append('^').append(c == 0x7f ? '?' : (char) (c + 64));
            else if (c >= 0x80 && c < 0xa0) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
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
