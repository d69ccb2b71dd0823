package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Broker.defer and deferSync (Mitogen's): run a function on the broker thread; refuse to wait on an I/O thread. */
class BrokerTest {
    @Test
    void deferRunsFunctionsOnTheBrokerThreadInOrder() throws Exception {
        try (Router router = Router.create()) {
            Broker broker = router.broker();
            List<String> ran = new CopyOnWriteArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                broker.defer(() -> ran.add(n + (broker.isBrokerThread() ? " on the broker" : " elsewhere")));
            }
            assertEquals("done", broker.deferSync(() -> "done"), "runs after the ones deferred before it");
            assertEquals(List.of("0 on the broker", "1 on the broker", "2 on the broker", "3 on the broker",
                    "4 on the broker"), ran);
            assertFalse(broker.isBrokerThread());
        }
    }

    @Test
    void deferSyncReturnsTheResultAndThrowsTheFailure() {
        try (Router router = Router.create()) {
            Broker broker = router.broker();
            assertEquals(42, broker.deferSync(() -> 6 * 7));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> broker.deferSync(() -> {
                throw new IllegalStateException("failed on the broker");
            }));
            assertEquals("failed on the broker", e.getMessage());
            JitogenError checked = assertThrows(JitogenError.class, () -> broker.deferSync(() -> {
                throw new java.io.IOException("disk gone");
            }));
            assertInstanceOf(java.io.IOException.class, checked.getCause());
        }
    }

    @Test
    void onTheBrokerThreadDeferAndDeferSyncRunAtOnce() {
        try (Router router = Router.create()) {
            Broker broker = router.broker();
            List<String> order = broker.deferSync(() -> {
                List<String> o = new CopyOnWriteArrayList<>();
                broker.defer(() -> o.add("deferred"));
                o.add(broker.deferSync(() -> "nested"));
                o.add("after");
                return o;
            });
            assertEquals(List.of("deferred", "nested", "after"), order);
        }
    }

    @Test
    void deferSyncOnAStreamReaderThreadThrowsInsteadOfWaiting() throws Exception {
        try (Router router = Router.create()) {
            Context child = router.inProcess();
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            int handle = router.addHandler(m -> {
                try {
                    router.broker().deferSync(() -> 1);
                    seen.complete(null);
                } catch (Throwable t) {
                    seen.complete(t);
                }
            }, null, null, false);
            int master = router.myId();
            child.call(() -> {
                Router.current().send(master, handle, new byte[0]); // handled on the master's reader thread
                return null;
            });
            Throwable t = seen.get(10, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, t);
            assertTrue(t.getMessage().contains("must never wait"), t.getMessage());
            assertEquals(2, child.call(() -> 2), "the stream still works");
        }
    }

    @Test
    void deferSyncOnTheTimerThreadThrows() throws Exception {
        try (Router router = Router.create()) {
            Throwable t = router.broker().timer().schedule(() -> {
                try {
                    router.broker().deferSync(() -> 1);
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            }, 0, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
            assertInstanceOf(IllegalStateException.class, t);
        }
    }

    @Test
    void aClosedBrokerRefusesNewFunctions() {
        Router router = Router.create();
        router.close();
        assertThrows(IllegalStateException.class, () -> router.broker().defer(() -> {}));
        assertThrows(IllegalStateException.class, () -> router.broker().deferSync(() -> 1));
    }
}
