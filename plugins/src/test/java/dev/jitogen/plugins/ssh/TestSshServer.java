package dev.jitogen.plugins.ssh;

import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.shell.ProcessShellFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * An embedded MINA SSH server on a loopback port, with a temporary host key, one authorized user key (made by
 * {@code ssh-keygen}, in OpenSSH's format) and a password, running real commands through {@code /bin/sh -c}.
 */
final class TestSshServer implements AutoCloseable {
    static final String PASSWORD = "correct horse";

    final Path dir;
    final Path userKey;
    final SshServer server;
    /** Keys allowed to log in. */
    private final List<PublicKey> authorized = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Fingerprints of the keys clients offered, in order, each once. Guarded by itself. */
    private final List<String> offered = new ArrayList<>();

    TestSshServer() throws Exception {
        dir = Files.createTempDirectory("jitogen-sshd");
        userKey = dir.resolve("id_ed25519");
        keygen(userKey, "ed25519");
        Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(dir.resolve("host_key.ser")));
        // keys read once: MINA's AuthorizedKeysAuthenticator re-reads a file this young at each login and refuses
        // the logins that race a re-read, so twenty at once failed now and then
        authorize(dir.resolve("authorized_keys"));
        server.setPublickeyAuthenticator((user, key, session) -> {
            String fp = KeyUtils.getFingerPrint(key);
            synchronized (offered) {
                if (!offered.contains(fp)) offered.add(fp);
            }
            return authorized.stream().anyMatch(k -> KeyUtils.compareKeys(k, key));
        });
        server.setPasswordAuthenticator((user, password, session) -> PASSWORD.equals(password));
        // the stock command factory splits on spaces; run the command line through a shell, as sshd does
        server.setCommandFactory((channel, command) -> new ProcessShellFactory(command, "/bin/sh", "-c", command)
                .createShell(channel));
        server.setForwardingFilter(org.apache.sshd.server.forward.AcceptAllForwardingFilter.INSTANCE); // ProxyJump
        server.start();
    }

    /** Allows the keys of an {@code authorized_keys} or {@code .pub} file to log in. */
    void authorize(Path keys) throws Exception {
        for (AuthorizedKeyEntry e : AuthorizedKeyEntry.readAuthorizedKeys(keys)) {
            authorized.add(e.resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
        }
    }

    /** The fingerprints of the keys offered since the last call, in order; and forgets them. */
    List<String> takeOffered() {
        synchronized (offered) {
            List<String> all = List.copyOf(offered);
            offered.clear();
            return all;
        }
    }

    static String fingerprint(Path pub) throws Exception {
        return KeyUtils.getFingerPrint(AuthorizedKeyEntry.readAuthorizedKeys(pub).get(0)
                .resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
    }

    int port() {
        return server.getPort();
    }

    static void keygen(Path file, String type) throws IOException, InterruptedException {
        keygen(file, type, "");
    }

    /** A key made by {@code ssh-keygen}, encrypted with {@code passphrase} unless it is empty. */
    static void keygen(Path file, String type, String passphrase) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "jitogen-test", "-f", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException("ssh-keygen failed: " + out);
    }

    /** An {@link Ssh} to this server as the current user, with the user key, no agent and no host-key checks. */
    Ssh ssh() {
        return Ssh.to("127.0.0.1").port(port()).username(System.getProperty("user.name")).identityFile(userKey)
                .identitiesOnly(true).identityAgent("none").checkHostKeys(HostKeyPolicy.IGNORE);
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
