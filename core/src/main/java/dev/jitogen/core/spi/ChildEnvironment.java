package dev.jitogen.core.spi;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The environment of the processes Jitogen starts (children, and the tools that start them: sudo, su, docker...).
 * They inherit this JVM's environment, except the variables a password was read from ({@code --password-env VAR}):
 * the password is then in this JVM's memory, where it is needed, and not in every child's {@code /proc/PID/environ},
 * readable by any process of the child's user.
 *
 * <p>Threads: any thread; the set of withheld variables only grows.
 */
public final class ChildEnvironment {
    private static final Set<String> WITHHELD = ConcurrentHashMap.newKeySet();

    private ChildEnvironment() {}

    /**
     * Reads the password in environment variable {@code variable} and withholds the variable from every process
     * Jitogen starts from now on.
     *
     * @throws IllegalArgumentException if it is not set
     */
    public static String readPassword(String variable) {
        String value = System.getenv(variable);
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + variable + " is not set (--password-env "
                    + "names the variable that holds the password)");
        }
        WITHHELD.add(variable);
        return value;
    }

    /** Removes the withheld variables from {@code environment}, a {@code ProcessBuilder}'s. */
    public static void applyTo(Map<String, String> environment) {
        for (String v : WITHHELD) environment.remove(v);
    }
}
