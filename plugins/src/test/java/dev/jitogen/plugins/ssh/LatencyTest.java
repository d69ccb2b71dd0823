package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.Stats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Over a link with 25 ms each way, the first call of a lambda touching 30 classes the child lacks costs a fixed
 * number of class round trips, not one per class: the master sends what a class refers to along with it.
 */
class LatencyTest {
    @Test
    void firstCallTouchingThirtyClassesCostsAFixedNumberOfRoundTrips() throws Exception {
        // 50 ms round trip at a rate far above the machine's: a pure delay
        try (TestSshServer server = new TestSshServer();
             ShapedLink link = new ShapedLink("127.0.0.1", server.port(), 1L << 40, 50);
             Router router = Router.create()) {
            Context far = server.ssh().port(link.port()).connect(router);
            Stats before = router.stats();
            long t0 = System.nanoTime();
            int v = far.call(() -> Chain30.C0.v());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Stats after = router.stats();
            assertEquals(30, v);
            long trips = after.requests() - before.requests();
            System.out.println("LatencyTest: first call touching 30 classes over 50 ms RTT: " + trips
                    + " class round trip(s), " + (after.classesSent() - before.classesSent()) + " classes sent, " + ms + " ms");
            assertTrue(trips <= 2, trips + " class round trips for 30 classes");
        }
    }
}
