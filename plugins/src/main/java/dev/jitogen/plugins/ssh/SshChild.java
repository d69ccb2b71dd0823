package dev.jitogen.plugins.ssh;

import dev.jitogen.core.spi.ChildProcess;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.RemoteWindow;
import org.apache.sshd.common.channel.WindowClosedException;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;

/**
 * The remote command of an SSH context as a {@link ChildProcess}, on an exec channel in MINA's asynchronous mode
 * ({@link Exec}): its stdout and stderr are pushed to the router ({@link #pushOutput}) by MINA's I/O threads as
 * packets are decoded, straight from the decrypted packet, so an SSH context costs the master no thread of its own,
 * however many there are. Stdin goes out as data packets the writing thread builds and hands to the session ({@link Stdin}).
 *
 * <p>Threads: {@link #pushOutput}'s receivers run on MINA's I/O threads (or, once, on the thread that calls
 * {@code pushOutput}, with what arrived before it), one call at a time, and must not block.
 * {@link #stdin()} is written by one thread at a time (the stream's owner of the output), which waits only for room
 * in the remote window, never for a write to be sent; {@link #kill} and the rest may be called from any thread.
 */
final class SshChild implements ChildProcess {
    private final ClientSession session;
    private final Exec channel;
    private final Duration prompted;
    private final OutputStream stdin;

    SshChild(ClientSession session, Exec channel, Duration prompted) {
        this.session = session;
        this.channel = channel;
        this.prompted = prompted;
        this.stdin = new Stdin(channel);
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
        channel.attach(stdout, stderr);
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
     * An exec channel whose stdout and stderr go to two {@link Output}s as MINA decodes each data packet, on the I/O
     * thread that decoded it, instead of into MINA's asynchronous input streams. Those copied every packet twice
     * (into the stream's buffer, then into the reader's), cleared the reader's 32 KiB buffer before each read and
     * made a future and its listener per packet: on a get over SSH, where everything arrives here, that was most of
     * what MINA's reader thread did besides decrypting. The local window is released once a packet is handed on, as
     * MINA does for a reader that keeps reading; so the peer may send at most the window ahead of what was handed on.
     * Stdin is written by {@link Stdin}.
     *
     * <p>Bytes that arrive before {@link #attach} are kept, within the window (it is released only when they are
     * handed on), and handed on by {@code attach} first. The outputs end when the channel closes: the remote
     * command's close comes after its last data packet.
     *
     * <p>Threads: MINA's I/O threads deliver the packets, one at a time per session; {@link #attach} once, from any
     * thread; closing from any thread. Each output's calls come one at a time, in order (a monitor of this channel's
     * own, held while an output runs: outputs must not block).
     */
    static final class Exec extends ChannelExec {
        private final Object lock = new Object();
        /** Guarded by lock. Null until attached. */
        private Output out, err;
        /** What came before {@link #attach}, in order; null once attached. Guarded by lock. */
        private ByteArrayOutputStream earlyOut = new ByteArrayOutputStream(), earlyErr = new ByteArrayOutputStream();
        /** The channel is closing: nothing more is delivered. Guarded by lock. */
        private boolean closed;
        /** The outputs were told of the end. Guarded by lock. */
        private boolean ended;
        /**
         * An output is running, holding lock: only its own thread can see this true, re-entering the monitor when
         * the output closes the channel. Guarded by lock.
         */
        private boolean delivering;

        Exec(String command) {
            super(command, null, Collections.emptyMap());
        }

        @Override
        protected void doWriteData(byte[] data, int off, long len) throws IOException {
            deliver(data, off, (int) len, false);
        }

        @Override
        protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
            deliver(data, off, (int) len, true);
        }

        private void deliver(byte[] data, int off, int len, boolean stderr) throws IOException {
            synchronized (lock) {
                if (closed || isClosing()) return; // as MINA: data after the close is dropped
                if (out == null) {
                    (stderr ? earlyErr : earlyOut).write(data, off, len); // window not released yet: bounded by it
                    return;
                }
                call(stderr ? err : out, data, off, len);
            }
            if (!isClosing()) getLocalWindow().release(len); // may send a window adjustment, on this thread
        }

