package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Many threads make their first calls at once to a new context and to a context behind it, so the master pushes a
 * class to the first while the second's request for it passes through: whatever the order, every call finds its
 * classes. (Found by the soak test: "already sent" could overtake the class itself, and the relay in between then
 * told the grandchild the class was missing, for good.)
 */
class ConcurrentFirstCallsTest {
    @Test
    void firstCallsFromManyThreadsToAContextAndItsChildAllFindTheirClasses() throws Exception {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 40; round++) {
            try (Router router = Router.create()) {
                Context parent = router.inProcess("p", null);
                Context child = router.inProcess("g", parent);
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<Void>> threads = new ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    Context target = t % 3 == 0 ? parent : child;
                    threads.add(CompletableFuture.runAsync(() -> {
                        try {
                            go.await();
                            for (int i = 0; i < 3; i++) {
                                int id = target.call(() -> Router.current().myId());
                                if (id != target.id()) failures.add("call to " + target + " ran in " + id);
                            }
                        } catch (Exception e) {
                            failures.add(target + ": " + e);
                        }
                    }, command -> new Thread(command).start()));
                }
                go.countDown();
                for (CompletableFuture<Void> f : threads) f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), new ArrayList<>(failures));
    }
}
