package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.Stats;
import dev.jitogen.core.spi.ConnectionMethod;
import dev.jitogen.plugins.Suggest;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The commands about contexts: one per connection method ({@code /local}, {@code /ssh}, ..., made from the method's
 * options), {@code /contexts}, {@code /routes}, {@code /on}, {@code /sh}, {@code /stats}, {@code /log},
 * {@code /disconnect} and {@code /stop}.
 *
 * <p>Threads: the commands run on the shell thread, with the shell's JShell lock held; {@code /on} and {@code /sh}
 * wait there for the contexts, and Ctrl-C interrupts them.
 */
final class ContextCommands {
    private final Shell shell;
    private final Session session;

    private ContextCommands(Shell shell) {
        this.shell = shell;
        this.session = shell.session;
    }

    static void define(Shell shell) {
        new ContextCommands(shell).defineAll();
    }

    private void defineAll() {
        for (ConnectionMethod m : shell.methods().values()) addMethodCommand(m);
        shell.add("contexts", "/contexts", "the context tree: name, id, method, host, user, pid, JVM, state",
                "STATE is connected, busy (calls still running, e.g. after Ctrl-C) or disconnected.", args -> {
                    shell.hard(String.format(Locale.ROOT, "|  %-20s %4s %-8s %-16s %-10s %8s %-10s %s",
                            "NAME", "ID", "METHOD", "HOST", "USER", "PID", "JVM", "STATE"));
                    shell.hard(String.format(Locale.ROOT, "|  %-20s %4d %-8s %-16s %-10s %8d %-10s %s", "master", 0, "-",
                            hostName(), System.getProperty("user.name"), ProcessHandle.current().pid(),
                            System.getProperty("java.version"), "running"));
                    List<Context> shown = session.shown();
                    printTree(shown, null, "", session.facts(shown));
                    return true;
                });
        shell.add("routes", "/routes [CTX]", "a context's routing table (default: the master's)", "", args -> {
            Map<Integer, String> table = args.isEmpty() ? session.router().routes()
                    : session.context(args).call(() -> Router.current().routes());
            shell.hard("|  routes of " + (args.isEmpty() ? "master" : args) + ":");
            if (table.isEmpty()) shell.hard("|  (none)");
            table.forEach((id, via) -> shell.hard("|  " + (id < 0 ? "*" : "context " + id) + " -> " + ContextOutput.escape(String.valueOf(via))));
            return true;
        });
        shell.add("on", "/on CTX[,CTX...]|all|@PATTERN EXPR", "evaluate EXPR (or a statement) in each context in parallel",
                "Results print as they arrive under each context's name (text raw, more lines indented); a "
                        + "statement prints only what it prints. A summary follows; /stack shows each failure.\n"
                        + "@PATTERN: the inventory hosts opened with /connect that an Ansible pattern selects (@web, "
                        + "@web:!web3).", this::on);
        shell.add("sh", "/sh CTX[,CTX...]|all|@PATTERN COMMAND...", "run a shell command in each context in parallel",
                "COMMAND runs through /bin/sh -c. Each context's stdout and stderr print under its name, then its "
                        + "exit status. In a script, a non-zero exit anywhere fails the script.\n"
                        + "@PATTERN: the inventory hosts opened with /connect that an Ansible pattern selects.", this::sh);
        shell.add("stats", "/stats", "class-serving counters", "", args -> {
            Stats s = session.router().stats();
            shell.hard(String.format(Locale.ROOT, "|  %d requests, %.3f s, %d classes (%d bytes) sent, %d refused, %d not found",
                    s.requests(), s.seconds(), s.classesSent(), s.bytesSent(), s.refusals(), s.notFound()));
            return true;
        });
        shell.add("log", "/log [CTX|master]", "recent lines a context forwarded, or the master logged (default: all)",
                "master: the master's own log, including the SSH library's lines, which the terminal shows only at a "
                        + "level chosen with jitogen -v or --log-level LEVEL.", args -> {
                    if (args.isEmpty() || args.equals("master")) {
                        for (String l : ContextOutput.masterLog()) shell.hard("[master] " + ContextOutput.escape(l));
                    }
                    if (args.equals("master")) return true;
                    for (String n : args.isEmpty() ? session.names() : List.of(args)) {
                        for (String l : session.context(n).recentLog()) shell.hard("[" + n + "] " + ContextOutput.escape(l));
                    }
                    return true;
                });
        shell.add("disconnect", "/disconnect CTX|@PATTERN", "shut a context down (its name can be used again)",
                "@PATTERN: every opened inventory host the pattern selects.", args -> {
                    if (args.startsWith("@")) {
                        List<String> names = session.targets(args);
                        // a context's shutdown waits for it to exit: a fleet's, side by side
                        Fleet.bounded(shell.out, "disconnecting", names, FleetCommands.DEFAULT_FORKS, n -> {
                            session.shutdown(n, false);
                            return n;
                        }, o -> {});
                        for (String n : names) shell.startup.forget(n); // JShell's: this thread
                        shell.fluff("|  disconnected " + names.size() + (names.size() == 1 ? " host" : " hosts"));
                        return true;
                    }
                    close(args, false);
                    shell.fluff("|  disconnected " + args);
                    return true;
                });
        shell.add("stop", "/stop CTX", "kill a context at once, even one stuck in a call (its name can be used again)",
                "For a context still busy with a call that ignores interruption (Ctrl-C).", args -> {
                    close(args, true);
                    shell.fluff("|  killed " + args);
                    return true;
                });
    }

