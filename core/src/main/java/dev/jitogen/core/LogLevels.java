package dev.jitogen.core;

import dev.jitogen.core.wire.Log;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log levels by name, as users and {@code JITOGEN_LOG_LEVEL} give them (Mitogen's names as well as the JDK's), and the
 * level a new child logs at. Levels are JUL's numbers, so that a child parses its own without loading
 * {@code java.util.logging} ({@link Log}). Stateless: any thread.
 */
final class LogLevels {
    private LogLevels() {}

    /**
     * The level children log at, as a name or number: {@code JITOGEN_LOG_LEVEL} if set; in a child, its own level;
     * else that of this JVM's Jitogen logger.
     */
    static String childLogLevel() {
        String env = System.getenv("JITOGEN_LOG_LEVEL");
        if (env != null && !env.isBlank()) return Integer.toString(parse(env));
        Integer own = Log.threshold();
        if (own != null) return own.toString();
        for (Logger l = Logger.getLogger("dev.jitogen"); l != null; l = l.getParent()) {
            if (l.getLevel() != null) return l.getLevel().getName();
        }
        return Level.INFO.getName();
    }

    /**
     * {@code s} as a level's number: DEBUG, TRACE, IO, WARN, ERROR, a JDK level's name or a number; INFO if none of
     * those.
     */
    static int parse(String s) {
        String name = s.trim().toUpperCase(java.util.Locale.ROOT);
        switch (name) {
            case "DEBUG": case "FINE": return Log.FINE;
            case "TRACE": case "IO": case "FINEST": return Log.FINEST;
            case "WARN": case "WARNING": return Log.WARNING;
            case "ERROR": case "SEVERE": return Log.SEVERE;
            case "INFO": return Log.INFO;
            case "CONFIG": return 700;
            case "FINER": return 400;
            case "ALL": return Integer.MIN_VALUE + 1; // MIN_VALUE itself means "no threshold" to Log
            case "OFF": return Integer.MAX_VALUE;
            default:
                try {
                    return Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    return Log.INFO;
                }
        }
    }
}
