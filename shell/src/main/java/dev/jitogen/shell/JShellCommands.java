package dev.jitogen.shell;

import jdk.jshell.DeclarationSnippet;
import jdk.jshell.ImportSnippet;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.VarSnippet;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The JDK {@code jshell}'s own commands, printing as it does: {@code /list}, {@code /vars}, {@code /methods},
 * {@code /types}, {@code /imports}, {@code /history}, {@code /drop}, {@code /edit}, {@code /reset},
 * {@code /reload}, {@code /save}, {@code /open}, {@code /env}, {@code /set}, {@code /stack}, {@code /help},
 * {@code /exit}, and re-running snippets with {@code /!}, {@code /ID} and {@code /-N}.
 *
 * <p>Threads: the commands run on the shell thread, with the shell's JShell lock held.
 *
 * <p>Why this file is over 400 lines: it is the table of jshell's commands, each with its usage, help and body
 * (5 to 30 lines), kept together so that they can be read side by side with the JDK's and print alike.
 */
final class JShellCommands {
    /** Commands that only look or leave: not written by /save, not replayed by /reload. */
    private static final Set<String> READ_ONLY = Set.of("help", "exit", "list", "vars", "methods", "types", "imports",
            "history", "save", "open", "stack", "contexts", "routes", "stats", "log", "reset", "reload", "edit", "set");

    private final Shell shell;
    /** What /reload -restore replays: the replayable history as it was at the last /reset or /reload. */
    private List<String> previousHistory;

    private JShellCommands(Shell shell) {
        this.shell = shell;
    }

    static boolean isReadOnly(String unit) {
        if (!Shell.isCommand(unit)) return false;
        String name = unit.substring(1).split("\\s", 2)[0];
        if (name.equals("inventory")) return unit.strip().equals("/inventory") || unit.contains("--list-hosts"); // showing it
        return READ_ONLY.contains(name) || isRerun(name);
    }

    static void define(Shell shell) {
        new JShellCommands(shell).defineAll();
    }

    private JShell js() {
        return shell.jshell();
    }

