package dev.jitogen.shell;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code /ssh} with a key made by {@code ssh-keygen -N secret}, at a real terminal (tmux) against a real OpenSSH
 * sshd on loopback with a throwaway config: the shell asks for the passphrase without echoing it, as ssh does.
 * Skipped, saying why, where tmux or sshd is missing ({@code .ci/run} installs both).
 */
class PassphrasePromptTest {
    private static final String SESSION = "jitogen-passphrase-" + ProcessHandle.current().pid();

    private static String tmux(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("tmux"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static String await(String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < end) {
            s = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", SESSION);
            if (s.contains(text)) return s;
            Thread.sleep(50);
        }
        fail("waited " + timeout + " for \"" + text + "\"; the screen shows:\n" + s);
        return s;
    }

    /** Waits until the screen's last line after {@code text} is the prompt, nothing typed on it. */
    private static void awaitPromptAfter(String text, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < end) {
            s = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", SESSION);
            String after = s.substring(Math.max(0, s.lastIndexOf(text)));
            String[] lines = after.strip().split("\n");
            if (lines.length > 1 && lines[lines.length - 1].strip().equals("jitogen>")) {
                Thread.sleep(200);
                return;
            }
            Thread.sleep(50);
        }
        fail("waited " + timeout + " for the prompt after \"" + text + "\"; the screen shows:\n" + s);
    }

    private static boolean have(String... command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void anEncryptedKeysPassphraseIsAskedWithoutEchoAndOpensTheKey() throws Exception {
        boolean ready = have("tmux", "-V") && LoopbackSshd.available();
        if (!ready) System.out.println("PassphrasePromptTest skipped: needs tmux and /usr/sbin/sshd (.ci/run installs them)");
        assumeTrue(ready, "tmux and sshd");
        Path home = Files.createTempDirectory("jitogen-home");
        try (LoopbackSshd sshd = new LoopbackSshd("secret")) {
            Path key = sshd.userKey;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String command = "cd " + home + " && env -u SSH_AUTH_SOCK HOME=" + home + " " + java + " -cp '"
                    + System.getProperty("java.class.path") + "' dev.jitogen.shell.Main; echo SHELL-EXITED-$?; sleep 60";
            tmux("new-session", "-d", "-s", SESSION, "-x", "200", "-y", "40", command);
            await("jitogen>", Duration.ofSeconds(20));
            tmux("send-keys", "-t", SESSION, "-l", "/ssh box " + sshd.destination() + " " + sshd.flags());
            tmux("send-keys", "-t", SESSION, "Enter");
            await("Enter passphrase for key '" + key + "': ", Duration.ofSeconds(30));
            tmux("send-keys", "-t", SESSION, "-l", "secret");
            tmux("send-keys", "-t", SESSION, "Enter");
            String started = await("started box", Duration.ofSeconds(60));
            assertFalse(started.contains("secret"), "the passphrase is not echoed:\n" + started);
            tmux("send-keys", "-t", SESSION, "-l", "box.call(() -> 6 * 7)");
            tmux("send-keys", "-t", SESSION, "Enter");
            await("==> 42", Duration.ofSeconds(30));
            // Ctrl-D only once the prompt is back: the line editor draws it in raw mode, whereas a ^D that reaches
            // the terminal between two lines (cooked mode, while the result prints) is the tty's, not the shell's
            awaitPromptAfter("==> 42", Duration.ofSeconds(30));
            tmux("send-keys", "-t", SESSION, "C-d");
            await("SHELL-EXITED-0", Duration.ofSeconds(20));
            String history = Files.readString(home.resolve(".jitogen_history"));
            assertFalse(history.contains("secret"), "the passphrase is not in the history:\n" + history);
        } finally {
            tmux("kill-session", "-t", SESSION);
        }
    }
}
