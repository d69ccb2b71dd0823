package dev.jitogen.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Input that is not typed at a terminal: saved sessions ({@code ./jitogen run FILE...}, {@code /open FILE}),
 * Markdown notebooks ({@code ./jitogen run FILE.md}, see {@link Notebook}) and snippets piped to {@code ./jitogen}. Splits text into units (a command line, or the lines of one complete piece of
 * Java) and runs them in order.
 *
 * <ul>
 *   <li>{@code run}: silent feedback (only what the code prints, results of {@code /on} and {@code /sh}, and
 *       errors) unless {@code --echo}, which shows each unit after a prompt with normal feedback. Stops at the
 *       first failure, naming its {@code FILE:LINE}; exit status 0, 1 on a failure, 2 for usage errors.</li>
 *   <li>piped input: read line by line as jshell does, normal feedback, every unit run; exit status 0 at the end of
 *       input, or what {@code /exit} says.</li>
 * </ul>
 *
 * <p>Runs on the calling thread.
 */
final class Script {
    record Unit(int line, String text) {}

    private Script() {}

    static List<Unit> parse(String text, Shell shell) {
        List<Unit> units = new ArrayList<>();
        Splitter s = new Splitter(shell);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Unit u = s.add(lines[i], i + 1);
            if (u != null) units.add(u);
        }
        Unit rest = s.rest();
        if (rest != null) units.add(rest);
        return units;
    }

    /** Gathers lines into units: a command is one line; Java runs until it is complete. */
    private static final class Splitter {
        private final Shell shell;
        private final StringBuilder pending = new StringBuilder();
        private int start;

        Splitter(Shell shell) {
            this.shell = shell;
        }

        Unit add(String line, int number) {
            if (pending.length() == 0) {
                if (line.isBlank()) return null;
                start = number;
                if (Shell.isCommand(line.strip())) return new Unit(start, line.strip());
                if (line.strip().startsWith("//")) return null;
            }
            pending.append(line).append('\n');
            if (!shell.isComplete(pending.toString())) return null;
            return rest();
        }

        Unit rest() {
            if (pending.length() == 0 || pending.toString().isBlank()) return null;
            Unit u = new Unit(start, pending.toString());
            pending.setLength(0);
            return u;
        }
    }

    /** Runs {@code file} in {@code shell} ({@code /open}); stops at the first failure, naming its line. */
    static boolean runFile(Shell shell, Path file) throws IOException {
        for (Unit u : parse(Files.readString(file), shell)) {
            if (!shell.run(u.text(), file.toString(), u.line())) {
                shell.error("|  " + file + ":" + u.line() + ": failed: " + firstLine(u.text()));
                return false;
            }
        }
        return true;
    }

    /** Replays {@code files} in order in one shell; returns the process exit status. */
    static int run(List<Path> files, Shell.Printer out, boolean echo) {
        return run(files, List.of(), out, echo, Notebook.Mode.RUN);
    }

    /**
     * As {@link #run(List, Shell.Printer, boolean)}, with an inventory ({@code -i}; none: JITOGEN_INVENTORY's).
     * Markdown files are notebooks ({@link Notebook}), run, recorded or checked as {@code notebooks} says; every
     * notebook is read before anything runs, so that a malformed one stops the run before it changes anything.
     */
    static int run(List<Path> files, List<Path> inventory, Shell.Printer out, boolean echo, Notebook.Mode notebooks) {
        java.util.Map<Path, Notebook> read = new java.util.HashMap<>();
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                out.println("jitogen run: cannot read " + f);
                return 2;
            }
            if (notebooks != Notebook.Mode.RUN && !Notebook.isNotebook(f)) {
                out.println("jitogen run: --" + notebooks.name().toLowerCase(java.util.Locale.ROOT) + " works on the "
                        + "output blocks of Markdown notebooks (FILE.md), and " + f + " is not one: run it without "
                        + "the option");
                return 2;
            }
            try {
                if (Notebook.isNotebook(f)) read.put(f, Notebook.read(f));
            } catch (Notebook.Malformed e) {
                out.println("jitogen run: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                out.println("jitogen run: cannot read " + f + ": " + e.getMessage());
                return 2;
            }
        }
        // --check prints differences only: what the blocks print (the shell's printer, the master's own streams)
        // is recorded but not shown
        boolean quiet = notebooks == Notebook.Mode.CHECK;
        java.io.PrintStream realOut = System.out, realErr = System.err;
        if (quiet) {
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        }
        Feedback.Mode mode = echo ? Feedback.Mode.NORMAL : Feedback.Mode.SILENT;
        try (Shell shell = new Shell(quiet ? line -> { } : out, mode)) {
            if (!shell.loadInventory(inventory.isEmpty() ? FleetCommands.fromEnvironment() : inventory)) return 2;
            for (Path f : files) {
                Notebook notebook = read.get(f);
                if (notebook != null) {
                    int status = notebook.run(shell, notebooks, echo, out);
                    shell.mode = mode;
                    if (status != 0) return status;
                    continue;
                }
                for (Unit u : parse(Files.readString(f), shell)) {
                    if (echo) out.println("jitogen> " + u.text().stripTrailing().replace("\n", "\n   ...> "));
                    boolean ok;
                    try {
                        ok = shell.run(u.text(), f.toString(), u.line());
                    } catch (Shell.ExitRequest e) {
                        return e.status;
                    }
                    if (!ok) {
                        out.println("jitogen run: " + f + ":" + u.line() + ": failed: " + firstLine(u.text()));
                        return 1;
                    }
                }
            }
            return 0;
        } catch (Shell.ExitRequest e) {
            return e.status;
        } catch (IOException e) {
            out.println("jitogen run: " + e.getMessage());
            return 2;
        } finally {
            if (quiet) {
                System.setOut(realOut);
                System.setErr(realErr);
            }
        }
    }

    /** Runs snippets read from {@code in} (standard input that is not a terminal) until its end. */
    static int runPiped(Reader in, List<Path> inventory, Shell.Printer out) {
        try (Shell shell = new Shell(out); BufferedReader r = new BufferedReader(in)) {
            shell.loadInventory(inventory.isEmpty() ? FleetCommands.fromEnvironment() : inventory);
            Splitter s = new Splitter(shell);
            int number = 0;
            for (String line; (line = r.readLine()) != null; ) {
                Unit u = s.add(line, ++number);
                if (u != null) shell.run(u.text(), "<stdin>", u.line());
            }
            Unit rest = s.rest();
            if (rest != null) shell.run(rest.text(), "<stdin>", rest.line());
            return 0;
        } catch (Shell.ExitRequest e) {
            return e.status;
        } catch (IOException e) {
            out.println("jitogen: cannot read standard input: " + e.getMessage());
            return 1;
        }
    }

    static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl) + " ...";
    }
}
