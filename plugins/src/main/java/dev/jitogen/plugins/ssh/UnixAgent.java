package dev.jitogen.plugins.ssh;

import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of an {@code ssh-agent} (or any agent speaking its protocol: gpg-agent, 1Password, KeePassXC) on a
 * Unix-domain socket, through the JDK's own {@link SocketChannel} (Java 16+): no native library, unlike MINA's
 * APR-based agent client. MINA's {@link AbstractAgentProxy} encodes the requests (list keys, sign); this moves
 * the bytes.
 *
 * <p>Threads: {@link #request} may be called from any thread, one request at a time (it is synchronized); it is
 * called on the connecting thread to list keys and on a MINA I/O thread to sign. Each request is bounded by
 * {@link #TIMEOUT}, so an agent that waits for a confirmation nobody gives ({@code ssh-add -c}) holds that I/O
 * thread that long at most. {@link #close} may be called from any thread and ends a request under way.
 */
final class UnixAgent extends AbstractAgentProxy {
    /** How long one request may take: ample for a local agent, short enough to free an I/O thread. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** An answer longer than this is not an agent's (its key list is a few KiB). */
    private static final int MAX_ANSWER = 256 * 1024;

    private final Path socket;
    private final SocketChannel channel;
    private final Selector selector;

    private UnixAgent(Path socket, SocketChannel channel, Selector selector) {
        super(null);
        this.socket = socket;
        this.channel = channel;
        this.selector = selector;
    }

    /** Connects to the agent listening on {@code socket}. */
    static UnixAgent connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            return new UnixAgent(socket, ch, Selector.open());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    protected synchronized Buffer request(Buffer buffer) throws IOException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        ByteBuffer out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) await(SelectionKey.OP_WRITE, deadline);
        }
        ByteBuffer length = ByteBuffer.allocate(4);
        readFully(length, deadline);
        int n = length.getInt(0);
        if (n <= 0 || n > MAX_ANSWER) {
            throw new IOException("the agent at " + socket + " answered with a length of " + n + " bytes; is it an "
                    + "ssh-agent socket?");
        }
        ByteBuffer answer = ByteBuffer.allocate(n);
        readFully(answer, deadline);
        return new ByteArrayBuffer(answer.array());
    }

    private void readFully(ByteBuffer into, long deadline) throws IOException {
        while (into.hasRemaining()) {
            int r = channel.read(into);
            if (r < 0) throw new IOException("the agent at " + socket + " closed the connection mid-answer");
            if (r == 0) await(SelectionKey.OP_READ, deadline);
        }
    }

    private void await(int op, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new IOException("the agent at " + socket + " did not answer within " + TIMEOUT.toSeconds() + " s "
                    + "(is it waiting for a confirmation?)");
        }
        try {
            SelectionKey key = channel.register(selector, op);
            selector.select(Math.max(1, left / 1_000_000));
            key.interestOps(0);
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException | CancelledKeyException closed) {
            // closed by another thread (the connect gave up): said below
        }
        if (!channel.isOpen()) throw new IOException("the connection to the agent at " + socket + " was closed");
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            try {
                channel.close();
            } finally {
                selector.close();
            }
        }
    }

    @Override
    public String toString() {
        return "ssh-agent at " + socket;
    }
}
