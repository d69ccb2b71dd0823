package dev.jitogen.shell;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd on a free loopback port with a throwaway config, host key and one authorized user key, all in
 * a temporary directory; the machine's own sshd configuration is not touched. {@link #available} is false where
 * there is no sshd ({@code .ci/run} installs it).
 */
final class LoopbackSshd implements AutoCloseable {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    final Path dir;
    final Path userKey;
    final int port;
    private final Process process;

    static boolean available() {
        return Files.isExecutable(SSHD);
    }

    /** @param passphrase the user key's, or empty for none */
    LoopbackSshd(String passphrase) throws Exception {
        dir = Files.createTempDirectory("jitogen-sshd");
        keygen(dir.resolve("host_key"), "");
        userKey = dir.resolve("id_ed25519");
        keygen(userKey, passphrase);
        Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("sshd_config"), String.join("\n", "Port " + port, "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_key"), "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "StrictModes no", "UsePAM no",
                "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin yes", "LogLevel ERROR", ""));
        Files.createDirectories(Path.of("/run/sshd")); // OpenSSH's privilege separation directory
        process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    throw new IOException("sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
                }
                Thread.sleep(20);
            }
        }
    }

    /** The flags of {@code /ssh} for this server: its key, no agent, a known-hosts file of its own. */
    String flags() {
        return "--identity " + userKey + " --identities-only --identity-agent none --check-host-keys accept "
                + "--known-hosts " + dir.resolve("known_hosts");
    }

    String destination() {
        return System.getProperty("user.name") + "@127.0.0.1:" + port;
    }

    private static void keygen(Path file, String passphrase) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException("ssh-keygen failed: " + out);
    }

    @Override
    public void close() {
        process.destroy();
    }
}
