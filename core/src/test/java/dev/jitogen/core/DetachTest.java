package dev.jitogen.core;

import dev.jitogen.core.fixtures.DetachingMaster;
import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Detached contexts (Mitogen's detach, DETACHING): a detached child outlives its parent's end, finishes the calls
 * it has, then exits.
 */
class DetachTest {
    private static boolean awaitFile(Path p, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!Files.exists(p) && System.nanoTime() < end) Thread.sleep(20);
        return Files.exists(p);
    }

    private static long runMaster(Path marker, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process master = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                DetachingMaster.class.getName(), marker.toString(), mode)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String line = new BufferedReader(new InputStreamReader(master.getInputStream())).readLine();
            assertNotNull(line, "the master JVM printed no pid");
            assertTrue(master.waitFor(30, TimeUnit.SECONDS), "the master did not exit");
            return Long.parseLong(line.trim());
        } finally {
            master.destroyForcibly();
        }
    }

    @Test
    void aDetachedChildFinishesItsCallAfterTheMasterExitsThenExits() throws Exception {
        Path marker = Files.createTempDirectory("detach").resolve("done");
        long pid = runMaster(marker, "detach");
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the child died with its master");
        assertTrue(awaitFile(marker, Duration.ofSeconds(20)), "the detached child did not finish its call");
        assertEquals("done by " + pid, Files.readString(marker));
        assertTrue(Processes.gone(pid, Duration.ofSeconds(10)), "the detached child did not exit after its work");
    }

    @Test
    void aChildThatIsNotDetachedDiesWithItsMasterAndItsCall() throws Exception {
        Path marker = Files.createTempDirectory("detach").resolve("done");
        long pid = runMaster(marker, "stay");
        assertTrue(Processes.gone(pid, Duration.ofSeconds(5)), "the child outlived its master");
        Thread.sleep(2000); // past the time the call would have written the file
        assertFalse(Files.exists(marker), "the call ran on after the master's end");
    }

    @Test
    void aDetachedContextSurvivesRouterCloseAndExitsOnceItsWorkIsDone() throws Exception {
        Path marker = Files.createTempDirectory("detach").resolve("done");
        String path = marker.toString();
        long pid;
        Context c;
        try (Router router = Router.builder().shutdownGrace(Duration.ofMillis(300)).build()) {
            c = router.local();
            pid = c.pid();
            c.callNoReply(() -> {
                Thread.sleep(1500);
                Files.writeString(Path.of(path), "done");
                return null;
            });
            c.detach();
            assertTrue(c.isDetached());
        }
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "close() killed a detached child");
        assertTrue(awaitFile(marker, Duration.ofSeconds(20)), "the detached child did not finish its call");
        assertTrue(Processes.gone(pid, Duration.ofSeconds(10)), "the detached child did not exit after its work");
        assertFalse(c.isConnected());
    }

    @Test
    void aDetachedChildThatLogsAtDebugLevelFinishesItsCallWithNoParentToLogTo() throws Exception {
        Path marker = Files.createTempDirectory("detach").resolve("done");
        String path = marker.toString();
        long pid;
        try (Router router = Router.builder().shutdownGrace(Duration.ofMillis(300)).build()) {
            Context c = router.local(LocalOptions.builder().debug(true).build());
            pid = c.pid();
            c.callNoReply(() -> {
                Thread.sleep(1500);
                System.out.println("printed with no parent to print to"); // forwarding it fails, and logs that
                java.util.logging.Logger.getLogger("job").warning("logged with no parent to log to");
                Files.writeString(Path.of(path), "done");
                return null;
            });
            c.detach();
        }
        assertTrue(awaitFile(marker, Duration.ofSeconds(20)), "the detached child did not finish its call");
        assertTrue(Processes.gone(pid, Duration.ofSeconds(10)));
    }

    @Test
    void anIdleDetachedContextExitsWhenItsParentGoes() throws Exception {
        long pid;
        try (Router router = Router.create()) {
            Context c = router.local();
            pid = c.pid();
            c.detach();
        }
        assertTrue(Processes.gone(pid, Duration.ofSeconds(10)), "an idle detached child stayed");
    }

    @Test
    void aDetachedContextStillTakesCallsAndShutdownStillEndsIt() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.local();
            c.detach();
            c.detach(); // idempotent
            assertEquals(4, c.call(() -> 2 + 2));
            c.shutdown();
            assertTrue(Processes.gone(c.pid(), Duration.ofSeconds(5)));
            assertFalse(c.isConnected());
        }
    }

    @Test
    void aContextThatIsGoneCannotDetach() {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            c.shutdown();
            ChannelError e = assertThrows(ChannelError.class, c::detach);
            assertTrue(e.getMessage().contains("not connected"), e.getMessage());
        }
    }

    @Test
    void aDetachedInProcessContextFinishesItsCallAfterTheRouterCloses() throws Exception {
        Path marker = Files.createTempDirectory("detach").resolve("done");
        String path = marker.toString();
        Context c;
        try (Router router = Router.create()) {
            c = router.inProcess();
            c.callNoReply(() -> {
                Thread.sleep(1000);
                Files.writeString(Path.of(path), "done");
                return null;
            });
            c.detach();
        }
        assertTrue(awaitFile(marker, Duration.ofSeconds(20)), "the detached context did not finish its call");
    }

    @Test
    void aSiblingCannotDetachAContext() throws Exception {
        long pid;
        try (Router router = Router.builder().shutdownGrace(Duration.ofMillis(300)).build();
             LogCapture log = new LogCapture()) {
            Context attacker = router.local(), victim = router.local();
            pid = victim.pid();
            int from = attacker.id(), to = victim.id();
            attacker.call(() -> {
                RawFrames.write(to, from, from, Handles.DETACHING, Handles.NO_REPLY, new byte[0]);
                return null;
            });
            assertTrue(log.await("refused DETACHING from context " + from, Duration.ofSeconds(10)),
                    "the victim logs the refusal: " + log.lines());
            assertFalse(victim.call(() -> ChildRuntime.current().detached()), "the victim did not detach");
            assertFalse(victim.isDetached());
        }
        assertTrue(Processes.gone(pid, Duration.ofSeconds(5)), "a sibling's DETACHING kept the victim alive");
    }
}
