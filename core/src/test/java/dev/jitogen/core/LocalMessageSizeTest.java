package dev.jitogen.core;

import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The max message size holds for messages that never cross a stream (between handlers of one router, or sent by
 * the router's own context), not only for frames read from one: an oversize message is dropped with an error in the
 * log, and a dead reply goes to its reply_to. A value given to a {@link Sender} is refused sooner, as it is encoded.
 */
class LocalMessageSizeTest {
    @Test
    void anOversizeMessageBetweenHandlersOfOneRouterIsDroppedAndItsSenderHearsWhy() throws Exception {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).build(); LogCapture log = new LogCapture()) {
            Receiver<Object> target = Receiver.create(router);
            Receiver<Object> replies = Receiver.create(router);
            router.send(new Message(0, 0, 0, target.handle(), replies.handle(), new byte[100_000]));
            ChannelError e = assertThrows(ChannelError.class, () -> replies.get(Duration.ofSeconds(5)));
            assertTrue(e.getMessage().contains("message too large (max 65536 bytes)"), e.getMessage());
            assertThrows(TimeoutError.class, () -> target.get(Duration.ofMillis(200)), "never delivered");
            assertEquals(1, log.lines().stream().filter(l -> l.contains("message too large (max 65536 bytes)")).count(),
                    log.lines().toString());
            // a value sent with a Sender is refused as it is encoded: its sender hears why at once
            RuntimeException refused = assertThrows(RuntimeException.class, () -> target.toSender().send(new byte[100_000]));
            assertTrue(refused.getMessage().contains("over the max message size 65536"), refused.getMessage());
            assertThrows(TimeoutError.class, () -> target.get(Duration.ofMillis(200)), "never delivered");
        }
    }

    @Test
    void aChildSendingAnOversizeMessageLosesThatMessageNotItsStream() throws Exception {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).build(); LogCapture log = new LogCapture()) {
            Context child = router.local(LocalOptions.builder().name("child").build());
            Receiver<byte[]> inbox = Receiver.create(router);
            Sender<byte[]> toMaster = inbox.toSender();
            int me = child.id(), handle = inbox.handle();
            child.call(() -> {
                // hand-made: a Sender would refuse to encode it
                dev.jitogen.core.fixtures.RawFrames.write(0, me, me, handle, 0, new byte[100_000]);
                toMaster.send(new byte[]{42});
                return null;
            });
            // the receiver the lost message was for hears why, then the next message arrives
            ChannelError lost = assertThrows(ChannelError.class, () -> inbox.get(Duration.ofSeconds(5)));
            assertTrue(lost.getMessage().contains("over the max message size 65536"), lost.getMessage());
            assertArrayEquals(new byte[]{42}, inbox.get(Duration.ofSeconds(5)), "the small one arrives, alone");
            assertTrue(log.await("over the max message size", Duration.ofSeconds(5)) || log.await("message too large",
                    Duration.ofSeconds(1)), log.lines().toString());
            assertTrue(child.isConnected());
            assertEquals(1, child.call(() -> 1));
        }
    }
}
