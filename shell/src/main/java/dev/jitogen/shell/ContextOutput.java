package dev.jitogen.shell;

import dev.jitogen.core.ForwardedRecord;

import java.util.ArrayDeque;
import java.util.List;
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
 * The master's own lines are kept for {@code /log master}; those of its SSH library (MINA) print only at a level the
 * operator chose ({@code jitogen -v}, {@code --log-level LEVEL}).
 *
 * <p>Threads: {@code publish} runs on the router's log thread (one at a time, in arrival order) and on any thread
 * that logs a Jitogen warning; the printer it writes to is thread-safe.
 */
final class ContextOutput {
    /** Held, because java.util.logging keeps loggers only weakly and would forget the level. */
    private static final Logger SSHD_LOG = Logger.getLogger("org.apache.sshd");
    private static final Logger JITOGEN_LOG = Logger.getLogger("dev.jitogen");
    /** How many of the master's own log lines {@code /log master} keeps. */
    private static final int MASTER_LINES = 200;
    /** The master's recent log lines, printed or not, oldest first. Guarded by itself. */
    private static final ArrayDeque<String> MASTER_LOG = new ArrayDeque<>();
    /**
     * The level chosen with {@code -v} or {@code --log-level}, or null for the default: Jitogen's own lines from
     * INFO up, and none of MINA's (they are kept for {@code /log master}). Set before the shell starts.
     */
    private static volatile Level chosen;

    private ContextOutput() {}

    /**
     * Sets the level of the terminal from {@code -v} or {@code --log-level}: lines at {@code level} and above print,
     * MINA's included, and children log at that level too.
     */
    static void level(Level level) {
        chosen = level;
    }

    /** {@code info}, {@code debug}, {@code FINE}...: java.util.logging's names and the usual ones, any case. */
    static Level parseLevel(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT);
        switch (n) {
            case "DEBUG" -> n = "FINE";
            case "TRACE" -> n = "FINEST";
            case "WARN" -> n = "WARNING";
            case "ERROR" -> n = "SEVERE";
            default -> { }
        }
        try {
            return Level.parse(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--log-level takes severe, warning, info, fine (debug), finer, "
                    + "finest (trace), all or off, not " + name);
        }
    }

    /** The master's recent log lines (Jitogen's and its libraries', MINA's included), oldest first. */
    static List<String> masterLog() {
        synchronized (MASTER_LOG) {
            return List.copyOf(MASTER_LOG);
        }
    }

    static Handler install(Shell.Printer out) {
        LogManager.getLogManager().reset();
        Level level = chosen;
        // by default MINA's lines are for /log, not the terminal: an operator cannot act on its session internals
        SSHD_LOG.setLevel(level != null ? level : Level.WARNING);
        if (level != null) JITOGEN_LOG.setLevel(level);
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
                    return;
                }
                String msg = r.getMessage();
                if (r.getParameters() != null && r.getParameters().length > 0) msg = FORMAT.formatMessage(r);
                if (r.getThrown() != null) msg += ": " + r.getThrown();
                String line = r.getLevel() + ": " + msg;
                synchronized (MASTER_LOG) {
                    if (MASTER_LOG.size() == MASTER_LINES) MASTER_LOG.removeFirst();
                    MASTER_LOG.addLast(r.getLevel() + " " + r.getLoggerName() + ": " + msg);
                }
                boolean library = r.getLoggerName() != null && r.getLoggerName().startsWith("org.apache.sshd");
                if (level != null || !library) out.async(line);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        h.setLevel(level != null ? level : Level.INFO);
        Logger.getLogger("").addHandler(h);
        return h;
    }

    /** Fills in a record's {@code {0}} parameters (MINA's SLF4J bridge passes them apart). */
    private static final java.util.logging.Formatter FORMAT = new java.util.logging.SimpleFormatter();

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
