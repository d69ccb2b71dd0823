package dev.jitogen.core;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** Closing a receiver: what Mitogen's own tests assert of {@code Receiver.close()}. */
class ReceiverTest {
    static Router router;

    @BeforeAll
    static void start() {
        router = Router.create();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    /** Waits until {@code t} is blocked (waiting), so that what follows happens while it waits. */
    static void awaitBlocked(Thread t) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < end, t.getName() + " never blocked: " + t.getState());
            Thread.sleep(5);
        }
    }

    @Test
    void closingWakesEveryThreadBlockedInGetWithChannelError() throws Exception {
        Receiver<String> r = Receiver.create(router);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                try {
                    r.get(Duration.ofSeconds(60));
                    failures.add(new AssertionError("get() returned"));
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "waiter-" + i);
            t.start();
            waiters.add(t);
        }
        for (Thread t : waiters) awaitBlocked(t);
        r.close();
        for (Thread t : waiters) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " is still blocked in get() after close()");
        }
        assertEquals(3, failures.size(), failures.toString());
        for (Throwable e : failures) {
            assertInstanceOf(ChannelError.class, e);
            assertEquals("the Receiver has been closed", e.getMessage());
        }
    }

    @Test
    void getOnAClosedReceiverFailsAtOnce() {
        Receiver<String> r = Receiver.create(router);
        r.toSender().send("dropped");
        r.close();
        ChannelError e = assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(30)));
        assertEquals("the Receiver has been closed", e.getMessage());
    }

    @Test
    void closingEndsAnIterationInProgressCleanly() throws Exception {
        Receiver<String> r = Receiver.create(router);
        Sender<String> s = r.toSender();
        List<String> got = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                for (String v : r) got.add(v);
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "iterating");
        reader.start();
        s.send("first");
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.isEmpty() && System.nanoTime() < end) Thread.sleep(5);
        awaitBlocked(reader);
        r.close();
        reader.join(10_000);
        assertFalse(reader.isAlive(), "the iteration did not end when the receiver was closed");
        assertEquals(List.of(), failures, "the iteration ends without an exception");
        assertEquals(List.of("first"), got);
    }

    @Test
    void closingACallsReceiverStillCountsTheCallUntilItsReplyArrives() throws Exception {
        try (Router r = Router.create()) {
            Context c = r.inProcess();
            Receiver<Integer> reply = c.callAsync(() -> {
                Thread.sleep(300);
                return 1;
            });
            reply.close();
            assertEquals(1, c.callsInFlight(), "the call still runs");
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.callsInFlight() > 0 && System.nanoTime() < end) Thread.sleep(10);
            assertEquals(0, c.callsInFlight(), "its reply ended it, though nobody took it");
            assertThrows(ChannelError.class, () -> reply.get(Duration.ofSeconds(1)));
        }
    }
}
