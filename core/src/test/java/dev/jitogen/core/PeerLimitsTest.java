package dev.jitogen.core;

import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What one child can cost the master through its stream, played by real child JVMs that write hand-made frames or
 * are stopped with SIGSTOP: memory follows the bytes that arrive, one oversize message is lost alone, a stopped
 * child blocks no caller and is declared dead after the stall timeout, and a frame whose length does not match its
 * data closes the stream instead of putting it out of step.
 */
class PeerLimitsTest {
    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void signal(String sig, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start().waitFor());
    }

    @Test
    void stalledHeadersClaiming128MiBCostTheMasterOnlyWhatArrived() throws Exception {
        try (Router router = Router.create()) {
            List<Context> stallers = List.of(router.local(), router.local(), router.local());
            for (Context c : stallers) c.call(() -> 1);
            long before = usedHeapAfterGc();
            for (Context c : stallers) {
                int me = c.id();
                c.callNoReply(() -> {
                    // a header claiming the max message size, 1 KiB of its data, and then nothing
                    byte[] h = RawFrames.header(0, me, me, 5000, 0, Message.DEFAULT_MAX_SIZE);
                    RawFrames.writeRaw(Arrays.copyOf(h, h.length + 1024));
                    Thread.sleep(60_000);
                });
            }
            Thread.sleep(1500); // the headers arrive within milliseconds; before, each took 128 MiB on arrival
            long grown = usedHeapAfterGc() - before;
            System.out.printf("three stalled 128 MiB headers: master heap grew by %.1f MB%n", grown / 1e6);
            assertTrue(grown < 32 << 20, "three stalled headers grew the master's heap by " + grown + " bytes");
        }
    }

    @Test
    void anOversizeMessageIsLostAloneAndItsReceiverHearsWhy() throws Exception {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).build(); LogCapture log = new LogCapture()) {
            Context child = router.local();
            Receiver<Object> inbox = new Receiver<>(router, child, false);
            int handle = inbox.handle(), me = child.id();
            long t0 = System.nanoTime();
            child.call(() -> {
                RawFrames.write(0, me, me, handle, 0, new byte[100_000]);
                return null;
            });
            ChannelError e = assertThrows(ChannelError.class, () -> inbox.get(Duration.ofSeconds(10)));
            System.out.printf("an oversize message: its receiver heard why %.1f ms after the call that sent it began%n",
                    (System.nanoTime() - t0) / 1e6);
            assertTrue(e.getMessage().contains("100000 bytes") && e.getMessage().contains("max message size 65536"),
                    e.getMessage());
            assertTrue(log.await("over the max message size 65536", Duration.ofSeconds(5)), log.lines().toString());
            assertEquals(1, child.call(() -> 1), "the child's stream survives the one message it lost");
        }
    }

    @Test
    void anOversizeRequestGetsADeadReplyAndTheCallReturns() {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).build()) {
            Context child = router.local();
            int me = child.id();
            String answer = child.call(() -> {
                Receiver<Object> reply = Receiver.create(Router.current());
                RawFrames.write(0, me, me, 5000, reply.handle(), new byte[200_000]);
                try {
                    reply.get(Duration.ofSeconds(10));
                    return "a reply?";
                } catch (ChannelError dead) {
                    return dead.getMessage();
                }
            });
            assertTrue(answer.contains("200000 bytes") && answer.contains("over the max message size 65536"), answer);
        }
    }

    @Test
    void aStoppedChildBlocksNoCallerAndIsDeclaredDeadAfterTheStallTimeout() throws Exception {
        try (Router router = Router.builder().stallTimeout(Duration.ofSeconds(2)).build()) {
            Context stopped = router.local(LocalOptions.builder().name("stopped").build());
            Context other = router.local(LocalOptions.builder().name("other").build());
            RemoteFunction<byte[], Integer> length = b -> b.length;
            assertEquals(1, stopped.call(length, new byte[1]));
            signal("STOP", stopped.pid());
            List<Receiver<Integer>> calls = new ArrayList<>();
            long t0 = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                // 4 MiB of calls into a 64 KiB pipe nobody reads, from this thread and three others
                for (int i = 0; i < 4; i++) calls.add(stopped.callAsync(length, new byte[1 << 20]));
                List<CompletableFuture<Receiver<Integer>>> others = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    others.add(CompletableFuture.supplyAsync(() -> stopped.callAsync(() -> 1)));
                }
                for (CompletableFuture<Receiver<Integer>> f : others) calls.add(f.get(5, TimeUnit.SECONDS));
                assertEquals(2, other.call(() -> 2), "another context's caller is not held up");
            }, "callers of a stopped child must not block in its pipe");
            System.out.printf("7 calls to a stopped child returned in %.1f ms%n", (System.nanoTime() - t0) / 1e6);
            for (Receiver<Integer> r : calls) {
                ChannelError e = assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(20)));
                assertTrue(e.getMessage().contains("stopped") && e.getMessage().contains("stalled"), e.getMessage());
                assertTrue(e.getMessage().contains("stall timeout of 2.0 s"), e.getMessage());
            }
            System.out.printf("declared dead %.1f s after the stop%n", (System.nanoTime() - t0) / 1e9);
            assertTrue(Processes.gone(stopped.pid(), Duration.ofSeconds(10)), "the stopped child is killed");
            assertEquals(3, other.call(() -> 3));
        }
    }

    @Test
    void aFrameWhoseLengthDoesNotMatchItsDataClosesTheStreamSayingSo() throws Exception {
        try (Router router = Router.create()) {
            Context liar = router.local(LocalOptions.builder().name("liar").build());
            Context honest = router.local();
            int me = liar.id();
            long t0 = System.nanoTime();
            ChannelError e = assertThrows(ChannelError.class, () -> liar.call(() -> {
                // a header claiming as data exactly the frame that follows it: read naively, that frame vanishes
                // into the first one and the stream reads on as if nothing happened
                byte[] next = RawFrames.frame(0, me, me, 5001, 0, "swallowed".getBytes());
                RawFrames.writeRaw(RawFrames.header(0, me, me, 5000, 0, next.length));
                RawFrames.writeRaw(next);
                return "the reply after the broken frame";
            }));
            System.out.printf("a frame shorter than its header: the call failed %.1f ms after it began: %s%n",
                    (System.nanoTime() - t0) / 1e6, e.getMessage());
            assertTrue(e.getMessage().contains("lost framing") && e.getMessage().contains("liar"), e.getMessage());
            assertTrue(liar.awaitDisconnect(Duration.ofSeconds(5)));
            assertEquals(2, honest.call(() -> 2));
        }
    }
}
