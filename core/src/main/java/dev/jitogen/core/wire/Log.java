package dev.jitogen.core.wire;

/**
 * Core's own log lines (logger {@code dev.jitogen.core}), written so that a child's start-up never loads
 * {@code java.util.logging}: levels are JUL's numbers, not its {@code Level} objects, and JUL is touched only when a
 * line passes the threshold.
 *
 * <p>A master sets no threshold, and every line goes to JUL, whose configuration (the shell's, an embedding
 * application's) decides. A child sets its configured level with {@link #threshold}: lines below it cost a
 * comparison, and JUL initialises on the first line that passes (or when user code logs), not before.
 *
 * <p>Internal to core, public only because every core package logs. Stateless apart from the threshold: any
 * thread, never blocks (JUL's handlers may: a child's forwards a frame).
 */
public final class Log {
    public static final int SEVERE = 1000, WARNING = 900, INFO = 800, FINE = 500, FINEST = 300;
    private static final int UNSET = Integer.MIN_VALUE;
    private static volatile int threshold = UNSET;

    private Log() {}

    /** Lines below {@code level} are dropped without asking JUL; called once by a child, before it logs. */
    public static void threshold(int level) {
        threshold = level;
    }

    /** The threshold a child set, or null in a JVM that leaves the decision to JUL (a master). */
    public static Integer threshold() {
        int t = threshold;
        return t == UNSET ? null : t;
    }

    public static boolean isLoggable(int level) {
        int t = threshold;
        return t == UNSET ? Jul.LOGGER.isLoggable(Jul.level(level)) : level >= t;
    }

    public static void severe(String message) {
        log(SEVERE, message, null);
    }

    public static void severe(String message, Throwable thrown) {
        log(SEVERE, message, thrown);
    }

    public static void warning(String message) {
        log(WARNING, message, null);
    }

    public static void warning(String message, Throwable thrown) {
        log(WARNING, message, thrown);
    }

    public static void fine(String message) {
        log(FINE, message, null);
    }

    public static void log(int level, String message, Throwable thrown) {
        int t = threshold;
        if (t != UNSET && level < t) return;
        Jul.LOGGER.log(Jul.level(level), message, thrown);
    }

    /** JUL itself, initialised on first use: a child reaches this only for a line it prints. */
    private static final class Jul {
        static final java.util.logging.Logger LOGGER = java.util.logging.Logger.getLogger("dev.jitogen.core");

        static java.util.logging.Level level(int level) {
            switch (level) {
                case SEVERE: return java.util.logging.Level.SEVERE;
                case WARNING: return java.util.logging.Level.WARNING;
                case INFO: return java.util.logging.Level.INFO;
                case FINE: return java.util.logging.Level.FINE;
                case FINEST: return java.util.logging.Level.FINEST;
                default: return java.util.logging.Level.parse(Integer.toString(level));
            }
        }
    }
}