    private void close(String name, boolean kill) throws IllegalAccessException {
        if (name.isEmpty()) throw new IllegalArgumentException("name the context");
        session.shutdown(name, kill);
        shell.startup.forget(name);
    }

    /** One command per connection method, made from its options: usage, help, parsing and completion. */
    private void addMethodCommand(ConnectionMethod m) {
        boolean derives = derivesVariable(m);
        StringBuilder usage = new StringBuilder("/" + m.name() + (derives ? " [NAME]" : " NAME"));
        StringBuilder help = new StringBuilder("NAME becomes a Java variable of type Context."
                + (derives ? " Without NAME, the variable is made from the options (/" + m.name() + " web1.example.org "
                + "binds web1_example_org) and the context is named as in Mitogen (ssh.web1.example.org:22).\n" : "\n"));
        for (ConnectionMethod.Option o : m.options()) {
            String shown = o.positional() ? (o.placeholder() != null ? o.placeholder() : o.name().toUpperCase(Locale.ROOT))
                    : o.flag() + (o.placeholder() != null ? " " + o.placeholder() : "");
            usage.append(" [").append(shown).append(']');
            help.append(String.format(Locale.ROOT, "%-24s %s%n", shown, o.help()));
        }
        usage.append(" [--via CTX]");
        help.append(String.format(Locale.ROOT, "%-24s %s%n", "--via CTX", "start it from context CTX, which becomes its parent"));
        shell.add(m.name(), usage.toString(), m.summary(), help.toString(), args -> {
            List<String> words = Shell.words(args);
            if (words.isEmpty()) throw new IllegalArgumentException("name the context");
            List<ConnectionMethod.Option> positionals = m.options().stream().filter(ConnectionMethod.Option::positional).toList();
            // /ssh HOST or /ssh NAME HOST: a method that derives the variable has only required positional options,
            // so the count of positional words tells
            boolean unnamed = derivesVariable(m) && positionalWords(m, words) == positionals.size();
            String name = unnamed ? null : words.get(0);
            if (name != null && !name.matches("[A-Za-z_$][\\w$]*")) throw new IllegalArgumentException(name + " is not a Java name");
            Map<String, String> options = new LinkedHashMap<>();
            Context via = null;
            java.util.Iterator<ConnectionMethod.Option> positional = positionals.iterator();
            for (int i = unnamed ? 0 : 1; i < words.size(); i++) {
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
            String variable = name != null ? name : freeVariable(m.variableFor(options));
            Context c = session.open(m, variable, name, options, via);
            shell.startup.define(variable);
            shell.fluff("|  started " + (name != null ? name : c.name() + " as " + variable) + " (" + m.name() + ", id "
                    + c.id() + ", pid " + c.pid() + ")");
            return true;
        });
    }

    /** True if {@code m} makes up a variable when the command names none ({@link ConnectionMethod#variableFor}). */
    private static boolean derivesVariable(ConnectionMethod m) {
        Map<String, String> sample = new LinkedHashMap<>();
        for (ConnectionMethod.Option o : m.options()) if (o.positional()) sample.put(o.name(), "host");
        return !sample.isEmpty() && m.variableFor(sample) != null;
    }

    /** How many of the command's words are positional: not flags, nor flag values, nor --via's. */
    private static long positionalWords(ConnectionMethod m, List<String> words) {
        long n = 0;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.equals("--via")) {
                i++;
            } else if (w.startsWith("--")) {
                boolean takesValue = m.options().stream().anyMatch(o -> w.equals(o.flag()) && o.placeholder() != null);
                if (takesValue) i++;
            } else {
                n++;
            }
        }
        return n;
    }

    /**
     * {@code base} as a Java variable that names no open context, nor the shell's own ({@code local},
     * {@code router}): {@code web1}, else {@code web1_2}, {@code web1_3}...
     */
    private String freeVariable(String base) {
        String v = javax.lang.model.SourceVersion.isName(base) ? base : base + "_";
        if (!taken(v)) return v;
        for (int n = 2; ; n++) if (!taken(v + "_" + n)) return v + "_" + n;
    }

    private boolean taken(String variable) {
        if (variable.equals("local") || variable.equals("router")) return true;
        if (!session.has(variable)) return false;
        try {
            return session.context(variable).isConnected();
        } catch (IllegalArgumentException gone) {
            return false;
        }
    }

    /** The contexts started from {@code parent} (null: the master), each under its parent, indented. */
    private void printTree(List<Context> shown, Context parent, String indent, Map<Context, String[]> facts) {
        List<Context> children = shown.stream().filter(c -> c.via() == parent).toList();
        for (int i = 0; i < children.size(); i++) {
            Context c = children.get(i);
            String[] f = facts.get(c);
            boolean last = i == children.size() - 1;
            int busy = c.callsInFlight();
            String state = !c.isConnected() ? "disconnected" : busy > 0 ? "busy (" + busy + (busy == 1 ? " call)" : " calls)") : "connected";
            shell.hard(String.format(Locale.ROOT, "|  %-20s %4d %-8s %-16s %-10s %8d %-10s %s",
                    indent + (last ? "└─ " : "├─ ") + c.name(), c.id(), c.method(), ContextOutput.escape(f[0]),
                    ContextOutput.escape(f[1]), c.pid() >= 0 ? c.pid() : Long.parseLong(f[3]), ContextOutput.escape(f[2]), state));
            printTree(shown, c, indent + (last ? "   " : "│  "), facts);
        }
    }

    private static String flagHint(ConnectionMethod m, String typed) {
        String near = Suggest.closest(typed, m.options().stream().map(ConnectionMethod.Option::flag)
                .filter(Objects::nonNull).collect(Collectors.toList()));
        return near != null ? "; did you mean " + near + "?" : "";
    }

    private static String value(List<String> words, int i, String option) {
        if (i >= words.size()) throw new IllegalArgumentException(option + " needs a value");
        return words.get(i);
    }

    // ---- /on and /sh ----------------------------------------------------------------------------------------------

    private boolean on(String args) {
        int space = args.indexOf(' ');
        if (space < 0) throw new IllegalArgumentException("give the contexts and an expression");
        List<String> names = session.targets(args.substring(0, space));
        String expr = args.substring(space + 1).strip();
        String list = names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", "));
        boolean ok = evalRemote(shell, shell.sessionRef() + ".on(java.util.List.of(" + list + "), ", expr);
        keepFailures();
        return ok;
    }

    /**
     * Evaluates, as a hidden snippet, {@code call} followed by a lambda running {@code expr} (an expression, or
     * else a statement) and {@code , isVoid)}: {@code call} is a method of the session taking
     * {@code (RemoteCallable<Object>, boolean)} last and returning true on success. Prints what the compiler says
     * of {@code expr}, or what the snippet threw. Shell thread, with JShell's lock held.
     */
    static boolean evalRemote(Shell shell, String call, String expr) {
        JShell js = shell.jshell();
        String type = js.sourceCodeAnalysis().analyzeType(expr, expr.length());
        boolean isVoid = "void".equals(type) || type == null && !js.sourceCodeAnalysis()
                .analyzeCompletion(expr + ";").completeness().isComplete();
        String head = call + "(dev.jitogen.core.RemoteCallable<Object>) () -> ";
        String source = isVoid ? head + "{ " + expr + (expr.endsWith(";") || expr.endsWith("}") ? "" : ";") + " return null; }, true);"
                : head + "(" + expr + "), false);";
        List<SnippetEvent> events = shell.evalHidden(source);
        if (!isVoid && events.stream().anyMatch(e -> e.status() == Snippet.Status.REJECTED)) {
            // perhaps a statement after all (analyzeType knows expressions only)
            events.forEach(e -> js.drop(e.snippet()));
            String statement = head + "{ " + expr + (expr.endsWith(";") || expr.endsWith("}") ? "" : ";") + " return null; }, true);";
            List<SnippetEvent> second = shell.evalHidden(statement);
            if (second.stream().noneMatch(e -> e.status() == Snippet.Status.REJECTED)) {
                events = second;
                source = statement;
            } else {
                second.forEach(e -> js.drop(e.snippet()));
            }
        }
        boolean ok = true;
        String wrapped = source;
        int offset = source.indexOf(expr);
        for (SnippetEvent e : events) {
            if (e.status() == Snippet.Status.REJECTED) {
                js.diagnostics(e.snippet()).forEach(d -> Feedback.diagnostic(d, wrapped, offset, expr).forEach(shell::error));
                ok = false;
            } else if (e.exception() != null) {
                shell.report(e.exception());
                ok = false;
            } else if (!"true".equals(e.value())) {
                ok = false;
            }
            js.drop(e.snippet());
        }
        return ok;
    }

    private boolean sh(String args) {
        int space = args.indexOf(' ');
        if (space < 0) throw new IllegalArgumentException("give the contexts and a command");
        List<String> names = session.targets(args.substring(0, space));
        boolean ok = session.sh(names, args.substring(space + 1).strip());
        keepFailures();
        return ok;
    }

    /** The failures of the /on or /sh just run, per context, for /stack. */
    private void keepFailures() {
        Map<String, Throwable> failures = session.lastFailures();
        if (failures.isEmpty()) return;
        List<Shell.Failure> kept = new ArrayList<>();
        failures.forEach((n, t) -> kept.add(new Shell.Failure(n, t, null)));
        shell.lastFailures = kept;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
