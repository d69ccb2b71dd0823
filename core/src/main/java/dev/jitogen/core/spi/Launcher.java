package dev.jitogen.core.spi;

import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;

import java.io.IOException;
import java.time.Duration;

/**
 * Runs a bootstrap command somewhere: a connection method's part of starting a context, given to
 * {@link Router#start(String, String, String, Duration, boolean, Launcher)}.
 *
 * <p>Threads: called once, on the thread that starts the context, which it may block until the command runs (a
 * passphrase typed at a prompt included: see {@link ChildProcess#waitedForOperator}).
 */
@FunctionalInterface
public interface Launcher {
    /**
     * Starts the command (for example {@link Bootstrap#script} through ssh) and returns the running child; must
     * finish within {@code timeout} or throw. Throw {@link StreamError} (or a subclass such as {@link PasswordError})
     * to report a failure in the method's own words.
     */
    ChildProcess launch(Duration timeout) throws IOException;
}
