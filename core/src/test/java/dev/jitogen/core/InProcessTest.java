package dev.jitogen.core;

import dev.jitogen.core.fixtures.Inbox;
import dev.jitogen.core.fixtures.Relayed;
import dev.jitogen.core.fixtures.Shouter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** In-process contexts: a router and class loader of their own in this JVM, linked by in-memory streams. */
class InProcessTest {
    @Test
    void anInProcessContextFetchesUserClassesLikeAChildJvm() {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            assertEquals("in-process", c.name());
            assertEquals("HI!", c.call(() -> Shouter.shout("hi")));
            assertEquals("jitogen:in-process", c.call(() -> Shouter.class.getClassLoader().getName()),
                    "user classes come from the master through the stream, not from the class path");
            assertEquals(Router.class.getClassLoader().getName(), c.call(() -> Router.class.getClassLoader().getName()),
                    "Jitogen's own classes are the JVM's");
            assertEquals(c.id(), (int) c.call(() -> Router.current().myId()), "a function finds its own router");
            assertEquals(c.id(), (int) c.call(() -> Router.current().myself().id()));
            assertEquals(0, router.myself().id());
            assertTrue(router.stats().classesSent() > 0);
            c.shutdown();
            assertFalse(c.isConnected());
            assertEquals(1, router.inProcess().call(() -> 1));
        }
    }

    @Test
    void aCallFailureAndAHungCallBehaveAsInAChildJvm() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> Integer.parseInt("x")));
            assertEquals("java.lang.NumberFormatException", e.remoteClassName());
            Receiver<Object> hung = c.callAsync(() -> {
                Thread.sleep(60_000);
                return null;
            });
            Thread.sleep(100);
            c.shutdown();
            assertThrows(ChannelError.class, () -> hung.get(Duration.ofSeconds(1)));
        }
    }

    @Test
    void twentyLevelsDeepEveryLevelAnswersAndEachClassCrossesEachHopOnce() {
        Stats oneHop;
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            assertTrue(c.call(Relayed::where).endsWith("in-process"));
            oneHop = router.stats();
        }
        try (Router router = Router.create()) {
            List<Context> chain = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                chain.add(router.inProcess("ip" + i, i == 0 ? null : chain.get(i - 1)));
            }
            Context deepest = chain.get(19);
            assertEquals("loaded by jitogen:ip19", deepest.call(Relayed::where));
            Stats master = router.stats();
            // one hop: the classes go with the call; 20 hops: the deepest asks once and each level passes it on
            assertEquals(0, oneHop.requests(), oneHop.toString());
            assertEquals(1, master.requests(),
                    "20 hops cost the master one request: intermediates asked once and kept what they relayed");
            assertEquals(oneHop.classesSent(), master.classesSent(), "the same classes left the master either way");
            for (int i = 0; i < 19; i++) {
                int level = i;
                Stats relayed = chain.get(i).call(() -> Router.current().stats());
                assertEquals(master.requests(), relayed.forwarded(),
                        "level " + level + " asked its parent once per class, as the master was asked");
            }
            // every level answers, each running in its own context, and none needs the master for Relayed again
            for (int i = 0; i < 20; i++) {
                Context c = chain.get(i);
                assertEquals("loaded by jitogen:ip" + i, c.call(Relayed::where));
                assertEquals(c.id(), (int) c.call(() -> Router.current().myId()));
            }
            assertEquals(master.classesSent(), router.stats().classesSent(), "no class went down a stream twice");
            assertEquals("ip0", router.routes().get(deepest.id()), "the master reaches level 19 through level 0");
            // ids were given out in blocks by the master: every context has a distinct one
            assertEquals(20, chain.stream().mapToInt(Context::id).distinct().count());
        }
    }

    @Test
    void manyContextsRouteMessagesBetweenRandomPairsWithoutLossOrMisrouting() {
        // 150 contexts and 15,000 messages in every build; -Dsoak runs 500 and 100,000
        boolean soak = System.getProperty("soak") != null;
        int count = soak ? 500 : 150, each = soak ? 200 : 100;
        Random random = new Random(42);
        try (Router router = Router.create()) {
            List<Context> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Context via = i < 5 ? null : all.get(random.nextInt(all.size()));
                all.add(router.inProcess("n" + i, via));
            }
            List<Sender<int[]>> senders = new ArrayList<>();
            for (Context c : all) senders.add(c.call(Inbox::open));
            // each context sends its messages to random others
            Map<Integer, Map<Integer, Integer>> expected = new HashMap<>();
            List<Receiver<Integer>> sending = new ArrayList<>();
            for (Context from : all) {
                List<Sender<int[]>> targets = new ArrayList<>();
                for (int k = 0; k < each; k++) {
                    int to = random.nextInt(all.size());
                    targets.add(senders.get(to));
                    expected.computeIfAbsent(all.get(to).id(), x -> new TreeMap<>()).merge(from.id(), 1, Integer::sum);
                }
                sending.add(from.callAsync(() -> Inbox.sendAll(targets)));
            }
            for (Receiver<Integer> r : sending) assertEquals(each, (int) r.get(Duration.ofSeconds(60)));
            List<Receiver<Map<Integer, Integer>>> receiving = new ArrayList<>();
            for (Context c : all) {
                int n = expected.getOrDefault(c.id(), Map.of()).values().stream().mapToInt(Integer::intValue).sum();
                receiving.add(c.callAsync(() -> Inbox.receive(n, 30_000)));
            }
            long total = 0;
            for (int i = 0; i < all.size(); i++) {
                Map<Integer, Integer> got = receiving.get(i).get(Duration.ofSeconds(60));
                assertEquals(expected.getOrDefault(all.get(i).id(), Map.of()), got, "inbox of " + all.get(i).name());
                total += got.values().stream().mapToInt(Integer::intValue).sum();
            }
            assertEquals((long) count * each, total);
        }
    }
}
