package dev.jitogen.plugins.ssh;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark's slow link delivers every byte unchanged and in order, never sooner than its round trip and rate
 * allow (lower bounds only: how much later a loaded machine delivers is not the link's to promise).
 */
class ShapedLinkTest {
    @Test
    void bytesArriveIntactNoSoonerThanTheLinkAllows() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                } catch (Exception ignored) {
                    // the test closed it
                }
            });
            server.setDaemon(true);
            server.start();
            long bitsPerSecond = 2_000_000, rttMillis = 40;
            try (ShapedLink link = new ShapedLink("127.0.0.1", echo.getLocalPort(), bitsPerSecond, rttMillis);
                 Socket s = new Socket(InetAddress.getLoopbackAddress(), link.port())) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                long t0 = System.nanoTime();
                s.getOutputStream().write(42);
                assertTrue(in.read() == 42);
                long rtt = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(rtt >= rttMillis, "one byte came back after " + rtt + " ms, under the link's round trip");

                byte[] data = new byte[50_000];
                new Random(7).nextBytes(data);
                byte[] back = new byte[data.length];
                t0 = System.nanoTime();
                s.getOutputStream().write(data);
                in.readFully(back);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertArrayEquals(data, back);
                // each way the bytes take size / rate to send, and the echo sends them back at the same rate
                long floor = rttMillis + data.length * 8L * 1000 / bitsPerSecond;
                assertTrue(ms >= floor, data.length + " bytes echoed in " + ms + " ms, under the link's " + floor);
            }
        }
    }
}