    private void defineAll() {
        shell.add("help", "/help [COMMAND]", "list the commands, or describe one", "", this::help);
        shell.add("exit", "/exit [STATUS]", "shut every context down and leave", "STATUS is an int expression "
                + "(default 0): the exit status of jitogen.", this::exit);
        shell.add("list", "/list [-all|-start|NAME|ID...]", "the snippets typed so far", "-start: the start-up "
                + "snippets; -all: every snippet, failed and dropped ones too.", args -> {
            for (Snippet s : select(args, this::userActive, "/list")) {
                shell.hard(String.format(Locale.ROOT, "%4s : %s", s.id(), s.source().strip().replace("\n", "\n       ")));
            }
            return true;
        });
        shell.add("vars", "/vars [-all|-start|NAME|ID...]", "the variables declared, with their values", "", args -> {
            for (Snippet s : select(args, this::active, "/vars")) {
                if (!(s instanceof VarSnippet v)) continue;
                String value = js().status(v) == Snippet.Status.VALID
                        ? Feedback.truncate(js().varValue(v), Feedback.VAR_TRUNCATION) : "(not-active)";
                shell.hard("|    " + v.typeName() + " " + v.name() + " = " + value);
            }
            return true;
        });
        shell.add("methods", "/methods [-all|-start|NAME|ID...]", "the methods declared", "", args -> {
            for (Snippet s : select(args, this::active, "/methods")) {
                if (!(s instanceof MethodSnippet m)) continue;
                String sig = m.signature();
                int close = sig.lastIndexOf(')') + 1;
                shell.hard("|    " + (close <= 0 ? m.name() : sig.substring(close) + " " + m.name() + sig.substring(0, close)));
                String status = Feedback.resolve(m, js().status(m), false, js());
                if (!status.isEmpty()) shell.hard("|      " + status.strip());
            }
            return true;
        });
        shell.add("types", "/types [-all|-start|NAME|ID...]", "the classes, interfaces, enums and records declared", "", args -> {
            for (Snippet s : select(args, this::active, "/types")) {
                if (!(s instanceof TypeDeclSnippet t)) continue;
                String kind = t.subKind() == Snippet.SubKind.ANNOTATION_TYPE_SUBKIND ? "@interface" : Feedback.typeKind(t.subKind());
                shell.hard("|    " + kind + " " + t.name());
            }
            return true;
        });
        shell.add("imports", "/imports", "the imports in force", "", args -> {
            js().imports().filter(i -> js().status(i).isActive()).forEach(i -> shell.hard("|    import "
                    + (i.isStatic() ? "static " : "") + i.fullname()));
            return true;
        });
        shell.add("history", "/history", "everything typed this session", "", args -> {
            shell.history.forEach(shell::hard);
            return true;
        });
        shell.add("drop", "/drop NAME|ID...", "forget variables, methods, types or imports", "", this::drop);
        shell.add("reset", "/reset", "forget every snippet; contexts stay open and their variables bound", "", args -> {
            reset();
            return true;
        });
        shell.add("reload", "/reload [-quiet] [-restore]", "reset, then run again what succeeded",
                "Replays the snippets (and /drop commands) that succeeded since the last reset, each shown as "
                        + "'-: SNIPPET' unless -quiet. -restore replays those from before the last reset instead.",
                this::reload);
        shell.add("save", "/save [-history|--notebook] FILE", "write this session's snippets and commands, in order, to FILE",
                "Only what succeeded is written (-history: everything typed). Replay it with ./jitogen run FILE.\n"
                        + "--notebook: a Markdown notebook (FILE.md), each snippet or command in a ```java block "
                        + "with what it printed in an ```output block after it (docs/notebooks.md).", args -> {
                    List<String> words = Shell.words(args);
                    boolean all = words.remove("-history");
                    boolean notebook = words.remove("--notebook");
                    if (all && notebook) {
                        throw new IllegalArgumentException("-history and --notebook exclude each other: a notebook "
                                + "holds what succeeded, with its output");
                    }
                    if (words.size() != 1) throw new IllegalArgumentException("name the file");
                    Path file = Path.of(words.get(0));
                    if (notebook) {
                        if (!Notebook.isNotebook(file)) {
                            throw new IllegalArgumentException("a notebook's name ends in .md (./jitogen run runs "
                                    + "other files as saved sessions): /save --notebook " + file + ".md");
                        }
                        Files.writeString(file, Notebook.ofSession(shell.recorded));
                        shell.fluff("|  saved " + shell.recorded.size() + " blocks with their output to " + file);
                        return true;
                    }
                    List<String> what = all ? shell.history : shell.saved;
                    Files.write(file, what);
                    shell.fluff("|  saved " + what.size() + " entries to " + words.get(0));
                    return true;
                });
        shell.add("open", "/open FILE", "run the snippets and commands of FILE", "", args -> {
            if (args.isEmpty()) throw new IllegalArgumentException("name the file");
            return Script.runFile(shell, Path.of(args));
        });
        shell.add("edit", "/edit [NAME|ID...]", "edit snippets in $EDITOR; what changed runs when it exits",
                "With no argument, every snippet typed so far. The editor is /set editor, else $JITOGEN_EDITOR, "
                        + "$VISUAL, $EDITOR, or vi.", this::edit);
        shell.add("env", "/env [--class-path PATH]", "add jars or directories to the class path",
                "Added classes compile at the prompt and are served to contexts like any other class.", this::env);
        shell.add("set", "/set feedback normal|concise|silent | /set editor COMMAND|-default", "jshell settings",
                "feedback: how much is said about what succeeded (errors are always shown). editor: what /edit runs.",
                this::set);
        shell.add("stack", "/stack", "the whole stack of the last failure (of each context, after /on or /sh)", "", args -> {
            if (shell.lastFailures.isEmpty()) shell.hard("|  no exception yet");
            for (Shell.Failure f : shell.lastFailures) {
                if (f.where() != null && !(f.raw() instanceof dev.jitogen.core.CallError)) shell.hard("|  in " + f.where() + ":");
                shell.printFailure(translated(f), true);
            }
            return true;
        });
    }

    // ---- snippets by argument -------------------------------------------------------------------------------------

    private boolean active(Snippet s) {
        return shell.ids.spaceOf(s) != SnippetIds.Space.HIDDEN && js().status(s).isActive();
    }

    private boolean userActive(Snippet s) {
        return shell.ids.spaceOf(s) == SnippetIds.Space.MAIN && js().status(s).isActive();
    }

