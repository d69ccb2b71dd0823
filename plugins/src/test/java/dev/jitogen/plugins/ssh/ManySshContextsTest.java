package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sixteen SSH contexts (thirty with {@code -Djitogen.scale=true}) to a real OpenSSH sshd on loopback (MaxStartups and MaxSessions raised in its throwaway
 * config): each is called, then the master's threads and heap are measured at rest, and all are closed. The figures
 * are printed for the docs; the test asserts only that threads do not grow with the number of contexts.
 */
class ManySshContextsTest {
    static final int CONTEXTS = Boolean.getBoolean("jitogen.scale") ? 30 : 16;

    @Test
    void manyContextsOpenedTenAtOnceCostTheMasterNoThreadEach() throws Exception {
        assumeTrue(OpenSshServer.binary() != null, "no sshd binary");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (OpenSshServer sshd = new OpenSshServer(List.of("MaxStartups 100", "MaxSessions 100"));
             Router router = Router.create()) {
            sshd.ssh().connect(router).shutdown(); // the MINA client and the router's own threads exist from here
            Thread.sleep(1500); // a writer thread ends a second after its last write
            long heapBefore = heapAfterGc(memory);
            int before = threads.getThreadCount();
            threads.resetPeakThreadCount();
            ExecutorService pool = Executors.newFixedThreadPool(10);
            List<Future<Context>> opening = new ArrayList<>();
            for (int i = 0; i < CONTEXTS; i++) opening.add(pool.submit(() -> sshd.ssh().connect(router)));
            List<Context> contexts = new ArrayList<>();
            for (Future<Context> f : opening) contexts.add(f.get());
            pool.shutdown();
            for (Context c : contexts) assertEquals(c.pid(), c.call(() -> ProcessHandle.current().pid()));
            Thread.sleep(1500);
            int atRest = threads.getThreadCount(), peak = threads.getPeakThreadCount();
            long heap = heapAfterGc(memory);
            double perContext = (atRest - before) / (double) CONTEXTS;
            System.out.printf(Locale.ROOT, "%d SSH contexts: master threads %d before, %d at rest (%.2f per context), "
                            + "peak %d (10 opening at once); heap after GC %.1f MB before, %.1f MB after (%.0f KB per "
                            + "context); core bundle %d bytes per context%n", CONTEXTS, before, atRest, perContext, peak,
                    heapBefore / 1e6, heap / 1e6, (heap - heapBefore) / 1e3 / CONTEXTS, Router.coreBundleBytes());
            assertTrue(atRest - before <= 10, (atRest - before) + " more threads at rest for " + CONTEXTS + " contexts");
            for (Context c : contexts) c.shutdown();
        }
    }

    private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
