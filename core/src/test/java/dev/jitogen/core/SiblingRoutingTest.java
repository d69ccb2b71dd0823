package dev.jitogen.core;

import dev.jitogen.core.fixtures.Mailbox;
import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** Messages between any two contexts of the tree, unless the router is unidirectional. */
class SiblingRoutingTest {
    @Test
    void siblingsInDifferentSubtreesReachEachOther() {
        try (Router router = Router.create()) {
            Context x = router.local(), y = router.local();
            Context a = router.local(LocalOptions.builder().via(x).build());
            Context b = router.local(LocalOptions.builder().via(y).build());
            Sender<String> toB = b.call(Mailbox::open);
            a.call(() -> {
                toB.send("hello from " + Router.current().myId());
                return null;
            });
            assertEquals("hello from " + a.id(), b.call(() -> Mailbox.take(5000)), "a -> x -> master -> y -> b");
        }
    }

    @Test
    void unidirectionalRoutersRefuseTrafficBetweenChildren() throws Exception {
        try (Router router = Router.builder().unidirectional(true).build(); LogCapture log = new LogCapture()) {
            Context a = router.local(), b = router.local();
            Sender<String> toB = b.call(Mailbox::open);
            a.call(() -> {
                toB.send("should not arrive");
                return null;
            });
            assertTrue(log.await("unidirectional", Duration.ofSeconds(5)), log.lines().toString());
            CallError e = assertThrows(CallError.class, () -> b.call(() -> Mailbox.take(300)));
            assertEquals(TimeoutError.class.getName(), e.remoteClassName());
            assertEquals(2, a.call(() -> 2), "parent<->child traffic still flows");
        }
    }

    @Test
    void aChildCannotCallFunctionsUpward() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context c = router.local();
            byte[] call = router.encode(Receiver.VALUE, CallSpec.ofStatic("java.lang.System", "exit", 3));
            int me = c.id();
            c.call(() -> {
                RawFrames.write(0, me, me, Handles.CALL_FUNCTION, 0, call);
                return null;
            });
            Thread.sleep(300);
            assertEquals(1, c.call(() -> 1), "the master did not run it (and is alive); the child still works");
        }
    }
}
