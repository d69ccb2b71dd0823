package dev.jitogen.shell;

import dev.jitogen.core.Context;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The variables the shell defines for the operator: {@code router}, {@code local} (a context started the first time
 * code uses it, and again if it died), and one {@code Context} per context opened with a command. They are start-up
 * snippets: {@code /vars} shows them, {@code /list} does not, and {@code /reset} leaves them bound.
 *
 * <p>Threads: the shell thread, with the shell's JShell lock held (JShell is not thread-safe); {@code local} starts
 * on a pool thread while the snippet that uses it compiles.
 */
final class StartupVariables {
    private static final Pattern LOCAL_WORD = Pattern.compile("(?<![\\w$.])local(?![\\w$])");

    private final Shell shell;
    private volatile Snippet routerSnippet, localSnippet;
    /** The static field JShell keeps {@code local} in: set by the engine once the context is up. */
    private volatile Field localField;
    /** The start of the {@code local} context, begun as soon as input mentions it. Shell thread only. */
    private CompletableFuture<Void> localStart;
    /** Each opened context's variable. */
    private final Map<String, Snippet> contextVariables = new ConcurrentHashMap<>();

    StartupVariables(Shell shell) {
        this.shell = shell;
    }

    /** Declares {@code router} and {@code local} in a new JShell. */
    void declare(JShell js) {
        routerSnippet = shell.ids.in(SnippetIds.Space.START,
                () -> js.eval("Router router = " + shell.sessionRef() + ".router();")).get(0).snippet();
        declareLocal(js);
    }

    /**
     * Declares {@code Context local = null;}: completion knows its type at once, and its context starts only when
     * code uses it (the engine fills the static field JShell keeps it in).
     */
    private void declareLocal(JShell js) {
        Set<String> before = new HashSet<>(shell.loader.names());
        localSnippet = shell.ids.in(SnippetIds.Space.START, () -> js.eval("Context local = null;")).get(0).snippet();
        localField = null;
        for (String c : shell.loader.names()) {
            if (before.contains(c)) continue;
            try {
                Field f = Class.forName(c, false, shell.loader).getDeclaredField("local");
                f.setAccessible(true); // JShell's wrapper classes are not public
                localField = f;
            } catch (ReflectiveOperationException | LinkageError e) {
                // not the wrapper that holds it
            }
        }
    }

    /** Whether {@code s} is one of these variables (or their imports). */
    boolean isStartup(Snippet s) {
        return s == routerSnippet || s == localSnippet || contextVariables.containsValue(s);
    }

    /** After /reset: declares again what the reset (or the user) took away. */
    void restore() {
        JShell js = shell.jshell();
        if (!js.status(routerSnippet).isActive()) {
            routerSnippet = shell.evalStartup("Router router = " + shell.sessionRef() + ".router();").get(0).snippet();
        }
        if (!js.status(localSnippet).isActive()) declareLocal(js);
        bindLocalNow();
        for (String name : shell.session.names()) {
            Snippet s = contextVariables.get(name);
            if (s == null || !js.status(s).isActive()) define(name);
        }
    }

    /** Starts {@code local} now if the unit about to run mentions it and it is not running. */
    void startLocalEarly() {
        if (localStart == null || localStart.isCompletedExceptionally() || !shell.session.isLive("local")) {
            if (localStart != null && !localStart.isDone()) return;
            localStart = CompletableFuture.runAsync(() -> shell.session.context("local"));
        }
    }

    /**
     * Makes the snippet about to run wait, before it runs, for {@code local} to be up and bound, if its source uses
     * {@code local} and the variable is still the start-up one, or if an earlier unit began starting it.
     */
    void bindLocalIfUsed(String source) {
        if (!LOCAL_WORD.matcher(source).find()) {
            // a unit may reach local through a method an earlier unit defined: if that unit began its start, this
            // one waits for the binding too, or it would read the variable while it is still null
            CompletableFuture<Void> pending = localStart;
            if (pending != null && !pending.isDone()) shell.execution.beforeRun(pending.thenRun(this::bindLocalNow));
            return;
        }
        Field f = localField;
        try {
            if (f == null || !shell.jshell().status(localSnippet).isActive()) return;
            Object bound = f.get(null);
            if (bound != null && ((Context) bound).isConnected()) return;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        startLocalEarly();
        shell.execution.beforeRun(localStart.thenRun(this::bindLocalNow));
    }

    private void bindLocalNow() {
        Field f = localField;
        if (f == null || !shell.session.has("local")) return;
        try {
            f.set(null, shell.session.context("local"));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Binds a variable named after an opened context. */
    void define(String name) {
        if (name.equals("local")) {
            bindLocalNow();
            return;
        }
        List<SnippetEvent> ev = shell.evalStartup("Context " + name + " = " + shell.sessionRef() + ".context(\"" + name + "\");");
        for (SnippetEvent e : ev) {
            if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
                throw new IllegalStateException("cannot define variable " + name + " for the context");
            }
            if (e.causeSnippet() == null) contextVariables.put(name, e.snippet());
        }
    }

    /** Unbinds the variable of a context that was shut down; {@code local} stays declared and restarts on use. */
    void forget(String name) throws IllegalAccessException {
        if (name.equals("local")) {
            Field f = localField;
            if (f != null && shell.jshell().status(localSnippet).isActive()) f.set(null, null);
            localStart = null;
            return;
        }
        Snippet s = contextVariables.remove(name);
        if (s != null && shell.jshell().status(s).isActive()) shell.jshell().drop(s);
    }
}
