package dev.jitogen.core.spi;

import dev.jitogen.core.Router;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A started bootstrap command, wherever it runs: a local process, an SSH exec channel, a {@code sudo} under either.
 * A connection method launches the command and hands the router one of these (see {@link Router#start}); the
 * router speaks the protocol over its stdin/stdout and reads its stderr for errors and logs.
 *
 * <p>Implementations are thread-safe: the router reads stdout and stderr on their own threads, writes stdin from
 * any thread, and may call {@link #kill} from a timer thread.
 */
public interface ChildProcess {
    /**
     * Receives output that a transport pushes from its own threads ({@link #pushOutput}). Calls come one at a time,
     * in order, on the transport's I/O thread: they must not block.
     */
    interface Output {
        /** Bytes that arrived; {@code b} is not kept after the call. */
        void bytes(byte[] b, int off, int len);

        /** The output ended: {@code cause} null for a clean end of stream. */
        void end(Throwable cause);
    }

    OutputStream stdin();

    InputStream stdout();

    /** Stderr, or null if the transport merges it or has none. */
    InputStream stderr();

    /** The process id where the master can see it, else -1. */
    long pid();

    boolean isAlive();

    /** Ends it now, without grace; must not close the streams under a reader (that would lose what is unread). */
    void kill();

    /** Waits up to {@code timeout} for it to end; true if it did. */
    boolean waitFor(Duration timeout) throws InterruptedException;

    /** Its exit status once it ended, or null if unknown. */
    Integer exitStatus();

    /**
     * True if its streams cross a network (SSH), where the core bundle and class answers are worth compressing (and
     * go deflated, see {@code LoadClass}); false for pipes. Such a
     * process also gets the bundle at once, before the first stage says it is ready, so that the bundle crosses the
     * link while the remote JVM starts: its stdin must therefore reach the command unaltered (no terminal in
     * between, nothing else reading it first). A write may wait for room (an SSH channel with a small window) until
     * the first stage reads, which it does right after printing its readiness, without waiting for anyone to read it.
     */
    default boolean crossesNetwork() {
        return false;
    }

    /**
     * For a transport that delivers output on its own threads (an SSH channel in MINA's asynchronous mode): starts
     * delivering stdout and stderr to these, and returns true. The router then never reads {@link #stdout()} or
     * {@link #stderr()}, and spends no thread of its own on this child. The default, false: the router reads them,
     * with a thread each.
     */
    default boolean pushOutput(Output stdout, Output stderr) {
        return false;
    }

    /**
     * How long its launcher waited for a person (a passphrase typed at a prompt) before returning it: the connect
     * timeout does not count that time.
     */
    default Duration waitedForOperator() {
        return Duration.ZERO;
    }

    /**
     * {@code process} with its stdout and stderr replaced by {@code stdout} and {@code stderr} (filters that read
     * them): for a connection method that must see what the tool prints before the child runs (a password prompt).
     */
    static ChildProcess withStreams(ChildProcess process, InputStream stdout, InputStream stderr) {
        return new ChildProcess() {
            @Override
            public OutputStream stdin() {
                return process.stdin();
            }

            @Override
            public InputStream stdout() {
                return stdout;
            }

            @Override
            public InputStream stderr() {
                return stderr;
            }

            @Override
            public long pid() {
                return process.pid();
            }

            @Override
            public boolean isAlive() {
                return process.isAlive();
            }

            @Override
            public void kill() {
                process.kill();
            }

            @Override
            public boolean waitFor(Duration timeout) throws InterruptedException {
                return process.waitFor(timeout);
            }

            @Override
            public Integer exitStatus() {
                return process.exitStatus();
            }

            @Override
            public boolean crossesNetwork() {
                return process.crossesNetwork();
            }

            @Override
            public Duration waitedForOperator() {
                return process.waitedForOperator();
            }
        };
    }

    /**
     * Runs {@code argv} here and wraps the process. It gets this JVM's environment less the variables passwords were
     * read from ({@link ChildEnvironment}).
     */
    static ChildProcess start(List<String> argv) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv);
        ChildEnvironment.applyTo(builder.environment());
        Process p = builder.start();
        return new ChildProcess() {
            @Override
            public OutputStream stdin() {
                return p.getOutputStream();
            }

            @Override
            public InputStream stdout() {
                return p.getInputStream();
            }

            @Override
            public InputStream stderr() {
                return p.getErrorStream();
            }

            @Override
            public long pid() {
                return p.pid();
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public void kill() {
                // through the handle: Process.destroyForcibly also closes the streams, losing unread stderr
                p.toHandle().destroyForcibly();
            }

            @Override
            public boolean waitFor(Duration timeout) throws InterruptedException {
                return p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }

            @Override
            public Integer exitStatus() {
                return p.isAlive() ? null : p.exitValue();
            }
        };
    }
}
