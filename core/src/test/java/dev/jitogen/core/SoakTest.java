package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Many threads calling many contexts (in-process ones, some nested, and a few child JVMs) while a killer ends random
 * contexts and starts new ones. Every reply must come back to the thread that made the call, from the context it
 * called, with the value it sent; a call may fail only with a {@link ChannelError}, and only because its context (or
 * one above it) was killed. Afterwards, threads, file descriptors and heap return to what they were before.
 *
 * <p>Skipped unless {@code -Dsoak=SECONDS} is given: {@code mvn -pl core -am verify -Dtest=SoakTest -Dsoak=300}.
 */
class SoakTest {
    private static final int WORKERS = 12, IN_PROCESS = 24, JVMS = 3;

    private record Usage(int threads, int fds, long heap) {
        static Usage now() throws InterruptedException {
            long heap = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
                heap = Math.min(heap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            }
            String[] fds = new File("/proc/self/fd").list();
            return new Usage(liveThreads(), fds == null ? -1 : fds.length, heap);
        }

        /**
         * Live threads but the JDK's "process reaper" pool, which waits for child processes and keeps idle threads a
         * minute: as many as children ended at once, and not Jitogen's to end.
         */
        static int liveThreads() {
            return (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !t.getName().equals("process reaper")).count();
        }

        @Override
        public String toString() {
            return threads + " threads, " + fds + " fds, " + String.format("%.1f MB heap", heap / 1e6);
        }
    }

    /** Failures found by the workers; any is a lost or misdelivered reply. */
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong calls = new AtomicLong(), channelValues = new AtomicLong(), killedCalls = new AtomicLong(),
            kills = new AtomicLong(), bytes = new AtomicLong();

