package dev.jitogen.shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Saved sessions: splits a file into units (a command line, or the lines of one complete piece of Java) and
 * replays them without a terminal, as {@code ./jitogen run FILE...}. Exit status: 0 when all succeeded, 1 at the
 * first failure (its file and line are printed), 2 for usage errors. Runs on the calling thread.
 */
final class Script {
    record Unit(int line, String text) {}

    private Script() {}

    static List<Unit> parse(String text, Shell shell) {
        List<Unit> units = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder pending = new StringBuilder();
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (pending.length() == 0) {
                if (line.isBlank() || line.strip().startsWith("//")) continue;
                start = i + 1;
                if (Shell.isCommand(line.strip())) {
                    units.add(new Unit(start, line.strip()));
                    continue;
                }
            }
            pending.append(line).append('\n');
            if (shell.isComplete(pending.toString())) {
                units.add(new Unit(start, pending.toString()));
                pending.setLength(0);
            }
        }
        if (pending.length() > 0) units.add(new Unit(start, pending.toString()));
        return units;
    }

    /** Replays {@code files} in order in one shell; returns the process exit status. */
    static int run(List<Path> files, Shell.Printer out) {
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                out.println("jitogen run: cannot read " + f);
                return 2;
            }
        }
        try (Shell shell = new Shell(out)) {
            for (Path f : files) {
                for (Unit u : parse(Files.readString(f), shell)) {
                    boolean ok;
                    try {
                        ok = shell.run(u.text());
                    } catch (Shell.ExitRequest e) {
                        return 0;
                    }
                    if (!ok) {
                        out.println("jitogen run: " + f + ":" + u.line() + ": failed: " + firstLine(u.text()));
                        return 1;
                    }
                }
            }
            return 0;
        } catch (java.io.IOException e) {
            out.println("jitogen run: " + e.getMessage());
            return 2;
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl) + " ...";
    }
}
