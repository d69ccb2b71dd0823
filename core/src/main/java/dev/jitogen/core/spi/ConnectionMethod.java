package dev.jitogen.core.spi;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A way to start a context: {@code local}, and, from {@code plugins/}, {@code ssh}, {@code sudo} and the rest.
 * Providers are found with {@link ServiceLoader}; the shell makes one command per provider from its
 * {@link #options()}, with completion and help, so a new plugin needs no shell change.
 *
 * <p>Implementations are stateless and thread-safe; {@link #connect} blocks the calling thread until the context
 * is ready or has failed.
 */
public interface ConnectionMethod {
    /** The method's name, which is also the shell command: {@code local} gives {@code /local}. */
    String name();

    /** One line for {@code /help}. */
    String summary();

    /** The options the shell offers, in the order the help lists them. */
    List<Option> options();

    /**
     * Starts a context named {@code name} with the options given as text (flag → value; a positional option is
     * keyed by its name), from context {@code via} (its parent) or, if null, from the master. Unknown or malformed
     * options raise {@link IllegalArgumentException} naming the option.
     */
    Context connect(Router router, String name, Map<String, String> options, Context via);

    /**
     * The shell variable to bind when the command names no context, derived from the options: {@code /ssh
     * web1.example.org} binds {@code web1_example_org}. Null (the default) if the command needs a NAME. A method
     * that derives one has only required positional options, so that the shell tells {@code /ssh HOST} from
     * {@code /ssh NAME HOST} by counting them. The context is then named by the method ({@code ssh.web1:22}).
     */
    default String variableFor(Map<String, String> options) {
        return null;
    }

    /**
     * One option. A positional option ({@code flag} null) is given in order after the context's name; a flag with
     * a null {@code placeholder} takes no value.
     */
    record Option(String name, String flag, String placeholder, String help) {
        public boolean positional() {
            return flag == null;
        }
    }

    /**
     * Parses an option given in seconds ({@code 2.5}), naming the option when it is not a positive number of
     * seconds.
     */
    static java.time.Duration seconds(String flag, String value) {
        double s;
        try {
            s = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes seconds, not " + value);
        }
        if (!(s > 0) || Double.isInfinite(s) || s > Long.MAX_VALUE / 1000.0) {
            throw new IllegalArgumentException(flag + " takes a positive number of seconds, not " + value
                    + " (e.g. " + flag + " 30)");
        }
        return java.time.Duration.ofMillis(Math.max(1, (long) (s * 1000)));
    }

    /**
     * Returns {@code timeout} if it is positive; else throws an {@link IllegalArgumentException} naming
     * {@code what}. For connection methods' builders.
     */
    static java.time.Duration positive(String what, java.time.Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + timeout + " (e.g. Duration.ofSeconds(30))");
        }
        return timeout;
    }

    /** Every method on the class path, by name. */
    static Map<String, ConnectionMethod> all(ClassLoader loader) {
        Map<String, ConnectionMethod> methods = new java.util.TreeMap<>();
        for (ConnectionMethod m : ServiceLoader.load(ConnectionMethod.class, loader)) methods.put(m.name(), m);
        return methods;
    }
}
