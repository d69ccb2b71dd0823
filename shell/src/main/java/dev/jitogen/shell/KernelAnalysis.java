package dev.jitogen.shell;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdk.jshell.SourceCodeAnalysis;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's answers that need JShell's analysis of a cell but run nothing: completion, inspection (documentation)
 * and whether a cell is complete. A cell mixes commands and Java: commands are completed as at the prompt, and
 * blanked out (same length, lines kept) before JShell sees the Java.
 *
 * <p>Threads: the kernel's cell thread only (the shell's thread, which JShell's analysis needs); stateless.
 */
final class KernelAnalysis {
    private KernelAnalysis() {}

    /** complete_request: commands, their options and contexts, else JShell's completions of the Java. */
    static JsonObject complete(Shell s, JupyterWire.Message m) {
        String code = m.text("code", "");
        int cursor = index(code, m.integer("cursor_pos", code.length()));
        List<String> matches = new ArrayList<>();
        int start = cursor;
        int lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
        String line = code.substring(lineStart, cursor);
        String typed = line.stripLeading();
        if (Shell.isCommand(typed)) {
            int space = typed.indexOf(' ');
            if (space < 0) {
                start = cursor - typed.length();
                for (String name : s.commands().keySet()) if (("/" + name).startsWith(typed)) matches.add("/" + name);
            } else {
                while (start > lineStart && code.charAt(start - 1) != ' ' && code.charAt(start - 1) != ',') start--;
                String word = code.substring(start, cursor);
                for (Completion.Offer o : Completion.command(s, typed, word, Path.of(System.getProperty("user.home"), ".ssh"))) {
                    if (o.value().startsWith(word)) matches.add(o.value());
                }
            }
        } else {
            String java = withoutCommands(code);
            int unit = unitStart(s, java.substring(0, cursor));
            int[] anchor = new int[1];
            matches.addAll(s.completions(java.substring(unit), cursor - unit, anchor));
            start = unit + anchor[0];
        }
        int from = start;
        return Kernel.ok(o -> {
            JsonArray a = new JsonArray();
            matches.forEach(a::add);
            o.add("matches", a);
            o.addProperty("cursor_start", code.codePointCount(0, from));
            o.addProperty("cursor_end", code.codePointCount(0, cursor));
            o.add("metadata", new JsonObject());
        });
    }

    /** inspect_request: JShell's documentation of what the cursor is on. */
    static JsonObject inspect(Shell s, JupyterWire.Message m) {
        String code = m.text("code", "");
        int cursor = index(code, m.integer("cursor_pos", code.length()));
        String java = withoutCommands(code);
        int unit = unitStart(s, java.substring(0, cursor));
        String source = java.substring(unit);
        int at = cursor - unit;
        List<SourceCodeAnalysis.Documentation> docs = s.host.turn(js -> {
            SourceCodeAnalysis sca = js.sourceCodeAnalysis();
            List<SourceCodeAnalysis.Documentation> found = sca.documentation(source, at, true);
            if (!found.isEmpty()) return found;
            // JShell documents a call from inside its parentheses; Jupyter asks with the cursor on the name
            int end = at;
            while (end < source.length() && Character.isJavaIdentifierPart(source.charAt(end))) end++;
            boolean call = end < source.length() && source.charAt(end) == '(';
            return sca.documentation(call ? source : source.substring(0, end) + "(", end + 1, true);
        });
        StringBuilder text = new StringBuilder();
        for (SourceCodeAnalysis.Documentation d : docs) {
            if (text.length() > 0) text.append("\n\n");
            text.append(d.signature());
            if (d.javadoc() != null && !d.javadoc().isBlank()) text.append('\n').append(d.javadoc().strip());
        }
        return Kernel.ok(o -> {
            o.addProperty("found", !docs.isEmpty());
            JsonObject data = new JsonObject();
            if (!docs.isEmpty()) data.addProperty("text/plain", text.toString());
            o.add("data", data);
            o.add("metadata", new JsonObject());
        });
    }

    /** is_complete_request: whether the cell's Java is complete, as JShell sees it. */
    static JsonObject isComplete(Shell s, JupyterWire.Message m) {
        boolean complete = s.isComplete(withoutCommands(m.text("code", "")));
        JsonObject o = new JsonObject();
        o.addProperty("status", complete ? "complete" : "incomplete");
        if (!complete) o.addProperty("indent", "    ");
        return o;
    }

    /** The cell with its command lines blanked (same length, lines kept), so that JShell sees only the Java. */
    static String withoutCommands(String code) {
        StringBuilder b = new StringBuilder(code.length());
        for (String line : code.split("\n", -1)) {
            if (b.length() > 0) b.append('\n');
            b.append(Shell.isCommand(line.strip()) ? " ".repeat(line.length()) : line);
        }
        return b.toString();
    }

    /** Where the snippet that {@code before} ends in starts: past the complete snippets ahead of it. */
    private static int unitStart(Shell s, String before) {
        return s.host.turn(js -> {
            SourceCodeAnalysis sca = js.sourceCodeAnalysis();
            int at = 0;
            for (String rest = before; !rest.isBlank(); ) {
                SourceCodeAnalysis.CompletionInfo info = sca.analyzeCompletion(rest);
                if (!info.completeness().isComplete() || info.remaining().isBlank()) break;
                at += rest.length() - info.remaining().length();
                rest = info.remaining();
            }
            return at;
        });
    }

    /** Jupyter counts the cursor in code points; Java strings in UTF-16 units. */
    static int index(String s, int codePoints) {
        int n = Math.max(0, Math.min(codePoints, s.codePointCount(0, s.length())));
        return s.offsetByCodePoints(0, n);
    }
}
