package dev.jitogen.core;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child's idle main thread reads its parent stream itself (the stream's read role, see
 * {@link dev.jitogen.core.stream.Stream}) and gives the role back before it runs a call: what a call does, however
 * long it blocks, never stops the frames behind it from being read.
 */
class ReadRoleTest {
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
    void aCancelReachesACallHungInUserCode() throws Exception {
        Context c = router.local();
        try {
            Receiver<String> running = Receiver.create(router);
            Sender<String> tell = running.toSender();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    c.call(() -> {
                        tell.send("running");
                        Thread.sleep(Long.MAX_VALUE);
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            caller.start();
            assertEquals("running", running.get());
            caller.interrupt(); // the caller asks the child to interrupt the call: a CANCEL on the parent stream
            caller.join();
            assertInstanceOf(JitogenError.class, failure.get());
            // calls run one at a time: this one runs only once the CANCEL was read while the hung call ran
            assertEquals(42, c.call(() -> 6 * 7));
        } finally {
            c.shutdown();
        }
    }

    @Test
    void aCallHungInAnIntermediateDoesNotStopTrafficThroughIt() throws Exception {
        Context via = router.local(LocalOptions.builder().name("hung-via").build());
        Context leaf = router.local(LocalOptions.builder().via(via).name("behind-hung").build());
        try {
            Receiver<String> running = Receiver.create(router);
            Sender<String> tell = running.toSender();
            Receiver<Object> hung = via.callAsync(() -> {
                tell.send("running");
                Thread.sleep(Long.MAX_VALUE);
                return null;
            });
            assertEquals("running", running.get());
            // every frame for the leaf crosses the intermediate's parent stream while its main thread is in user code
            for (int i = 0; i < 200; i++) assertEquals(i + 1, leaf.call((Integer n) -> n + 1, i));
            assertEquals(leaf.pid(), leaf.call(() -> ProcessHandle.current().pid()));
            hung.close();
        } finally {
            via.shutdown();
        }
    }

    @Test
    void aCallThatStartsAndCallsAContextOfItsOwnFetchesItsClassesThroughTheBusyParent() {
        Context c = router.local();
        try {
            // the child's main thread waits in user code for its in-process child, whose classes come from the
            // master over the child's parent stream
            String said = c.call(() -> {
                Context inner = Router.current().inProcess("inner", null);
                try {
                    return inner.call(() -> "inner " + Router.current().myName());
                } finally {
                    inner.shutdown();
                }
            });
            assertEquals("inner inner", said);
        } finally {
            c.shutdown();
        }
    }

    @Test
    void aBurstOfCallsIsAnsweredInOrder() {
        Context c = router.local();
        try {
            for (int round = 0; round < 3; round++) {
                List<Receiver<Integer>> replies = new ArrayList<>();
                for (int i = 0; i < 3000; i++) replies.add(c.callAsync((Integer n) -> n * 2, i));
                for (int i = 0; i < replies.size(); i++) assertEquals(2 * i, replies.get(i).get());
                assertEquals("one", c.call(() -> "one")); // and a single call after the burst
            }
        } finally {
            c.shutdown();
        }
    }

    @Test
    void callsFromManyThreadsAllGetTheirOwnReplies() throws Exception {
        Context c = router.local();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 100_000;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        int n = base + i;
                        if (c.call((Integer x) -> x, n) != n) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : done) assertTrue(f.get());
        } finally {
            pool.shutdownNow();
            c.shutdown();
        }
    }

    @Test
    void anInProcessContextsMainThreadReadsItsCallsToo() {
        Context outer = router.inProcess("outer-rr", null);
        Context inner = router.inProcess("inner-rr", outer);
        try {
            for (int i = 0; i < 500; i++) assertEquals(i, inner.call((Integer n) -> n, i));
            assertEquals("inner-rr", inner.call(() -> Router.current().myName()));
        } finally {
            outer.shutdown();
        }
    }
}
