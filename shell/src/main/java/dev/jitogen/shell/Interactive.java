package dev.jitogen.shell;

import org.jline.reader.Candidate;
import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EOFError;
import org.jline.reader.EndOfFileException;
import org.jline.reader.Highlighter;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The terminal front end: JLine line editing over a {@link Shell}. Multi-line input (an incomplete snippet
 * continues on the next line), completion of Java (JShell's analysis), commands, context names and paths, syntax
 * highlighting, a persistent history, Ctrl-C (clears the line, or interrupts the running snippet and the remote
 * call it waits for), Ctrl-D (leaves, shutting every context down). Output from other threads is printed above the
 * line being typed. Colour unless {@code NO_COLOR} is set or the terminal is dumb.
 *
 * <p>Threads: {@link #run} on the main thread; JLine's signal handler thread calls {@link Shell#stop}.
 */
final class Interactive {
    private static final String PROMPT = "jitogen> ", CONTINUATION = "   ...> ";
    private static final Set<String> KEYWORDS = Set.of("abstract", "assert", "boolean", "break", "byte", "case",
            "catch", "char", "class", "continue", "default", "do", "double", "else", "enum", "extends", "final",
            "finally", "float", "for", "if", "implements", "import", "instanceof", "int", "interface", "long", "new",
            "package", "private", "protected", "public", "record", "return", "short", "static", "super", "switch",
            "this", "throw", "throws", "try", "var", "void", "while", "true", "false", "null", "yield");
    private static final Pattern TOKENS = Pattern.compile(
            "(\"(?:[^\"\\\\]|\\\\.)*\"?)|('(?:[^'\\\\]|\\\\.)*'?)|(//.*)|(\\b\\d[\\w.]*)|([A-Za-z_$][\\w$]*)");

    private Interactive() {}

    /** @param inventory the inventory files given with {@code -i} (else {@code JITOGEN_INVENTORY}'s are used) */
    static int run(List<Path> inventory) throws IOException {
        Deferred early = new Deferred();
        // built first: JShell warms on another core while the terminal and line reader are set up
        Shell shell = new Shell(early);
        shell.loadInventory(inventory.isEmpty() ? FleetCommands.fromEnvironment() : inventory);
        Terminal terminal = TerminalBuilder.builder().system(true).providers("jni,exec").build();
        boolean color = System.getenv("NO_COLOR") == null && !Terminal.TYPE_DUMB.equals(terminal.getType())
                && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
        LineReader[] holder = new LineReader[1];
        Shell.Printer printer = new Shell.Printer() {
            /** True while a progress line is on screen, to be replaced by the next line printed. */
            private boolean progressShown;

            @Override
            public synchronized void println(String line) {
                if (progressShown) terminal.writer().print("\r\033[K");
                progressShown = false;
                terminal.writer().println(line);
                terminal.flush();
            }

            @Override
            public synchronized void progress(String line) {
                if (!color) return; // a dumb terminal cannot redraw a line
                terminal.writer().print("\r\033[K" + line);
                terminal.flush();
                progressShown = true;
            }

            @Override
            public void async(String line) {
                LineReader r = holder[0];
                if (r != null && r.isReading()) r.printAbove(line);
                else println(line);
            }
        };
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("jitogen")
                .parser(new ShellParser(shell))
                .completer((r, line, candidates) -> complete(shell, line, candidates))
                .highlighter(color ? new JavaHighlighter() : null)
                .variable(LineReader.HISTORY_FILE, Path.of(home(), ".jitogen_history"))
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, CONTINUATION)
                .variable(LineReader.INDENTATION, 4)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        holder[0] = reader;
        bindSignatureHelp(reader, shell);
        shell.foreground = action -> {
            terminal.pause();
            try {
                action.run();
            } finally {
                terminal.resume();
            }
        };
        terminal.handle(Terminal.Signal.INT, s -> shell.stop());
        shell.passphrasePrompt(passphrasePrompt(terminal, Thread.currentThread()));
        early.forward(printer);
        printer.println("|  Welcome to Jitogen " + Main.version() + ". /help lists the commands; Ctrl-D leaves.");
        try (shell) {
            while (true) {
                String input;
                try {
                    input = reader.readLine(PROMPT);
                } catch (UserInterruptException e) {
                    offerToKillBusyContexts(shell, reader);
                    continue; // Ctrl-C on the line: start a fresh one
                } catch (EndOfFileException e) {
                    return 0;
                }
                try {
                    shell.run(input);
                } catch (Shell.ExitRequest e) {
                    return e.status;
                }
            }
        } finally {
            terminal.close();
        }
    }

    /**
     * Ctrl-C at the prompt while a context is still busy with a call that ignored the first Ctrl-C: offers to kill
     * it, as {@code /stop} does.
     */
    private static void offerToKillBusyContexts(Shell shell, LineReader reader) {
        for (String name : shell.busyContexts()) {
            String answer;
            try {
                answer = reader.readLine("|  " + name + " is still busy with an interrupted call. Kill it? [y/N] ");
            } catch (UserInterruptException | EndOfFileException e) {
                return;
            }
            if (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes")) shell.run("/stop " + name);
        }
    }

    /**
     * Asks for an encrypted key's passphrase as {@code ssh} does, echoing nothing; a masked line goes to no history.
     * Only on {@code shellThread} (a command or snippet that connects), where the prompt line is not being read; a
     * connection started from another thread skips the key instead. Its own line reader, whose parser never asks
     * for a continuation line and which expands no {@code !} event, whatever the passphrase holds.
     */
    private static dev.jitogen.plugins.ssh.PassphrasePrompt passphrasePrompt(Terminal terminal, Thread shellThread) {
        LineReader secrets = LineReaderBuilder.builder().terminal(terminal).appName("jitogen")
                .parser((line, cursor, context) -> new Word(line, cursor, ""))
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        return file -> {
            if (Thread.currentThread() != shellThread) return null;
            try {
                return secrets.readLine("Enter passphrase for key '" + file + "': ", org.jline.reader.impl.LineReaderImpl.NULL_MASK);
            } catch (UserInterruptException | EndOfFileException e) {
                return null; // Ctrl-C or Ctrl-D: skip the key, as ssh does on an empty answer
            }
        };
    }

    /** Tab right after {@code (} shows the signatures of what is being called, as jshell does. */
    private static void bindSignatureHelp(LineReader reader, Shell shell) {
        reader.getWidgets().put("jitogen-tab", () -> {
            String buffer = reader.getBuffer().toString();
            int cursor = reader.getBuffer().cursor();
            if (!Shell.isCommand(buffer) && buffer.substring(0, cursor).stripTrailing().endsWith("(")) {
                List<String> signatures = shell.signatures(buffer, cursor);
                if (!signatures.isEmpty()) {
                    reader.printAbove("Signatures:\n" + String.join("\n", signatures));
                    return true;
                }
            }
            return reader.getBuiltinWidgets().get(LineReader.COMPLETE_WORD).apply();
        });
        reader.getKeyMaps().get(LineReader.MAIN).bind(new Reference("jitogen-tab"), "\t");
    }

    /** Keeps what is printed before the terminal is ready, then passes everything on. */
    private static final class Deferred implements Shell.Printer {
        private final List<String[]> held = new java.util.ArrayList<>();
        private Shell.Printer target;

        @Override
        public synchronized void println(String line) {
            if (target != null) target.println(line);
            else held.add(new String[]{"println", line});
        }

        @Override
        public synchronized void async(String line) {
            if (target != null) target.async(line);
            else held.add(new String[]{"async", line});
        }

        @Override
        public synchronized void progress(String line) {
            if (target != null) target.progress(line);
        }

        synchronized void forward(Shell.Printer to) {
            for (String[] h : held) {
                if (h[0].equals("async")) to.async(h[1]);
                else to.println(h[1]);
            }
            held.clear();
            target = to;
        }
    }

    /** {@code $HOME} as the user set it (Java's {@code user.home} comes from the password database instead). */
    private static String home() {
        String h = System.getenv("HOME");
        return h != null && !h.isBlank() ? h : System.getProperty("user.home");
    }

    /** Commands, context names, paths, or Java, depending on where the cursor is. */
    private static void complete(Shell shell, ParsedLine line, List<Candidate> out) {
        String text = line.line().substring(0, line.cursor());
        if (Shell.isCommand(text)) {
            int space = text.indexOf(' ');
            if (space < 0) {
                for (String name : shell.commands().keySet()) out.add(new Candidate("/" + name, "/" + name, null,
                        shell.commands().get(name).summary(), null, null, true));
                return;
            }
            for (Completion.Offer o : Completion.command(shell, text, line.word(), Path.of(System.getProperty("user.home"), ".ssh"))) {
                out.add(new Candidate(o.value(), o.value(), null, o.description(), null, null, o.complete()));
            }
            return;
        }
        int[] anchor = new int[1];
        String word = line.word();
        int wordStart = line.cursor() - line.wordCursor();
        for (String continuation : shell.completions(line.line(), line.cursor(), anchor)) {
            String value;
            if (anchor[0] >= wordStart) value = line.line().substring(wordStart, anchor[0]) + continuation;
            else if (continuation.startsWith(line.line().substring(anchor[0], wordStart))) {
                value = continuation.substring(wordStart - anchor[0]);
            } else continue;
            if (value.startsWith(word)) out.add(new Candidate(value, value, null, null, null, null, false));
        }
    }

    /** Splits the line into the word being completed, and asks for more lines while a snippet is incomplete. */
    private static final class ShellParser implements Parser {
        private final Shell shell;

        ShellParser(Shell shell) {
            this.shell = shell;
        }

        @Override
        public ParsedLine parse(String line, int cursor, ParseContext context) {
            if (context == ParseContext.ACCEPT_LINE && !shell.isComplete(line)) {
                throw new EOFError(-1, -1, "incomplete snippet");
            }
            int start = cursor;
            boolean command = line.startsWith("/");
            while (start > 0) {
                char c = line.charAt(start - 1);
                boolean part = command ? c != ' ' && c != ',' : Character.isJavaIdentifierPart(c);
                if (!part) break;
                start--;
            }
            return new Word(line, cursor, line.substring(start, cursor));
        }
    }

    private record Word(String line, int cursor, String word) implements CompletingParsedLine {
        @Override
        public int wordCursor() {
            return word.length();
        }

        @Override
        public int wordIndex() {
            return 0;
        }

        @Override
        public List<String> words() {
            return List.of(word);
        }

        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            return candidate;
        }

        @Override
        public int rawWordCursor() {
            return word.length();
        }

        @Override
        public int rawWordLength() {
            return word.length();
        }
    }

    /** Keywords, literals, comments and commands in colour. */
    private static final class JavaHighlighter implements Highlighter {
        @Override
        public AttributedString highlight(LineReader reader, String buffer) {
            AttributedStringBuilder b = new AttributedStringBuilder();
            if (buffer.startsWith("/")) {
                int space = buffer.indexOf(' ');
                int end = space < 0 ? buffer.length() : space;
                b.styled(AttributedStyle.BOLD.foreground(AttributedStyle.MAGENTA), buffer.substring(0, end));
                b.append(buffer.substring(end));
                return b.toAttributedString();
            }
            Matcher m = TOKENS.matcher(buffer);
            int last = 0;
            while (m.find()) {
                b.append(buffer.substring(last, m.start()));
                AttributedStyle style = null;
                if (m.group(1) != null || m.group(2) != null) style = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
                else if (m.group(3) != null) style = AttributedStyle.DEFAULT.foreground(AttributedStyle.BRIGHT);
                else if (m.group(4) != null) style = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
                else if (KEYWORDS.contains(m.group(5))) style = AttributedStyle.BOLD.foreground(AttributedStyle.BLUE);
                if (style == null) b.append(m.group());
                else b.styled(style, m.group());
                last = m.end();
            }
            b.append(buffer.substring(last));
            return b.toAttributedString();
        }
    }
}
