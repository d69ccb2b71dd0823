package dev.jitogen.shell;

import dev.jitogen.core.ForwardedRecord;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Prints what contexts forward (their {@code System.out}, {@code System.err} and log records) and Jitogen's own
 * warnings through the shell's printer, each line under the context's label: {@code [box2] hello},
 * {@code [box2] stderr: oops}, {@code [box2] WARNING com.acme: disk low}. Control characters a context prints are
 * shown escaped ({@code ^[}), so a context can neither forge another's label nor drive the operator's terminal.
 *
 * <p>Threads: {@code publish} runs on the router's log thread (one at a time, in arrival order) and on any thread
 * that logs a Jitogen warning; the printer it writes to is thread-safe.
 */
final class ContextOutput {
    /** Held, because java.util.logging keeps loggers only weakly and would forget the level. */
    private static final Logger SSHD_LOG = Logger.getLogger("org.apache.sshd");

    private ContextOutput() {}

    static Handler install(Shell.Printer out) {
        LogManager.getLogManager().reset();
        // MINA's INFO lines are not for an operator, and its warnings about a failed connection repeat the error that
        // the connection throws (a fleet with a hundred unknown host keys would print two hundred lines)
        SSHD_LOG.setLevel(Level.SEVERE);
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) return;
                if (r instanceof ForwardedRecord f) {
                    String label = "[" + f.contextName() + "] " + switch (f.source()) {
                        case "stdout" -> "";
                        case "stderr" -> "stderr: ";
                        default -> f.getLevel() + " " + f.source() + ": ";
                    };
                    for (String line : f.text().split("\n", -1)) out.async(label + escape(line));
                } else {
                    String msg = r.getMessage();
                    if (r.getThrown() != null) msg += ": " + r.getThrown();
                    out.async(r.getLevel() + ": " + msg);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        h.setLevel(Level.INFO);
        Logger.getLogger("").addHandler(h);
        return h;
    }

    static void uninstall(Handler h) {
        Logger.getLogger("").removeHandler(h);
    }

    /** As {@link #escape}, but line breaks stay: for values whose text has several lines. */
    static String escapeKeepingLines(String s) {
        if (s == null || s.indexOf('\n') < 0) return escape(s);
        String[] lines = s.split("\n", -1);
        for (int i = 0; i < lines.length; i++) lines[i] = escape(lines[i]);
        return String.join("\n", lines);
    }

    /** Control characters (but tab) as {@code ^X}; other text unchanged. */
    static String escape(String s) {
        if (s == null) return null;
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 && c < 0xa0;
            if (control && b == null) b = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (b == null) continue;
            if (!control) b.append(c);
            else if (c == 0x7f) b.append("^?");
            else if (c < 0x20) b.append('^').append((char) (c + 64));
            else b.append(String.format("\\u%04x", (int) c));
        }
        return b == null ? s : b.toString();
    }
}
