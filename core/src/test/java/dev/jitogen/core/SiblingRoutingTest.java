package dev.jitogen.core;

import dev.jitogen.core.fixtures.Mailbox;
import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;
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
    void aSiblingCallRefusedByUnidirectionalRoutingFailsSayingWhy() {
        try (Router router = Router.builder().unidirectional(true).build()) {
            Context a = router.local(), b = router.local();
            int bId = b.id();
            String outcome = a.call(() -> callSibling(bId, Duration.ofSeconds(20)));
            assertTrue(outcome.startsWith(ChannelError.class.getName()), outcome);
            assertTrue(outcome.contains("routing mode prevents forward of message from context " + a.id() + " to context "
                    + b.id() + " via context 0"), outcome);
        }
    }

    @Test
    void anInheritedUnidirectionalRefusalOneLevelDownFailsTheCallerToo() {
        try (Router router = Router.builder().unidirectional(true).build()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            Context g = router.local(LocalOptions.builder().via(box).build());
            Context h = router.local(LocalOptions.builder().via(box).build());
            int hId = h.id();
            String outcome = g.call(() -> callSibling(hId, Duration.ofSeconds(20)));
            assertTrue(outcome.contains("routing mode prevents forward of message from context " + g.id() + " to context "
                    + h.id() + " via context " + box.id()), outcome);
        }
    }

    @Test
    void aCallFromASiblingIsRefusedOnArrivalEvenWhileItsTargetIsBusy() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context a = router.local(), b = router.local(LocalOptions.builder().name("b").build());
            int bId = b.id();
            Receiver<Object> busy = b.callAsync(() -> {
                System.out.println("busy");
                Thread.sleep(30_000);
                return null;
            });
            assertTrue(log.await("[b] stdout: busy", Duration.ofSeconds(20)), log.lines().toString());
            String outcome = a.call(() -> callSibling(bId, Duration.ofSeconds(20)));
            assertTrue(outcome.startsWith(ChannelError.class.getName()), outcome);
            assertTrue(outcome.contains("refuses calls from context " + a.id()), outcome);
            b.kill();
            assertThrows(ChannelError.class, () -> busy.get(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aChildWaitingOnAContextInAnotherBranchHearsOfItsLossAtOnce() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context x = router.local(LocalOptions.builder().name("x").build());
            Context y = router.local(LocalOptions.builder().name("y").build());
            Context g = router.local(LocalOptions.builder().name("g").via(x).build());
            Context h = router.local(LocalOptions.builder().name("h").via(y).build());
            int hId = h.id();
            Sender<String> toH = h.call(Mailbox::open); // h takes messages there, and never answers them
            // g -> x -> master -> y -> h: g asks h and waits for h's reply
            Receiver<String> waiting = g.callAsync(() -> askAndWait(hId, toH, Duration.ofSeconds(30)));
            assertTrue(log.await("[g] stdout: asked", Duration.ofSeconds(20)), log.lines().toString());
            assertEquals("ping", h.call(() -> Mailbox.take(10_000)), "the question reached h");
            long killed = System.nanoTime();
            ProcessHandle.of(h.pid()).orElseThrow().destroyForcibly();
            String outcome = waiting.get(Duration.ofSeconds(60));
            System.out.printf("a cousin's loss reached the waiting child in %.0f ms%n", (System.nanoTime() - killed) / 1e6);
            assertTrue(outcome.startsWith(ChannelError.class.getName()), "not a timeout: " + outcome);
            assertTrue(outcome.contains("context " + hId + " disconnected"), outcome);
            assertEquals("g", g.call(() -> Router.current().myName()));
        }
    }

    /**
     * Run in a child: sends "ping" to {@code inbox} (in context {@code id}) with a reply handle bound to that context,
     * prints {@code asked}, and says how the wait for the reply ended.
     */
    static String askAndWait(int id, Sender<String> inbox, Duration timeout) {
        Router r = Router.current();
        Receiver<String> reply = new Receiver<>(r, Hostile.context(id, "h"), false);
        r.send(new Message(id, r.myId(), r.myId(), inbox.handle(), reply.handle(), r.encode(Receiver.VALUE, "ping")));
        System.out.println("asked");
        try {
            return reply.get(timeout);
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /**
     * Run in a child: calls context {@code id}, prints {@code calling} once the call is sent, and says how the call
     * ended: the exception's class and message, or its result.
     */
    static String callSibling(int id, Duration timeout) {
        try {
            Receiver<String> r = Hostile.context(id, "sibling").callAsync(() -> "answered");
            System.out.println("calling");
            return r.get(timeout);
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
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
