package dev.jitogen.plugins.command;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import dev.jitogen.core.spi.Bootstrap;
import dev.jitogen.core.spi.ChildProcess;
import dev.jitogen.core.spi.ConnectionMethod;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The options every command-wrapping connection method shares, and the connection itself: a context started by
 * running a tool on this host ({@code sudo}, {@code su}, {@code docker exec}...) whose last words are
 * {@code /bin/sh -c SCRIPT}, SCRIPT being the same first-stage bootstrap as {@code local}. Subclasses give the
 * tool's command line and, for privilege tools, how it asks for a password.
 *
 * <p>Options objects are mutable builders, used from one thread; {@link #connect} blocks until the context is
 * ready. With {@link #via}, the options travel to that context (they are plain data) and the tool runs there.
 *
 * @param <T> the subclass, for fluent setters
 */
public abstract class CommandContext<T extends CommandContext<T>> {
    /** What {@code sh -c} is, on every target. */
    protected static final String SH = "/bin/sh";

    private String name;
    private List<String> javaPath;
    private List<String> jvmFlags = LocalOptions.DEFAULT_JVM_FLAGS;
    private String remoteName;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private boolean debug;
    private transient Context via;

    @SuppressWarnings("unchecked")
    protected final T self() {
        return (T) this;
    }

    /** The context's name in logs and errors; default: the method's name, made unique. */
    public T name(String name) {
        this.name = name;
        return self();
    }

    /** The java command in the target; default: this JVM's java for methods on this host, else java on PATH. */
    public T javaPath(String... command) {
        this.javaPath = List.of(command);
        return self();
    }

    public T jvmFlags(List<String> flags) {
        this.jvmFlags = List.copyOf(flags);
        return self();
    }

    /** Shown as {@code jitogen:NAME} in the target's {@code ps}; default {@code USER@HOST:PID} of the master. */
    public T remoteName(String remoteName) {
        this.remoteName = remoteName;
        return self();
    }

    /** For the tool, any password exchange and the child's start together; default 30 s. Must be positive. */
    public T connectTimeout(Duration timeout) {
        this.connectTimeout = ConnectionMethod.positive("the connect timeout", timeout);
        return self();
    }

    public T debug(boolean debug) {
        this.debug = debug;
        return self();
    }

    /** Run the tool in context {@code via}, which becomes the new context's parent (Mitogen's {@code via}). */
    public T via(Context via) {
        this.via = via;
        return self();
    }

    /** The method's name: {@code sudo}, {@code docker}... */
    protected abstract String method();

    /**
     * The context's name when none is given, as Mitogen names it: {@code sudo.root}, {@code docker.web}; made unique
     * by the router, and after via's name for a context started through another ({@code ssh.web1:22.sudo.root}).
     */
    protected String defaultName() {
        return method();
    }

    /** The command line that runs {@code /bin/sh -c script} through the tool, starting with the tool's path. */
    protected abstract List<String> argv(String script);

    /** How the tool asks for a password; null if it never does. */
    protected Prompts prompts() {
        return null;
    }

    /** The java command when none was set: this JVM's own, since the tool runs on this host. */
    protected List<String> defaultJava() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Starts the context and returns it once ready. */
    public Context connect(Router router) {
        if (via != null) {
            // the options travel as data (via is transient) and connect again over there
            return router.startVia(via, method(), name, defaultName(), connectTimeout.plusSeconds(5),
                    (r, n) -> name(n).connect(r));
        }
        List<String> java = javaPath != null ? javaPath : defaultJava();
        String shown = remoteName != null ? remoteName : Bootstrap.defaultRemoteName();
        Prompts prompts = prompts();
        boolean tty = prompts != null && prompts.tty() && prompts.password() != null;
        String script = Bootstrap.script(java, jvmFlags, shown.startsWith("jitogen:") ? shown : "jitogen:" + shown);
        // in a terminal, binary frames must pass untouched: raw mode before java starts (the prompt is over by then)
        if (tty) script = "stty raw -echo 2>/dev/null; " + script;
        List<String> argv = argv(script);
        PromptWatcher[] watcher = new PromptWatcher[1];
        try {
            Context c = router.start(method(), name, defaultName(), connectTimeout, debug, timeout -> {
                ChildProcess p = ChildProcess.start(tty ? inTerminal(argv) : argv);
                if (prompts == null) return p;
                return tty ? terminal(p, prompts, watcher, timeout) : piped(p, prompts, watcher);
            });
            return c;
        } catch (StreamError e) {
            String failure = watcher[0] == null ? null : watcher[0].failure();
            if ("needed".equals(failure)) {
                throw new PasswordError(method() + " asked for a password and none was given (context "
                        + (name != null ? name : method()) + "); pass one with password(...)", e);
            }
            if ("refused".equals(failure)) {
                throw new PasswordError(method() + " refused the password (context " + (name != null ? name : method())
                        + ")", e);
            }
            throw e;
        }
    }

    /** The tool in a pseudo-terminal of its own, from util-linux {@code script}: for tools that read /dev/tty. */
    private static List<String> inTerminal(List<String> argv) {
        StringBuilder cmd = new StringBuilder();
        for (String w : argv) cmd.append(Bootstrap.quote(w)).append(' ');
        return List.of("script", "-q", "-e", "-c", cmd.toString().trim(), "/dev/null");
    }

    /**
     * The tool prompts on stderr and reads the password from stdin (sudo -S, Linux su). Prompts are watched until
     * the child's first output on stdout: from then on stderr is the child's, and no text of it may kill it.
     */
    private static ChildProcess piped(ChildProcess p, Prompts prompts, PromptWatcher[] watcher) {
        PromptWatcher w = new PromptWatcher(p.stderr(), p.stdin(), prompts, p::kill);
        watcher[0] = w;
        InputStream stdout = new java.io.FilterInputStream(p.stdout()) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                w.stop();
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) w.stop();
                return n;
            }
        };
        return ChildProcess.withStreams(p, stdout, w);
    }

    /**
     * Prompts and the child's output share the terminal: everything before the first stage's readiness token is
     * the tool talking (kept as the context's early stderr, for error messages); from the token on, frames.
     */
    private static ChildProcess terminal(ChildProcess p, Prompts prompts, PromptWatcher[] watcher, Duration timeout)
            throws IOException {
        PromptWatcher w = new PromptWatcher(p.stdout(), p.stdin(), prompts, p::kill);
        watcher[0] = w;
        // the prompt exchange happens here, before the router's own connect timeout starts: bound it too
        java.util.concurrent.CompletableFuture<Void> watchdog = java.util.concurrent.CompletableFuture.runAsync(p::kill,
                java.util.concurrent.CompletableFuture.delayedExecutor(timeout.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS));
        String before;
        try {
            before = w.untilToken(Bootstrap.FIRST_STAGE_READY);
        } finally {
            watchdog.cancel(false);
        }
        // what the tool said before the token, as the child's early stderr (kept for error messages)
        InputStream talk = new java.io.ByteArrayInputStream(before == null ? new byte[0]
                : before.replace("\r", "").getBytes(StandardCharsets.UTF_8));
        InputStream rest = before == null ? InputStream.nullInputStream() : new java.io.SequenceInputStream(
                new java.io.ByteArrayInputStream(Bootstrap.FIRST_STAGE_READY.getBytes(StandardCharsets.US_ASCII)),
                p.stdout());
        return ChildProcess.withStreams(p, rest, talk);
    }

    /** Appends {@code SH -c script}: every method's last words. */
    protected static List<String> withShell(List<String> argv, String script) {
        List<String> all = new ArrayList<>(argv);
        all.addAll(List.of(SH, "-c", script));
        return all;
    }
}
