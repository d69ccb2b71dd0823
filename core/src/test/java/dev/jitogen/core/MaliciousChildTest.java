package dev.jitogen.core;

import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child JVM running hostile code writes hand-made frames onto its stream: each is refused and logged, and the
 * master, the child's siblings and the rest of the tree keep working. (Forged sources and calls upward are in
 * {@link TrustTest} and {@link SiblingRoutingTest}.)
 */
class MaliciousChildTest {
    @Test
    void aMessageToAHandleWaitingOnAnotherContextIsDropped() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context liar = router.local(), honest = router.local();
            Receiver<String> pending = honest.callAsync(() -> {
                Thread.sleep(1000);
                return "honest answer";
            });
            int handle = pending.handle(), me = liar.id();
            byte[] fake = router.encode(Receiver.VALUE, "injected");
            liar.call(() -> {
                RawFrames.write(0, me, me, handle, 0, fake); // its own id, but a handle that waits on another
                return null;
            });
            assertTrue(log.await("forged reply?", Duration.ofSeconds(5)), log.lines().toString());
            assertEquals("honest answer", pending.get(Duration.ofSeconds(10)));
            assertEquals(1, liar.call(() -> 1));
        }
    }

    @Test
    void aChildCannotClaimARouteToAnIdItWasNotGiven() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context thief = router.local(), victim = router.local();
            int me = thief.id(), stolen = victim.id();
            for (int id : new int[]{stolen, 4242}) {
                byte[] data = ByteBuffer.allocate(4).putInt(id).array();
                thief.call(() -> {
                    RawFrames.write(0, me, me, Handles.ADD_ROUTE, 0, data);
                    return null;
                });
            }
            assertTrue(log.await("refused ADD_ROUTE for context 4242", Duration.ofSeconds(5)), log.lines().toString());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("refused ADD_ROUTE for context " + stolen)));
            assertEquals(victim.name(), router.routes().get(stolen), "the victim's route is untouched");
            assertFalse(router.routes().containsKey(4242));
            assertEquals("still mine", victim.call(() -> "still mine"));
        }
    }

    @Test
    void onlyDirectChildrenGetContextIds() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context a = router.local();
            Context b = router.local(LocalOptions.builder().via(a).build());
            int me = b.id();
            byte[] count = ByteBuffer.allocate(4).putInt(1_000_000).array();
            b.call(() -> {
                RawFrames.write(0, me, me, Handles.ALLOCATE_ID, 5000, count); // past its parent, straight to the master
                return null;
            });
            assertTrue(log.await("refused ALLOCATE_ID", Duration.ofSeconds(5)), log.lines().toString());
            assertEquals(2, b.call(() -> 2));
        }
    }

    /**
     * A flood of headers claiming 1 GiB each, with no data behind them. One oversize message costs only itself (its
     * data is skipped), but skipping needs the bytes: the first header swallows the rest of the flood as its data
     * and then waits for the remaining gigabyte, which never comes. That is a stalled frame, and the stall timeout
     * (2 s here) closes the stream. So a flood of oversize frames loses its sender its stream, as before, only later:
     * after the stall timeout instead of at once, and without costing its parent any memory meanwhile.
     */
    @Test
    void aGrandchildFloodingOversizeFramesLosesOnlyItsOwnStream() throws Exception {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).stallTimeout(Duration.ofSeconds(2)).build();
             LogCapture log = new LogCapture()) {
            Context a = router.local(LocalOptions.builder().name("a").build());
            Context sibling = router.local(LocalOptions.builder().name("sibling").build());
            Context b = router.local(LocalOptions.builder().name("b").via(a).build());
            Context c = router.local(LocalOptions.builder().name("c").via(a).build());
            b.callNoReply(() -> {
                var raw = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                for (int i = 0; i < 1000; i++) {
                    ByteBuffer h = ByteBuffer.allocate(26);
                    h.putShort((short) 0x4A47).putInt(0).putInt(1).putInt(1).putInt(1000).putInt(0).putInt(1 << 30);
                    raw.write(h.array());
                }
                raw.flush();
            });
            assertTrue(b.awaitDisconnect(Duration.ofSeconds(15)), "a dropped the flooding stream");
            assertTrue(log.await("over the max message size 65536", Duration.ofSeconds(5)), log.lines().toString());
            assertTrue(log.await("stalled", Duration.ofSeconds(5)), log.lines().toString());
            assertFalse(router.routes().containsKey(b.id()), "DEL_ROUTE for b reached the master");
            assertEquals("a", a.call(() -> "a"));
            assertEquals("c", c.call(() -> "c"), "b's sibling under a is unaffected");
            assertEquals("sibling", sibling.call(() -> "sibling"));
        }
    }
}
