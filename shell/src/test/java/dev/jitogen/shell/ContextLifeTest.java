package dev.jitogen.shell;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Contexts have a visible life in the shell: a death is announced with the context's name and cause, errors name
 * contexts, a dead context's name can be opened again, and a context stuck in a call that ignores Ctrl-C shows as
 * busy until /stop kills it. Real child JVMs, killed from outside as an operator's colleague would.
 */
class ContextLifeTest extends ShellTestSupport {
    @BeforeEach
    void clear() {
        printed.clear();
    }

    private static String awaitPrinted(String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            for (String l : printed) if (l.contains(text)) return l;
            Thread.sleep(20);
        }
        fail("waited 10 s for \"" + text + "\"; printed:\n" + String.join("\n", printed));
        return null;
    }

    /**
     * Waits until a call to {@code name} is on its way (the snippet compiled and ran), as an operator would see. Call
     * the context once before, so that nothing else (what /contexts asks a new context) is in flight.
     */
    private static void awaitInFlight(String name) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (shell.session().context(name).callsInFlight() == 0 && System.nanoTime() < end) Thread.sleep(20);
        Thread.sleep(300); // and the context's main thread has it
    }

    @Test
    void aContextKilledFromOutsideIsAnnouncedAndItsNameCanBeOpenedAgain() throws Exception {
        run("/local victim");
        long pid = shell.session().context("victim").pid();
        printed.clear();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // kill -9, as from another terminal
        assertEquals("|  context victim disconnected: exited due to signal 9 (SIGKILL)",
                awaitPrinted("context victim disconnected"));
        String err = fail("victim.call(() -> 1)");
        assertTrue(err.contains("context victim is not connected"), "the error names the context:\n" + err);
        assertFalse(err.matches("(?s).*context \\d+ .*"), "by name, not by id:\n" + err);
        assertTrue(run("/contexts").contains("victim") && printed.stream().anyMatch(l -> l.contains("disconnected")));
        run("/local victim");
        assertTrue(run("victim.call(() -> ProcessHandle.current().pid())")
                .endsWith("==> " + shell.session().context("victim").pid()), "the variable is bound to the new one");
    }

    @Test
    void aContextThatExitsSaysItsExitStatus() throws Exception {
        run("/local quitter");
        run("quitter.callNoReply(() -> System.exit(3))");
        assertEquals("|  context quitter disconnected: exited with return code 3", awaitPrinted("context quitter disconnected"));
    }

    @Test
    void localStartsAgainAfterItDied() throws Exception {
        run("local.call(() -> 1)");
        long pid = shell.session().context("local").pid();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitPrinted("context local disconnected");
        String out = run("local.call(() -> ProcessHandle.current().pid())");
        assertTrue(out.contains("started local again (the one before exited due to signal 9 (SIGKILL))"), out);
        assertNotEquals(pid, shell.session().context("local").pid());
    }

    @Test
    void aCallThatIgnoresCtrlCLeavesItsContextBusyUntilStopKillsIt() throws Exception {
        run("/local stuck");
        run("stuck.call(() -> 0)"); // answered after what /contexts asked it when it opened
        long pid = shell.session().context("stuck").pid();
        String stubborn = "stuck.call(() -> { long end = System.nanoTime() + 120_000_000_000L; "
                + "while (System.nanoTime() < end) { try { Thread.sleep(50); } catch (InterruptedException e) { } } return 0; })";
        printed.clear();
        CompletableFuture<Boolean> call = CompletableFuture.supplyAsync(() -> shell.run(stubborn));
        awaitInFlight("stuck");
        shell.stop(); // Ctrl-C
        assertFalse(call.get(10, TimeUnit.SECONDS));
        String out = String.join("\n", printed);
        assertTrue(out.contains("|  Interrupted"), out);
        assertTrue(out.contains("stuck is still running the interrupted call"), out);
        assertTrue(run("/contexts").matches("(?s).*stuck .* busy \\(1 call\\).*"), String.join("\n", printed));
        assertEquals(List.of("stuck"), shell.busyContexts());
        run("/stop stuck");
        assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the process is gone");
        Thread.sleep(300);
        assertFalse(printed.stream().anyMatch(l -> l.contains("context stuck disconnected")), "a kill asked for is not announced");
        assertFalse(run("/contexts").contains("stuck"));
        run("/local stuck"); // the name is free again
        assertTrue(run("stuck.call(() -> 1)").endsWith("==> 1"));
    }

    @Test
    void anInterruptedCallThatHeedsTheInterruptLeavesNothingBusy() throws Exception {
        run("/local calm");
        run("calm.call(() -> 0)");
        printed.clear();
        CompletableFuture<Boolean> call = CompletableFuture.supplyAsync(() ->
                shell.run("calm.call(() -> { Thread.sleep(60_000); return 0; })"));
        awaitInFlight("calm");
        shell.stop();
        assertFalse(call.get(10, TimeUnit.SECONDS));
        assertFalse(String.join("\n", printed).contains("still running"), String.join("\n", printed));
        assertTrue(shell.busyContexts().isEmpty());
        assertTrue(run("calm.call(() -> 2)").endsWith("==> 2"));
        run("/disconnect calm");
        Thread.sleep(Duration.ofMillis(300).toMillis());
        assertFalse(printed.stream().anyMatch(l -> l.contains("context calm disconnected")), "a disconnect asked for is not announced");
    }

    @Test
    void contextsStartedByCodeShowInTheTreeToo() {
        run("var mine = router.local(LocalOptions.builder().name(\"mine\").build());");
        long pid = Long.parseLong(run("mine.pid()").replaceAll(".*==> ", ""));
        // /contexts waits a second for what a context says of itself, then shows "?": a loaded machine may need more
        String shape = "(?s).*─ mine +\\d+ local .* " + pid + " .* connected.*";
        String tree = run("/contexts");
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); !tree.matches(shape) && System.nanoTime() < end; ) {
            tree = run("/contexts");
        }
        assertTrue(tree.matches(shape), tree);
        run("mine.shutdown()");
        assertFalse(run("/contexts").contains("mine"), "a closed one is gone from the tree");
    }
}
