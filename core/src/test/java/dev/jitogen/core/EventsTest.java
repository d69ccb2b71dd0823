package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Named events and their listeners (Mitogen's listen / fire / unlisten), the disconnect event among them. */
class EventsTest {
    @Test
    void listenersRunInOrderOnAThreadOfTheirOwnAndFireDoesNotWaitForThem() throws Exception {
        Events<String> events = new Events<>("job");
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1), done = new CountDownLatch(2);
        events.listen("ready", s -> {
            await(release);
            seen.add("first " + s + " on " + Thread.currentThread().getName());
            done.countDown();
        });
        events.listen("ready", s -> {
            seen.add("second " + s);
            done.countDown();
        });
        events.fire("ready"); // returns although the first listener waits
        release.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(2, seen.size());
        assertTrue(seen.get(0).startsWith("first job on jitogen-event-ready"), seen.get(0));
        assertEquals("second job", seen.get(1));
    }

    @Test
    void unlistenRemovesAListenerAndAFailingListenerDoesNotStopTheNext() throws Exception {
        Events<String> events = new Events<>("job");
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        Consumer<String> removed = s -> seen.add("removed");
        events.listen("tick", removed);
        events.listen("tick", s -> {
            throw new IllegalStateException("a broken listener");
        });
        events.listen("tick", s -> done.countDown());
        assertTrue(events.unlisten("tick", removed));
        assertFalse(events.unlisten("tick", removed), "not there any more");
        events.fire("tick");
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of(), seen);
        assertEquals(2, events.listenerCount("tick"));
    }

    @Test
    void aContextFiresDisconnectOffTheIoThreadsAndALateListenerRunsAtOnce() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            List<String> threads = new CopyOnWriteArrayList<>();
            CountDownLatch heard = new CountDownLatch(3);
            Consumer<Context> listener = gone -> {
                threads.add(Thread.currentThread().getName() + (Stream.isReaderThread() ? " (a reader!)" : ""));
                assertSame(c, gone);
                assertFalse(gone.isConnected());
                heard.countDown();
            };
            c.events().listen(Context.DISCONNECT, listener);
            c.onDisconnect(listener);
            c.shutdown();
            assertTrue(c.awaitDisconnect(Duration.ofSeconds(10)));
            c.events().listen(Context.DISCONNECT, listener); // after the fact: runs at once
            assertTrue(heard.await(10, TimeUnit.SECONDS), threads.toString());
            for (String t : threads) assertTrue(t.startsWith("jitogen-event-disconnect"), t);
            assertEquals(0, c.events().listenerCount(Context.DISCONNECT), "a fired-for-good event keeps no listeners");

            // a context whose events nobody asked for until it had ended (they are made on first use)
            Context late = router.inProcess();
            late.shutdown();
            assertTrue(late.awaitDisconnect(Duration.ofSeconds(10)));
            CountDownLatch lateHeard = new CountDownLatch(2);
            late.onDisconnect(gone -> lateHeard.countDown());
            late.events().listen(Context.DISCONNECT, gone -> lateHeard.countDown());
            assertTrue(lateHeard.await(10, TimeUnit.SECONDS), "a listener of an ended context runs at once");
        }
    }

    @Test
    void onlyJitogenFiresDisconnectButAContextTakesEventsOfOtherNames() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.events().fire(Context.DISCONNECT));
            assertTrue(e.getMessage().contains("fired by Jitogen only"), e.getMessage());
            CountDownLatch heard = new CountDownLatch(1);
            c.events().listen("deployed", ctx -> heard.countDown());
            c.events().fire("deployed");
            assertTrue(heard.await(10, TimeUnit.SECONDS));
            assertTrue(c.isConnected());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
