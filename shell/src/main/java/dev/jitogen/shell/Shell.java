package dev.jitogen.shell;

import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ConnectionMethod;
import dev.jitogen.plugins.Suggest;
import dev.jitogen.plugins.ssh.PassphrasePrompt;
import dev.jitogen.plugins.ssh.Ssh;
import jdk.jshell.Diag;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The shell's engine, without a terminal: takes units of input (a command line starting with {@code /}, or Java
 * source holding one or more snippets), runs them, and prints what the JDK's {@code jshell} would print in the
 * current feedback mode. Used by the interactive front end, by piped input and by {@code jitogen run}. What each
 * unit prints is recorded as well ({@link UnitOutput}), for notebooks and {@code /save --notebook}.
 *
 * <p>Threads: {@link #run}, {@link #isComplete}, {@link #completions} and {@link #signatures} are called on one
 * shell thread; each takes its turn with JShell from the {@link JShellHost}, which warms JShell up on threads of
 * its own. {@link #stop} may be called from any thread (Ctrl-C). Output from other threads (forwarded logs, context
 * deaths) goes through the thread-safe {@link Printer}.
 *
 * <p>Why this file is over 400 lines: input, JShell evaluation and command dispatch share the unit being run (its
 * file and line, how deeply {@code /open} nests it, what it printed), so they stay in one class; the commands
 * themselves live in {@link JShellCommands}, {@link ContextCommands}, {@link FleetCommands} and {@link FileCommands}.
 */
public final class Shell implements AutoCloseable {
    /** Where the shell prints. {@code async} lines come from other threads and must not break the line being typed. */
    public interface Printer {
        void println(String line);

        default void async(String line) {
            println(line);
        }

        /** An error line (a compile error, an exception and its frames, a refusal); printed as any line by default. */
        default void error(String line) {
            println(line);
        }

        /** A status line that the next one replaces (a terminal redraws it in place); dropped by default. */
        default void progress(String line) {
        }
    }

    private static final Pattern LOCAL_WORD = Pattern.compile("(?<![\\w$.])local(?![\\w$])");

    final Printer out;
    final SnippetLoader loader;
    final SnippetExecution execution;
    final Session session;
    final SnippetIds ids = new SnippetIds();
    final JShellHost host;
    final Map<String, Command> commands = new LinkedHashMap<>();
    /** Every unit entered, for /history; the ones that succeeded, in order, for /save and /reload. Shell thread. */
    final List<String> history = new ArrayList<>(), saved = new ArrayList<>();
    /** What each unit prints while it runs. */
    private final UnitOutput unitOutput = new UnitOutput();
    /** The units of {@link #saved} with what they printed, for /save --notebook; pruned with it. Shell thread. */
    final List<Recorded> recorded = new ArrayList<>();
    /** What the last unit run printed, for notebooks. Shell thread. */
    private String lastOutput = "";
    private final Handler logHandler;
    /** How much is said about what succeeded. */
    volatile Feedback.Mode mode;
    /** See {@link #passphrasePrompt(PassphrasePrompt)}; set once, before or after the router is made. */
    private volatile PassphrasePrompt passphrasePrompt;
    /** The thread running a command now (Ctrl-C interrupts it), else null. */
    private volatile Thread commandThread;
    /**
     * Where the values of expressions go instead of being printed ({@code $1 ==> 42}), or null to print them: a
     * notebook shows the value as the cell's result. Called on the shell thread; set before the first unit runs.
     */
    volatile java.util.function.Consumer<SnippetEvent> results;
    /** What /stack shows: the failures of the last unit that failed (one per context for /on and /sh). */
    List<Failure> lastFailures = List.of();
    /** Where each snippet run from a file came from (snippet id to FILE:LINE), for stack frames of scripts. */
    private final Map<String, String> snippetFiles = new ConcurrentHashMap<>();
    /** How many units are running, one inside another (/open runs a file's). Shell thread. */
    private int depth;
    /** The file and line of the unit being run, or null at the prompt. Shell thread. */
    private String unitFile;
    private int unitLine;
    /** The editor for /edit, set with /set editor; null for $JITOGEN_EDITOR, $VISUAL, $EDITOR, vi. */
    String editor;
    /** The start-up declaration of {@code local} and of the router. */
    final StartupVariables startup;
    /**
     * Runs something that needs the terminal to itself ({@code /edit}'s editor): the terminal front end pauses its
     * reading around it.
     */
    volatile java.util.function.Consumer<Runnable> foreground = Runnable::run;

    /** A unit that succeeded, what it printed (lines ending in {@code \n}) and the feedback mode it ran in. */
    record Recorded(String unit, String output, Feedback.Mode mode) {}

    /** A failure kept for /stack: where it happened (a context's name, or null), what was thrown, and JShell's form. */
    record Failure(String where, Throwable raw, jdk.jshell.JShellException translated) {}

    /** A slash command: its name, usage line, one-line summary, longer help, and what it does. */
    record Command(String name, String usage, String summary, String help, Action action) {}

    @FunctionalInterface
    interface Action {
        /** @return true on success */
        boolean run(String args) throws Exception;
    }

    /** A shell with jshell's normal feedback. */
    public Shell(Printer out) {
        this(out, Feedback.Mode.NORMAL);
    }

    Shell(Printer out, Feedback.Mode mode) {
        this.out = unitOutput.recording(out);
        this.mode = mode;
        this.loader = new SnippetLoader(Shell.class.getClassLoader());
        this.execution = new SnippetExecution(loader);
        this.session = new Session(() -> {
            Router r = Router.builder().classLoader(loader).staticState(new SnippetStatics(loader)).build();
            r.classFinder().addSource(loader);
            PassphrasePrompt p = passphrasePrompt;
            if (p != null) Ssh.passphrasePrompt(r, p);
            return r;
        }, this.out);
        this.startup = new StartupVariables(this);
        this.logHandler = ContextOutput.install(this.out);
        this.host = new JShellHost(execution, ids, startup::declare);
        JShellCommands.define(this);
        ContextCommands.define(this);
        FleetCommands.define(this);
        FileCommands.define(this);
    }

    /**
     * Loads the inventory files given at start ({@code -i}, else {@code JITOGEN_INVENTORY}); a problem is printed,
     * not thrown, and the shell starts without an inventory.
     *
     * @return false if the files could not be loaded
     */
    public boolean loadInventory(List<java.nio.file.Path> files) {
        if (files.isEmpty()) return true;
        try {
            session.useInventory(dev.jitogen.plugins.inventory.Inventory.load(files));
            return true;
        } catch (dev.jitogen.plugins.inventory.InventoryError e) {
            error("|  " + e.getMessage());
            return false;
        }
    }

    JShell jshell() {
        return host.get();
    }

    /**
     * How SSH connections of this shell's router ask for an encrypted key's passphrase (the terminal front end's
     * masked prompt); without one, such a key is skipped and the error says how to give its passphrase.
     */
    void passphrasePrompt(PassphrasePrompt prompt) {
        passphrasePrompt = prompt;
        Router r = session.routerIfMade();
        if (r != null) Ssh.passphrasePrompt(r, prompt);
    }

    /** Java source that finds this shell's session from a snippet. */
    String sessionRef() {
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

    /** Interrupts the snippet or command running now, and with it any remote call it waits for. Any thread. */
    public void stop() {
        execution.stop();
        Thread t = commandThread;
        if (t != null) t.interrupt();
    }

    // ---- printing -------------------------------------------------------------------------------------------------

    /** What a command is for (a listing, a table, results): always printed. */
    void hard(String line) {
        out.println(line);
    }

    /** What a command says about itself ("started box2"): printed in normal feedback only, as jshell does. */
    void fluff(String line) {
        if (mode == Feedback.Mode.NORMAL) out.println(line);
    }

    /** An error: always printed. */
    void error(String line) {
        out.error(line);
    }

    // ---- input ----------------------------------------------------------------------------------------------------

    /** Whether {@code source} is a complete unit, or needs more lines (for multi-line input). */
    public boolean isComplete(String source) {
        String s = source.strip();
        if (s.isEmpty() || isCommand(s)) return true;
        String rest = s;
        return host.turn(js -> {
            SourceCodeAnalysis sca = js.sourceCodeAnalysis();
            for (String left = rest; !left.isBlank(); ) {
                SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(left);
                if (!info.completeness().isComplete()) {
                    return info.completeness() == SourceCodeAnalysis.Completeness.UNKNOWN;
                }
                left = info.remaining();
            }
            return true;
        });
    }

    /** Java completions at {@code cursor}: the anchor (where replaced text starts) and the continuations. */
    public List<String> completions(String buffer, int cursor, int[] anchor) {
        return host.turn(js -> js.sourceCodeAnalysis().completionSuggestions(buffer, cursor, anchor).stream()
                .map(SourceCodeAnalysis.Suggestion::continuation).distinct().collect(Collectors.toList()));
    }

    /** The signatures of what is being called at {@code cursor} (after its {@code (}), for Tab; empty if none. */
    List<String> signatures(String buffer, int cursor) {
        return host.turn(js -> js.sourceCodeAnalysis().documentation(buffer, cursor, false).stream()
                .map(SourceCodeAnalysis.Documentation::signature).distinct().collect(Collectors.toList()));
    }

    /**
     * Runs one unit typed at the prompt: a command line, or Java source with one or more snippets.
     *
     * @return true if everything in it succeeded
     */
    public boolean run(String unit) {
        return run(unit, null, 0);
    }

    /**
     * Runs one unit that starts at {@code line} of {@code file} (null at the prompt): stack frames of its snippets
     * then read {@code file:line} rather than {@code #id:line}.
     */
    boolean run(String unit, String file, int line) {
        String trimmed = unit.strip();
        if (!trimmed.isEmpty() && !isCommand(trimmed) && LOCAL_WORD.matcher(unit).find()) {
            startup.startLocalEarly(); // while JShell may still be warming up and while it compiles
        }
        return host.turn(js -> {
            if (depth++ == 0) execution.clearStop(); // a Ctrl-C before this unit does not stop it
            String outerFile = unitFile;
            int outerLine = unitLine;
            unitFile = file;
            unitLine = line;
            try {
                return runLocked(trimmed);
            } finally {
                unitFile = outerFile; // a unit may run others (/open, /edit, /reload)
                unitLine = outerLine;
                depth--;
            }
        });
    }

    private boolean runLocked(String trimmed) {
        if (trimmed.isEmpty()) return true;
        session.makeCurrent();
        history.add(trimmed);
        Feedback.Mode ranIn = mode;
        boolean ok;
        unitOutput.begin();
        try {
            ok = isCommand(trimmed) ? runCommand(trimmed) : runJava(trimmed);
        } catch (ExitRequest e) {
            throw e;
        } catch (Exception e) {
            error("|  " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            ok = false;
        } finally {
            lastOutput = unitOutput.end();
        }
        if (ok && !JShellCommands.isReadOnly(trimmed)) {
            saved.add(trimmed);
            recorded.add(new Recorded(trimmed, lastOutput, ranIn));
        }
        return ok;
    }

    /** What the last unit run printed, lines ending in {@code \n}: feedback, errors, and what its code printed. */
    String lastOutput() {
        return lastOutput;
    }

    /** A command line starts with {@code /} and a name; {@code /*} and {@code //} begin Java comments. */
    static boolean isCommand(String line) {
        return line.startsWith("/") && !line.startsWith("/*") && !line.startsWith("//");
    }

    /** Evaluates Java source holding one or more snippets, in order, stopping at the first that fails. */
    boolean runJava(String source) {
        JShell js = jshell();
        startup.bindLocalIfUsed(source);
        SourceCodeAnalysis sca = js.sourceCodeAnalysis();
        String rest = source;
        int offset = 0; // of rest within source, for the line each snippet starts on
        boolean ok = true;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
            String snippet = info.completeness().isComplete() && info.source() != null ? info.source() : rest;
            int lead = rest.length() - rest.stripLeading().length();
            int line = unitLine + (int) source.substring(0, Math.min(source.length(), offset + lead)).chars().filter(c -> c == '\n').count();
            String next = snippet == rest ? "" : info.remaining();
            offset += rest.length() - next.length();
            rest = next;
            if (snippet.isBlank()) break;
            ok = evalOne(js, snippet.strip(), line);
            if (!ok) break;
        }
        execution.clearBeforeRun();
        return ok;
    }

    private boolean evalOne(JShell js, String snippet, int line) {
        List<SnippetEvent> events = host.eval(snippet, SnippetIds.Space.MAIN);
        boolean ok = true;
        for (SnippetEvent e : events) {
            if (unitFile != null && e.causeSnippet() == null) snippetFiles.put(e.snippet().id(), unitFile + ":" + line);
            if (e.status() == Snippet.Status.REJECTED) {
                ok = false;
                List<Diag> diags = js.diagnostics(e.snippet()).collect(Collectors.toList());
                if (diags.isEmpty()) error("|  Error: cannot understand: " + snippet);
                for (Diag d : diags) Feedback.diagnostic(d, snippet).forEach(this::error);
                continue;
            }
            if (e.exception() != null) {
                ok = false;
                report(e.exception());
                continue;
            }
            java.util.function.Consumer<SnippetEvent> r = results;
            if (r != null && isExpressionValue(e)) {
                r.accept(e);
                continue;
            }
            Feedback.event(e, events, js, mode).forEach(out::println);
        }
        return ok;
    }

    /** An expression the user typed that gave a value ({@code $1}, or a variable's name alone). */
    private static boolean isExpressionValue(SnippetEvent e) {
        Snippet.SubKind k = e.snippet().subKind();
        return e.causeSnippet() == null && e.status() == Snippet.Status.VALID
                && (k == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND || k == Snippet.SubKind.VAR_VALUE_SUBKIND);
    }

    /** Prints a snippet's exception and keeps it for /stack. */
    void report(jdk.jshell.JShellException thrown) {
        Throwable raw = execution.lastFailure();
        if (thrown instanceof jdk.jshell.UnresolvedReferenceException) raw = null;
        lastFailures = List.of(new Failure(null, raw, thrown));
        for (Throwable t = raw; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                error("|  Interrupted"); // the calls it waited for were asked to stop (see warnBusy)
                warnBusy();
                return;
            }
        }
        printFailure(lastFailures.get(0), false);
    }

    /** Open contexts still running calls whose callers stopped waiting (after Ctrl-C), by name. */
    List<String> busyContexts() {
        List<String> busy = new ArrayList<>();
        session.opened().forEach((name, c) -> {
            if (c.isConnected() && c.callsInFlight() > 0) busy.add(name);
        });
        return busy;
    }

    /** After an interrupted call: says which contexts go on running it regardless, and how to stop them. */
    private void warnBusy() {
        long deadline = System.nanoTime() + 500_000_000L; // a call that heeds the interrupt ends within moments
        List<String> busy = busyContexts();
        while (!busy.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
            busy = busyContexts();
        }
        for (String n : busy) {
            error("|  " + n + " is still running the interrupted call (it ignores interruption): it stays busy until "
                    + "the call ends; Ctrl-C at the prompt offers to kill it, as /stop " + n + " does");
        }
    }

    /** Prints a kept failure: short (Jitogen's frames hidden) or, for /stack, whole. */
    void printFailure(Failure f, boolean full) {
        boolean script = unitFile != null;
        Feedback.exception(f.raw(), f.translated(), full, script, this::where,
                script ? null : "/stack shows all", jshell()).forEach(this::error);
    }

    /** A snippet location {@code #23:5} as the reader knows it: {@code FILE:LINE} for snippets run from a file. */
    String where(String snippetLocation) {
        int colon = snippetLocation.lastIndexOf(':');
        String id = snippetLocation.substring(1, colon);
        String file = snippetFiles.get(id);
        if (file == null) return snippetLocation;
        int fileColon = file.lastIndexOf(':');
        int line = Integer.parseInt(file.substring(fileColon + 1)) + Integer.parseInt(snippetLocation.substring(colon + 1)) - 1;
        return file.substring(0, fileColon) + ":" + line;
    }

    /** Evaluates a snippet of the shell's own (not listed, not numbered as the user's). Shell thread. */
    List<SnippetEvent> evalHidden(String source) {
        return host.eval(source, SnippetIds.Space.HIDDEN);
    }

    /** Evaluates a start-up snippet (listed with /list -start). Shell thread. */
    List<SnippetEvent> evalStartup(String source) {
        return host.eval(source, SnippetIds.Space.START);
    }

    // ---- commands -------------------------------------------------------------------------------------------------

    void add(String name, String usage, String summary, String help, Action action) {
        commands.put(name, new Command(name, usage, summary, help, action));
    }

    private boolean runCommand(String line) throws Exception {
        int space = line.indexOf(' ');
        String name = (space < 0 ? line : line.substring(0, space)).substring(1);
        String args = space < 0 ? "" : line.substring(space + 1).strip();
        Command c = commands.get(name);
        if (c == null) {
            if (JShellCommands.isRerun(name)) return JShellCommands.rerun(this, name);
            String near = Suggest.closest(name, commands.keySet());
            error("|  unknown command /" + name + (near != null ? "; did you mean /" + near + "?" : "")
                    + " (/help lists the commands)");
            return false;
        }
        if (args.equals("--help") || args.equals("-h")) {
            printHelp(c);
            return true;
        }
        commandThread = Thread.currentThread();
        try {
            return c.action().run(args);
        } catch (CommandFailure e) {
            error("|  " + e.getMessage());
            return false;
        } catch (IllegalArgumentException e) {
            error("|  /" + name + ": " + e.getMessage());
            error("|  usage: " + c.usage());
            return false;
        } catch (InterruptedException e) {
            error("|  Interrupted");
            return false;
        } finally {
            commandThread = null;
            Thread.interrupted(); // a Ctrl-C that came late must not hit the next unit
        }
    }

    void printHelp(Command c) {
        hard("|  " + c.usage());
        hard("|  " + c.summary());
        for (String l : c.help().split("\n")) if (!l.isEmpty()) hard("|  " + l);
    }

    /** The words of a command's arguments: split on spaces, {@code "double quotes"} keep spaces. A mutable list. */
    static List<String> words(String args) {
        List<String> w = new ArrayList<>();
        java.util.regex.Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(args);
        while (m.find()) w.add(m.group(1) != null ? m.group(1) : m.group(2));
        return w;
    }

    /** A command that cannot do what was asked, for a reason its message gives (not a usage error). */
    static final class CommandFailure extends RuntimeException {
        CommandFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown by /exit; the front end stops reading and exits with {@link #status}. */
    static final class ExitRequest extends RuntimeException {
        final int status;

        ExitRequest(int status) {
            super("exit", null, false, false);
            this.status = status;
        }
    }

    @Override
    public void close() {
        session.close();
        Router r = session.routerIfMade();
        if (r != null) r.close();
        host.close();
        ContextOutput.uninstall(logHandler);
    }
}
