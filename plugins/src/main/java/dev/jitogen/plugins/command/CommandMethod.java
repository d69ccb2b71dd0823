package dev.jitogen.plugins.command;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ChildEnvironment;
import dev.jitogen.core.spi.ConnectionMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shell side of a {@link CommandContext} method: the method's own options, then those every such method shares
 * (java, JVM flags, remote name, connect timeout, debug), parsed from text into the options object.
 *
 * <p>Threads: stateless; any thread.
 */
public abstract class CommandMethod implements ConnectionMethod {
    private static final List<Option> COMMON = List.of(
            new Option("java", "--java", "PATH", "java in the target (default: this JVM's java on this host, else java on PATH)"),
            new Option("jvm-flags", "--jvm-flags", "FLAGS", "JVM flags, space-separated, replacing the defaults"),
            new Option("remote-name", "--remote-name", "NAME", "shown as jitogen:NAME in the target's ps"),
            new Option("connect-timeout", "--connect-timeout", "SECONDS", "how long to wait for it to start (default 30)"),
            new Option("debug", "--debug", null, "log the child's internals at debug level"));

    /** The option giving a password, by naming an environment variable (never on the command line). */
    protected static final Option PASSWORD_ENV = new Option("password-env", "--password-env", "VAR",
            "the password, read from environment variable VAR, typed if the tool asks");

    /** This method's own options, listed before the common ones. */
    protected abstract List<Option> ownOptions();

    /** The options object for the method's own options (the common ones are applied after). */
    protected abstract CommandContext<?> build(Map<String, String> options);

    @Override
    public final List<Option> options() {
        List<Option> all = new ArrayList<>(ownOptions());
        all.addAll(COMMON);
        return all;
    }

    @Override
    public final Context connect(Router router, String name, Map<String, String> o, Context via) {
        CommandContext<?> c = build(o);
        c.name(name).via(via).remoteName(o.getOrDefault("remote-name", name));
        if (o.containsKey("java")) c.javaPath(o.get("java").trim().split("\\s+"));
        if (o.containsKey("jvm-flags")) c.jvmFlags(List.of(o.get("jvm-flags").trim().split("\\s+")));
        if (o.containsKey("connect-timeout")) {
            c.connectTimeout(ConnectionMethod.seconds("--connect-timeout", o.get("connect-timeout")));
        }
        if (o.containsKey("debug")) c.debug(true);
        return c.connect(router);
    }

    /**
     * The password named by {@code --password-env}, or null. The variable is withheld from every process started
     * afterwards ({@link ChildEnvironment}).
     */
    protected static String password(Map<String, String> o) {
        String var = o.get("password-env");
        return var == null ? null : ChildEnvironment.readPassword(var);
    }

    /** A required positional option. */
    protected static String required(Map<String, String> o, String key, String what) {
        String v = o.get(key);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("give the " + what);
        return v;
    }
}
