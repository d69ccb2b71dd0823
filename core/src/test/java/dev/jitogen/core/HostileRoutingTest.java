package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Context ids and routes against a hostile child: ids never wrap or repeat, the parent sets the block size and a
 * child's part of the tree gets a bounded number of blocks, and no child can claim, reuse or remove a route that is
 * not its own. Each attack is played by code in a real child JVM sending messages through its own router.
 */
class HostileRoutingTest {
    @Test
    void aFloodOfIdRequestsIsCutOffBeforeTheCounterCanWrapAndHijackTheNextContext() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            Context attacker = router.local(LocalOptions.builder().name("attacker").build());
            // 43,000 asks for 100,000 ids: past 2^32 if granted, so the attacker would hold blocks covering every id
            long[] flood = attacker.call(() -> Hostile.floodAllocateId(43_000, 100_000));
            int next = (int) flood[3];
            // the id the master will give next (box's next child's, once box asks for a block): claim it
            attacker.call(() -> {
                Hostile.send(0, Handles.ADD_ROUTE, Handles.NO_REPLY, Hostile.id(next));
                return null;
            });
            assertTrue(log.await("refused ADD_ROUTE for context " + next, Duration.ofSeconds(5)), log.lines().toString());
            Context victim = router.local(LocalOptions.builder().name("victim").via(box).build());
            assertEquals("box", router.routes().get(victim.id()), "the new context is reached through box, not the attacker");
            assertEquals("victim", victim.call(() -> Router.current().myName()));
            assertEquals(Router.MAX_BLOCKS_PER_CHILD, flood[0], "a child's part of the tree gets a bounded number of blocks");
            assertEquals(43_000 - Router.MAX_BLOCKS_PER_CHILD, flood[1], "every request beyond it is refused");
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("refused ALLOCATE_ID from attacker")), log.lines().toString());
            assertTrue(log.lines().stream().filter(l -> l.contains("refused ALLOCATE_ID")).count() < 100,
                    "refusals are logged, not 33,000 times");
            System.out.printf("id flood: first refusal after %.0f ms%n", flood[4] / 1e6);
            assertEquals(3, router.local().call(() -> 3), "the master still starts contexts");
        }
    }

    @Test
    void theParentSetsTheBlockSizeWhateverTheChildAsksFor() {
        try (Router router = Router.create()) {
            Context greedy = router.local();
            long[] got = greedy.call(() -> Hostile.floodAllocateId(1, 100_000));
            assertEquals(1, got[0]);
            assertEquals(Router.ID_BLOCK, got[2]);
        }
    }

    @Test
    void anIdIsNeverRoutedTwice() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            Context child = router.local(LocalOptions.builder().via(box).build());
            int used = child.id();
            child.shutdown();
            assertFalse(router.routes().containsKey(used));
            box.call(() -> {
                Hostile.send(0, Handles.ADD_ROUTE, Handles.NO_REPLY, Hostile.id(used)); // box's own id, once more
                return null;
            });
            assertTrue(log.await("refused ADD_ROUTE for context " + used, Duration.ofSeconds(5)), log.lines().toString());
            assertFalse(router.routes().containsKey(used));
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("never reused")), log.lines().toString());
        }
    }

    @Test
    void whenIdsRunOutTheyAreRefusedNeverWrapped() throws Exception {
        try (Router router = Router.create()) {
            Context box = router.inProcess("box", null);
            setNextContextId(router, Integer.MAX_VALUE - 1);
            Context last = router.inProcess("last", null);
            assertEquals(Integer.MAX_VALUE - 1, last.id());
            StreamError e = assertThrows(StreamError.class, () -> router.inProcess("one-too-many", null));
            assertTrue(e.getMessage().contains("no context ids left"), e.getMessage());
            StreamError via = assertThrows(StreamError.class, () -> router.inProcess("below", box));
            assertTrue(via.getMessage().contains("no context ids left"), via.getMessage());
            assertEquals(1, last.call(() -> 1), "the contexts that have ids go on");
        }
    }

    @Test
    void aGrandchildCannotRemoveItsSiblingsRoute() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            Context mole = router.local(LocalOptions.builder().name("mole").via(box).build());
            Context sibling = router.local(LocalOptions.builder().name("sibling").via(box).build());
            int target = sibling.id();
            mole.call(() -> {
                Hostile.send(0, Handles.DEL_ROUTE, Handles.NO_REPLY, Hostile.id(target)); // past box, to the master
                return null;
            });
            assertTrue(log.await("refused DEL_ROUTE for context " + target, Duration.ofSeconds(5)), log.lines().toString());
            assertEquals("box", router.routes().get(target));
            assertTrue(sibling.isConnected());
            assertEquals("sibling", sibling.call(() -> Router.current().myName()));
        }
    }

    @Test
    void aViaContextCannotPassOffAnExistingContextAsItsNewChild() {
        try (Router router = Router.create()) {
            Context box = router.local(LocalOptions.builder().name("box").build());
            StreamError e = assertThrows(StreamError.class, () -> router.startVia(box, "lie", "liar",
                    Duration.ofSeconds(30), (r, name) -> r.myself()));
            assertTrue(e.getMessage().contains("not a new context"), e.getMessage());
            assertSame(box, router.contextById(box.id()), "box is still box");
        }
    }

    /** Moves the master's id counter on, to reach the end of the id space without 2 billion contexts. */
    private static void setNextContextId(Router router, long next) {
        ((MasterIdAllocator) router.ids()).skipTo((int) next);
    }
}
