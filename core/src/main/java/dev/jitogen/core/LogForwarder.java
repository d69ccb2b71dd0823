package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * A child's {@code java.util.logging} handler (and so {@code System.Logger}'s, whose default backend it is) that
 * sends records to the master as FORWARD_LOG: {@code int level, UTF logger, UTF text}. {@link Lines} does the same
 * for {@code System.out} and {@code System.err}, a line at a time. Publishing may happen on any thread; it only
 * writes a frame.
 *
 * <p>JUL is not loaded to install it: a child's start-up would pay some 30 classes, a service lookup and the first
 * lambda for logging it may never do. {@link #install} names {@link Config} as JUL's configuration class instead, so
 * the handler is installed when JUL initialises: on the first line core logs above the threshold ({@link Log}), or
 * when user code first logs. JUL finds that class through the thread's context class loader, which is the child's
 * own ({@link ChildMain} sets it on the main thread; every later thread inherits it).
 */
final class LogForwarder {
    private static final int MAX_TEXT = 16 * 1024;

    private LogForwarder() {}

    /** The router and level {@link Config} installs the handler with. */
    private static volatile Router pendingRouter;
    private static volatile int pendingLevel;

    /** Forwards this JVM's log records to the master at {@code level} and above, from when JUL initialises. */
    static void install(Router router, int level) {
        pendingRouter = router;
        pendingLevel = level;
        Log.threshold(level);
        System.setProperty("java.util.logging.config.class", Config.class.getName());
    }

    /**
     * JUL's configuration class in a child ({@code java.util.logging.config.class}): JUL constructs it while it
     * initialises, and again on each {@code LogManager.readConfiguration()}; each time the root logger gets one
     * forwarding handler and the child's level. Not for users.
     */
    public static final class Config {
        public Config() {
            Router router = pendingRouter;
            if (router == null) return; // not a child
            Level level = Level.parse(Integer.toString(pendingLevel));
            Logger root = Logger.getLogger("");
            for (Handler h : root.getHandlers()) root.removeHandler(h); // JUL's defaults, or ours from before
            ToMaster h = new ToMaster(router);
            h.setLevel(level);
            root.addHandler(h);
            root.setLevel(level);
        }
    }

    /** The handler: each record it publishes becomes one FORWARD_LOG frame. */
    private static final class ToMaster extends Handler {
        private final Router router;
        private final Formatter formatter = new SimpleFormatter();

        ToMaster(Router router) {
            this.router = router;
        }

        @Override
        public void publish(LogRecord record) {
            if (!isLoggable(record)) return;
            String text = formatter.formatMessage(record);
            if (record.getThrown() != null) {
                java.io.StringWriter w = new java.io.StringWriter();
                record.getThrown().printStackTrace(new java.io.PrintWriter(w));
                text = text + "\n" + w;
            }
            send(router, record.getLevel().intValue(), record.getLoggerName() == null ? "" : record.getLoggerName(),
                    text);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    /** Set while this thread forwards a record: a record logged by the sending itself is dropped. */
    private static final ThreadLocal<Boolean> SENDING = new ThreadLocal<>();

    static void send(Router router, int level, String logger, String text) {
        // the router logs a message it cannot route (at FINE): with no parent left (a detached child whose parent
        // is gone) forwarding that line would log again, without end
        if (SENDING.get() != null) return;
        if (text.length() > MAX_TEXT) text = text.substring(0, MAX_TEXT) + "... (truncated)";
        SENDING.set(true);
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(text.length() + 32);
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(level);
            out.writeUTF(logger);
            out.writeUTF(text);
            router.send(new Message(0, router.myId(), router.myId(), Handles.FORWARD_LOG, Handles.NO_REPLY,
                    buf.toByteArray()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            SENDING.remove();
        }
    }

    /** An output stream that forwards each complete line as a log record of logger {@code stdout}/{@code stderr}. */
    static final class Lines extends OutputStream {
        private final Router router;
        private final String stream;
        /** Guarded by this. */
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(Router router, String stream) {
            this.router = router;
            this.stream = stream;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                emit();
            } else {
                line.write(b);
                if (line.size() >= MAX_TEXT) emit();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        /** Sends a partial line, if any: called after each call so output is not held back. */
        synchronized void flushLine() {
            if (line.size() > 0) emit();
        }

        private void emit() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
            send(router, Log.INFO, stream, text);
        }
    }
}
