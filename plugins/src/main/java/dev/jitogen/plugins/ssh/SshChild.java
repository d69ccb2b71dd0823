package dev.jitogen.plugins.ssh;

import dev.jitogen.core.spi.ChildProcess;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.future.SshFutureListener;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * The remote command of an SSH context as a {@link ChildProcess}, on an exec channel in MINA's asynchronous mode:
 * its stdout and stderr are pushed to the router ({@link #pushOutput}) by MINA's I/O threads as packets arrive, so
 * an SSH context costs the master no thread of its own, however many there are. Stdin is written through MINA's
 * asynchronous output, one write at a time.
 *
 * <p>Threads: {@link #pushOutput}'s receivers run on MINA's I/O threads (or on the thread that asks for more bytes,
 * if some were waiting), one read at a time per stream, and must not block; each completed read asks for the next.
 * {@link #stdin()} is written by one thread at a time (the stream's owner of the output), which waits for each
 * write to be handed to the session; {@link #kill} and the rest may be called from any thread.
 */
final class SshChild implements ChildProcess {
    /** Bytes asked for per read: MINA's packets are at most 32 KiB of data. */
    private static final int READ_SIZE = 32 * 1024;

    private final ClientSession session;
    private final ChannelExec channel;
    private final Duration prompted;
    private final OutputStream stdin;

    SshChild(ClientSession session, ChannelExec channel, Duration prompted) {
        this.session = session;
        this.channel = channel;
        this.prompted = prompted;
        this.stdin = new Stdin(channel.getAsyncIn());
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    /** Null: the output is pushed ({@link #pushOutput}). */
    @Override
    public InputStream stdout() {
        return null;
    }

    @Override
    public InputStream stderr() {
        return null;
    }

    @Override
    public boolean pushOutput(Output stdout, Output stderr) {
        new Pump(channel.getAsyncOut(), stdout).next();
        new Pump(channel.getAsyncErr(), stderr).next();
        return true;
    }

    @Override
    public long pid() {
        return -1; // the child reports its own
    }

    @Override
    public boolean isAlive() {
        return channel.isOpen() && !channel.isClosing();
    }

    @Override
    public void kill() {
        // closing the channel and session ends the remote command's stdin: the child exits at once
        channel.close(true);
        session.close(true);
    }

    @Override
    public boolean waitFor(Duration timeout) {
        return channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout).contains(ClientChannelEvent.CLOSED);
    }

    @Override
    public Integer exitStatus() {
        return channel.getExitStatus();
    }

    @Override
    public boolean crossesNetwork() {
        return true;
    }

    @Override
    public Duration waitedForOperator() {
        return prompted;
    }

    /**
     * One of the channel's outputs, read with one asynchronous read outstanding at a time: each read's completion
     * hands its bytes on and starts the next read, on whichever thread completed it. No thread waits for bytes.
     */
    private static final class Pump implements SshFutureListener<IoReadFuture> {
        private final IoInputStream in;
        private final Output to;
        /** Reused by each read: a read starts only after the last one's bytes were handed on. */
        private final Buffer buffer = new ByteArrayBuffer(READ_SIZE, false);

        Pump(IoInputStream in, Output to) {
            this.in = in;
            this.to = to;
        }

        /** Reads until a read has to wait; its completion carries on ({@link #operationComplete}). */
        void next() {
            while (true) {
                buffer.clear();
                IoReadFuture f;
                try {
                    f = in.read(buffer);
                } catch (RuntimeException e) {
                    to.end(e);
                    return;
                }
                if (!f.isDone()) {
                    f.addListener(this); // runs at once if it completed meanwhile
                    return;
                }
                if (!handOn(f)) return;
            }
        }

        @Override
        public void operationComplete(IoReadFuture f) {
            if (handOn(f)) next();
        }

        /** Passes a completed read's bytes, or the end, on; false at the end. */
        private boolean handOn(IoReadFuture f) {
            Throwable e = f.getException();
            if (f.getRead() < 0 || e instanceof EOFException) {
                to.end(null);
                return false;
            }
            if (e != null) {
                to.end(e);
                return false;
            }
            Buffer b = f.getBuffer();
            if (b.available() > 0) to.bytes(b.array(), b.rpos(), b.available());
            return true;
        }
    }

    /**
     * The channel's stdin as an {@link OutputStream}: each write is handed to MINA, which takes one at a time, and
     * waits until it was (the remote window permitting: a child that stops reading stalls the write, and the stream's
     * watchdog then closes the stream). Not interruptible, as a pipe's write is not.
     */
    private static final class Stdin extends OutputStream {
        private final IoOutputStream out;

        Stdin(IoOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) return;
            byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len); // MINA keeps it until sent
            IoWriteFuture f = out.writeBuffer(new ByteArrayBuffer(copy));
            while (!f.awaitUninterruptibly(1, TimeUnit.SECONDS)) {
                // a stream closing after a stall closes this gracefully, which waits for the write: give up at once
                if (out.isClosing() || out.isClosed()) throw new IOException("the SSH channel closed during a write");
            }
            if (!f.isWritten()) {
                Throwable cause = f.getException();
                throw cause instanceof IOException io ? io : new IOException("writing to the SSH channel failed", cause);
            }
        }

        @Override
        public void close() {
            out.close(false); // sends EOF once what was written is sent; does not wait
        }
    }
}
