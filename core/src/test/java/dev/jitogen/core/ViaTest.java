package dev.jitogen.core;

import dev.jitogen.core.fixtures.Shouter;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** Contexts through contexts: a child starts its own children, and messages are routed through it. */
class ViaTest {
    @Test
    void threeLevelsOfRealJvmsEachParentOfTheNext() {
        try (Router router = Router.create()) {
            Context a = router.local(LocalOptions.builder().name("a").build());
            Context b = router.local(LocalOptions.builder().name("b").via(a).build());
            Context c = router.local(LocalOptions.builder().name("c").via(b).build());
            assertSame(a, b.via());
            assertSame(b, c.via());
            long pa = a.call(() -> ProcessHandle.current().pid());
            long pb = b.call(() -> ProcessHandle.current().pid());
            long pc = c.call(() -> ProcessHandle.current().pid());
            assertEquals(pa, (long) b.call(() -> ProcessHandle.current().parent().orElseThrow().pid()));
            assertEquals(pb, (long) c.call(() -> ProcessHandle.current().parent().orElseThrow().pid()));
            assertEquals(pc, c.pid());
            assertEquals("DEEP!", c.call(() -> Shouter.shout("deep")), "user classes reach the third level");
            // the master routes to c through a, and a routes it through b
            assertEquals("a", router.routes().get(c.id()));
            assertTrue(a.call(() -> Router.current().routes()).containsValue("b"));
        }
    }

    @Test
    void aClassGoesDownEachStreamOnceAndIntermediatesAnswerFromTheirCache() {
        try (Router router = Router.create()) {
            Context a = router.local(LocalOptions.builder().name("a").build());
            Context b = router.local(LocalOptions.builder().name("b").via(a).build());
            Context c = router.local(LocalOptions.builder().name("c").via(b).build());
            long before = router.stats().classesSent();
            assertEquals("DEEP!", c.call(() -> Shouter.shout("deep")));
            long afterDeep = router.stats().classesSent();
            assertTrue(afterDeep > before);
            // b and a already hold Shouter (they relayed it): using it there costs the master nothing more
            assertEquals("MID!", b.call(() -> Shouter.shout("mid")));
            assertEquals("TOP!", a.call(() -> Shouter.shout("top")));
            // only the classes of the new lambdas (this test class, already sent) could be asked again: none are
            assertEquals(afterDeep, router.stats().classesSent(), "no class sent twice by the master");
        }
    }

    @Test
    void failuresBehindAnIntermediateArriveAsCallErrors() {
        try (Router router = Router.create()) {
            Context a = router.local();
            Context b = router.local(LocalOptions.builder().via(a).build());
            CallError e = assertThrows(CallError.class, () -> b.call(() -> Integer.parseInt("x")));
            assertEquals("java.lang.NumberFormatException", e.remoteClassName());
            try (LogCapture log = new LogCapture()) {
                b.callNoReply(() -> System.out.println("from below"));
                assertTrue(log.await("[" + b.name() + "] stdout: from below", Duration.ofSeconds(5)), log.lines().toString());
            } catch (InterruptedException ie) {
                throw new AssertionError(ie);
            }
        }
    }

    @Test
    void killingTheIntermediateLosesEverythingBehindIt() throws Exception {
        try (Router router = Router.create()) {
            Context a = router.local();
            Context b = router.local(LocalOptions.builder().via(a).build());
            Context c = router.local(LocalOptions.builder().via(b).build());
            Receiver<Object> waiting = c.callAsync(() -> {
                Thread.sleep(30_000);
                return null;
            });
            ProcessHandle.of(b.pid()).orElseThrow().destroyForcibly();
            assertThrows(ChannelError.class, () -> waiting.get(Duration.ofSeconds(1)));
            assertTrue(Processes.gone(c.pid(), Duration.ofSeconds(2)), "c exits once its parent is gone");
            assertFalse(router.routes().containsKey(c.id()), "DEL_ROUTE reached the master");
            assertFalse(b.isConnected());
            assertFalse(c.isConnected());
            assertEquals(1, a.call(() -> 1), "a, in front of the loss, is unaffected");
        }
    }

    @Test
    void closingTheMasterLeavesNoJvmAtAnyLevel() throws Exception {
        long pa, pb, pc;
        try (Router router = Router.create()) {
            Context a = router.local();
            Context b = router.local(LocalOptions.builder().via(a).build());
            Context c = router.local(LocalOptions.builder().via(b).build());
            pa = a.pid();
            pb = b.pid();
            pc = c.pid();
        }
        for (long pid : new long[]{pa, pb, pc}) assertTrue(Processes.gone(pid, Duration.ofSeconds(3)), pid + " still alive");
    }
}
