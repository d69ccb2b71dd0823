package dev.jitogen.core;

import dev.jitogen.bootstrap.FirstStage;
import dev.jitogen.core.spi.ChildProcess;
import dev.jitogen.core.spi.Launcher;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Launches the bootstrap command through a connection method's {@link Launcher} and takes the child through the
 * handshake (parent layer: what happens to a {@link ChildProcess} once a plugin has handed it over).
 *
 * <p>Threads and locks: runs on the calling thread (blocking until ready or failed), plus one stderr reader thread
 * per child unless its transport pushes the output ({@link ChildProcess#pushOutput}: then none, and the stream has
 * no reader thread either); the router's close cancels from its own thread. The class holds no state; each of its
 * helpers ({@code Cancel}, {@code Handover}, {@code StderrCollector}) guards its own state with its own monitor, as
 * its comment says.
 *
 * <ol>
 *   <li>the first stage prints {@link FirstStage#READY};</li>
 *   <li>we send the core bundle (deflated if the stream crosses a network) and the child's config: on a pipe after
 *   that readiness, across a network at once, so that the bundle crosses the link while the remote JVM starts;</li>
 *   <li>the child main prints {@link ChildMain#CHILD_READY} and its pid (8 bytes); from then on stdin/stdout carry
 *   frames.</li>
 * </ol>
 * Whatever the process prints on stderr before readiness is kept for the error message; after it, each line is
 * logged as {@code [name] stderr: ...}. The connect timeout kills the process, and so does the router's close
 * (the connect fails at once, saying so).
 */
final class ProcessConnection {
    private static final int STDERR_KEEP = 16 * 1024;

    private ProcessConnection() {}

    static Context connect(Router router, int id, String method, String name, Duration timeout,
                           boolean debug, Launcher launcher) {
        Cancel cancel = new Cancel();
        if (!router.starter().connecting(cancel)) {
            throw new StreamError("could not start context " + name + ": " + Router.CONNECT_CANCELLED);
        }
        try {
            return connect(router, id, name, method, timeout, debug, launcher, cancel);
        } finally {
            router.starter().connected(cancel);
        }
    }

    private static Context connect(Router router, int id, String name, String method, Duration timeout,
                                   boolean debug, Launcher launcher, Cancel cancel) {
        AtomicBoolean timedOut = new AtomicBoolean();
        ChildProcess launched = null;
        StreamError failure = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            launched = launcher.launch(timeout);
        } catch (StreamError e) {
            failure = e;
        } catch (IOException | RuntimeException e) {
            failure = new StreamError("could not start context " + name + ": " + e.getMessage(), e);
        }
        if (cancel.launched(launched)) {
            throw new StreamError("could not start context " + name + ": " + Router.CONNECT_CANCELLED, failure);
        }
        if (failure != null) throw failure;
        if (launched == null) throw new StreamError("could not start context " + name + ": its launcher started nothing");
        ChildProcess process = launched;
        deadline += process.waitedForOperator().toNanos();
        StderrCollector stderr = new StderrCollector(name, process.stderr());
        Handover stdout = new Handover();
        boolean pushed = process.pushOutput(stdout, stderr);
        ScheduledFuture<?> watchdog = null;
        try {
            if (!pushed && process.stderr() != null) router.broker().threads().newThread(stderr).start();
            else if (!pushed) stderr.done.countDown();
            watchdog = router.broker().timer().schedule(() -> {
                timedOut.set(true);
                process.kill();
            }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            InputStream in = pushed ? stdout : process.stdout();
            OutputStream out = process.stdin();
            CoreBundle bundle = CoreBundle.forMaxMessageSize(router.maxMessageSize());
            byte[] config = router.childConfig(id, name, LogLevels.childLogLevel(), debug).encode();
            // a negative length announces the bundle uncompressed: inflating costs a local child more than the pipe
            byte[] packed = process.crossesNetwork() ? bundle.compressed() : bundle.forPipe();
            IOException early = null;
            if (process.crossesNetwork()) {
                // across a network the bundle goes at once, while the remote JVM starts: the transport holds stdin
                // until the first stage reads it (no terminal in between), and the link carries the bundle
                // meanwhile instead of after a round trip. If the first stage never starts, its readiness (below)
                // says why; a write that failed because of that is not the error to report.
                try {
                    sendBundle(out, packed, true, config);
                } catch (IOException e) {
                    early = e;
                }
            }
            expect(in, FirstStage.READY, "the first stage");
            if (early != null) throw early;
            // on a pipe, only once the first stage reads: the raw bundle is larger than the pipe, and the
            // connecting thread must not block on a process that never starts
            if (!process.crossesNetwork()) sendBundle(out, packed, false, config);
            expect(in, ChildMain.CHILD_READY, "the child runtime");
            // the child's own pid follows its readiness: the only way to learn it where the master cannot see the
            // process (over SSH)
            long childPid = new java.io.DataInputStream(in).readLong();
            if (!watchdog.cancel(false)) throw new IOException("the connect timeout passed as it became ready");
            long pid = process.pid() >= 0 ? process.pid() : childPid;
            Context context = new Context(router, id, name, method, process, null, pid);
            context.bootBytes = 8L + packed.length + config.length;
            stderr.context = context;
            Stream stream = pushed ? new Stream(name, out, router.maxMessageSize())
                    : new Stream(name, in, out, router.maxMessageSize());
            stream.crossesNetwork(process.crossesNetwork());
            router.attach(context, stream);
            if (pushed) stdout.handOver(stream);
            return context;
        } catch (IOException | RuntimeException e) {
            if (watchdog != null) watchdog.cancel(false);
            if (e instanceof EndedEarly) {
                // it is ending by itself: let its last words on stderr arrive before the transport is torn down
                try {
                    process.waitFor(Duration.ofSeconds(2));
                    stderr.awaitEnd();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            process.kill();
            closeQuietly(process.stdin());
            closeQuietly(process.stdout());
            String why = cancel.cancelled() ? Router.CONNECT_CANCELLED
                    : timedOut.get() ? "it did not start within the connect timeout of " + timeout : e.getMessage();
            try {
                process.waitFor(Duration.ofSeconds(5));
                stderr.awaitEnd();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            Integer status = timedOut.get() ? null : process.exitStatus();
            String exit = status != null ? " (" + ExitStatus.describe(status) + ")" : ""; // Mitogen's words
            String err = stderr.text().strip();
            throw new StreamError("could not start context " + name + ": " + why + exit
                    + (err.isEmpty() ? "; it printed nothing on stderr" : "; stderr:\n" + err), e);
        }
    }

    /**
     * Ends a connect when the router closes: kills the process once there is one, else interrupts the launch (the
     * connecting thread, which clears that interrupt itself). Runs on the closing thread; guarded by this.
     */
    private static final class Cancel implements Runnable {
        private final Thread connecting = Thread.currentThread();
        private ChildProcess process;
        private boolean launching = true, cancelled;

        @Override
        public synchronized void run() {
            cancelled = true;
            if (process != null) process.kill();
            else if (launching) connecting.interrupt();
        }

        /**
         * The launcher returned {@code process} (null: it failed). True if the connect was cancelled meanwhile: then
         * the process is killed, and the interrupt meant for the launch cleared. Connecting thread.
         */
        synchronized boolean launched(ChildProcess process) {
            launching = false;
            this.process = process;
            if (cancelled) {
                Thread.interrupted();
                if (process != null) process.kill();
            }
            return cancelled;
        }

        synchronized boolean cancelled() {
            return cancelled;
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void sendBundle(OutputStream out, byte[] packed, boolean compressed, byte[] config)
            throws IOException {
        // buffered: DataOutputStream writes an int a byte at a time, which is four writes on an SSH channel
        DataOutputStream data = new DataOutputStream(new java.io.BufferedOutputStream(out, 8192));
        data.writeInt(compressed ? packed.length : -packed.length);
        data.write(packed);
        data.writeInt(config.length);
        data.write(config);
        data.flush();
    }

    /** The process's stdout ended before its readiness token: it exited (or is exiting) on its own. */
    private static final class EndedEarly extends IOException {
        EndedEarly(String message) {
            super(message);
        }
    }

    private static void expect(InputStream in, String token, String what) throws IOException {
        byte[] want = token.getBytes(StandardCharsets.US_ASCII);
        byte[] got = in.readNBytes(want.length);
        if (!Arrays.equals(want, got)) {
            if (got.length < want.length) throw new EndedEarly(what + " exited before it was ready");
            byte[] more = new byte[Math.min(in.available(), 200)];
            int n = in.read(more);
            throw new IOException("unexpected output instead of the readiness token of " + what + ": \""
                    + new String(got, StandardCharsets.UTF_8) + (n > 0 ? new String(more, 0, n, StandardCharsets.UTF_8) : "")
                    + "\"");
        }
    }

    /**
     * A child's stdout pushed by its transport ({@link ChildProcess#pushOutput}): kept for the connecting thread to
     * read the handshake from (this stream), then handed to the context's stream with whatever arrived past
     * the handshake, in order. Transport threads call {@link #bytes} and {@link #end}; the connecting thread reads
     * and hands over. Guarded by this: the lock is held while bytes go to the stream so that the bytes kept and the
     * bytes arriving cannot overtake each other; only the handover itself ever contends for it.
     */
    private static final class Handover extends InputStream implements ChildProcess.Output {
        /** Bytes not yet read by the handshake. */
        private byte[] kept = new byte[256];
        private int start, end;
        private boolean ended;
        private Throwable endCause;
        private Stream stream;

        @Override
        public synchronized void bytes(byte[] b, int off, int len) {
            if (stream != null) {
                stream.received(b, off, len);
                return;
            }
            if (end + len > kept.length) {
                int live = end - start;
                byte[] grown = new byte[Math.max(kept.length, 2 * (live + len))];
                System.arraycopy(kept, start, grown, 0, live);
                kept = grown;
                start = 0;
                end = live;
            }
            System.arraycopy(b, off, kept, end, len);
            end += len;
            notifyAll();
        }

        @Override
        public synchronized void end(Throwable cause) {
            if (stream != null) {
                stream.receiveEnded(cause);
                return;
            }
            ended = true;
            endCause = cause;
            notifyAll();
        }

        /** The handshake's bytes, as a stream the connecting thread reads; it blocks for bytes. */
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            while (start == end && !ended) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted during the handshake");
                }
            }
            if (start == end) {
                if (endCause != null) throw new IOException(endCause.getMessage(), endCause);
                return -1;
            }
            int n = Math.min(len, end - start);
            System.arraycopy(kept, start, b, off, n);
            start += n;
            return n;
        }

        @Override
        public synchronized int available() {
            return end - start;
        }

        /** From now on, bytes go to {@code s}: first those that came past the handshake. Connecting thread. */
        synchronized void handOver(Stream s) {
            stream = s;
            if (end > start) s.received(kept, start, end - start);
            kept = null;
            if (ended) s.receiveEnded(endCause);
        }
    }

    /**
     * A child's stderr: kept until ready, logged afterwards. Either read on its own thread until EOF ({@link #run}),
     * or pushed by the transport ({@link #bytes}, {@link #end}).
     */
    private static final class StderrCollector implements Runnable, ChildProcess.Output {
        private final String name;
        private final InputStream err;
        private final StringBuilder early = new StringBuilder();
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        volatile Context context;

        StderrCollector(String name, InputStream err) {
            this.name = name;
            this.err = err;
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) line(line);
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                done.countDown();
            }
        }

        private void line(String line) {
            Context c = context;
            if (c == null) {
                synchronized (early) {
                    if (early.length() < STDERR_KEEP) early.append(line).append('\n');
                }
            } else {
                Log.warning("[" + name + "] stderr: " + line);
                c.recordLog("stderr: " + line);
            }
        }

        /** The line being pushed, until its newline comes. Transport thread only. */
        private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

        @Override
        public void bytes(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (b[i] != '\n') {
                    if (partial.size() < STDERR_KEEP) partial.write(b[i]);
                    continue;
                }
                line(partial.toString(StandardCharsets.UTF_8).replace("\r", ""));
                partial.reset();
            }
        }

        @Override
        public void end(Throwable cause) {
            if (partial.size() > 0) line(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
            done.countDown();
        }

        String text() {
            synchronized (early) {
                return early.toString();
            }
        }

        void awaitEnd() throws InterruptedException {
            done.await(2, TimeUnit.SECONDS);
        }
    }
}
