package dev.jitogen.shell;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.PersistentSnippet;
import jdk.jshell.SnippetEvent;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A Jupyter kernel (messaging protocol 5.3 over ZeroMQ) whose cells are what the shell takes: Java snippets and
 * commands ({@code /local w1}, {@code /on local,w1 EXPR}), mixed, run by one {@link Shell}. What a cell prints, and
 * what contexts print while it runs (under their names), streams into the cell; the value of its last expression is
 * its result; a failure is an {@code error} whose traceback is the shell's, frames of a remote call labelled with
 * the context's name.
 *
 * <p>Threads: the I/O thread ({@link #serve}'s caller) owns every socket, checks every message's signature, and
 * answers what needs no JShell (kernel_info, interrupt, shutdown) at once; it never runs user code, so a kernel
 * busy with a cell still answers heartbeats and interrupts. The cell thread is the shell's thread: it runs cells
 * and JShell's analysis, one request at a time, in arrival order. Any thread may queue an outgoing message
 * ({@link #send}); the I/O thread is woken over an inproc socket (used under its lock) and sends it.
 *
 * <pre>
 *  client ── shell, control (ROUTER) ──▶ I/O thread ── execute, complete, inspect, is_complete ──▶ cell thread
 *         ◀─ replies, iopub (PUB) ────── I/O thread ◀── outgoing queue ◀── cell thread, contexts' output, System.out
 *         ── heartbeat (REP) ─────────▶ I/O thread: echoed
 *         ── interrupt_request (control) ─▶ I/O thread: Shell.stop(), as Ctrl-C
 * </pre>
 *
 * <p>Why this file is about 600 lines: the I/O thread's loop, the sending queue and the cell thread share the
 * kernel's state (the running cell, the parent header), so they stay together; what needs none of it is in
 * {@link KernelConnection}, {@link KernelAnalysis} and {@link JupyterWire}.
 */
final class Kernel {
    /** The channels of a connection file. */
    enum Channel { SHELL, CONTROL, IOPUB, STDIN }

    /** A message waiting for the I/O thread. */
    private record Outgoing(Channel channel, List<byte[]> identities, String type, JsonObject parent, JsonObject content) {}

    private final KernelConnection connection;
    /** Where the kernel's own log lines go: the standard error Jupyter gave it (cells get System.err). */
    private final PrintStream log;
    private final ConcurrentLinkedQueue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
    /** The sending end of the I/O thread's wake-up socket; any thread, under its own lock. */
    private ZMQ.Socket wake;
    private final ExecutorService cells = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jitogen-kernel-cell");
        t.setDaemon(true);
        return t;
    });
    /** Made by the cell thread, first thing; null until then. */
    private volatile Shell shell;
    /** The header of the latest execute_request: output arriving between cells goes to it, as ipykernel does. */
    private volatile JsonObject parent;
    /** The cell running now, or null. Set and cleared on the cell thread. */
    private volatile Cell cell;
    private volatile boolean running = true;
    /** Cell thread only. */
    private int executionCount;

    private Kernel(KernelConnection connection, PrintStream log) {
        this.connection = connection;
        this.log = log;
    }

    /** Runs the kernel of {@code connectionFile} until a shutdown_request (or Jupyter's exit); the exit status. */
    static int run(Path connectionFile) {
        KernelConnection c;
        try {
            c = KernelConnection.read(connectionFile);
        } catch (IOException e) {
            System.err.println("jitogen kernel: cannot read connection file " + connectionFile + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.toString())
                    + " (Jupyter writes it and passes its path)");
            return 2;
        } catch (IllegalArgumentException e) {
            System.err.println("jitogen kernel: " + e.getMessage());
            return 2;
        }
        PrintStream log = System.err;
        try {
            return new Kernel(c, log).serve();
        } catch (ListenError e) {
            log.println("jitogen kernel: " + e.getMessage());
            return 1;
        }
    }

    /** A port of the connection file cannot be listened on. */
    private static final class ListenError extends RuntimeException {
        ListenError(String message) {
            super(message, null, false, false);
        }
    }

    private int serve() {
        // snippets run in this JVM: what they print belongs to the cell, not to the terminal Jupyter started us from
        System.setOut(new PrintStream(new CellStream("stdout"), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new CellStream("stderr"), true, StandardCharsets.UTF_8));
        cells.execute(this::makeShell);
        watchJupyter();
        JupyterWire wire = new JupyterWire(connection.key());
        if (!wire.signs()) log("the connection file's key is empty: messages are neither signed nor checked");
        try (ZContext zmq = new ZContext()) {
            zmq.setLinger(2000); // at shutdown, the last replies still go out
            ZMQ.Socket shellSocket = bind(zmq, SocketType.ROUTER, connection.shellPort());
            ZMQ.Socket control = bind(zmq, SocketType.ROUTER, connection.controlPort());
            ZMQ.Socket stdin = bind(zmq, SocketType.ROUTER, connection.stdinPort());
            ZMQ.Socket iopub = bind(zmq, SocketType.PUB, connection.iopubPort());
            ZMQ.Socket heartbeat = bind(zmq, SocketType.REP, connection.hbPort());
            ZMQ.Socket woken = zmq.createSocket(SocketType.PAIR);
            woken.bind("inproc://jitogen-kernel-wake");
            ZMQ.Socket waker = zmq.createSocket(SocketType.PAIR);
            waker.connect("inproc://jitogen-kernel-wake");
            synchronized (this) {
                wake = waker;
            }
            publish("status", null, status("starting"));
            ZMQ.Poller poller = zmq.createPoller(5);
            int pShell = poller.register(shellSocket, ZMQ.Poller.POLLIN);
            int pControl = poller.register(control, ZMQ.Poller.POLLIN);
            int pStdin = poller.register(stdin, ZMQ.Poller.POLLIN);
            int pHeartbeat = poller.register(heartbeat, ZMQ.Poller.POLLIN);
            int pWake = poller.register(woken, ZMQ.Poller.POLLIN);
            while (running) {
                flush(wire, shellSocket, control, iopub);
                if (poller.poll(-1) < 0) break;
                if (poller.pollin(pHeartbeat)) echo(heartbeat);
                if (poller.pollin(pControl)) receive(wire, control, Channel.CONTROL);
                if (poller.pollin(pShell)) receive(wire, shellSocket, Channel.SHELL);
                if (poller.pollin(pStdin)) receive(wire, stdin, Channel.STDIN);
                if (poller.pollin(pWake)) {
                    while (woken.recv(ZMQ.DONTWAIT) != null) {
                        // one wake-up is as good as many: the queue holds the messages
                    }
                }
            }
            flush(wire, shellSocket, control, iopub); // the shutdown reply first
            closeShell();
            flush(wire, shellSocket, control, iopub);
            synchronized (this) {
                wake = null;
            }
        }
        return 0;
    }

    private ZMQ.Socket bind(ZContext zmq, SocketType type, int port) {
        ZMQ.Socket s = zmq.createSocket(type);
        // a client made by the same KernelManager reuses its session id as its identity: the newest connection
        // takes it over (as ipykernel has it), else a second client of a notebook would never be answered
        if (type == SocketType.ROUTER) s.setRouterHandover(true);
        try {
            s.bind(connection.address(port));
        } catch (org.zeromq.ZMQException e) {
            throw new ListenError("cannot listen on " + connection.address(port) + " (from " + connection.file()
                    + "): " + ZMQ.Error.findByCode(e.getErrorCode()).getMessage()
                    + "; is another kernel using that port? Jupyter picks free ones: restart it");
        }
        return s;
    }

    /** If Jupyter says who started us (JPY_PARENT_PID), stops when it is gone, as ipykernel does. */
    private void watchJupyter() {
        String pid = System.getenv("JPY_PARENT_PID");
        if (pid == null || pid.isBlank()) return;
        try {
            ProcessHandle.of(Long.parseLong(pid.strip())).map(ProcessHandle::onExit)
                    .orElse(java.util.concurrent.CompletableFuture.completedFuture(null)) // gone before we started
                    .thenRun(() -> {
                        log("the Jupyter process that started this kernel (pid " + pid + ") is gone: shutting down");
                        stopServing();
                    });
        } catch (NumberFormatException e) {
            log("JPY_PARENT_PID is not a process id: " + pid);
        }
    }

    private void stopServing() {
        running = false;
        wake();
    }

    /** Stops the running cell and closes every context; a cell that ignores interruption is left behind. */
    private void closeShell() {
        cells.shutdown();
        Shell s = shell;
        if (s == null) return;
        s.stop();
        Thread closer = new Thread(s::close, "jitogen-kernel-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) log("a cell ignores interruption: exiting without waiting for it");
    }

    private void log(String line) {
        log.println("jitogen kernel: " + line);
    }

    // ---- receiving (I/O thread) -----------------------------------------------------------------------------------

    private static void echo(ZMQ.Socket heartbeat) {
        List<byte[]> frames = frames(heartbeat);
        for (int i = 0; i < frames.size(); i++) {
            heartbeat.send(frames.get(i), (i < frames.size() - 1 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT);
        }
    }

    private static List<byte[]> frames(ZMQ.Socket s) {
        List<byte[]> frames = new ArrayList<>();
        do {
            byte[] f = s.recv(ZMQ.DONTWAIT);
            if (f == null) break;
            frames.add(f);
        } while (s.hasReceiveMore());
        return frames;
    }

    private void receive(JupyterWire wire, ZMQ.Socket socket, Channel channel) {
        List<byte[]> frames = frames(socket);
        if (frames.isEmpty()) return;
        JupyterWire.Message m;
        try {
            m = wire.decode(frames);
        } catch (JupyterWire.Refused r) {
            log("dropped a message on the " + channel.name().toLowerCase(java.util.Locale.ROOT) + " channel, not run: "
                    + r.getMessage() + (r.getMessage().equals("bad signature")
                    ? " (not signed with the key of " + connection.file() + ")" : ""));
            return;
        }
        if (channel == Channel.STDIN) return; // an input_reply: this kernel asks for no input
        dispatch(m, channel);
    }

    private void dispatch(JupyterWire.Message m, Channel channel) {
        switch (m.type()) {
            case "kernel_info_request" -> answer(m, channel, this::kernelInfo);
            case "comm_info_request" -> answer(m, channel, r -> ok(o -> o.add("comms", new JsonObject())));
            case "history_request" -> answer(m, channel, r -> ok(o -> o.add("history", new JsonArray())));
            case "interrupt_request" -> answer(m, channel, r -> {
                Shell s = shell;
                if (s != null) s.stop(); // as Ctrl-C: the snippet and the remote call it waits for are interrupted
                return ok(o -> { });
            });
            case "shutdown_request" -> {
                answer(m, channel, r -> ok(o -> o.addProperty("restart", r.flag("restart", false))));
                stopServing();
            }
            case "execute_request" -> cells.execute(() -> answer(m, channel, this::execute));
            case "complete_request" -> cells.execute(() -> answer(m, channel, r -> KernelAnalysis.complete(shell(), r)));
            case "inspect_request" -> cells.execute(() -> answer(m, channel, r -> KernelAnalysis.inspect(shell(), r)));
            case "is_complete_request" -> cells.execute(() -> answer(m, channel, r -> KernelAnalysis.isComplete(shell(), r)));
            default -> log("no answer to a " + (m.type().isEmpty() ? "message without msg_type" : m.type())
                    + ": not a request this kernel knows");
        }
    }

    /** Busy, the reply (an error reply if the handler throws), idle: as every request is answered. */
    private void answer(JupyterWire.Message m, Channel channel, Function<JupyterWire.Message, JsonObject> handler) {
        publish("status", m.header(), status("busy"));
        JsonObject reply;
        try {
            reply = handler.apply(m);
        } catch (RuntimeException e) {
            reply = new JsonObject();
            reply.addProperty("status", "error");
            reply.addProperty("ename", e.getClass().getName());
            reply.addProperty("evalue", String.valueOf(e.getMessage()));
            reply.add("traceback", new JsonArray());
            log(m.type() + " failed: " + e);
        }
        String type = m.type();
        send(channel, m.identities(), type.substring(0, type.length() - "request".length()) + "reply", m.header(), reply);
        publish("status", m.header(), status("idle"));
    }

    private JsonObject kernelInfo(JupyterWire.Message m) {
        JsonObject language = new JsonObject();
        language.addProperty("name", "java");
        language.addProperty("version", Runtime.version().toString());
        language.addProperty("mimetype", "text/x-java-source");
        language.addProperty("file_extension", ".jsh");
        language.addProperty("pygments_lexer", "java");
        language.addProperty("codemirror_mode", "text/x-java");
        return ok(o -> {
            o.addProperty("protocol_version", JupyterWire.PROTOCOL_VERSION);
            o.addProperty("implementation", "jitogen");
            o.addProperty("implementation_version", Main.version());
            o.add("language_info", language);
            o.addProperty("banner", "Jitogen " + Main.version() + " (Java " + Runtime.version() + "): cells are Java "
                    + "and shell commands (/local NAME, /on TARGETS EXPR, /help)");
            o.add("help_links", new JsonArray());
        });
    }

    // ---- sending (any thread queues, the I/O thread sends) --------------------------------------------------------

    void send(Channel channel, List<byte[]> identities, String type, JsonObject parent, JsonObject content) {
        outgoing.add(new Outgoing(channel, identities, type, parent, content));
        wake();
    }

    private void publish(String type, JsonObject parent, JsonObject content) {
        send(Channel.IOPUB, List.of(type.getBytes(StandardCharsets.UTF_8)), type, parent, content);
    }

    private void wake() {
        synchronized (this) {
            if (wake != null) wake.send(new byte[0], ZMQ.DONTWAIT);
        }
    }

    /** Sends what is queued; runs of stream text for the same cell and stream go as one message. */
    private void flush(JupyterWire wire, ZMQ.Socket shellSocket, ZMQ.Socket control, ZMQ.Socket iopub) {
        for (Outgoing o; (o = outgoing.poll()) != null; ) {
            if (o.type().equals("stream")) {
                StringBuilder text = new StringBuilder(o.content().get("text").getAsString());
                String name = o.content().get("name").getAsString();
                for (Outgoing next; (next = outgoing.peek()) != null && next.type().equals("stream")
                        && next.parent() == o.parent() && next.content().get("name").getAsString().equals(name); ) {
                    text.append(outgoing.poll().content().get("text").getAsString());
                }
                o = new Outgoing(o.channel(), o.identities(), o.type(), o.parent(), stream(name, text.toString()));
            }
            ZMQ.Socket s = switch (o.channel()) {
                case SHELL -> shellSocket;
                case CONTROL -> control;
                default -> iopub;
            };
            List<byte[]> frames = wire.encode(o.identities(), o.type(), o.parent(), o.content());
            for (int i = 0; i < frames.size(); i++) {
                // never blocks: a client that went away loses its replies, the kernel goes on
                s.send(frames.get(i), (i < frames.size() - 1 ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT);
            }
        }
    }

    private static JsonObject status(String state) {
        JsonObject o = new JsonObject();
        o.addProperty("execution_state", state);
        return o;
    }

    private static JsonObject stream(String name, String text) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("text", text);
        return o;
    }

    /** Text for the cell running (or the last one) on {@code name}; before any cell, to the kernel's own log. */
    private void emit(String name, CharSequence text) {
        JsonObject p = parent;
        if (p == null) log.print(text);
        else publish("stream", p, stream(name, text.toString()));
    }

    /** A reply with {@code "status": "ok"} and what {@code fill} adds. */
    static JsonObject ok(java.util.function.Consumer<JsonObject> fill) {
        JsonObject o = new JsonObject();
        o.addProperty("status", "ok");
        fill.accept(o);
        return o;
    }

    // ---- the cell thread ------------------------------------------------------------------------------------------

    private void makeShell() {
        Shell s;
        try {
            s = new Shell(new CellPrinter(), Feedback.Mode.NORMAL);
        } catch (RuntimeException | Error e) {
            log("cannot start the shell, so no cell can run: " + e);
            throw e;
        }
        s.results = e -> {
            Cell c = cell;
            if (c != null) c.value(e);
        };
        s.loadInventory(FleetCommands.fromEnvironment());
        shell = s;
    }

    /** The shell, on the cell thread (which made it first thing). */
    private Shell shell() {
        Shell s = shell;
        if (s == null) throw new IllegalStateException("the shell did not start: the kernel's log says why");
        return s;
    }

    /** What one cell produced so far: error lines of the unit running, the latest value not yet shown. */
    private final class Cell {
        /** The cell thread: error lines it prints belong to the cell's error; others' are a stream. */
        final Thread thread = Thread.currentThread();
        final List<String> errors = new ArrayList<>();
        String valueName, value;

        /** A later value shows this one as jshell would ({@code $1 ==> 42}); the last one is the cell's result. */
        void value(SnippetEvent e) {
            if (value != null) emit("stdout", valueName + " ==> " + value + "\n");
            valueName = e.snippet() instanceof PersistentSnippet p ? p.name()
                    : e.snippet() instanceof ExpressionSnippet x ? x.name() : "";
            value = ContextOutput.escapeKeepingLines(e.value()); // control characters shown, never obeyed
        }
    }

    private JsonObject execute(JupyterWire.Message m) {
        String code = m.text("code", "");
        boolean silent = m.flag("silent", false);
        if (!silent && m.flag("store_history", true)) executionCount++;
        int n = executionCount;
        JsonObject header = m.header();
        parent = header;
        if (!silent) {
            JsonObject input = new JsonObject();
            input.addProperty("code", code);
            input.addProperty("execution_count", n);
            publish("execute_input", header, input);
        }
        Shell s = shell();
        Cell c = new Cell();
        cell = c;
        boolean ok = true;
        Shell.Failure failure = null;
        try {
            for (Script.Unit u : Script.parse(code, s)) {
                List<Shell.Failure> before = s.lastFailures;
                ok = s.run(u.text(), "In[" + n + "]", u.line());
                System.out.flush();
                System.err.flush();
                if (!ok) {
                    if (s.lastFailures != before && !s.lastFailures.isEmpty()) failure = s.lastFailures.get(0);
                    break;
                }
                // said by a unit that succeeded all the same (a warning): not the cell's error
                for (String line : c.errors) emit("stderr", line + "\n");
                c.errors.clear();
            }
        } catch (Shell.ExitRequest e) {
            ok = false;
            c.errors.add("|  /exit does not end a notebook's kernel: shut the kernel down from the notebook instead");
        } finally {
            cell = null;
            System.out.flush();
            System.err.flush();
        }
        JsonObject reply = new JsonObject();
        reply.addProperty("execution_count", n);
        if (ok) {
            if (c.value != null && !silent) {
                JsonObject data = new JsonObject();
                data.addProperty("text/plain", c.value);
                JsonObject result = new JsonObject();
                result.addProperty("execution_count", n);
                result.add("data", data);
                result.add("metadata", new JsonObject());
                publish("execute_result", header, result);
            }
            reply.addProperty("status", "ok");
            reply.add("user_expressions", new JsonObject());
            reply.add("payload", new JsonArray());
            return reply;
        }
        if (c.value != null) emit("stdout", c.valueName + " ==> " + c.value + "\n");
        JsonObject error = error(c.errors, failure);
        publish("error", header, error);
        reply.addProperty("status", "error");
        error.entrySet().forEach(e -> reply.add(e.getKey(), e.getValue()));
        return reply;
    }

    /**
     * The error of a failed unit: the exception's class and message (the remote ones for a call that failed in a
     * context), or {@code CompileError} and javac's message; the traceback is what the shell prints for it.
     */
    private static JsonObject error(List<String> lines, Shell.Failure failure) {
        List<String> shown = new ArrayList<>();
        for (String l : lines) shown.add(l.startsWith("|  ") ? l.substring(3) : l);
        String ename, evalue;
        Throwable raw = failure != null ? failure.raw() : null;
        if (interrupted(raw)) {
            ename = InterruptedException.class.getName(); // the cell was interrupted, whatever wraps that
            evalue = raw.getMessage();
        } else if (raw instanceof dev.jitogen.core.CallError ce) {
            ename = ce.remoteClassName();
            evalue = ce.remoteMessage();
        } else if (raw != null) {
            ename = raw.getClass().getName();
            evalue = raw.getMessage();
        } else if (failure != null && failure.translated() instanceof jdk.jshell.EvalException ev) {
            ename = ev.getExceptionClassName();
            evalue = ev.getMessage();
        } else if (!shown.isEmpty() && shown.get(0).equals("Error:")) {
            ename = "CompileError";
            evalue = shown.size() > 1 ? shown.get(1) : "";
        } else {
            ename = "Error";
            evalue = shown.isEmpty() ? "failed" : shown.get(0);
        }
        JsonObject o = new JsonObject();
        o.addProperty("ename", ename);
        o.addProperty("evalue", evalue != null ? evalue : "");
        JsonArray traceback = new JsonArray();
        shown.forEach(traceback::add);
        o.add("traceback", traceback);
        return o;
    }

    private static boolean interrupted(Throwable t) {
        for (int depth = 0; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof InterruptedException) return true;
        }
        return false;
    }

    // ---- output ---------------------------------------------------------------------------------------------------

    /** The shell's printer: lines to the cell's stdout; a running cell's error lines kept for its error. */
    private final class CellPrinter implements Shell.Printer {
        @Override
        public void println(String line) {
            emit("stdout", line + "\n");
        }

        @Override
        public void error(String line) {
            Cell c = cell;
            if (c != null && c.thread == Thread.currentThread()) c.errors.add(line);
            else emit("stderr", line + "\n");
        }

        @Override
        public void async(String line) {
            emit("stdout", line + "\n"); // a context's output, under its name
        }
    }

    /** System.out and System.err of this JVM, as the stream of that name: whole lines, and the rest on flush. */
    private final class CellStream extends OutputStream {
        private final String name;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        CellStream(String name) {
            this.name = name;
        }

        @Override
        public synchronized void write(int b) {
            pending.write(b);
            if (b == '\n') flush();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    flush();
                    return;
                }
            }
        }

        @Override
        public synchronized void flush() {
            if (pending.size() == 0) return;
            String text = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
            emit(name, text);
        }
    }
}