    /** The snippets {@code args} name (jshell's rules), or by default those {@code dflt} accepts. */
    private List<Snippet> select(String args, Predicate<Snippet> dflt, String command) {
        List<String> words = Shell.words(args);
        List<Snippet> all = js().snippets().filter(s -> shell.ids.spaceOf(s) != SnippetIds.Space.HIDDEN)
                .collect(Collectors.toList());
        if (words.equals(List.of("-all"))) return all;
        if (words.equals(List.of("-start"))) {
            return all.stream().filter(s -> shell.ids.spaceOf(s) == SnippetIds.Space.START).collect(Collectors.toList());
        }
        if (words.isEmpty()) return all.stream().filter(dflt).collect(Collectors.toList());
        List<Snippet> out = new ArrayList<>();
        for (String w : words) {
            if (w.startsWith("-")) throw new IllegalArgumentException("unknown option " + w + " (" + command + " takes -all or -start)");
            out.addAll(named(all, w));
        }
        return out;
    }

    /** The snippets with id {@code arg}, or the declarations called {@code arg} (active ones if there are). */
    private List<Snippet> named(List<Snippet> all, String arg) {
        List<Snippet> byId = all.stream().filter(s -> s.id().equals(arg)).collect(Collectors.toList());
        if (byId.size() > 1) byId.removeIf(s -> !js().status(s).isActive());
        if (!byId.isEmpty()) return byId;
        if (arg.matches("[se]?\\d+")) {
            throw new Shell.CommandFailure("No snippet with ID: " + arg + "\n|  See /types, /methods, /vars, or /list");
        }
        List<Snippet> byName = all.stream().filter(s -> arg.equals(nameOf(s))).collect(Collectors.toList());
        List<Snippet> live = byName.stream().filter(s -> js().status(s).isActive()).collect(Collectors.toList());
        if (!live.isEmpty()) return live;
        if (!byName.isEmpty()) return byName;
        throw new Shell.CommandFailure("No such snippet: " + arg + "\n|  See /types, /methods, /vars, or /list");
    }

    static String nameOf(Snippet s) {
        if (s instanceof DeclarationSnippet d) return d.name();
        if (s instanceof ImportSnippet i) return i.name();
        return null;
    }

    // ---- commands -------------------------------------------------------------------------------------------------

    private boolean help(String args) {
        if (!args.isEmpty()) {
            Shell.Command c = shell.commands.get(args.replaceFirst("^/", ""));
            if (c == null) throw new IllegalArgumentException("no command " + args);
            shell.printHelp(c);
            return true;
        }
        shell.hard("|  Type Java at the prompt; it runs in the master. Run it in a context with");
        shell.hard("|  ctx.call(() -> ...), or in several at once with /on. `router` and `local` are predefined.");
        shell.hard("|  A lambda sees the master's current value of each top-level variable it reads;");
        shell.hard("|  writes to those variables in a context do not flow back to the master.");
        for (Shell.Command c : shell.commands.values()) {
            shell.hard(String.format(Locale.ROOT, "|  %-34s %s", c.usage(), c.summary()));
        }
        shell.hard(String.format(Locale.ROOT, "|  %-34s %s", "/!  /ID  /-N", "run the last snippet, snippet ID, or the N-th last again"));
        return true;
    }

    private boolean exit(String args) {
        int status = 0;
        if (!args.isBlank()) {
            String value = args.strip();
            if (!value.matches("-?\\d+")) {
                List<SnippetEvent> ev = shell.evalHidden("int $jitogenExit = " + value + ";");
                SnippetEvent e = ev.get(0);
                if (e.status() != Snippet.Status.VALID || e.exception() != null) {
                    throw new IllegalArgumentException(value + " is not an int expression");
                }
                value = e.value();
                ev.forEach(x -> js().drop(x.snippet()));
            }
            status = Integer.parseInt(value);
        }
        throw new Shell.ExitRequest(status);
    }

