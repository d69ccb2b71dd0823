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
 * A TCP proxy on loopback that holds every chunk for a fixed time in each direction: a long link on one machine.
 * Order is kept. Stops when closed; only ever connects to the loopback target it was given.
 */
final class DelayingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final long delayNanos;
    private final int targetPort;

    DelayingProxy(int targetPort, long delayMillis) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.targetPort = targetPort;
        Thread accept = new Thread(this::acceptLoop, "delaying-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = server.accept();
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                pipe(client, target);
                pipe(target, client);
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

    private void pipe(Socket from, Socket to) {
        DelayQueue<Chunk> queue = new DelayQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[65536];
            try (InputStream in = from.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    byte[] copy = java.util.Arrays.copyOf(buf, n);
                    queue.put(new Chunk(System.nanoTime() + delayNanos, copy));
                }
            } catch (IOException ignored) {
                // closed
            }
            queue.put(new Chunk(System.nanoTime() + delayNanos, new byte[0]));
        }, "delaying-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk c = queue.take();
                    if (c.bytes.length == 0) break;
                    out.write(c.bytes);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException ignored) {
                // closed
            }
        }, "delaying-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