    @Test
    void manyThreadsManyContextsRandomKillsNoReplyLostAndNothingLeaks() throws Exception {
        String soak = System.getProperty("soak");
        assumeTrue(soak != null && !soak.isBlank(), "set -Dsoak=SECONDS to run the soak test");
        Duration length = Duration.ofSeconds(Long.parseLong(soak.trim()));

        try (Router warm = Router.create()) { // the first router loads classes and starts JVM-wide threads
            warm.local().call(() -> 1);
            warm.inProcess().call(() -> 1);
        }
        Thread.sleep(2000);
        Usage before = Usage.now();
        java.util.Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Usage peak;
        long t0 = System.nanoTime();
        try (Router router = Router.builder().stallTimeout(Duration.ofSeconds(10)).build()) {
            List<Context> pool = new CopyOnWriteArrayList<>();
            for (int i = 0; i < IN_PROCESS; i++) pool.add(startInProcess(router, pool));
            for (int i = 0; i < JVMS; i++) pool.add(router.local());
            long deadline = System.nanoTime() + length.toNanos();
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int id = w;
                Thread t = new Thread(() -> work(router, pool, id, deadline), "soak-worker-" + w);
                t.start();
                workers.add(t);
            }
            Random random = new Random(13);
            int maxThreads = 0, maxFds = 0;
            while (System.nanoTime() < deadline) {
                Thread.sleep(500 + random.nextInt(1500));
                Context victim = pool.get(random.nextInt(pool.size()));
                pool.remove(victim);
                if (victim.pid() != ProcessHandle.current().pid()) {
                    ProcessHandle.of(victim.pid()).ifPresent(ProcessHandle::destroyForcibly);
                } else {
                    victim.kill();
                }
                kills.incrementAndGet();
                pool.removeIf(c -> !c.isConnected()); // a killed in-process context takes its children with it
                while (pool.stream().filter(c -> c.pid() != ProcessHandle.current().pid()).count() < JVMS) {
                    pool.add(router.local());
                }
                while (pool.size() < IN_PROCESS + JVMS) pool.add(startInProcess(router, pool));
                maxThreads = Math.max(maxThreads, Usage.liveThreads());
                String[] fds = new File("/proc/self/fd").list();
                maxFds = Math.max(maxFds, fds == null ? 0 : fds.length);
            }
            for (Thread t : workers) t.join(120_000);
            peak = new Usage(maxThreads, maxFds, 0);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Usage after = Usage.now();
        for (int i = 0; i < 30 && (after.threads > before.threads + 2 || after.fds > before.fds + 2); i++) {
            Thread.sleep(1000); // writer threads end a second after their last write; killed children are reaped
            after = Usage.now();
        }
        System.out.printf("soak: %.0f s, %d calls (%.0f/s), %d values over channels, %.1f MB echoed, %d kills, "
                        + "%d calls ended by a kill; before: %s; peak: %d threads, %d fds; after: %s%n", seconds,
                calls.get(), calls.get() / seconds, channelValues.get(), bytes.get() / 1e6, kills.get(),
                killedCalls.get(), before, peak.threads, peak.fds, after);
        assertEquals(List.of(), new ArrayList<>(failures), "lost or misdelivered replies");
        assertTrue(calls.get() > 1000, "the soak made " + calls.get() + " calls");
        List<String> extra = Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> !threadsBefore.contains(e.getKey()) && !e.getKey().getName().equals("process reaper"))
                .map(e -> e.getKey().getName() + " " + java.util.Arrays.toString(e.getValue())).toList();
        System.out.printf("soak: %d JDK process reaper threads left (they end a minute after their last wait)%n",
                Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("process reaper")).count());
        if (!extra.isEmpty()) System.out.println("soak: threads left: " + extra);
        assertTrue(after.threads <= before.threads + 2, "threads: before " + before + ", after " + after + ": " + extra);
        assertTrue(after.fds <= before.fds + 2, "file descriptors: before " + before + ", after " + after);
        assertTrue(after.heap <= before.heap + (32 << 20), "heap: before " + before + ", after " + after);
    }

    /** An in-process context, a child of the master or, one time in three, of another in-process context. */
    private static Context startInProcess(Router router, List<Context> pool) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<Context> parents = pool.stream().filter(c -> c.pid() == ProcessHandle.current().pid() && c.isConnected())
                .toList();
        Context via = parents.isEmpty() || random.nextInt(3) != 0 ? null : parents.get(random.nextInt(parents.size()));
        try {
            return router.inProcess(null, via);
        } catch (JitogenError e) {
            return router.inProcess(); // the parent was killed meanwhile
        }
    }

    /** One worker: random calls of random kinds to random contexts until the deadline. */
    private void work(Router router, List<Context> pool, int worker, long deadline) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long token = (long) worker << 40;
        while (System.nanoTime() < deadline) {
            Context c;
            try {
                c = pool.get(random.nextInt(pool.size()));
            } catch (IndexOutOfBoundsException raced) {
                continue;
            }
            long t = ++token;
            int kind = random.nextInt(10);
            try {
                if (kind < 5) { // a call: the reply names the context that ran it and carries the token
                    long[] r = c.call((Long x) -> new long[]{Router.current().myId(), x}, t);
                    check(c, t, r, "call");
                } else if (kind < 8) { // pipelined calls, their replies in any order
                    List<Receiver<long[]>> rs = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        long x = t * 16 + i;
                        rs.add(c.callAsync((Long y) -> new long[]{Router.current().myId(), y}, x));
                    }
                    for (int i = 0; i < 10; i++) check(c, t * 16 + i, rs.get(i).get(Duration.ofSeconds(30)), "callAsync");
                } else if (kind < 9) { // a value sent back over a channel, then the call's own reply
                    try (Receiver<long[]> inbox = Receiver.create(router)) {
                        c.call((Sender<long[]> s, Long x) -> {
                            s.send(new long[]{Router.current().myId(), x});
                            return 0;
                        }, inbox.toSender(), t);
                        check(c, t, inbox.get(Duration.ofSeconds(30)), "channel");
                    }
                    channelValues.incrementAndGet();
                } else { // 64 KiB there and back
                    byte[] data = new byte[64 * 1024];
                    random.nextBytes(data);
                    byte[] back = c.call((byte[] d) -> d, data);
                    if (!java.util.Arrays.equals(data, back)) failures.add("echo from " + c + " came back changed");
                    bytes.addAndGet(2L * data.length);
                }
                calls.incrementAndGet();
            } catch (ChannelError e) {
                // allowed only if the context is really gone (killed itself, or one above it)
                try {
                    if (!c.awaitDisconnect(Duration.ofSeconds(10))) {
                        failures.add("ChannelError from " + c + ", which is still connected: " + e.getMessage());
                    }
                } catch (InterruptedException ie) {
                    return;
                }
                killedCalls.incrementAndGet();
            } catch (TimeoutError e) {
                failures.add("no reply from " + c + " (connected: " + c.isConnected() + ") within 30 s: " + e);
            } catch (RuntimeException e) {
                failures.add("call to " + c + " failed: " + e);
            }
        }
    }

    private void check(Context c, long token, long[] reply, String what) {
        if (reply == null || reply.length != 2 || reply[0] != c.id() || reply[1] != token) {
            failures.add(what + " to " + c + " with token " + token + " got " + java.util.Arrays.toString(reply));
        }
    }
}
