package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The interactive shell in a real pseudo-terminal: tmux runs {@code jitogen}, keys are sent with
 * {@code send-keys} and the screen read with {@code capture-pane}. Skipped, saying why, where tmux is missing
 * ({@code .ci/run} installs it).
 */
class InteractiveTerminalTest {
    private static final String SESSION = "jitogen-test-" + ProcessHandle.current().pid();
    private static Path home;

    private static String tmux(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static void type(String text) throws Exception {
        // tmux reads an argument ending in ';' as a command separator unless it is escaped
        tmux("send-keys", "-t", SESSION, "-l", text.endsWith(";") ? text.substring(0, text.length() - 1) + "\\;" : text);
    }

    private static void key(String key) throws Exception {
        tmux("send-keys", "-t", SESSION, key);
    }

    private static String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", SESSION);
    }

    /** Waits for {@code text} on the screen; returns the screen. */
    private static String await(String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < end) {
            s = screen();
            if (s.contains(text)) return s;
            Thread.sleep(50);
        }
        fail("waited " + timeout + " for \"" + text + "\"; the screen shows:\n" + s);
        return s;
    }

    private static long countPrompts() throws Exception {
        return screen().lines().filter(l -> l.startsWith("jitogen>")).count();
    }

    @BeforeAll
    static void start() throws Exception {
        boolean haveTmux;
        try {
            haveTmux = new ProcessBuilder("tmux", "-V").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            haveTmux = false;
        }
        if (!haveTmux) System.out.println("InteractiveTerminalTest skipped: no tmux on PATH (.ci/run installs it)");
        assumeTrue(haveTmux, "no tmux on PATH");
        home = Files.createTempDirectory("jitogen-home");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path editor = home.resolve("editor.sh"); // what $EDITOR runs for /edit: triples instead of doubles
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/return 2 \\* x/return 3 * x/' \"$1\"\n");
        editor.toFile().setExecutable(true);
        String command = "cd " + home + " && HOME=" + home + " EDITOR=" + editor + " " + java + " -cp '"
                + System.getProperty("java.class.path") + "' dev.jitogen.shell.Main; echo SHELL-EXITED-$?; sleep 60";
        tmux("new-session", "-d", "-s", SESSION, "-x", "150", "-y", "50", command);
        await("jitogen>", Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() throws Exception {
        if (home != null) tmux("kill-session", "-t", SESSION);
    }

    @Test
    void everythingAnOperatorDoesAtTheTerminal() throws Exception {
        // a value
        type("1+1");
        key("Enter");
        await("$1 ==> 2", Duration.ofSeconds(20));

        // completion of Java: a unique continuation is inserted
        type("local.callNo");
        key("Tab");
        await("jitogen> local.callNoReply(", Duration.ofSeconds(20));
        key("C-u");

        // completion of commands
        type("/conte");
        key("Tab");
        await("jitogen> /contexts", Duration.ofSeconds(20));
        key("C-u");

        // /on shows a live progress line while calls are pending, replaced by the results
        type("/on local,local Thread.sleep(1200)");
        key("Enter");
        await("pending", Duration.ofSeconds(20));
        String done = await("1 ok, 0 failed", Duration.ofSeconds(20)); // a context named twice runs it once
        assertFalse(done.contains("pending"), "the progress line is replaced by the results:\n" + done);

        // multi-line input: an incomplete snippet continues on the next line
        type("int twice(int x) {");
        key("Enter");
        await("...>", Duration.ofSeconds(20));
        type("return 2 * x;");
        key("Enter");
        type("}");
        key("Enter");
        await("created method twice(int)", Duration.ofSeconds(20));
        type("local.call(() -> twice(21))");
        key("Enter");
        await("==> 42", Duration.ofSeconds(20));

        // /edit runs $EDITOR on the terminal, then what changed
        type("/edit twice");
        key("Enter");
        await("modified method twice(int)", Duration.ofSeconds(20));
        type("local.call(() -> twice(21))");
        key("Enter");
        await("==> 63", Duration.ofSeconds(20));

        // Ctrl-C interrupts a pending remote call and returns to the prompt
        type("local.call(() -> { Thread.sleep(60_000); return 0; })");
        key("Enter");
        Thread.sleep(1000);
        long before = countPrompts();
        key("C-c");
        await("Interrupted", Duration.ofSeconds(15)); // well before the 60 s the call would take
        type("local.call(() -> 5)");
        key("Enter");
        await("==> 5", Duration.ofSeconds(20)); // the child survived, and its main thread is free again
        assertTrue(countPrompts() > before);

        // everyday Java in a remote call: a stream with a method reference
        type("local.call(() -> List.of(\"a\", \"bb\").stream().map(String::length).toList())");
        key("Enter");
        await("==> [1, 2]", Duration.ofSeconds(20));

        // Tab right after ( shows the signatures
        type("Math.max(");
        key("Tab");
        await("int Math.max(int a, int b)", Duration.ofSeconds(20));
        key("C-u");

        // /reset forgets the snippets; the contexts and their variables stay usable
        type("/reset");
        key("Enter");
        await("Resetting state.", Duration.ofSeconds(20));
        type("local.call(() -> 6 * 7 + 1000)");
        key("Enter");
        await("==> 1042", Duration.ofSeconds(20));

        // a context killed from outside is announced above the prompt, with its name and cause
        type("/local victim");
        key("Enter");
        await("started victim", Duration.ofSeconds(20));
        type("\"victim=\" + victim.pid()");
        key("Enter");
        java.util.regex.Matcher vp = java.util.regex.Pattern.compile("\"victim=(\\d+)\"")
                .matcher(await("==> \"victim=", Duration.ofSeconds(20)));
        assertTrue(vp.find());
        ProcessHandle.of(Long.parseLong(vp.group(1))).orElseThrow().destroyForcibly();
        await("context victim disconnected: exited due to signal 9 (SIGKILL)", Duration.ofSeconds(20));

        // a call that ignores Ctrl-C leaves its context busy; Ctrl-C at the prompt offers to kill it
        type("local.call(() -> { System.out.println(\"spinning\"); long end = System.nanoTime() + 60_000_000_000L; "
                + "while (System.nanoTime() < end) { try { Thread.sleep(50); } catch (InterruptedException e) { } } "
                + "return 0; })");
        key("Enter");
        await("[local] spinning", Duration.ofSeconds(20)); // Ctrl-C before the call runs would stop it unsent
        key("C-c");
        await("local is still running the interrupted call", Duration.ofSeconds(20));
        key("C-c");
        await("Kill it? [y/N]", Duration.ofSeconds(20));
        type("y");
        key("Enter");
        await("killed local", Duration.ofSeconds(20));

        // output forwarded from a child appears above the line being typed, which stays intact
        type("local.callNoReply(() -> { Thread.sleep(800); System.out.println(\"late hello\"); })");
        key("Enter");
        type("int partial");
        String s = await("[local] late hello", Duration.ofSeconds(20));
        String last = s.strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals("jitogen> int partial", last.strip(), s);
        key("C-u");

        // Ctrl-D leaves cleanly, shutting the contexts down
        type("\"child=\" + local.pid()");
        key("Enter");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"child=(\\d+)\"")
                .matcher(await("==> \"child=", Duration.ofSeconds(20)));
        assertTrue(m.find());
        long childPid = Long.parseLong(m.group(1));
        key("C-d");
        await("SHELL-EXITED-0", Duration.ofSeconds(20));
        assertFalse(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false), "no child left behind");
        assertTrue(Files.exists(home.resolve(".jitogen_history")), "history is kept between sessions");
        assertTrue(Files.readString(home.resolve(".jitogen_history")).contains("twice"));
    }

    @Test
    void snippetsPipedFromAnotherCommandRunWithoutATerminalPrompt() throws Exception {
        String window = SESSION + "-piped";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "cd " + home + " && printf 'System.out.println(local.call(() -> 6 * 7))\\n1+1\\n' | HOME=" + home + " "
                + java + " -cp '" + System.getProperty("java.class.path") + "' dev.jitogen.shell.Main; echo PIPED-EXITED-$?; sleep 60";
        tmux("new-session", "-d", "-s", window, "-x", "150", "-y", "20", command);
        try {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String screen = "";
            while (System.nanoTime() < end && !screen.contains("PIPED-EXITED-")) {
                Thread.sleep(100);
                screen = tmux("capture-pane", "-p", "-t", window);
            }
            assertTrue(screen.contains("PIPED-EXITED-0"), screen);
            assertEquals(List.of("42", "$2 ==> 2", "PIPED-EXITED-0"),
                    screen.lines().filter(l -> !l.isBlank()).toList(), "no banner, no prompt:\n" + screen);
        } finally {
            tmux("kill-session", "-t", window);
        }
    }
}
