package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Against the real OpenSSH server: what users will meet. Skipped, saying why, only where no sshd exists. */
class OpenSshInteropTest {
    @Test
    void contextThroughOpenSshRunsAFunctionAndTheTimesAreReported() throws Exception {
        if (OpenSshServer.binary() == null) System.out.println("OpenSshInteropTest skipped: no sshd (apt-get install openssh-server)");
        assumeTrue(OpenSshServer.binary() != null, "no sshd binary");
        try (OpenSshServer sshd = new OpenSshServer(); Router router = Router.create()) {
            Context first = sshd.ssh().connect(router);
            assertEquals(System.getProperty("user.name"), first.call(() -> System.getProperty("user.name")));
            // informative numbers for the docs and the closing note; not a pass/fail criterion
            List<Double> open = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                Context c = sshd.ssh().connect(router);
                c.call(() -> null);
                open.add((System.nanoTime() - t0) / 1e6);
                c.shutdown();
            }
            for (int i = 0; i < 2000; i++) first.call(() -> null);
            long t1 = System.nanoTime();
            for (int i = 0; i < 2000; i++) first.call(() -> null);
            double rtt = (System.nanoTime() - t1) / 1e3 / 2000;
            Collections.sort(open);
            System.out.printf(Locale.ROOT, "OpenSSH loopback: open+first call median %.1f ms (min %.1f, max %.1f); "
                    + "no-op round trip %.1f us%n", open.get(2), open.get(0), open.get(4), rtt);
        }
    }
}
