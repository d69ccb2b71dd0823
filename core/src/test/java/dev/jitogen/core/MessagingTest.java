package dev.jitogen.core;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Receivers, senders, selects, latches and call chains: Mitogen's messaging API, Java-shaped. */
class MessagingTest {
    static Router router;
    static Context one, two;

    @BeforeAll
    static void start() {
        router = Router.create();
        one = router.local();
        two = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void aRemoteFunctionStreamsResultsBackThroughASender() {
        Receiver<Integer> results = Receiver.create(router);
        Sender<Integer> sender = results.toSender();
        one.callNoReply(() -> {
            for (int i = 0; i < 5; i++) sender.send(i * i);
            sender.close();
        });
        List<Integer> got = new ArrayList<>();
        for (int v : results) got.add(v);
        assertEquals(List.of(0, 1, 4, 9, 16), got);
    }

    @Test
    void selectYieldsValuesAsTheyArrive() {
        Receiver<String> slow = one.callAsync(() -> {
            Thread.sleep(600);
            return "slow";
        });
        Receiver<String> fast = two.callAsync(() -> "fast");
        List<String> order = new ArrayList<>();
        try (Select select = new Select(List.of(slow, fast))) {
            for (Select.Event e : select) order.add(e.receiver().respondent().name() + ":" + e.value());
        }
        assertEquals(List.of(two.name() + ":fast", one.name() + ":slow"), order);
    }

    @Test
    void selectAllCollectsOneValueFromEach() {
        List<Object> values = Select.all(List.of(one.callAsync(() -> 1), two.callAsync(() -> 2)));
        assertEquals(List.of(1, 2), values);
    }

    @Test
    void aLatchHandsValuesBetweenThreadsAndCloses() throws Exception {
        Latch<String> latch = new Latch<>();
        Thread t = new Thread(() -> latch.put("hello"));
        t.start();
        assertEquals("hello", latch.get(Duration.ofSeconds(5)));
        assertThrows(TimeoutError.class, () -> latch.get(Duration.ofMillis(50)));
        latch.close();
        assertThrows(Latch.LatchError.class, latch::get);
    }

    /** Child-side state for the chain test. */
    static final class Steps {
        static final List<String> done = new ArrayList<>();
    }

    @Test
    void aFailureInAChainStopsTheLaterCallsUntilReset() {
        CallChain chain = new CallChain(one);
        chain.callNoReply(() -> Steps.done.add("copy"));
        chain.callNoReply(() -> {
            throw new IllegalStateException("chmod failed");
        });
        chain.callNoReply(() -> Steps.done.add("restart"));
        CallError e = assertThrows(CallError.class, () -> chain.call(() -> new ArrayList<>(Steps.done)));
        assertTrue(e.getMessage().contains("chmod failed"), e.getMessage());
        chain.reset();
        assertEquals(List.of("copy"), chain.call(() -> new ArrayList<>(Steps.done)), "restart never ran");
    }

    @Test
    void contextsAreFoundById() {
        assertSame(one, router.contextById(one.id()));
        assertNull(router.contextById(9999));
    }
}
