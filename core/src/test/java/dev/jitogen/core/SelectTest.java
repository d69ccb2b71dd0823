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
}
