package dev.jitogen.core;

import dev.jitogen.core.spi.Bootstrap;
import dev.jitogen.core.spi.ChildProcess;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Across a network the master sends the core bundle with the command, before the first stage says it is ready, so
 * that the bundle crosses the link while the remote JVM starts (ProcessConnection). The stand-in for the remote host
 * here is a real shell that starts Java only once the whole bundle has arrived, then hands it on: a master that
 * waited for the first stage's readiness first would wait forever, and the start would fail at its timeout.
 */
class EarlyBundleTest {
    @Test
    void overANetworkTheBundleGoesBeforeTheFirstStageIsReady() {
        int early = 4 + CoreBundle.get().compressed().length; // the length, then the packed and deflated bundle
        LocalOptions o = LocalOptions.defaults();
        String script = "d=$(mktemp -d) && head -c " + early + " > \"$d/early\" && "
                + "{ cat \"$d/early\"; rm -rf \"$d\"; exec cat; } | { " + Bootstrap.script(o.javaPath(), o.jvmFlags(), "early") + "; }";
        try (Router router = Router.create()) {
            Context c = router.start("early-bundle", "early-bundle", Duration.ofSeconds(20), false,
                    timeout -> network(ChildProcess.start(List.of("/bin/sh", "-c", script))));
            assertEquals(List.of(1, 4, 9), c.call(() -> List.of(1, 2, 3).stream().map(x -> x * x).toList()));
            assertTrue(c.bootBytes() > early, "the bundle went deflated, as over a network");
        }
    }

    /** {@code p} as if it ran on another host: its streams cross a network. */
    private static ChildProcess network(ChildProcess p) {
        return new ChildProcess() {
            @Override
            public OutputStream stdin() {
                return p.stdin();
            }

            @Override
            public InputStream stdout() {
                return p.stdout();
            }

            @Override
            public InputStream stderr() {
                return p.stderr();
            }

            @Override
            public long pid() {
                return p.pid();
            }

            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public void kill() {
                p.kill();
            }

            @Override
            public boolean waitFor(Duration timeout) throws InterruptedException {
                return p.waitFor(timeout);
            }

            @Override
            public Integer exitStatus() {
                return p.exitStatus();
            }

            @Override
            public boolean crossesNetwork() {
                return true;
            }
        };
    }
}
