package dev.jitogen.core;

import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Router.addHandler with Mitogen's policies and respondents. */
class HandlerTest {
    @Test
    void isImmediateChildAcceptsDirectChildrenOnly() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context a = router.local();
            Context b = router.local(LocalOptions.builder().via(a).build());
            LinkedBlockingQueue<Message> got = new LinkedBlockingQueue<>();
            int handle = router.addHandler(got::add, Router.HandlerPolicy.isImmediateChild(), null, true);
            a.call(() -> {
                Router.current().send(0, handle, "from a".getBytes());
                return null;
            });
            b.call(() -> {
                Router.current().send(0, handle, "from b".getBytes());
                return null;
            });
            Message first = got.poll(5, TimeUnit.SECONDS);
            assertNotNull(first);
            assertEquals("from a", new String(first.data));
            assertTrue(log.await("does not accept it", Duration.ofSeconds(5)), log.lines().toString());
            assertNull(got.poll(300, TimeUnit.MILLISECONDS), "b is a grandchild: refused");
        }
    }

    @Test
    void hasParentAuthorityRefusesChildren() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context a = router.local();
            LinkedBlockingQueue<Message> got = new LinkedBlockingQueue<>();
            int handle = router.addHandler(got::add, Router.HandlerPolicy.hasParentAuthority(), null, true);
            a.call(() -> {
                Router.current().send(0, handle, "upward".getBytes());
                return null;
            });
            assertTrue(log.await("does not accept it", Duration.ofSeconds(5)));
            assertNull(got.poll(200, TimeUnit.MILLISECONDS));
            router.delHandler(handle);
        }
    }

    @Test
    void aHandlerWithARespondentHearsOfItsLoss() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.local();
            LinkedBlockingQueue<Message> got = new LinkedBlockingQueue<>();
            router.addHandler(got::add, null, a, true);
            a.shutdown();
            Message m = got.poll(5, TimeUnit.SECONDS);
            assertNotNull(m);
            assertTrue(m.isDead(), m.toString());
        }
    }

    @Test
    void aRequestToAHandleNobodyListensOnComesBackDeadToItsReplyTo() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.local();
            a.call(() -> null);
            LinkedBlockingQueue<Message> got = new LinkedBlockingQueue<>();
            int replyTo = router.addHandler(got::add, null, a, false);
            router.send(a.id(), 987_654, replyTo, "anyone there?".getBytes());
            Message m = got.poll(30, TimeUnit.SECONDS);
            assertNotNull(m, "no dead reply: the request vanished");
            assertTrue(m.isDead(), m.toString());
            assertTrue(m.deadReason().contains("no handler for handle 987654"), m.deadReason());
            assertThrows(IllegalArgumentException.class, () -> router.send(a.id(), 987_654, dev.jitogen.core.wire.Handles.IS_DEAD, new byte[0]));
        }
    }
}
