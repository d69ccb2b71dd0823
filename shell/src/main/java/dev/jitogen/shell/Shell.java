package dev.jitogen.shell;

import dev.jitogen.core.ConnectionMethod;
import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.Stats;
import jdk.jshell.Diag;
import jdk.jshell.ImportSnippet;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.VarSnippet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The shell's engine, without a terminal: takes units of input (a command line starting with {@code /}, or Java
 * source holding one or more snippets), runs them, and prints what the JDK's {@code jshell} would print. Used by
 * the interactive front end and by {@code jitogen run}.
 *
 * <p>Threads: {@link #run}, {@link #completeness} and {@link #completions} are called on one shell thread. JShell
 * is built and warmed on a background thread at construction; the first call waits for it. {@link #stop} may be
 * called from any thread (Ctrl-C). Output from other threads (forwarded logs) goes through the thread-safe
 * {@link Printer}.
 */
public final class Shell implements AutoCloseable {
    /** Where the shell prints. {@code async} lines come from other threads and must not break the line being typed. */
    public interface Printer {
        void println(String line);

        default void async(String line) {
            println(line);
        }

        /** A status line that the next one replaces (a terminal redraws it in place); dropped by default. */
        default void progress(String line) {
        }
    }

    static final List<String> STARTUP_IMPORTS = List.of(
            "java.io.*", "java.math.*", "java.net.*", "java.nio.file.*", "java.time.*", "java.util.*",
            "java.util.concurrent.*", "java.util.function.*", "java.util.regex.*", "java.util.stream.*",
            "dev.jitogen.core.*");
    private static final Pattern LOCAL_WORD = Pattern.compile("(?<![\\w$.])local(?![\\w$])");

    private final Printer out;
    private final SnippetLoader loader;
    private final SnippetExecution execution;
    private final Session session;
    private final CompletableFuture<JShell> jshell;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    /** Every unit entered, for /history; the ones that succeeded, in order, for /save. */
    private final List<String> history = new ArrayList<>(), saved = new ArrayList<>();
    private final Handler logHandler;
    private Throwable lastFailure;
    /** JShell is not thread-safe: the shell thread and the warm-up thread take turns with it under this lock. */
    private final Object jshellLock = new Object();
    /** Startup imports still to evaluate; the warm-up thread takes them one at a time. */
    private volatile java.util.Queue<String> pendingImports = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The startup declaration {@code Context local = null;} and the static field JShell keeps it in. */
    private volatile Snippet localSnippet;
    /** The start of the {@code local} context, begun as soon as input mentions it. Shell thread only. */
    private CompletableFuture<Void> localStart;
    /** True while the shell thread waits for {@link #jshellLock}: the warm-up thread then stands back. */
    private volatile boolean shellWaiting;
    private volatile java.lang.reflect.Field localField;

    /** A slash command: its name, one-line summary, usage line, longer help, and what it does. */
    record Command(String name, String usage, String summary, String help, Action action) {}

    @FunctionalInterface
    interface Action {
        /** @return true on success */
        boolean run(String args) throws Exception;
    }

    public Shell(Printer out) {
        this.out = out;
        this.loader = new SnippetLoader(Shell.class.getClassLoader());
        this.execution = new SnippetExecution(loader);
        this.session = new Session(() -> {
            Router r = Router.builder().classLoader(loader).staticState(new SnippetStatics(loader)).build();
            r.classFinder().addSource(loader);
            return r;
        }, out);
        this.logHandler = installLogPrinter(out);
        this.jshell = CompletableFuture.supplyAsync(this::buildJShell);
        defineCommands();
    }

    private JShell buildJShell() {
        PrintStream sysout = System.out;
        JShell js = JShell.builder()
                .executionEngine(new SnippetExecution.Provider(execution), Map.of())
                .out(sysout).err(System.err)
                // --release 17: classes children on Java 17 can load; -g: local variable names, so that a captured
                // value that cannot be sent is named (SnippetStatics.capturedNames)
                .compilerOptions("--release", "17", "-g")
                .build();
        js.eval("import dev.jitogen.core.*;");
        // each build has its own queue: a /reset during warm-up must not hand the old JShell the new imports
        java.util.concurrent.ConcurrentLinkedQueue<String> imports = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (String i : STARTUP_IMPORTS) if (!i.equals("dev.jitogen.core.*")) imports.add(i);
        pendingImports = imports;
        js.eval("Router router = " + sessionRef() + ".router();");
        redeclareLocal(js);
        // the rest of the imports follow in the background: the first snippet need not wait for them
        Thread rest = new Thread(() -> {
            synchronized (jshellLock) {
                // the first lambda javac compiles is slow: compile one now, not the operator's first call
                js.eval("java.util.function.Supplier<Object> $jitogenWarm = () -> router;").forEach(e -> js.drop(e.snippet()));
            }
            while (true) {
                while (shellWaiting) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                synchronized (jshellLock) {
                    if (!importNext(js, imports)) break;
                }
            }
            synchronized (jshellLock) {
                js.sourceCodeAnalysis().completionSuggestions("router.co", 9, new int[1]); // warm completion
            }
        }, "jitogen-jshell-warmup");
        rest.setDaemon(true);
        rest.start();
        return js;
    }

    /**
     * Declares {@code Context local = null;}: completion knows its type at once, and its context starts only when
     * code uses it (the engine fills the static field JShell keeps it in).
     */
    private void redeclareLocal(JShell js) {
        java.util.Set<String> before = new java.util.HashSet<>(loader.names());
        localSnippet = js.eval("Context local = null;").get(0).snippet();
        localField = null;
        for (String c : loader.names()) {
            if (before.contains(c)) continue;
            try {
                java.lang.reflect.Field f = Class.forName(c, false, loader).getDeclaredField("local");
                f.setAccessible(true); // JShell's wrapper classes are not public
                localField = f;
            } catch (ReflectiveOperationException | LinkageError e) {
                // not the wrapper that holds it
            }
        }
    }

    /** Evaluates the next startup import not yet done; false when none is left. Hold {@link #jshellLock}. */
    private static boolean importNext(JShell js, java.util.Queue<String> imports) {
        String i = imports.poll();
        if (i == null) return false;
        js.eval("import " + i + ";");
        return true;
    }

    JShell jshell() {
        return jshell.join();
    }

    /** Java source that finds this shell's session from a snippet. */
    private String sessionRef() {
        return "dev.jitogen.shell.Session.byId(" + session.id() + ")";
    }

    Session session() {
        return session;
    }

    Map<String, Command> commands() {
        return commands;
    }

    /** The connection methods on the class path, by name; each has a command. */
    Map<String, ConnectionMethod> methods() {
        return ConnectionMethod.all(Shell.class.getClassLoader());
    }

    /** Interrupts the snippet running now, and with it any remote call it waits for. Any thread. */
    public void stop() {
        execution.stop();
    }

    // ---- input ---------------------------------------------------------------------------------------------------

    /** Whether {@code source} is a complete unit, or needs more lines (for multi-line input). */
    public boolean isComplete(String source) {
        synchronized (jshellLock) {
            return isCompleteLocked(source);
        }
    }

    private boolean isCompleteLocked(String source) {
        String s = source.strip();
        if (s.isEmpty() || isCommand(s)) return true;
        SourceCodeAnalysis sca = jshell().sourceCodeAnalysis();
        while (!s.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(s);
            if (!info.completeness().isComplete()) {
                return info.completeness() == SourceCodeAnalysis.Completeness.UNKNOWN;
            }
            s = info.remaining();
        }
        return true;
    }

    /** Java completions at {@code cursor}: the anchor (where replaced text starts) and the continuations. */
    public List<String> completions(String buffer, int cursor, int[] anchor) {
        synchronized (jshellLock) {
            return completionsLocked(buffer, cursor, anchor);
        }
    }

    private List<String> completionsLocked(String buffer, int cursor, int[] anchor) {
        List<SourceCodeAnalysis.Suggestion> s = jshell().sourceCodeAnalysis().completionSuggestions(buffer, cursor, anchor);
        return s.stream().map(SourceCodeAnalysis.Suggestion::continuation).distinct().collect(Collectors.toList());
    }

    /**
     * Runs one unit: a command line, or Java source with one or more snippets.
     *
     * @return true if everything in it succeeded
     */
    public boolean run(String unit) {
        shellWaiting = true; // from now on the warm-up thread takes no new turn until we have had ours
        if ((localStart == null || localStart.isCompletedExceptionally()) && !isCommand(unit.strip())
                && LOCAL_WORD.matcher(unit).find()) {
            // start the context now, while JShell may still be warming up and while it compiles
            localStart = CompletableFuture.runAsync(() -> session.context("local"));
        }
        jshell(); // wait for it outside the lock: the build itself takes the lock
        synchronized (jshellLock) {
            shellWaiting = false;
            return runLocked(unit);
        }
    }

    private boolean runLocked(String unit) {
        String trimmed = unit.strip();
        if (trimmed.isEmpty()) return true;
        session.makeCurrent();
        history.add(trimmed);
        boolean ok;
        try {
            ok = isCommand(trimmed) ? runCommand(trimmed) : runJava(trimmed);
        } catch (ExitRequest e) {
            throw e;
        } catch (Exception e) {
            out.println("|  " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            ok = false;
        }
        if (ok && !trimmed.startsWith("/save") && !trimmed.startsWith("/history") && !trimmed.startsWith("/exit")
                && !trimmed.startsWith("/help") && !trimmed.startsWith("/stack")) {
            saved.add(trimmed);
        }
        return ok;
    }

    /** A command line starts with {@code /} and a name; {@code /*} and {@code //} begin Java comments. */
    static boolean isCommand(String line) {
        return line.startsWith("/") && !line.startsWith("/*") && !line.startsWith("//");
    }

    private boolean runJava(String source) {
        JShell js = jshell();
        defineLocalIfUsed(source);
        SourceCodeAnalysis sca = js.sourceCodeAnalysis();
        String rest = source;
        boolean ok = true;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
            String snippet = info.completeness().isComplete() && info.source() != null ? info.source() : rest;
            rest = snippet == rest ? "" : info.remaining();
            if (snippet.isBlank()) break;
            ok &= evalOne(js, snippet.strip());
            if (!ok) break;
        }
        execution.clearBeforeRun();
        return ok;
    }

    private boolean evalOne(JShell js, String snippet) {
        List<SnippetEvent> events = js.eval(snippet);
        if (events.stream().anyMatch(e -> e.status() == Snippet.Status.REJECTED) && !pendingImports.isEmpty()) {
            // perhaps it needs an import the warm-up has not reached yet: finish them, then try once more
            while (importNext(js, pendingImports)) {
                // next
            }
            events = js.eval(snippet);
        }
        boolean ok = true;
        for (SnippetEvent e : events) {
            if (e.status() == Snippet.Status.REJECTED) {
                ok = false;
                List<Diag> diags = js.diagnostics(e.snippet()).collect(Collectors.toList());
                if (diags.isEmpty()) out.println("|  Error: cannot understand: " + snippet);
                for (Diag d : diags) Feedback.diagnostic(d, snippet).forEach(out::println);
                continue;
            }
            if (e.exception() != null) {
                ok = false;
                report(e.exception());
                continue;
            }
            Feedback.event(e).forEach(out::println);
        }
        return ok;
    }

    private void report(jdk.jshell.JShellException thrown) {
        lastFailure = execution.lastFailure();
        for (Throwable t = lastFailure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                out.println("|  Interrupted" + (lastFailure instanceof dev.jitogen.core.JitogenError
                        ? ": " + lastFailure.getMessage() : ""));
                return;
            }
        }
        Feedback.exception(lastFailure, thrown, false).forEach(out::println);
    }

    /**
     * {@code local} starts the first time code uses it: the context starts on another thread while JShell compiles
     * the snippet, and the snippet runs once it is ready (the engine waits for it).
     */
    private void defineLocalIfUsed(String source) {
        if (!LOCAL_WORD.matcher(source).find()) return;
        JShell js = jshell();
        java.lang.reflect.Field f = localField;
        try {
            if (f == null || !js.status(localSnippet).isActive() || f.get(null) != null) return;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        if (localStart == null || localStart.isCompletedExceptionally()) {
            localStart = CompletableFuture.runAsync(() -> session.context("local"));
        }
        execution.beforeRun(localStart.thenRun(() -> {
            try {
                f.set(null, session.context("local"));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    private void defineContextVariable(String name) {
        session.context(name);
        List<SnippetEvent> ev = jshell().eval("Context " + name + " = " + sessionRef() + ".context(\"" + name + "\");");
        for (SnippetEvent e : ev) {
            if (e.status() == Snippet.Status.REJECTED || e.exception() != null) {
                throw new IllegalStateException("cannot define variable " + name + " for the context");
            }
        }
    }

    // ---- commands ------------------------------------------------------------------------------------------------

    private boolean runCommand(String line) throws Exception {
        int space = line.indexOf(' ');
        String name = (space < 0 ? line : line.substring(0, space)).substring(1);
        String args = space < 0 ? "" : line.substring(space + 1).strip();
        Command c = commands.get(name);
        if (c == null) {
            String near = Suggest.closest(name, commands.keySet());
            out.println("|  unknown command /" + name + (near != null ? "; did you mean /" + near + "?" : "")
                    + " (/help lists the commands)");
            return false;
        }
        if (args.equals("--help") || args.equals("-h")) {
            printHelp(c);
            return true;
        }
        try {
            return c.action().run(args);
        } catch (IllegalArgumentException e) {
            out.println("|  /" + name + ": " + e.getMessage());
            out.println("|  usage: " + c.usage());
            return false;
        }
    }

    private void printHelp(Command c) {
        out.println("|  " + c.usage());
        out.println("|  " + c.summary());
        for (String l : c.help().split("\n")) if (!l.isEmpty()) out.println("|  " + l);
    }

    private void add(String name, String usage, String summary, String help, Action action) {
        commands.put(name, new Command(name, usage, summary, help, action));
    }

    private void defineCommands() {
        add("help", "/help [COMMAND]", "list the commands, or describe one", "", args -> {
            if (!args.isEmpty()) {
                Command c = commands.get(args.replaceFirst("^/", ""));
                if (c == null) throw new IllegalArgumentException("no command " + args);
                printHelp(c);
                return true;
            }
            out.println("|  Type Java at the prompt; it runs in the master. Run it in a context with");
            out.println("|  ctx.call(() -> ...), or in several at once with /on. `router` and `local` are predefined.");
            out.println("|  A lambda sees the master's current value of each top-level variable it reads;");
            out.println("|  writes to those variables in a context do not flow back to the master.");
            for (Command c : commands.values()) out.println(String.format(Locale.ROOT, "|  %-34s %s", c.usage(), c.summary()));
            return true;
        });
        add("exit", "/exit", "shut every context down and leave", "", args -> {
            throw new ExitRequest();
        });
        for (ConnectionMethod m : ConnectionMethod.all(Shell.class.getClassLoader()).values()) addMethodCommand(m);
        add("contexts", "/contexts", "the context tree: name, id, method, host, user, pid, JVM, state", "", args -> {
            out.println(String.format(Locale.ROOT, "|  %-20s %4s %-8s %-16s %-10s %8s %-10s %s",
                    "NAME", "ID", "METHOD", "HOST", "USER", "PID", "JVM", "STATE"));
            out.println(String.format(Locale.ROOT, "|  %-20s %4d %-8s %-16s %-10s %8d %-10s %s", "master", 0, "-",
                    hostName(), System.getProperty("user.name"), ProcessHandle.current().pid(),
                    System.getProperty("java.version"), "running"));
            printTree(null, "", session.facts(session.names()));
            return true;
        });
        add("routes", "/routes [CTX]", "a context's routing table (default: the master's)", "", args -> {
            Map<Integer, String> table = args.isEmpty() ? session.router().routes()
                    : session.context(args).call(() -> Router.current().routes());
            out.println("|  routes of " + (args.isEmpty() ? "master" : args) + ":");
            if (table.isEmpty()) out.println("|  (none)");
            table.forEach((id, via) -> out.println("|  " + (id < 0 ? "*" : "context " + id) + " -> " + via));
            return true;
        });
        add("on", "/on CTX[,CTX...]|all EXPR", "evaluate EXPR in each context in parallel", "Results print as "
                + "they arrive, prefixed with the context's name; a summary follows.", this::on);
        add("stats", "/stats", "class-serving counters", "", args -> {
            Stats s = session.router().stats();
            out.println(String.format(Locale.ROOT, "|  %d requests, %.3f s, %d classes (%d bytes) sent, %d refused, %d not found",
                    s.requests(), s.seconds(), s.classesSent(), s.bytesSent(), s.refusals(), s.notFound()));
            return true;
        });
        add("log", "/log [CTX]", "recent lines a context forwarded (default: all)", "", args -> {
            for (String n : args.isEmpty() ? session.names() : List.of(args)) {
                for (String l : session.context(n).recentLog()) out.println("[" + n + "] " + l);
            }
            return true;
        });
        add("disconnect", "/disconnect CTX", "shut a context down", "", args -> {
            if (args.isEmpty()) throw new IllegalArgumentException("name the context");
            Context c = session.context(args);
            c.shutdown();
            session.remove(args);
            if (args.equals("local")) {
                // `local` stays declared; it starts afresh the next time code uses it
                java.lang.reflect.Field f = localField;
                if (f != null && jshell().status(localSnippet).isActive()) f.set(null, null);
                else redeclareLocal(jshell());
                localStart = null;
            } else {
                jshell().variables().filter(v -> v.name().equals(args)).forEach(v -> jshell().drop(v));
            }
            out.println("|  disconnected " + args);
            return true;
        });
        add("stack", "/stack", "the whole stack of the last exception", "", args -> {
            if (lastFailure == null) out.println("|  no exception yet");
            else Feedback.exception(lastFailure, null, true).forEach(out::println);
            return true;
        });
        add("list", "/list", "the snippets typed so far", "", args -> {
            jshell().snippets().filter(s -> jshell().status(s).isActive() && !isStartup(s))
                    .forEach(s -> out.println(String.format(Locale.ROOT, "%5s : %s", s.id(),
                            s.source().strip().replace("\n", "\n        "))));
            return true;
        });
        add("vars", "/vars", "the variables declared", "", args -> {
            jshell().variables().filter(v -> jshell().status(v).isActive()).forEach(v ->
                    out.println("|    " + v.typeName() + " " + v.name() + " = " + jshell().varValue(v)));
            return true;
        });
        add("methods", "/methods", "the methods declared", "", args -> {
            jshell().methods().filter(m -> jshell().status(m).isActive()).forEach(m ->
                    out.println("|    " + m.signature().replaceFirst("\\)(.*)$", ")$1") + " " + m.name() + "(" + m.parameterTypes() + ")"));
            return true;
        });
        add("types", "/types", "the classes, interfaces, enums and records declared", "", args -> {
            jshell().types().filter(t -> jshell().status(t).isActive()).forEach(t ->
                    out.println("|    " + t.subKind().name().replace("_SUBKIND", "").toLowerCase(Locale.ROOT) + " " + t.name()));
            return true;
        });
        add("imports", "/imports", "the imports in force", "", args -> {
            jshell().imports().filter(i -> jshell().status(i).isActive()).forEach(i -> out.println("|    import "
                    + (i.isStatic() ? "static " : "") + i.fullname()));
            return true;
        });
        add("history", "/history", "everything typed this session", "", args -> {
            history.forEach(h -> out.println(h));
            return true;
        });
        add("save", "/save FILE", "write this session's snippets and commands, in order, to FILE",
                "Only what succeeded is written. Replay it with ./jitogen run FILE.", args -> {
                    if (args.isEmpty()) throw new IllegalArgumentException("name the file");
                    Files.write(Path.of(args), saved);
                    out.println("|  saved " + saved.size() + " entries to " + args);
                    return true;
                });
        add("open", "/open FILE", "run the snippets and commands of FILE", "", args -> {
            if (args.isEmpty()) throw new IllegalArgumentException("name the file");
            for (Script.Unit u : Script.parse(Files.readString(Path.of(args)), this)) {
                if (!run(u.text())) {
                    out.println("|  " + args + ":" + u.line() + ": stopped here");
                    return false;
                }
            }
            return true;
        });
        add("drop", "/drop NAME|ID", "forget a variable, method or type", "", args -> {
            if (args.isEmpty()) throw new IllegalArgumentException("name what to drop");
            List<Snippet> found = jshell().snippets().filter(s -> jshell().status(s).isActive()
                    && (s.id().equals(args) || args.equals(nameOf(s)))).collect(Collectors.toList());
            if (found.isEmpty()) throw new IllegalArgumentException("nothing called " + args);
            for (Snippet s : found) jshell().drop(s);
            out.println("|  dropped " + args);
            return true;
        });
        add("reset", "/reset", "forget every snippet (contexts stay open)", "", args -> {
            JShell old = jshell();
            jshell.obtrudeValue(buildJShell());
            old.close();
            for (String n : session.names()) defineContextVariable(n);
            out.println("|  resetting state");
            return true;
        });
    }

    /** One command per connection method, made from its options: usage, help, parsing and completion. */
    private void addMethodCommand(ConnectionMethod m) {
        StringBuilder usage = new StringBuilder("/" + m.name() + " NAME");
        StringBuilder help = new StringBuilder("NAME becomes a Java variable of type Context.\n");
        for (ConnectionMethod.Option o : m.options()) {
            String shown = o.positional() ? (o.placeholder() != null ? o.placeholder() : o.name().toUpperCase(Locale.ROOT))
                    : o.flag() + (o.placeholder() != null ? " " + o.placeholder() : "");
            usage.append(" [").append(shown).append(']');
            help.append(String.format(Locale.ROOT, "%-24s %s%n", shown, o.help()));
        }
        usage.append(" [--via CTX]");
        help.append(String.format(Locale.ROOT, "%-24s %s%n", "--via CTX", "start it from context CTX, which becomes its parent"));
        add(m.name(), usage.toString(), m.summary(), help.toString(), args -> {
            List<String> words = words(args);
            if (words.isEmpty()) throw new IllegalArgumentException("name the context");
            String name = words.get(0);
            if (!name.matches("[A-Za-z_$][\\w$]*")) throw new IllegalArgumentException(name + " is not a Java name");
            Map<String, String> options = new LinkedHashMap<>();
            Context via = null;
            java.util.Iterator<ConnectionMethod.Option> positional = m.options().stream()
                    .filter(ConnectionMethod.Option::positional).iterator();
            for (int i = 1; i < words.size(); i++) {
                String w = words.get(i);
                if (w.equals("--via")) {
                    via = session.context(value(words, ++i, "--via"));
                    continue;
                }
                if (!w.startsWith("--")) {
                    if (!positional.hasNext()) throw new IllegalArgumentException("unexpected argument " + w);
                    options.put(positional.next().name(), w);
                    continue;
                }
                ConnectionMethod.Option o = m.options().stream().filter(x -> w.equals(x.flag())).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown option " + w + flagHint(m, w)));
                options.put(o.name(), o.placeholder() == null ? "true" : value(words, ++i, w));
            }
            Context c = session.open(m, name, options, via);
            defineContextVariable(name);
            out.println("|  started " + name + " (" + m.name() + ", id " + c.id() + ", pid " + c.pid() + ")");
            return true;
        });
    }

    /** The contexts started from {@code parent} (null: the master), each under its parent, indented. */
    private void printTree(Context parent, String indent, Map<String, String[]> facts) {
        List<String> names = session.names().stream().filter(n -> session.context(n).via() == parent).toList();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            Context c = session.context(n);
            String[] f = facts.get(n);
            boolean last = i == names.size() - 1;
            out.println(String.format(Locale.ROOT, "|  %-20s %4d %-8s %-16s %-10s %8d %-10s %s",
                    indent + (last ? "└─ " : "├─ ") + n, c.id(), c.method(), f[0], f[1],
                    c.pid() >= 0 ? c.pid() : Long.parseLong(f[3]), f[2],
                    c.isConnected() ? "connected" : "disconnected"));
            printTree(c, indent + (last ? "   " : "│  "), facts);
        }
    }

    private static String flagHint(ConnectionMethod m, String typed) {
        String near = Suggest.closest(typed, m.options().stream().map(ConnectionMethod.Option::flag)
                .filter(java.util.Objects::nonNull).collect(Collectors.toList()));
        return near != null ? "; did you mean " + near + "?" : "";
    }

    private boolean on(String args) {
        int space = args.indexOf(' ');
        if (space < 0) throw new IllegalArgumentException("give the contexts and an expression");
        String targets = args.substring(0, space);
        String expr = args.substring(space + 1).strip();
        List<String> names = targets.equals("all") ? session.names() : List.of(targets.split(","));
        if (names.isEmpty()) throw new IllegalArgumentException("no contexts are open (open one with /local NAME)");
        for (String n : names) if (!session.has(n) && !n.equals("local")) throw new IllegalArgumentException(session.unknownContext(n));
        String list = names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
        String call = sessionRef() + ".on(java.util.List.of(" + list + "), "
                + "(dev.jitogen.core.RemoteCallable<Object>) () -> (" + expr + "));";
        JShell js = jshell();
        boolean asExpression = js.sourceCodeAnalysis().analyzeCompletion(expr + ";").completeness().isComplete()
                && compiles(js, "(dev.jitogen.core.RemoteCallable<Object>) () -> (" + expr + ")");
        if (!asExpression) {
            call = sessionRef() + ".on(java.util.List.of(" + list + "), "
                    + "(dev.jitogen.core.RemoteCallable<Object>) () -> { " + expr + "; return null; });";
        }
        List<SnippetEvent> events = js.eval(call);
        boolean ok = true;
        for (SnippetEvent e : events) {
            if (e.status() == Snippet.Status.REJECTED) {
                js.diagnostics(e.snippet()).forEach(d -> Feedback.diagnostic(d, expr).forEach(out::println));
                ok = false;
            } else if (e.exception() != null) {
                report(e.exception());
                ok = false;
            } else {
                ok &= "true".equals(e.value());
            }
            js.drop(e.snippet());
        }
        return ok;
    }

    private static boolean compiles(JShell js, String expr) {
        List<SnippetEvent> ev = js.eval("Object $jitogenProbe = " + expr + ";");
        boolean ok = ev.stream().noneMatch(e -> e.status() == Snippet.Status.REJECTED);
        ev.forEach(e -> js.drop(e.snippet()));
        return ok;
    }

    private boolean isStartup(Snippet s) {
        return s instanceof ImportSnippet i && STARTUP_IMPORTS.contains(i.fullname())
                || s.source().contains("dev.jitogen.shell.Session.byId(") || s == localSnippet;
    }

    private static String nameOf(Snippet s) {
        if (s instanceof VarSnippet v) return v.name();
        if (s instanceof MethodSnippet m) return m.name();
        if (s instanceof TypeDeclSnippet t) return t.name();
        return null;
    }

    private static List<String> words(String args) {
        List<String> w = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(args);
        while (m.find()) w.add(m.group(1) != null ? m.group(1) : m.group(2));
        return w;
    }

    private static String value(List<String> words, int i, String option) {
        if (i >= words.size()) throw new IllegalArgumentException(option + " needs a value");
        return words.get(i);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Thrown by /exit; the front end stops reading. */
    static final class ExitRequest extends RuntimeException {
        ExitRequest() {
            super("exit", null, false, false);
        }
    }

    /** Prints forwarded child logs and Jitogen's own warnings through the shell's printer, not the console handler. */
    /** Held, because java.util.logging keeps loggers only weakly and would forget the level. */
    private static final Logger SSHD_LOG = Logger.getLogger("org.apache.sshd");

    private static Handler installLogPrinter(Printer out) {
        LogManager.getLogManager().reset();
        SSHD_LOG.setLevel(java.util.logging.Level.WARNING); // MINA's INFO lines are not for an operator
        Logger root = Logger.getLogger("");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) return;
                String msg = r.getMessage();
                if (!r.getLoggerName().startsWith("dev.jitogen.ctx.")) msg = r.getLevel() + ": " + msg;
                out.async(msg);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        h.setLevel(java.util.logging.Level.INFO);
        root.addHandler(h);
        return h;
    }

    @Override
    public void close() {
        session.close();
        Router r = session.routerIfMade();
        if (r != null) r.close();
        if (jshell.isDone() && !jshell.isCompletedExceptionally()) jshell.join().close();
        Logger.getLogger("").removeHandler(logHandler);
    }
}
