package dev.jitogen.shell;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real OpenSSH {@code sshd} on a free loopback port, with a throwaway config, host key and the current user's
 * authorized key in a temporary directory; the machine's own sshd configuration is not touched. Its limits on
 * unauthenticated connections and sessions are raised so that a whole fleet can connect at once. {@code .ci/run}
 * installs {@code openssh-server}; {@link #binary()} is null where no sshd can be had.
 *
 * <p>Threads: made and closed on a test's thread.
 */
final class LoopbackSshd implements AutoCloseable {
    final Path dir;
    /** The private key sshd accepts for the current user. */
    final Path userKey;
    final int port;
    private final Process process;

    static Path binary() {
        for (String p : new String[]{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"}) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    static boolean available() {
        return binary() != null;
    }

    LoopbackSshd() throws Exception {
        this("");
    }

    /** @param passphrase the user key's, or empty for none */
    LoopbackSshd(String passphrase) throws Exception {
        dir = Files.createTempDirectory("jitogen-sshd");
        keygen(dir.resolve("host_key"), "");
        userKey = dir.resolve("id_ed25519");
        keygen(userKey, passphrase);
        Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
        port = freePort();
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"), "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "PermitRootLogin yes", "LogLevel ERROR",
                // a fleet connects at once: sshd's default drops unauthenticated connections past 10
                "MaxStartups 1000", "MaxSessions 1000", ""));
        Files.createDirectories(Path.of("/run/sshd")); // OpenSSH's privilege separation directory must exist
        process = new ProcessBuilder(binary().toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        long end = System.nanoTime() + 10_000_000_000L;
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

    /** A loopback port nothing listens on (for a host that must fail). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void keygen(Path file, String passphrase) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "jitogen-test",
                "-f", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException("ssh-keygen failed: " + out);
    }

    @Override
    public void close() {
        process.destroy();
    }
}
