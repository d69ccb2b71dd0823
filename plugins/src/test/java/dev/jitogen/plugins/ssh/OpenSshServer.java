package dev.jitogen.plugins.ssh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real OpenSSH {@code sshd} on a free loopback port, with a throwaway config, host key and authorized key in a
 * temporary directory; the machine's own sshd configuration is not touched. {@code .ci/run} installs
 * {@code openssh-server}; {@link #binary()} is null where no sshd can be had.
 */
final class OpenSshServer implements AutoCloseable {
    final Path dir;
    final Path userKey;
    final int port;
    private final Process process;

    static Path binary() {
        for (String p : new String[]{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"}) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    OpenSshServer() throws Exception {
        this(List.of());
    }

    /** @param extraConfig more sshd_config lines ({@code MaxStartups 100}) */
    OpenSshServer(List<String> extraConfig) throws Exception {
        dir = Files.createTempDirectory("jitogen-openssh");
        TestSshServer.keygen(dir.resolve("host_key"), "ed25519");
        userKey = dir.resolve("user_key");
        TestSshServer.keygen(userKey, "ed25519");
        Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host_key"),
                "PidFile " + dir.resolve("sshd.pid"), "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "PermitRootLogin yes", "LogLevel ERROR", String.join("\n", extraConfig), ""));
        Path privsep = Path.of("/run/sshd"); // OpenSSH's privilege separation directory must exist
        if (!Files.exists(privsep)) Files.createDirectories(privsep);
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

    Ssh ssh() throws IOException {
        return Ssh.to("127.0.0.1").port(port).username(System.getProperty("user.name")).identityFile(userKey)
                .identitiesOnly(true).identityAgent("none").checkHostKeys(HostKeyPolicy.ACCEPT)
                .knownHosts(dir.resolve("known_hosts"));
    }

    @Override
    public void close() {
        process.destroy();
    }
}
