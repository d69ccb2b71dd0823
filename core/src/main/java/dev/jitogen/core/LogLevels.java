package dev.jitogen.core;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log levels by name, as users and {@code JITOGEN_LOG_LEVEL} give them (Mitogen's names as well as the JDK's), and the
 * level a new child logs at. Stateless: any thread.
 */
final class LogLevels {
    private LogLevels() {}

    /** The level children log at: {@code JITOGEN_LOG_LEVEL} if set, else that of this JVM's Jitogen logger. */
    static Level childLogLevel() {
        String env = System.getenv("JITOGEN_LOG_LEVEL");
        if (env != null && !env.isBlank()) return parse(env);
        for (Logger l = Logger.getLogger("dev.jitogen"); l != null; l = l.getParent()) {
            if (l.getLevel() != null) return l.getLevel();
        }
        return Level.INFO;
    }

    /** {@code s} as a level: DEBUG, TRACE, IO, WARN, ERROR or a JDK level name or number; INFO if none of those. */
    static Level parse(String s) {
        switch (s.trim().toUpperCase()) {
            case "DEBUG": return Level.FINE;
            case "TRACE": case "IO": return Level.FINEST;
            case "WARN": return Level.WARNING;
            case "ERROR": return Level.SEVERE;
            default:
                try {
                    return Level.parse(s.trim().toUpperCase());
                } catch (IllegalArgumentException e) {
                    return Level.INFO;
                }
        }
    }
}