    private boolean drop(String args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("name an import, variable, method or class to drop, by id or name"
                    + " (/list shows them; /reset drops everything)");
        }
        List<Snippet> found = select(args, this::userActive, "/drop");
        for (Snippet s : found) {
            if (!js().status(s).isActive()) continue;
            List<SnippetEvent> dropped = js().drop(s);
            for (SnippetEvent e : dropped) Feedback.event(e, dropped, js(), shell.mode).forEach(shell.out::println);
        }
        return true;
    }

    /** Drops every snippet typed; start-up snippets, open contexts and their variables stay. */
    void reset() {
        previousHistory = replayable();
        JShell js = js();
        List<Snippet> typed = js.snippets().filter(s -> shell.ids.spaceOf(s) != SnippetIds.Space.START)
                .filter(s -> js.status(s).isActive()).collect(Collectors.toList());
        for (int i = typed.size() - 1; i >= 0; i--) {
            if (js.status(typed.get(i)).isActive()) js.drop(typed.get(i));
        }
        shell.startup.restore();
        shell.saved.removeIf(u -> !Shell.isCommand(u) || u.startsWith("/drop"));
        shell.recorded.removeIf(r -> !Shell.isCommand(r.unit()) || r.unit().startsWith("/drop"));
        shell.lastFailures = List.of();
        shell.fluff("|  Resetting state.");
    }

    /** What /reload replays: the Java snippets and /drop commands that succeeded since the last reset. */
    private List<String> replayable() {
        return shell.saved.stream().filter(u -> !Shell.isCommand(u) || u.startsWith("/drop")).collect(Collectors.toList());
    }

    private boolean reload(String args) {
        List<String> words = Shell.words(args);
        boolean quiet = words.remove("-quiet"), restore = words.remove("-restore");
        if (!words.isEmpty()) throw new IllegalArgumentException("unknown option " + words.get(0));
        List<String> replay;
        if (restore) {
            if (previousHistory == null) throw new Shell.CommandFailure("No previous history to restore");
            replay = previousHistory;
        } else {
            replay = replayable();
        }
        reset();
        shell.fluff(restore ? "|  Restarting and restoring from previous state." : "|  Restarting and restoring state.");
        boolean ok = true;
        for (String unit : replay) {
            if (!quiet) shell.fluff("-: " + unit.replace("\n", "\n   "));
            ok &= shell.run(unit);
        }
        return ok;
    }

    private boolean edit(String args) throws Exception {
        List<Snippet> chosen = select(args, this::userActive, "/edit");
        String before = chosen.stream().map(s -> s.source().strip()).collect(Collectors.joining("\n")) + "\n";
        Path file = Files.createTempFile("jitogen-edit-", ".jsh");
        try {
            Files.writeString(file, before);
            String editor = shell.editor != null ? shell.editor : firstSet("JITOGEN_EDITOR", "VISUAL", "EDITOR");
            if (editor == null) editor = "vi";
            ProcessBuilder editing = new ProcessBuilder("/bin/sh", "-c", editor + " \"$1\"", "editor", file.toString());
            dev.jitogen.core.spi.ChildEnvironment.applyTo(editing.environment()); // no password the shell read
            Process p = editing.inheritIO().start();
            shell.foreground.accept(() -> waitUninterruptibly(p));
            if (p.exitValue() != 0) {
                shell.error("|  the editor (" + editor + ") exited with status " + p.exitValue() + "; nothing was run");
                return false;
            }
            String after = Files.readString(file);
            if (after.equals(before)) return true;
            Set<String> unchanged = chosen.stream().map(s -> s.source().strip()).collect(Collectors.toSet());
            boolean ok = true;
            for (Script.Unit u : Script.parse(after, shell)) {
                if (unchanged.contains(u.text().strip())) continue;
                ok &= shell.run(u.text());
            }
            return ok;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String firstSet(String... variables) {
        for (String v : variables) {
            String value = System.getenv(v);
            if (value != null && !value.isBlank()) return value;
        }
        return null;
    }

    private static void waitUninterruptibly(Process p) {
        boolean interrupted = false;
        while (true) {
            try {
                p.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // Ctrl-C reached us too: the editor decides what it means
            }
        }
        if (interrupted) Thread.interrupted();
    }

    private boolean env(String args) {
        List<String> words = Shell.words(args);
        if (words.isEmpty()) {
            List<String> path = shell.loader.classPath();
            if (!path.isEmpty()) shell.hard("|     --class-path " + String.join(File.pathSeparator, path));
            return true;
        }
        String option = words.get(0);
        if (!option.equals("--class-path") && !option.equals("-class-path") && !option.equals("-cp")) {
            throw new IllegalArgumentException(option + " is not supported: Jitogen's /env takes --class-path only");
        }
        if (words.size() != 2) throw new IllegalArgumentException("--class-path needs one value (PATH:PATH...)");
        for (String p : words.get(1).split(File.pathSeparator)) {
            if (p.isEmpty()) continue;
            Path path = Path.of(p).toAbsolutePath();
            if (!Files.exists(path)) throw new Shell.CommandFailure("no such file or directory: " + p);
            js().addToClasspath(path.toString());
            shell.fluff("|  added " + path + " to the class path");
        }
        return true;
    }

    private boolean set(String args) {
        List<String> words = Shell.words(args);
        if (words.isEmpty()) {
            shell.hard("|  /set feedback " + shell.mode.label());
            shell.hard("|  /set editor " + (shell.editor != null ? shell.editor : "-default"));
            return true;
        }
        switch (words.get(0)) {
            case "feedback" -> {
                if (words.size() == 1) {
                    shell.hard("|  /set feedback " + shell.mode.label());
                    shell.hard("|  Available feedback modes: normal, concise, silent");
                    return true;
                }
                Feedback.Mode m = Feedback.Mode.parse(words.get(1));
                if (m == null) {
                    throw new IllegalArgumentException("Does not match any feedback mode: " + words.get(1)
                            + " (available: normal, concise, silent)");
                }
                shell.mode = m;
                shell.fluff("|  Feedback mode: " + m.label());
            }
            case "editor" -> {
                if (words.size() < 2) throw new IllegalArgumentException("name the editor command, or -default");
                String cmd = args.strip().substring("editor".length()).strip();
                shell.editor = cmd.equals("-default") ? null : cmd;
                shell.fluff("|  Editor set to: " + (shell.editor == null ? "-default" : shell.editor));
            }
            default -> throw new IllegalArgumentException("/set " + words.get(0)
                    + " is not supported: Jitogen's /set takes feedback and editor");
        }
        return true;
    }

    /**
     * A /on or /sh failure as JShell would show it: thrown through a snippet of the shell's own, so that its frames
     * in snippet code read {@code #id:line}. Failures of snippets are translated already.
     */
    private Shell.Failure translated(Shell.Failure f) {
        if (f.translated() != null || !(f.raw() instanceof RuntimeException)) return f;
        String ref = shell.sessionRef() + ".lastFailure(\"" + f.where() + "\")";
        List<SnippetEvent> ev = shell.evalHidden("if (true) throw (RuntimeException) " + ref + ";");
        try {
            for (SnippetEvent e : ev) if (e.exception() != null) return new Shell.Failure(f.where(), f.raw(), e.exception());
            return f;
        } finally {
            ev.forEach(e -> js().drop(e.snippet()));
        }
    }

    // ---- re-running -----------------------------------------------------------------------------------------------

    /** {@code !}, {@code 12}, {@code s3}, {@code -2}: jshell's ways of naming snippets to run again. */
    static boolean isRerun(String name) {
        return name.equals("!") || name.matches("-?\\d+|[se]\\d+");
    }

    static boolean rerun(Shell shell, String name) {
        JShellCommands c = new JShellCommands(shell);
        List<Snippet> mine = c.js().snippets().filter(s -> shell.ids.spaceOf(s) == SnippetIds.Space.MAIN)
                .collect(Collectors.toList());
        Snippet s;
        if (name.equals("!") || name.startsWith("-")) {
            int back = name.equals("!") ? 1 : Integer.parseInt(name.substring(1));
            if (back < 1 || back > mine.size()) {
                shell.error("|  No snippet " + (name.equals("!") ? "to run again" : back + " back"));
                return false;
            }
            s = mine.get(mine.size() - back);
        } else {
            // ids start again after /reset: the newest snippet with this id is the one meant
            List<Snippet> withId = c.js().snippets().filter(x -> x.id().equals(name)
                    && shell.ids.spaceOf(x) != SnippetIds.Space.HIDDEN).collect(Collectors.toList());
            s = withId.isEmpty() ? null : withId.get(withId.size() - 1);
            if (s == null) {
                shell.error("|  No snippet with ID: " + name);
                return false;
            }
        }
        shell.hard(s.source().strip());
        return shell.run(s.source());
    }
}
