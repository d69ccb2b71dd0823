package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Contexts that end are forgotten by the router (whoever still holds one can ask it how it ended), and Mitogen's
 * {@code disconnect} / {@code disconnect_all} end them on request.
 */
class DisconnectTest {
    @Test
    void theRouterForgetsClosedContextsButTheirObjectsStillAnswer() throws Exception {
        try (Router router = Router.create()) {
            Context kept = router.inProcess("kept", null);
            List<Context> ended = new ArrayList<>();
            for (int i = 0; i < 3; i++) ended.add(router.inProcess("ended" + i, null));
            ended.add(router.inProcess("below", kept));
            for (Context c : ended) assertEquals(c.name(), c.call(() -> Router.current().myName()));
            for (Context c : ended) c.shutdown();
            assertEquals(List.of(kept), router.contexts());
            for (Context c : ended) {
                assertNull(router.contextById(c.id()));
                assertFalse(router.routes().containsKey(c.id()));
                assertNull(router.sentTo(c.id()), "no record of the classes sent to it");
                assertFalse(c.isConnected());
                assertNotNull(c.exitDescription());
                ChannelError e = assertThrows(ChannelError.class, () -> c.call(() -> 1));
                assertTrue(e.getMessage().contains(c.name()), e.getMessage());
            }
            assertEquals("kept", kept.call(() -> Router.current().myName()));
        }
    }

    @Test
    void disconnectEndsADirectChildAndWhatItStarted() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.local(LocalOptions.builder().name("a").build());
            Context b = router.local(LocalOptions.builder().name("b").via(a).build());
            Context other = router.local(LocalOptions.builder().name("other").build());
            router.disconnect(a);
            assertFalse(a.isConnected(), "disconnected when disconnect returns");
            assertTrue(b.awaitDisconnect(Duration.ofSeconds(10)), "a's child goes with it");
            assertTrue(Processes.gone(a.pid(), Duration.ofSeconds(5)));
            assertTrue(Processes.gone(b.pid(), Duration.ofSeconds(5)));
            assertEquals(List.of(other), router.contexts());
            assertEquals(1, other.call(() -> 1));
        }
    }

    @Test
    void disconnectingAContextStartedThroughAnotherAsksItsParent() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.inProcess("a", null);
            Context b = router.inProcess("b", a);
            router.disconnect(b);
            assertFalse(b.isConnected(), "disconnected when disconnect returns");
            assertFalse(router.routes().containsKey(b.id()));
            assertEquals("a", a.call(() -> Router.current().myName()));
            assertTrue(a.call(() -> Router.current().contexts().isEmpty()), "a forgot b too");
        }
    }

    @Test
    void disconnectingAnUnknownOrEndedContextDoesNothing() {
        try (Router router = Router.create(); Router elsewhere = Router.create()) {
            Context a = router.inProcess("a", null);
            Context stranger = elsewhere.inProcess("stranger", null);
            Context ended = router.inProcess("ended", null);
            ended.shutdown();
            router.disconnect(stranger);
            router.disconnect(ended);
            router.disconnect(ended);
            router.disconnect(router.myself());
            assertTrue(stranger.isConnected());
            assertEquals(1, a.call(() -> 1));
            assertEquals(List.of(a), router.contexts());
        }
    }

    @Test
    void disconnectAllEndsEveryContextAndTheRouterGoesOn() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.inProcess("a", null), b = router.inProcess("b", null);
            Context below = router.inProcess("below", a);
            router.disconnectAll();
            assertFalse(a.isConnected());
            assertFalse(b.isConnected());
            assertTrue(below.awaitDisconnect(Duration.ofSeconds(10)));
            assertEquals(List.of(), router.contexts());
            assertEquals(2, router.inProcess().call(() -> 2), "the router starts contexts as before");
        }
    }
}
