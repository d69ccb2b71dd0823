package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A dead message (reply_to IS_DEAD) only ever ends a wait. The handlers of standard handles serve requests (ids,
 * routes, classes, log records, calls, cancels, shutdown), and none takes a dead message for one, whoever sends it
 * and whatever it carries.
 */
class DeadMessageTest {
    @Test
    void aDeadMessageIsNotAnIdRequest() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context child = router.local();
            int next = child.id() + 1; // where a block granted now would start
            child.call(() -> {
                Hostile.send(0, Handles.ALLOCATE_ID, Handles.IS_DEAD, Hostile.id(1000));
                Hostile.send(0, Handles.ADD_ROUTE, Handles.NO_REPLY, Hostile.id(next)); // claim it
                return null;
            });
            assertTrue(log.await("refused ADD_ROUTE for context " + next, Duration.ofSeconds(5)), log.lines().toString());
            assertFalse(router.routes().containsKey(next));
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("dropped dead message") && l.contains("handle "
                    + Handles.ALLOCATE_ID)), log.lines().toString());
        }
    }

    @Test
    void aDeadMessageIsNotARouteUpdate() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            Context child = router.local(LocalOptions.builder().via(box).build());
            int mine = child.id(), unused = child.id() + 1; // both in box's block
            box.call(() -> {
                Hostile.send(0, Handles.DEL_ROUTE, Handles.IS_DEAD, Hostile.id(mine));
                Hostile.send(0, Handles.ADD_ROUTE, Handles.IS_DEAD, Hostile.id(unused));
                return null;
            });
            // box's messages reach the master in order, before the reply to the call
            assertEquals("box", router.routes().get(mine), "a dead DEL_ROUTE removes nothing");
            assertFalse(router.routes().containsKey(unused), "a dead ADD_ROUTE adds nothing");
            assertEquals(2, log.lines().stream().filter(l -> l.contains("dropped dead message")).count(), log.lines().toString());
            assertEquals(1, child.call(() -> 1));
        }
    }

    @Test
    void aDeadMessageIsNeitherAClassRequestNorALogRecord() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context child = router.local(LocalOptions.builder().name("child").build());
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream record = new DataOutputStream(buf);
            record.writeInt(java.util.logging.Level.SEVERE.intValue());
            record.writeUTF("app");
            record.writeUTF("a forged record");
            byte[] forged = buf.toByteArray();
            long requests = router.stats().requests();
            child.call(() -> {
                Hostile.send(0, Handles.GET_CLASS, Handles.IS_DEAD, "dev.jitogen.core.fixtures.Shouter".getBytes());
                Hostile.send(0, Handles.FORWARD_LOG, Handles.IS_DEAD, forged);
                System.out.println("after the dead messages");
                return null;
            });
            assertTrue(log.await("[child] stdout: after the dead messages", Duration.ofSeconds(5)), log.lines().toString());
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("[child] app: a forged record")), log.lines().toString());
            assertEquals(2, log.lines().stream().filter(l -> l.contains("dropped dead message")).count(), log.lines().toString());
            assertEquals(requests, router.stats().requests(), "no class was served for it");
        }
    }

    @Test
    void aDeadReplySentToTheShutdownHandleDoesNotEndTheContext() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context child = router.local(LocalOptions.builder().name("child").build());
            // a message to a handle the master does not have, whose reply_to names SHUTDOWN: the master's dead
            // reply arrives at the child's SHUTDOWN handle carrying the master's authority
            child.call(() -> {
                Hostile.send(0, 999_999, Handles.SHUTDOWN, new byte[0]);
                return null;
            });
            assertTrue(log.await("dropped dead message", Duration.ofSeconds(5)), log.lines().toString());
            assertTrue(child.isConnected());
            assertEquals(2, child.call(() -> 2));
        }
    }

    @Test
    void aDeadMessageFromTheParentIsNeitherACallNorACancel() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context child = router.local(LocalOptions.builder().name("child").build());
            assertNull(child.call(() -> System.getProperty("dead.call.ran")));
            RemoteCallable<Object> mark = () -> System.setProperty("dead.call.ran", "yes");
            byte[] call = router.encode(Receiver.VALUE, CallSpec.of(mark));
            router.send(new Message(child.id(), 0, 0, Handles.CALL_FUNCTION, Handles.IS_DEAD, call));
            Receiver<String> running = child.callAsync(() -> {
                Thread.sleep(1500);
                return "finished";
            });
            Thread.sleep(500);
            byte[] handle = java.nio.ByteBuffer.allocate(4).putInt(running.handle()).array();
            router.send(new Message(child.id(), 0, 0, Handles.CANCEL, Handles.IS_DEAD, handle));
            assertEquals("finished", running.get(Duration.ofSeconds(10)), "not interrupted");
            assertNull(child.call(() -> System.getProperty("dead.call.ran")), "not run");
            assertEquals(2, log.lines().stream().filter(l -> l.contains("dropped dead message")).count(), log.lines().toString());
        }
    }
}
