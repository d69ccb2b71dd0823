package dev.jitogen.core;

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
     * One option. A positional option ({@code flag} null) is given in order after the context's name; a flag with
     * a null {@code placeholder} takes no value.
     */
    record Option(String name, String flag, String placeholder, String help) {
        public boolean positional() {
            return flag == null;
        }
    }

    /** Parses an option given in seconds ({@code 2.5}), naming the option when it is not a number. */
    static java.time.Duration seconds(String flag, String value) {
        try {
            return java.time.Duration.ofMillis((long) (Double.parseDouble(value) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes seconds, not " + value);
        }
    }

    /** Every method on the class path, by name. */
    static Map<String, ConnectionMethod> all(ClassLoader loader) {
        Map<String, ConnectionMethod> methods = new java.util.TreeMap<>();
        for (ConnectionMethod m : ServiceLoader.load(ConnectionMethod.class, loader)) methods.put(m.name(), m);
        return methods;
    }
}
