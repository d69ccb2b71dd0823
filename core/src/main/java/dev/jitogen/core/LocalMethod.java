package dev.jitogen.core;

import dev.jitogen.core.spi.ConnectionMethod;

import java.util.List;
import java.util.Map;

/**
 * The {@code local} connection method as a {@link ConnectionMethod}: {@link Router#local(LocalOptions)}.
 *
 * <p>Threads: stateless; any thread. {@link #connect} blocks the caller until the context is ready.
 */
public final class LocalMethod implements ConnectionMethod {
    @Override
    public String name() {
        return "local";
    }

    @Override
    public String summary() {
        return "start a child JVM on this host";
    }

    @Override
    public List<Option> options() {
        return List.of(
                new Option("java", "--java", "PATH", "the java command, or several words (\"env java\"); default: the master's java"),
                new Option("jvm-flags", "--jvm-flags", "FLAGS", "JVM flags, space-separated, replacing the defaults"),
                new Option("remote-name", "--remote-name", "NAME", "shown as jitogen:NAME in ps; default: the context's name"),
                new Option("connect-timeout", "--connect-timeout", "SECONDS", "how long to wait for it to start (default 30)"),
                new Option("debug", "--debug", null, "log the child's internals at debug level"));
    }

    @Override
    public Context connect(Router router, String name, Map<String, String> o, Context via) {
        LocalOptions.Builder b = LocalOptions.builder().name(name).remoteName(o.getOrDefault("remote-name", name))
                .via(via);
        if (o.containsKey("java")) b.javaPath(o.get("java").trim().split("\\s+"));
        if (o.containsKey("jvm-flags")) b.jvmFlags(List.of(o.get("jvm-flags").trim().split("\\s+")));
        if (o.containsKey("connect-timeout")) b.connectTimeout(ConnectionMethod.seconds("--connect-timeout", o.get("connect-timeout")));
        if (o.containsKey("debug")) b.debug(true);
        return router.local(b.build());
    }
}
