package dev.jitogen.core;

import dev.jitogen.core.spi.Bootstrap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to start a context with {@link Router#local(LocalOptions)}: Mitogen's {@code local()} parameters in Java
 * form. Immutable; copy and change with {@link #newBuilder()}. Any thread.
 *
 * <pre>{@code
 * router.local(LocalOptions.builder().remoteName("worker").javaPath("env", "java").build());
 * }</pre>
 */
public final class LocalOptions {
    /**
     * Flags every child JVM gets unless {@link Builder#jvmFlags} replaces them: quick start, small footprint. C1 only,
     * and it compiles a method after ten times the usual calls and loop turns: most of what a child runs while it
     * starts runs a few hundred times and never again, and compiling it was about 60 ms of a new child's 210 ms of
     * CPU here (its compiler thread, read from {@code /proc}); hot code is compiled a little later, as before.
     */
    public static final List<String> DEFAULT_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:Tier3InvocationThreshold=2000",
            "-XX:Tier3MinInvocationThreshold=1000", "-XX:Tier3CompileThreshold=20000",
            "-XX:Tier3BackEdgeThreshold=600000", "-XX:-UsePerfData", "-Xshare:auto", "-Xss1m");

    private final String name;
    private final String remoteName;
    private final List<String> javaPath;
    private final List<String> jvmFlags;
    private final boolean debug;
    private final Duration connectTimeout;
    private final transient Context via;

    private LocalOptions(Builder b) {
        this.via = b.via;
        this.name = b.name;
        this.remoteName = b.remoteName != null ? b.remoteName : defaultRemoteName();
        this.javaPath = b.javaPath; // null: the java of the JVM that starts the child (via's, with via)
        this.jvmFlags = b.jvmFlags;
        this.debug = b.debug;
        this.connectTimeout = b.connectTimeout;
    }

    public static LocalOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder newBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.remoteName = remoteName;
        b.javaPath = javaPath;
        b.jvmFlags = jvmFlags;
        b.debug = debug;
        b.connectTimeout = connectTimeout;
        b.via = via;
        return b;
    }

    /**
     * {@code sh -c SCRIPT} for a local child, in a session of its own where {@code setsid} exists: a Ctrl-C or
     * Ctrl-\ typed at the master's terminal goes to the terminal's process group, and must not kill the children
     * (or make them print a thread dump into the stream).
     */
    List<String> command() {
        return command(jvmFlags());
    }

    /** {@link #command()} with {@code flags} for the JVM's. */
    List<String> command(List<String> flags) {
        List<String> argv = new ArrayList<>();
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (new java.io.File(setsid).canExecute()) {
                argv.add(setsid);
                break;
            }
        }
        argv.addAll(List.of("/bin/sh", "-c", Bootstrap.script(javaPath(), flags, remoteName())));
        return argv;
    }

    /** Mitogen's default: {@code jitogen:USER@HOST:PID} of the master ({@link Bootstrap#defaultRemoteName}). */
    static String defaultRemoteName() {
        return Bootstrap.defaultRemoteName();
    }

    /** Name of the context in logs and errors; default: the method's name, made unique. */
    public String name() {
        return name;
    }

    /** Shown in the child's command line ({@code ps}), as {@code jitogen:NAME}. */
    public String remoteName() {
        return remoteName;
    }

    /** The java command; by default that of the JVM starting the child (with {@code via}, via's own). */
    public List<String> javaPath() {
        return javaPath != null ? javaPath : List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    public List<String> jvmFlags() {
        return jvmFlags;
    }

    public boolean debug() {
        return debug;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The context that starts this one as its parent (Mitogen's {@code via}), or null for the master. */
    public Context via() {
        return via;
    }

    /** Not thread-safe. */
    public static final class Builder {
        private String name;
        private String remoteName;
        private List<String> javaPath;
        private List<String> jvmFlags = DEFAULT_JVM_FLAGS;
        private boolean debug;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Context via;

        private Builder() {}

        /** Start it from {@code context}, which becomes its parent; messages to it are routed through. */
        public Builder via(Context context) {
            this.via = context;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Text after {@code jitogen:} in the child's command line; default {@code USER@HOST:PID} of the master, with
         * {@code /} and {@code \} replaced by {@code _}.
         */
        public Builder remoteName(String remoteName) {
            this.remoteName = remoteName.startsWith("jitogen:") ? remoteName : "jitogen:" + remoteName;
            return this;
        }

        /** The java command, as one path or several words ({@code "env", "java"}). Default: the master's java. */
        public Builder javaPath(String... command) {
            if (command.length == 0) throw new IllegalArgumentException("javaPath needs at least one word");
            this.javaPath = List.of(command);
            return this;
        }

        /** Replaces the child JVM's flags (default {@link #DEFAULT_JVM_FLAGS}). */
        public Builder jvmFlags(List<String> flags) {
            this.jvmFlags = List.copyOf(flags);
            return this;
        }

        /** Also log the child's Jitogen internals at debug level (FINE). */
        public Builder debug(boolean debug) {
            this.debug = debug;
            return this;
        }

        /** How long to wait for the child to start; default 30 s. Must be positive. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the connect timeout must be positive, not " + timeout
                        + " (e.g. Duration.ofSeconds(30))");
            }
            this.connectTimeout = timeout;
            return this;
        }

        public LocalOptions build() {
            return new LocalOptions(this);
        }
    }

}
