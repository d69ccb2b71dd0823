package dev.jitogen.plugins.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A slow network on one machine, for the benchmark: a TCP proxy on loopback whose every connection behaves like a
 * link of a given rate and round-trip time. Each direction sends its bytes in order, one chunk after the other at the
 * rate (a chunk cannot leave before the one ahead of it has), and delivers each chunk half the round trip after it
 * left, as a router with an ample queue would. It listens on loopback only, and connects only to the target it was
 * given.
 *
 * <p>Threads: construct and close from any thread; each connection runs a reader and a writer thread per direction
 * (daemons), and the accepting thread. A tool for measuring and testing, not for production links: used by
 * {@code ./jitogen bench} for {@code ssh_cold_start_shaped_ms} and, run as {@code ./jitogen bench --shaped-link PORT},
 * by {@code bench/compare-mitogen} for Mitogen's side of that row; tests use it for a long link (a rate far above
 * the machine's makes it a pure delay).
 */
public final class ShapedLink implements AutoCloseable {
    /** The link the benchmark row uses: one host's share of a 200 Mbit/s uplink fanned out to 100 hosts. */
    public static final long BENCH_BITS_PER_SECOND = 2_000_000;
    public static final long BENCH_RTT_MILLIS = 40;

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final double nanosPerByte;
    private final long oneWayNanos;

    /** A link to {@code targetHost:targetPort}, listening on a free loopback port. */
    public ShapedLink(String targetHost, int targetPort, long bitsPerSecond, long rttMillis) throws IOException {
        if (bitsPerSecond <= 0 || rttMillis < 0) throw new IllegalArgumentException("rate must be positive, RTT not negative");
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.nanosPerByte = 8e9 / bitsPerSecond;
        this.oneWayNanos = TimeUnit.MILLISECONDS.toNanos(rttMillis) / 2;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "shaped-link");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = server.accept();
                Socket target;
                try {
                    target = new Socket(targetHost, targetPort);
                } catch (IOException e) {
                    client.close(); // the target is down: the client sees the connection closed, as it would
                    continue;
                }
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                direction(client, target);
                direction(target, client);
            }
        } catch (IOException closed) {
            // stopped
        }
    }

    private record Chunk(long due, byte[] bytes) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(due, ((Chunk) o).due);
        }
    }

    /** One direction of a connection: what {@code from} sends reaches {@code to} at the link's pace. */
    private void direction(Socket from, Socket to) {
        DelayQueue<Chunk> queue = new DelayQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[1460]; // about one TCP segment: bytes read together still leave one after another
            long linkFree = 0; // when the link has sent everything queued so far
            try (InputStream in = from.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    long sent = Math.max(System.nanoTime(), linkFree) + (long) (n * nanosPerByte);
                    linkFree = sent;
                    queue.put(new Chunk(sent + oneWayNanos, java.util.Arrays.copyOf(buf, n)));
                }
            } catch (IOException ignored) {
                // closed
            }
            queue.put(new Chunk(Math.max(System.nanoTime(), linkFree) + oneWayNanos, new byte[0]));
        }, "shaped-link-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk c = queue.take();
                    if (c.bytes.length == 0) break;
                    out.write(c.bytes);
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException ignored) {
                // closed
            }
        }, "shaped-link-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * {@code ./jitogen bench --shaped-link PORT}: serves the benchmark's link to loopback port {@code PORT} until
     * killed, after printing the port it listens on.
     */
    public static void serve(int targetPort) throws IOException, InterruptedException {
        try (ShapedLink link = new ShapedLink("127.0.0.1", targetPort, BENCH_BITS_PER_SECOND, BENCH_RTT_MILLIS)) {
            System.out.println(link.port());
            System.out.flush();
            Thread.currentThread().join();
        }
    }
}
