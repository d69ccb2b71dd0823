package dev.jitogen.shell;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Records what each unit prints while it runs, for notebooks ({@code jitogen run FILE.md}) and
 * {@code /save --notebook}: the lines the shell's printer prints (feedback, errors, results of {@code /on}, what
 * contexts print) and what snippets write to the master's own {@code System.out} and {@code System.err}, in the
 * order they arrive. Everything still reaches the printer and the real streams as before; this only keeps a copy.
 *
 * <p>Units nest ({@code /open} and {@code /reload} run others): each {@link #begin} starts a record, and what an
 * inner unit printed counts for the outer one too. While a unit runs, {@code System.out} and {@code System.err} are
 * replaced by streams that copy to the ones they replaced; they are put back when the outermost unit ends.
 *
 * <p>Threads: {@link #begin} and {@link #end} on the shell thread; the printer and the streams from any thread
 * (a context's output arrives on the router's log thread). Lines that arrive while no unit runs are not recorded.
 * Guarded by {@code this}; the real printer and streams are written outside the lock, so a slow terminal never
 * holds it.
 */
final class UnitOutput {
    /** How much of one unit's output is kept: a session may print far more than anyone reads back from a file. */
    static final int MAX_CHARS = 1 << 20;
    static final String CUT = "[... more output, not recorded]";

    /** The records of the units running, innermost first. */
    private final Deque<StringBuilder> running = new ArrayDeque<>();
    /** The streams replaced while units run, and ours that replaced them; null while no unit runs. */
    private PrintStream realOut, realErr, ourOut, ourErr;
    private Tee teeOut, teeErr;

    /** A printer that prints through {@code printer} and records each line for the unit running. */
    Shell.Printer recording(Shell.Printer printer) {
        return new Shell.Printer() {
            @Override
            public void println(String line) {
                printer.println(line);
                record(line);
            }

            @Override
            public void async(String line) {
                printer.async(line);
                record(line);
            }

            @Override
            public void error(String line) {
                printer.error(line);
                record(line);
            }

            @Override
            public void progress(String line) {
                printer.progress(line); // a status line that the next replaces: not output
            }
        };
    }

    /** A unit begins; the outermost one replaces {@code System.out} and {@code System.err}. */
    synchronized void begin() {
        if (running.isEmpty()) {
            realOut = System.out;
            realErr = System.err;
            teeOut = new Tee(realOut);
            teeErr = new Tee(realErr);
            ourOut = new PrintStream(teeOut, true, StandardCharsets.UTF_8);
            ourErr = new PrintStream(teeErr, true, StandardCharsets.UTF_8);
            System.setOut(ourOut);
            System.setErr(ourErr);
        }
        running.push(new StringBuilder());
    }

    /** The unit begun last ends: returns what it printed, lines ending in {@code \n}. */
    synchronized String end() {
        teeOut.endLine();
        teeErr.endLine();
        String printed = running.pop().toString();
        if (!running.isEmpty()) {
            append(running.peek(), printed);
        } else {
            // a stream the unit set itself stays; ours are put back
            if (System.out == ourOut) System.setOut(realOut);
            if (System.err == ourErr) System.setErr(realErr);
            realOut = realErr = ourOut = ourErr = null;
        }
        return printed;
    }

    private synchronized void record(String line) {
        StringBuilder b = running.peek();
        if (b != null) append(b, line + "\n");
    }

    /** Appends whole lines while they fit; the first that does not is replaced by {@link #CUT}, and so is the rest. */
    private static void append(StringBuilder b, String lines) {
        int end = b.length() - CUT.length() - 1;
        if (end >= 0 && b.indexOf(CUT, end) == end) return; // cut already
        if (b.length() + lines.length() <= MAX_CHARS) b.append(lines);
        else b.append(CUT).append('\n');
    }

    /** Copies bytes to the stream it replaced, and records them a line at a time. */
    private final class Tee extends OutputStream {
        private final PrintStream real;
        /** Bytes of the line not yet ended. Guarded by {@link UnitOutput#this}. */
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Tee(PrintStream real) {
            this.real = real;
        }

        @Override
        public void write(int b) {
            real.write(b);
            synchronized (UnitOutput.this) {
                take(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            real.write(b, off, len);
            synchronized (UnitOutput.this) {
                for (int i = off; i < off + len; i++) take(b[i]);
            }
        }

        private void take(int b) {
            if (b == '\n') endLine();
            else partial.write(b);
        }

        /** Records the line begun, if any. Hold the lock. */
        void endLine() {
            if (partial.size() == 0) return;
            record(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
        }

        @Override
        public void flush() {
            real.flush();
        }
    }
}
