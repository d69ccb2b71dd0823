package dev.jitogen.shell;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Markdown runbook: the fenced blocks tagged {@code java} or {@code jshell} run in order in one shell (commands
 * such as {@code /local} and {@code /sh} included), and each block's output is kept in the fenced {@code output}
 * block right after it. Everything else in the file is prose and is left alone, byte for byte.
 *
 * <ul>
 *   <li>{@link Mode#RUN} prints what the blocks print, as {@code jitogen run FILE.jsh} does.</li>
 *   <li>{@link Mode#WRITE} also records each block's output in its {@code output} block, replacing the previous one
 *       (a block that prints nothing has none).</li>
 *   <li>{@link Mode#CHECK} prints nothing but, for each block whose output differs from the one recorded,
 *       {@code FILE.md:LINE} and a unified diff; the run then fails.</li>
 * </ul>
 *
 * <p>A block after the line {@code <!-- jitogen: no-check -->} runs but is not compared (timestamps, pids). Blocks
 * run with concise feedback ({@code $1 ==> 2}; declarations quiet), so that what they record is what they compute;
 * {@code /set feedback normal} in a block changes that for the blocks after it. {@code /on} and {@code /sh} print
 * their results in the order the targets are named, and their summary without the time. Output is compared
 * normalised: terminal escape sequences removed, trailing spaces and blank lines dropped.
 *
 * <p>Threads: parsing and rendering are pure and may run on any thread; {@link #run} runs on the calling thread,
 * which becomes the shell's thread for the run.
 */
final class Notebook {
    /** How a notebook is run: the issue's {@code run FILE.md}, {@code --write} and {@code --check}. */
    enum Mode { RUN, WRITE, CHECK }

    /** The info string of the blocks that record output. */
    static final String OUTPUT = "output";
    static final Pattern NO_CHECK = Pattern.compile("<!--\\s*jitogen:\\s*no-check\\s*-->");
    private static final Pattern FENCE = Pattern.compile("^( {0,3})(`{3,}|~{3,})[ \\t]*(.*?)[ \\t]*$");
    /** CSI (colours, cursor moves), OSC (titles, links) and the other two-character escape sequences. */
    private static final Pattern ESCAPES = Pattern.compile(
            "\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(?:\u0007|\u001B\\\\)|\u001B[@-Z\\\\-_]");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B-\\x1F\\x7F]");

    /** A block that runs: where its fence opens and closes (0-based line indexes), its code, and what follows it. */
    record Block(int open, int close, String language, String code, boolean noCheck, Output recorded) {
        /** The file's line (1-based) of the block's opening fence: what reports name. */
        int line() {
            return open + 1;
        }
    }

    /** A recorded {@code output} block: its fences' line indexes and its text, normalised. */
    record Output(int open, int close, String text) {}

    /** A notebook the parser cannot read, with the file and line and what to do about it. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final Path file;
    /** The file's lines, each with its line ending ({@code ""} for a last line without one). */
    private final List<String> lines;
    private final List<Block> blocks;

    private Notebook(Path file, List<String> lines, List<Block> blocks) {
        this.file = file;
        this.lines = lines;
        this.blocks = blocks;
    }

    /** True for files run as notebooks: {@code .md} and {@code .markdown}. */
    static boolean isNotebook(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".md") || name.endsWith(".markdown");
    }

    static Notebook read(Path file) throws IOException, Malformed {
        return parse(file, Files.readString(file));
    }

    List<Block> blocks() {
        return blocks;
    }

    /**
     * Finds the fenced blocks as CommonMark does (a fence is three or more backticks or tildes, indented at most
     * three spaces, closed by a fence of the same character at least as long), so that a {@code java} block shown
     * inside a longer {@code markdown} fence is prose, not code to run.
     */
    static Notebook parse(Path file, String text) throws Malformed {
        List<String> lines = splitKeepingEnds(text);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(bare(lines.get(i)));
            if (!open.matches() || open.group(2).charAt(0) == '`' && open.group(3).contains("`")) continue;
            int close = closing(lines, i, open);
            String language = open.group(3).split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            boolean runs = language.equals("java") || language.equals("jshell");
            if (close < 0) {
                if (!runs) break; // CommonMark: the block runs to the end of the document
                throw new Malformed(file + ":" + (i + 1) + ": the ```" + language + " block is not closed: add a line "
                        + open.group(2) + " after its last line");
            }
            if (runs) {
                Output recorded = outputAfter(file, lines, close);
                blocks.add(new Block(i, close, language, content(lines, i, close, open.group(1).length()),
                        noCheckBefore(lines, i), recorded));
                if (recorded != null) close = recorded.close();
            }
            i = close;
        }
        return new Notebook(file, lines, blocks);
    }

    /** The index of the line closing the fence opened at {@code open}, or -1 if none does. */
    private static int closing(List<String> lines, int open, Matcher fence) {
        String marks = fence.group(2);
        for (int j = open + 1; j < lines.size(); j++) {
            Matcher m = FENCE.matcher(bare(lines.get(j)));
            if (m.matches() && m.group(3).isEmpty() && m.group(2).charAt(0) == marks.charAt(0)
                    && m.group(2).length() >= marks.length()) {
                return j;
            }
        }
        return -1;
    }

    /** The {@code output} block that follows the line {@code after}, past blank lines, if one does. */
    private static Output outputAfter(Path file, List<String> lines, int after) throws Malformed {
        int i = after + 1;
        while (i < lines.size() && bare(lines.get(i)).isBlank()) i++;
        if (i == lines.size()) return null;
        Matcher m = FENCE.matcher(bare(lines.get(i)));
        if (!m.matches() || !m.group(3).equals(OUTPUT)) return null;
        int close = closing(lines, i, m);
        if (close < 0) {
            throw new Malformed(file + ":" + (i + 1) + ": the ```output block is not closed: add a line " + m.group(2)
                    + " after its last line, or delete the block (--write makes it again)");
        }
        return new Output(i, close, normalise(content(lines, i, close, m.group(1).length())));
    }

    private static boolean noCheckBefore(List<String> lines, int fence) {
        for (int i = fence - 1; i >= 0; i--) {
            String l = bare(lines.get(i)).strip();
            if (!l.isEmpty()) return NO_CHECK.matcher(l).matches();
        }
        return false;
    }

    /** The lines between two fences, less the opening fence's indentation, each ending in {@code \n}. */
    private static String content(List<String> lines, int open, int close, int indent) {
        StringBuilder b = new StringBuilder();
        for (int i = open + 1; i < close; i++) {
            String l = bare(lines.get(i));
            int cut = 0;
            while (cut < indent && cut < l.length() && l.charAt(cut) == ' ') cut++;
            b.append(l, cut, l.length()).append('\n');
        }
        return b.toString();
    }

    private static List<String> splitKeepingEnds(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
            lines.add(text.substring(start, i + 1));
            start = i + 1;
        }
        if (start < text.length()) lines.add(text.substring(start));
        return lines;
    }

    /** A line without its line ending. */
    private static String bare(String line) {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\n') end--;
        if (end > 0 && line.charAt(end - 1) == '\r') end--;
        return line.substring(0, end);
    }

    // ---- output ---------------------------------------------------------------------------------------------------

    /**
     * Output as it is recorded and compared: what a terminal would show of each line (escape sequences removed; of
     * a line redrawn with {@code \r}, its last text), without trailing spaces or trailing blank lines. Lines end in
     * {@code \n}; nothing printed is {@code ""}.
     */
    static String normalise(String printed) {
        List<String> out = new ArrayList<>();
        for (String line : printed.split("\n", -1)) {
            String l = ESCAPES.matcher(line).replaceAll("");
            if (l.endsWith("\r")) l = l.substring(0, l.length() - 1);
            l = l.substring(l.lastIndexOf('\r') + 1);
            out.add(CONTROL.matcher(l).replaceAll("").stripTrailing());
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return out.isEmpty() ? "" : String.join("\n", out) + "\n";
    }

    /** {@code text} in a fence tagged {@code info}, longer than any fence inside it. */
    static String fenced(String info, String text) {
        int longest = 0;
        for (String l : text.split("\n")) {
            int n = 0;
            while (n < l.length() && l.charAt(n) == '`') n++;
            longest = Math.max(longest, n);
        }
        String fence = "`".repeat(Math.max(3, longest + 1));
        return fence + info + "\n" + text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + fence + "\n";
    }

    /**
     * The notebook with {@code outputs} (normalised, one per block in order) in its {@code output} blocks: each
     * replaced, inserted after its block (a blank line between), or removed with the blank lines before it when the
     * block now prints nothing. Every other byte of the file is kept.
     */
    String render(List<String> outputs) {
        List<String> out = new ArrayList<>(lines);
        for (int k = blocks.size() - 1; k >= 0; k--) { // from the end, so earlier indexes stay valid
            Block b = blocks.get(k);
            String text = outputs.get(k);
            String eol = lines.get(b.close()).endsWith("\r\n") ? "\r\n" : "\n";
            List<String> fence = text.isEmpty() ? List.of()
                    : Arrays.stream(fenced(OUTPUT, text).split("\n")).map(l -> l + eol).toList();
            if (b.recorded() != null) {
                int from = text.isEmpty() ? b.close() + 1 : b.recorded().open();
                String last = out.get(b.recorded().close());
                replace(out, from, b.recorded().close() + 1, fence);
                if (!fence.isEmpty() && !last.endsWith("\n")) { // the file ended without a line ending: so it stays
                    int end = from + fence.size() - 1;
                    out.set(end, bare(out.get(end)));
                }
            } else if (!fence.isEmpty()) {
                if (!out.get(b.close()).endsWith("\n")) out.set(b.close(), out.get(b.close()) + eol);
                List<String> inserted = new ArrayList<>();
                inserted.add(eol);
                inserted.addAll(fence);
                replace(out, b.close() + 1, b.close() + 1, inserted);
            }
        }
        return String.join("", out);
    }

    private static void replace(List<String> list, int from, int to, List<String> with) {
        list.subList(from, to).clear();
        list.addAll(from, with);
    }

    /**
     * What {@code --check} prints for a block whose output differs: {@code FILE.md:LINE}, then a unified diff from
     * the recorded output to this run's; empty if they are the same.
     */
    List<String> difference(Block b, String now) {
        String was = b.recorded() == null ? "" : b.recorded().text();
        if (was.equals(now)) return List.of();
        List<String> before = was.isEmpty() ? List.of() : List.of(was.split("\n", -1)).subList(0, lines(was));
        List<String> after = now.isEmpty() ? List.of() : List.of(now.split("\n", -1)).subList(0, lines(now));
        String where = file + ":" + b.line();
        List<String> report = new ArrayList<>();
        report.add(where + ": the output differs from the one recorded"
                + (b.recorded() == null ? " (none is: jitogen run --write records it)" : ""));
        String recordedAt = b.recorded() == null ? where : file + ":" + (b.recorded().open() + 2);
        report.addAll(UnifiedDiffUtils.generateUnifiedDiff(recordedAt + " (recorded)", where + " (this run)",
                before, DiffUtils.diff(before, after), 3));
        return report;
    }

    private static int lines(String normalised) {
        return (int) normalised.chars().filter(c -> c == '\n').count();
    }

    // ---- running --------------------------------------------------------------------------------------------------

    /**
     * Runs the blocks in {@code shell}, then records ({@link Mode#WRITE}) or compares ({@link Mode#CHECK}) their
     * output. {@code out} gets the reports; what the blocks print goes through the shell's own printer.
     *
     * @return 0, or 1 if a block failed, an output differed, or the file could not be written
     * @throws Shell.ExitRequest if a block ran {@code /exit}: nothing is then written or compared
     */
    int run(Shell shell, Mode mode, boolean echo, Shell.Printer out) {
        shell.mode = Feedback.Mode.CONCISE;
        shell.session().resultsInTargetOrder(true);
        try {
            return runBlocks(shell, mode, echo, out);
        } finally {
            shell.session().resultsInTargetOrder(false);
        }
    }

    private int runBlocks(Shell shell, Mode mode, boolean echo, Shell.Printer out) {
        List<String> outputs = new ArrayList<>();
        int differing = 0, checked = 0;
        for (Block b : blocks) {
            StringBuilder printed = new StringBuilder();
            for (Script.Unit u : Script.parse(b.code(), shell)) {
                int line = b.line() + u.line(); // the code starts on the line after the fence
                if (echo && mode != Mode.CHECK) out.println("jitogen> " + u.text().stripTrailing().replace("\n", "\n   ...> "));
                boolean ok = shell.run(u.text(), file.toString(), line);
                printed.append(shell.lastOutput());
                if (!ok) {
                    if (mode == Mode.CHECK) Arrays.stream(normalise(printed.toString()).split("\n")).forEach(out::println);
                    out.println("jitogen run: " + file + ":" + line + ": failed: " + Script.firstLine(u.text())
                            + " (in the ```" + b.language() + " block at line " + b.line() + ")"
                            + (mode == Mode.RUN ? "" : "; nothing was " + (mode == Mode.WRITE ? "written" : "compared")));
                    return 1;
                }
            }
            String now = normalise(printed.toString());
            outputs.add(now);
            if (mode == Mode.CHECK && !b.noCheck()) {
                checked++;
                List<String> diff = difference(b, now);
                if (!diff.isEmpty()) differing++;
                diff.forEach(out::println);
            }
        }
        if (mode == Mode.CHECK) {
            int skipped = blocks.size() - checked;
            out.println("jitogen run --check: " + file + ": " + (differing == 0 ? "every output as recorded"
                    : differing + " of " + checked + " outputs differ") + " (" + checked + " compared"
                    + (skipped > 0 ? ", " + skipped + " marked no-check" : "") + ")");
            return differing == 0 ? 0 : 1;
        }
        if (mode == Mode.WRITE) return write(outputs, out);
        return 0;
    }

    /** Writes the outputs into the file, if that changes it; atomically, keeping the file's permissions. */
    private int write(List<String> outputs, Shell.Printer out) {
        String before = String.join("", lines), after = render(outputs);
        if (after.equals(before)) {
            out.println("jitogen run --write: " + file + ": every output as recorded");
            return 0;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.writeString(temp, after, StandardCharsets.UTF_8);
                try {
                    Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(file));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the temporary file's default permissions
                }
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            out.println("jitogen run --write: cannot write " + file + ": " + e);
            return 1;
        }
        long changed = 0;
        for (int k = 0; k < blocks.size(); k++) {
            Output r = blocks.get(k).recorded();
            if (!(r == null ? "" : r.text()).equals(outputs.get(k))) changed++;
        }
        out.println("jitogen run --write: " + file + ": " + changed + " of " + blocks.size() + " outputs recorded anew");
        return 0;
    }

    // ---- from a session -------------------------------------------------------------------------------------------

    /**
     * A session as a notebook ({@code /save --notebook}): one block per unit that succeeded, with what it printed.
     * A unit run in another feedback mode than a notebook's (concise) is preceded by a {@code /set feedback} block,
     * so that running the notebook again prints what the session printed.
     */
    private static final java.util.regex.Pattern FLEET_UNIT = java.util.regex.Pattern.compile("\\s*/(on|sh)\\s");
    private static final java.util.regex.Pattern FLEET_SUMMARY_TIME =
            java.util.regex.Pattern.compile("(?m)^(\\d+ ok, \\d+ failed) in [\\d.]+ s$");

    static String ofSession(List<Shell.Recorded> recorded) {
        StringBuilder b = new StringBuilder("# Jitogen session\n\n"
                + "Saved with `/save --notebook`. `./jitogen run FILE.md` runs it again; `--check` compares what it "
                + "prints with the outputs below, and `--write` records them anew.\n");
        Feedback.Mode mode = Feedback.Mode.CONCISE;
        for (Shell.Recorded r : recorded) {
            if (r.mode() != mode) {
                mode = r.mode();
                b.append('\n').append(fenced("java", "/set feedback " + mode.label() + "\n"));
                // what /set feedback says, and only in normal mode (the mode it just set)
                if (mode == Feedback.Mode.NORMAL) b.append('\n').append(fenced(OUTPUT, "|  Feedback mode: normal\n"));
            }
            b.append('\n').append(fenced("java", r.unit().strip() + "\n"));
            String output = normalise(r.output());
            if (FLEET_UNIT.matcher(r.unit()).lookingAt()) {
                // a notebook's /on and /sh leave the time out of their summary (see Fleet): recorded so too
                output = FLEET_SUMMARY_TIME.matcher(output).replaceAll("$1");
            }
            if (!output.isEmpty()) b.append('\n').append(fenced(OUTPUT, output));
        }
        return b.toString();
    }
}