        /** Hands bytes to {@code to}, holding lock; ends the outputs after it if it closed the channel meanwhile. */
        private void call(Output to, byte[] data, int off, int len) {
            if (ended) return;
            delivering = true;
            try {
                to.bytes(data, off, len);
            } finally {
                delivering = false;
            }
            if (closed) endOnce(); // the output closed the channel (a bad frame): end it now that it returned
        }

        /** From now on the outputs get the bytes: first those that came before. Once. */
        void attach(Output stdout, Output stderr) {
            int early;
            synchronized (lock) {
                if (out != null) throw new IllegalStateException("already attached");
                out = stdout;
                err = stderr;
                early = earlyOut.size() + earlyErr.size();
                if (earlyOut.size() > 0) call(out, earlyOut.toByteArray(), 0, earlyOut.size());
                if (earlyErr.size() > 0) call(err, earlyErr.toByteArray(), 0, earlyErr.size());
                earlyOut = earlyErr = null;
                if (closed) endOnce();
            }
            if (early > 0 && !isClosing()) {
                try {
                    getLocalWindow().release(early);
                } catch (IOException e) {
                    getSession().exceptionCaught(e);
                }
            }
        }

        @Override
        protected void preClose() {
            super.preClose();
            synchronized (lock) {
                closed = true;
                // not attached yet: attach ends them; an output running on this thread (it closed the channel):
                // deliver ends them once it returns
                if (out != null && !delivering) endOnce();
            }
        }

        /** Ends both outputs, once. Holds lock. */
        private void endOnce() {
            if (ended) return;
            ended = true;
            out.end(null);
            err.end(null);
        }
    }

    /**
     * The channel's stdin as an {@link OutputStream}: each write goes out as SSH data packets that this class builds
     * and hands to the session itself, on the writing thread, which also encrypts them. MINA's asynchronous output,
     * used before, sent one packet at a time: the next packet was built and encrypted on MINA's I/O thread only once
     * the one before had reached the socket, with a future, a listener and a copy of the whole write per write (a
     * put over SSH spent a third of the master's sampled time there). Now a write waits only for room in the remote
     * window (a child that stops reading stalls it, and the stream's watchdog then closes the stream, which ends the
     * wait), never for MINA's I/O thread: at most a window of packets is queued in the session. Not interruptible,
     * as a pipe's write is not. A failed packet write fails the next write. Closing sends EOF after what was
     * written (MINA's asynchronous output, which never held any of it, sends it).
     */
    private static final class Stdin extends OutputStream {
        private final Exec channel;
        /** The last packet handed to the session, or null; written by the owner of the output, one thread at a time. */
        private volatile IoWriteFuture last;
        /** Closed (EOF sent or on its way): no packet may follow. Set by any thread. */
        private volatile boolean closed;

        Stdin(Exec channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            IoWriteFuture before = last;
            if (before != null && before.isDone()) check(before);
            RemoteWindow window = channel.getRemoteWindow();
            while (len > 0) {
                int n = (int) Math.min(len, Math.min(room(window), window.getPacketSize()));
                Buffer packet = channel.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_DATA, n + 12);
                packet.putUInt(channel.getRecipient());
                packet.putUInt(n);
                packet.putRawBytes(b, off, n);
                window.consume(n);
                last = channel.writePacket(packet); // its outcome is checked by the next write (a future's lock)
                off += n;
                len -= n;
            }
        }

        /** Waits until the remote window has room, or the channel closes. */
        private long room(RemoteWindow window) throws IOException {
            while (true) {
                if (closed || channel.isClosing() || !channel.isOpen()) {
                    throw new IOException("the SSH channel closed during a write");
                }
                try {
                    long room = window.waitForSpace(Duration.ofSeconds(1));
                    if (room > 0) return room;
                } catch (java.net.SocketTimeoutException e) {
                    // the child reads no more for now: check the channel, then wait again
                } catch (WindowClosedException e) {
                    throw new IOException("the SSH channel closed during a write", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting to write to the SSH channel");
                }
            }
        }

        private static void check(IoWriteFuture f) throws IOException {
            if (!f.isWritten()) {
                Throwable cause = f.getException();
                throw cause instanceof IOException io ? io : new IOException("writing to the SSH channel failed", cause);
            }
        }

        @Override
        public void close() {
            closed = true;
            channel.getAsyncIn().close(false); // sends EOF after the packets queued before it; does not wait
        }
    }
}
