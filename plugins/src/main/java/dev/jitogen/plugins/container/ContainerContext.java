package dev.jitogen.plugins.container;

import dev.jitogen.core.spi.ConnectionMethod;
import dev.jitogen.plugins.command.CommandContext;
import dev.jitogen.plugins.command.CommandMethod;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the container methods share: the container's name, the user inside it, and the path of the tool that enters
 * it. The JVM inside is {@code java} on the container's PATH unless {@link #javaPath} says otherwise.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 *
 * @param <T> the subclass, for fluent setters
 */
public abstract class ContainerContext<T extends ContainerContext<T>> extends CommandContext<T> {
    protected String container;
    protected String username;
    protected String toolPath;

    /** The container (or pod, or jail) to enter. */
    public T container(String container) {
        this.container = container;
        return self();
    }

    /** The user inside the container; default the tool's default (usually root). */
    public T username(String username) {
        this.username = username;
        return self();
    }

    /** The tool that enters the container, a name looked up on PATH or a full path. */
    public T toolPath(String path) {
        this.toolPath = path;
        return self();
    }

    @Override
    protected String defaultName() {
        return container == null || container.isBlank() ? method() : method() + "." + container;
    }

    /** The tool's default path. */
    protected abstract String defaultTool();

    protected final String tool() {
        return toolPath != null ? toolPath : defaultTool();
    }

    protected final String requireContainer() {
        if (container == null || container.isBlank()) {
            throw new IllegalArgumentException(method() + " needs the name of a container");
        }
        return container;
    }

    @Override
    protected List<String> defaultJava() {
        return List.of("java");
    }

    /** {@code argv} then {@code /bin/sh -c script}. */
    protected static List<String> line(String script, String... argv) {
        List<String> all = new ArrayList<>();
        for (String a : argv) if (a != null) all.add(a);
        return withShell(all, script);
    }

    /** The shell command of a container method: container (positional), user, tool path. */
    static class Method extends CommandMethod {
        private final String name;
        private final String summary;
        private final String toolFlag;
        private final Supplier<ContainerContext<?>> factory;
        private final boolean hasUser;

        Method(String name, String summary, String toolFlag, boolean hasUser, Supplier<ContainerContext<?>> factory) {
            this.name = name;
            this.summary = summary;
            this.toolFlag = toolFlag;
            this.hasUser = hasUser;
            this.factory = factory;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String summary() {
            return summary;
        }

        @Override
        protected List<ConnectionMethod.Option> ownOptions() {
            List<ConnectionMethod.Option> o = new ArrayList<>();
            o.add(new ConnectionMethod.Option("container", null, "CONTAINER", "the container to enter"));
            if (hasUser) o.add(new ConnectionMethod.Option("user", "--user", "USER", "the user inside it (default root)"));
            o.add(new ConnectionMethod.Option("tool-path", toolFlag, "PATH", "the " + name + " program"));
            o.addAll(extraOptions());
            return o;
        }

        protected List<ConnectionMethod.Option> extraOptions() {
            return List.of();
        }

        @Override
        protected CommandContext<?> build(Map<String, String> o) {
            ContainerContext<?> c = factory.get();
            c.container(o.get("container"));
            if (o.containsKey("user")) c.username(o.get("user"));
            if (o.containsKey("tool-path")) c.toolPath(o.get("tool-path"));
            extra(c, o);
            return c;
        }

        protected void extra(ContainerContext<?> c, Map<String, String> o) {
        }
    }
}
