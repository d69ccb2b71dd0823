package dev.jitogen.core;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Select's rules, as Mitogen's select tests assert them; receivers are fed by senders in this JVM. */
class SelectTest {
    static Router router;

    @BeforeAll
    static void start() {
        router = Router.create();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void addingAReceiverOwnedByAnotherSelectFails() {
        Receiver<String> r = Receiver.create(router);
        try (Select first = new Select(List.of(r)); Select second = new Select()) {
            JitogenError e = assertThrows(JitogenError.class, () -> second.add(r));
            assertTrue(e.getMessage().contains("already owned by another Select"), e.getMessage());
            r.toSender().send("to the first");
            assertEquals("to the first", first.get(Duration.ofSeconds(10)).value(), "the first select still owns it");
        }
    }

    @Test
    void getOnAnEmptySelectFailsAtOnce() {
        try (Select select = new Select(List.of(), false)) {
            JitogenError e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> assertThrows(JitogenError.class, () -> select.get(null)));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
    }

    @Test
    void inOneshotModeAMemberIsRemovedAfterItsItem() {
        Receiver<String> a = Receiver.create(router), b = Receiver.create(router);
        a.toSender().send("a1");
        a.toSender().send("a2");
        List<Object> got = new ArrayList<>();
        try (Select select = new Select(List.of(a, b))) {
            b.toSender().send("b1");
            for (Select.Event e : select) got.add(e.value());
        }
        assertEquals(List.of("a1", "b1"), got, "one item from each member, then the select is empty");
        assertEquals("a2", a.get(Duration.ofSeconds(1)), "a's second item stays in a");
    }

    @Test
    void aCycleOfSelectsIsRefused() {
        try (Select outer = new Select(); Select middle = new Select(); Select inner = new Select()) {
            outer.add(middle);
            middle.add(inner);
            Select.SelectError e = assertThrows(Select.SelectError.class, () -> inner.add(outer));
            assertTrue(e.getMessage().contains("cycle"), e.getMessage());
            assertThrows(Select.SelectError.class, () -> outer.add(outer), "a select cannot hold itself");
        }
    }

    @Test
    void removingANonMemberFails() {
        Receiver<String> r = Receiver.create(router);
        try (Select select = new Select(List.of(), false); Select other = new Select(List.of(r))) {
            Select.SelectError e = assertThrows(Select.SelectError.class, () -> select.remove(r));
            assertTrue(e.getMessage().contains("not a member"), e.getMessage());
            other.remove(r);
            assertThrows(Select.SelectError.class, () -> other.remove(r), "removed already");
            select.add(r); // free again
        }
    }

    @Test
    void aRemovedMembersItemsStayInIt() {
        Receiver<String> r = Receiver.create(router);
        try (Select select = new Select(List.of(r), false)) {
            r.toSender().send("kept");
            select.remove(r);
            assertTrue(select.isEmpty());
            assertEquals("kept", r.get(Duration.ofSeconds(1)));
        }
    }

    @Test
    void selectsNestAndMixLatchesWithReceivers() throws Exception {
        Receiver<String> reply = Receiver.create(router);
        Latch<String> local = new Latch<>();
        Receiver<String> far = Receiver.create(router);
        List<Object> sources = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        try (Select inner = new Select(List.of(far)); Select outer = new Select(List.of(reply))) {
            outer.add(local);
            outer.add(inner);
            Thread t = new Thread(() -> local.put("from a thread"));
            t.start();
            t.join();
            reply.toSender().send("from a receiver");
            far.toSender().send("through the inner select");
            for (Select.Event e : outer) {
                sources.add(e.source());
                values.add(e.value());
            }
            assertTrue(inner.isEmpty() && outer.isEmpty());
        }
        assertEquals(List.of("from a thread", "from a receiver", "through the inner select"), values);
        assertSame(local, sources.get(0));
        assertSame(reply, sources.get(1));
        assertSame(far, sources.get(2), "an event names the innermost source");
    }

    @Test
    void closingASelectWakesAWaitingGetWithLatchError() throws Exception {
        Receiver<String> r = Receiver.create(router);
        Select select = new Select(List.of(r), false);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread waiter = new Thread(() -> {
            try {
                select.get(Duration.ofSeconds(60));
            } catch (Throwable e) {
                failures.add(e);
            }
        });
        waiter.start();
        ReceiverTest.awaitBlocked(waiter);
        select.close();
        waiter.join(10_000);
        assertFalse(waiter.isAlive());
        assertInstanceOf(Latch.LatchError.class, failures.get(0));
        try (Select next = new Select(List.of(r))) {
            assertFalse(next.isEmpty(), "a closed select gives its members back");
        }
    }

    @Test
    void aClosedMemberIsDroppedSoIterationEnds() throws Exception {
        Receiver<String> a = Receiver.create(router), b = Receiver.create(router);
        List<Object> got = new ArrayList<>();
        try (Select select = new Select(List.of(a, b))) {
            a.toSender().send("a");
            b.close();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (Select.Event e : select) got.add(e.value());
            });
        }
        assertEquals(List.of("a"), got);
    }

    @Test
    void aFailedItemRemovesItsMemberInOneshotMode() {
        Receiver<String> a = Receiver.create(router), b = Receiver.create(router);
        try (Select select = new Select(List.of(a, b))) {
            a.toSender().close(); // a dead message: ChannelError
            assertThrows(ChannelError.class, () -> select.get(Duration.ofSeconds(10)));
            b.toSender().send("b");
            assertEquals("b", select.get(Duration.ofSeconds(10)).value());
            assertTrue(select.isEmpty());
        }
    }
}
