package dev.jitogen.core;

/**
 * A password was needed and none was given, or the one given was refused (ssh, sudo, su, doas). A
 * {@link StreamError}: the context did not start.
 *
 * <p>Threads: thrown on the thread that started the context; immutable.
 */
public class PasswordError extends StreamError {
    public PasswordError(String message) {
        super(message);
    }

    public PasswordError(String message, Throwable cause) {
        super(message, cause);
    }
}
