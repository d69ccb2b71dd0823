package dev.jitogen.shell;

import dev.jitogen.core.Context;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A hundred SSH contexts from one master: an inventory of 100 host entries, all 127.0.0.1 under different names, on
 * a loopback OpenSSH server whose limits are raised; {@code /connect --forks 20} opens them, {@code /on @fleet}
 * calls each, {@code /disconnect @fleet} closes them. Prints the wall times, the master's peak thread count and its
 * heap after GC with the hundred open; asserts only that everything worked and nothing was left.
 *
 * <p>A hundred child JVMs take minutes on a two-core machine, so this runs only with {@code -Djitogen.scale=true}:
 * {@code mvn -B -pl shell -am verify -Dtest=FleetScaleTest -Dsurefire.failIfNoSpecifiedTests=false -Djitogen.scale=true}.
 */
class FleetScaleTest extends ShellTestSupport {
    private static final int HOSTS = 100;
    private static LoopbackSshd sshd;
    private static Path inventory;

    @BeforeAll
    static void fleet() throws Exception {
        if (!Boolean.getBoolean("jitogen.scale")) System.out.println("FleetScaleTest skipped: run with -Djitogen.scale=true");
        assumeTrue(Boolean.getBoolean("jitogen.scale"), "a hundred SSH contexts: run with -Djitogen.scale=true");
        assumeTrue(LoopbackSshd.binary() != null, "no sshd binary");
        sshd = new LoopbackSshd();
        StringBuilder ini = new StringBuilder("[fleet]\n");
        for (int i = 1; i <= HOSTS; i++) ini.append(String.format(Locale.ROOT, "node%03d ansible_host=127.0.0.1%n", i));
        ini.append("[fleet:vars]\nansible_port=").append(sshd.port).append("\nansible_ssh_private_key_file=")
                .append(sshd.userKey).append('\n');
        inventory = sshd.dir.resolve("fleet.ini");
        Files.writeString(inventory, ini);
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) sshd.close();
    }

    @Test
    void aHundredSshContextsOpenWithTwentyForksAnswerAndClose() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        run("/inventory " + inventory);
        run("1"); // JShell warmed up: its threads are not the fleet's
        int atRest = threads.getThreadCount();
        threads.resetPeakThreadCount();

        long t0 = System.nanoTime();
        String connected = run("/connect fleet --forks 20 --check-host-keys ignore");
        long t1 = System.nanoTime();
        assertTrue(connected.startsWith(HOSTS + " connected, 0 failed"), connected);
        String called = run("/on @fleet ProcessHandle.current().pid()");
        long t2 = System.nanoTime();
        assertTrue(called.contains(HOSTS + " ok, 0 failed"), called);
        int open = threads.getThreadCount();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int peak = threads.getPeakThreadCount();

        run("/disconnect @fleet");
        long t3 = System.nanoTime();
        long left = shell.session.router().contexts().stream().filter(Context::isConnected).count();
        assertEquals(0, left, "every context was shut down");

        System.out.printf(Locale.ROOT, "FleetScaleTest: %d SSH contexts (OpenSSH on loopback, --forks 20): /connect %.1f s, "
                        + "/on %.2f s, /disconnect %.1f s, total %.1f s; master threads: %d at rest, %d with all open, "
                        + "peak %d; master heap after GC with all open: %.1f MB%n", HOSTS, (t1 - t0) / 1e9,
                (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t3 - t0) / 1e9, atRest, open, peak, heap / 1048576.0);
    }
}
