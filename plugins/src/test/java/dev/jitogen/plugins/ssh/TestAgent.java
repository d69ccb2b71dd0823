package dev.jitogen.plugins.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH {@code ssh-agent} on a socket of its own ({@code ssh-agent -D -a SOCKET}), run in the foreground as
 * the test's child and killed at the end; keys are added with the real {@code ssh-add}.
 */
final class TestAgent implements AutoCloseable {
    final Path socket;
    private final Path dir;
    private final Process process;

    TestAgent() throws Exception {
        dir = Files.createTempDirectory("jitogen-agent");
        socket = dir.resolve("agent.sock");
        process = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > end) {
                throw new IOException("ssh-agent did not start: " + Files.readString(dir.resolve("agent.log")));
            }
            Thread.sleep(20);
        }
    }

    /** {@code ssh-add KEY}, typing {@code passphrase} through SSH_ASKPASS when the key is encrypted. */
    void add(Path key, String passphrase) throws Exception {
        Path askpass = dir.resolve("askpass.sh");
        Files.writeString(askpass, "#!/bin/sh\nprintf '%s\\n' '" + passphrase + "'\n");
        askpass.toFile().setExecutable(true);
        ProcessBuilder b = new ProcessBuilder("ssh-add", key.toString()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        b.environment().put("SSH_AUTH_SOCK", socket.toString());
        b.environment().put("SSH_ASKPASS", askpass.toString());
        b.environment().put("SSH_ASKPASS_REQUIRE", "force");
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException("ssh-add " + key + " failed: " + out);
    }

    void add(Path key) throws Exception {
        add(key, "");
    }

    @Override
    public void close() {
        process.destroy();
    }
}
