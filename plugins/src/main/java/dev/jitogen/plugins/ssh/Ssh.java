package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import dev.jitogen.core.spi.Bootstrap;
import dev.jitogen.core.spi.ChildProcess;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.session.ConnectionService;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Options for an SSH context, Mitogen's {@code Router.ssh} in Java form, and the connection itself, on Apache MINA
 * SSHD's client (no {@code ssh} binary needed). Behaves the way an OpenSSH user expects: {@code ~/.ssh/config}
 * (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent, ProxyJump), {@code ~/.ssh/known_hosts}
 * (hashed entries too), the agent at {@code $SSH_AUTH_SOCK}, and the default identities {@code ~/.ssh/id_rsa},
 * {@code id_ecdsa}, {@code id_ed25519}, offered in OpenSSH's order ({@link Identities}). An encrypted key is opened
 * with {@link #passphrase}, or asked for by the router's {@link #passphrasePrompt}.
 *
 * <pre>{@code
 * Context web1 = Ssh.to("web1.example.org").username("deploy").port(2222)
 *         .identityFile(Path.of("/home/me/.ssh/deploy_ed25519")).checkHostKeys(HostKeyPolicy.ACCEPT)
 *         .connect(router);
 * }</pre>
 *
 * <p>A mutable builder: configure on one thread; {@link #connect} may then be called from any thread and blocks until
 * the context is ready (a passphrase prompt runs on that thread).
 * An SSH context costs the master no thread of its own: its output is decoded on the router's MINA client pool
 * ({@link SshChild}), which is fixed in size whatever the number of hosts.
 */
public final class Ssh {
    private final String hostname;
    private String username;
    private int port;
    // paths as text: the options travel to a via context, and name files on the host the connection starts from
    private final List<String> identityFiles = new ArrayList<>();
    private boolean identitiesOnly;
    private String password;
    private String passphrase;
    private String identityAgent;
    private HostKeyPolicy checkHostKeys = HostKeyPolicy.ENFORCE;
    private String knownHosts;
    private String configFile;
    private boolean compression = false;
    private Duration connectTimeout = Duration.ofSeconds(30);
    private String remoteName;
    private List<String> javaPath = List.of("java");
    private List<String> jvmFlags = LocalOptions.DEFAULT_JVM_FLAGS;
    private boolean debug;
    private String name;
    private transient Context via;

    private Ssh(String hostname) {
        this.hostname = hostname;
    }


    /** SSH to {@code hostname}: a name, an address, or a {@code Host} alias of {@code ~/.ssh/config}. */
    public static Ssh to(String hostname) {
        if (hostname == null || hostname.isBlank()) throw new IllegalArgumentException("ssh needs a hostname");
        return new Ssh(hostname);
    }

    /** Login name; default: the config's {@code User}, else the master's user. */
    public Ssh username(String username) {
        this.username = username;
        return this;
    }

    /** Default: the config's {@code Port}, else 22. */
    public Ssh port(int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not a TCP port");
        this.port = port;
        return this;
    }

    /**
     * A private key to offer (a leading {@code ~/} means the home directory), as {@code ssh -i}: given ones come
     * before the config's {@code IdentityFile}s, and any of them replaces the default identities. If
     * {@code FILE.pub} exists, or the key is in OpenSSH's format, a key the agent holds is used through the agent.
     */
    public Ssh identityFile(Path file) {
        String f = file.toString();
        this.identityFiles.add(f);
        return this;
    }

    /**
     * As OpenSSH's {@code IdentitiesOnly}: offer only the identity files' keys, not the agent's other keys (a key the
     * agent holds for an identity file is still used through the agent).
     */
    public Ssh identitiesOnly(boolean only) {
        this.identitiesOnly = only;
        return this;
    }

    /** Password for password or keyboard-interactive authentication. */
    public Ssh password(String password) {
        this.password = password;
        return this;
    }

    /**
     * The passphrase of encrypted identity files (given, configured or default) that the agent does not hold.
     * Without one, such a key is skipped, or asked for by the router's {@link #passphrasePrompt} (the shell's) if
     * the other keys were refused. A wrong one is a {@link PasswordError} naming the key file.
     */
    public Ssh passphrase(String passphrase) {
        this.passphrase = passphrase;
        return this;
    }

    /**
     * The agent's socket, as OpenSSH's {@code IdentityAgent}: default the config's {@code IdentityAgent}, else
     * {@code $SSH_AUTH_SOCK}; {@code "none"} uses no agent. With {@link #via}, the socket on via's host.
     */
    public Ssh identityAgent(String socket) {
        this.identityAgent = socket;
        return this;
    }

    /**
     * Asks {@code prompt} for the passphrase of an encrypted key that no passphrase was given for, when the
     * connection gets that far (the agent's keys and unencrypted keys were refused), for every SSH connection
     * {@code router} makes itself (not those made from a via context, which has no one to ask). The shell
     * registers one that reads from the terminal without echo; null removes it.
     */
    public static void passphrasePrompt(Router router, PassphrasePrompt prompt) {
        SshClients.prompt(router, prompt);
    }

    /** Default {@link HostKeyPolicy#ENFORCE}. */
    public Ssh checkHostKeys(HostKeyPolicy policy) {
        this.checkHostKeys = policy;
        return this;
    }

    /** The known-hosts file; default {@code ~/.ssh/known_hosts}. */
    public Ssh knownHosts(Path file) {
        this.knownHosts = file == null ? null : file.toString();
        return this;
    }

    /** The OpenSSH client config to read; default {@code ~/.ssh/config}. */
    public Ssh configFile(Path file) {
        this.configFile = file == null ? null : file.toString();
        return this;
    }

    /**
     * zlib compression of the connection; off by default, as in OpenSSH ({@code Compression no}) and scp, though
     * Mitogen turns it on. zlib costs far more CPU than a LAN or a loopback link saves: a 256 MiB copy to a loopback
     * sshd spent 1–2 s of zlib at each end and ran at 30–40 MB/s, against 100 MB/s without. The core bundle is
     * deflated by Jitogen itself whatever this says. Turn it on for a slow link carrying compressible data.
     */
    public Ssh compression(boolean on) {
        this.compression = on;
        return this;
    }

    /** For the TCP connection, authentication and the child's start together; default 30 s. Must be positive. */
    public Ssh connectTimeout(Duration timeout) {
        this.connectTimeout = dev.jitogen.core.spi.ConnectionMethod.positive("the connect timeout", timeout);
        return this;
    }

    /** Shown as {@code jitogen:NAME} in the remote {@code ps}; default {@code USER@HOST:PID} of the master. */
    public Ssh remoteName(String remoteName) {
        this.remoteName = remoteName;
        return this;
    }

    /** The java command on the target; default {@code java} on the remote PATH. */
    public Ssh javaPath(String... command) {
        this.javaPath = List.of(command);
        return this;
    }

    public Ssh jvmFlags(List<String> flags) {
        this.jvmFlags = List.copyOf(flags);
        return this;
    }

    public Ssh debug(boolean debug) {
        this.debug = debug;
        return this;
    }

    /**
     * The context's name in logs and errors; default Mitogen's {@code ssh.HOST:PORT} ({@code ssh.web1:22}, HOST as
     * given, PORT as given or configured), after via's name if started through one, made unique.
     */
    public Ssh name(String name) {
        this.name = name;
        return this;
    }

    /**
     * Connect from context {@code via} instead of the master (Mitogen's {@code via=}): the SSH client runs in that
     * context, on its host, and becomes the new context's parent. File options (identity, known hosts, config)
     * then name files on via's host, and its {@code ~} is via's user's home.
     */
    public Ssh via(Context via) {
        this.via = via;
        return this;
    }

    String hostname() {
        return hostname;
    }

    /** Connects, authenticates, starts the child and returns its context. */
    public Context connect(Router router) {
        if (via != null) {
            // the options travel as data (via is transient) and connect again over there; via's config is not
            // readable from here, so the default name has the port given, else 22
            return router.startVia(via, "ssh", name, "ssh." + hostname + ":" + (port > 0 ? port : 22),
                    connectTimeout.plusSeconds(5), (r, n) -> name(n).connect(r));
        }
        String shown = remoteName != null ? remoteName : Bootstrap.defaultRemoteName();
        String script = Bootstrap.script(javaPath, jvmFlags, shown.startsWith("jitogen:") ? shown : "jitogen:" + shown);
        String defaultName = "ssh." + hostname + ":" + (port > 0 ? port
                : SshClients.configuredPort(hostname, username, configFile == null ? null : Path.of(configFile)));
        return router.start("ssh", name, defaultName, connectTimeout, debug, timeout -> launch(router, script, timeout));
    }

    private ChildProcess launch(Router router, String script, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SshClient client = SshClients.of(router, compression);
        String where = (username != null ? username + "@" : "") + hostname + (port > 0 ? ":" + port : "");
        List<Path> given = new ArrayList<>();
        for (String f : identityFiles) given.add(expandHome(f));
        ClientSession session;
        try {
            ConnectFuture f = client.connect(username, hostname, port > 0 ? port : 0,
                    SshClients.context(checkHostKeys, knownHosts == null ? null : Path.of(knownHosts),
                            configFile == null ? null : Path.of(configFile), identityAgent), null);
            session = f.verify(left(deadline)).getSession();
        } catch (IOException | RuntimeException e) {
            throw connectError(where, e);
        }
        Identities keys = null;
        long prompted = 0;
        try {
            try {
                keys = Identities.prepare(session, given, identitiesOnly, passphrase, where);
            } catch (PasswordError e) {
                throw e;
            } catch (IOException e) {
                throw new StreamError("ssh to " + where + ": " + e.getMessage(), e);
            }
            session.setAttribute(Identities.KEY, keys);
            if (password != null) session.addPasswordIdentity(password);
            try {
                session.auth().verify(left(deadline));
            } catch (IOException | RuntimeException e) {
                PassphrasePrompt prompt = SshClients.prompt(router);
                if (keys.locked().isEmpty() || prompt == null || !session.isOpen() || !isAuthFailure(session, e)) {
                    throw authError(session, where, keys, e);
                }
                // as ssh: an encrypted key's passphrase is asked for only once the other keys were refused
                long t0 = System.nanoTime();
                List<Path> locked = keys.locked();
                boolean opened = keys.unlock(session, prompt, where);
                prompted = System.nanoTime() - t0;
                deadline += prompted; // the operator's typing is not the connection's slowness
                if (!opened) throw authError(session, where, keys, e);
                try {
                    session.auth().verify(left(deadline));
                } catch (IOException | RuntimeException again) {
                    throw authError(session, where, keys, again, locked);
                }
            }
            // as session.createExecChannel, with the channel that hands its output on as packets arrive (SshChild)
            SshChild.Exec channel = new SshChild.Exec("/bin/sh -c " + Bootstrap.quote(script));
            session.getService(ConnectionService.class).registerChannel(channel);
            // no thread per context: its output comes on MINA's I/O threads, its input goes through MINA's
            // asynchronous output
            channel.setStreaming(ClientChannel.Streaming.Async);
            channel.open().verify(left(deadline));
            return new SshChild(session, channel, Duration.ofNanos(prompted));
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        } finally {
            // the agent signs during authentication only
            if (keys != null) keys.close();
        }
    }

    /** {@code ~/x} as the home directory's {@code x}; other paths as they are. */
    static Path expandHome(String file) {
        if (file.equals("~")) return Path.of(System.getProperty("user.home"));
        return file.startsWith("~/") ? Path.of(System.getProperty("user.home"), file.substring(2)) : Path.of(file);
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    private StreamError connectError(String where, Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return new StreamError("ssh to " + where + ": connection refused (is sshd running there, on that port?)", e);
            }
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException) {
                return new StreamError("ssh to " + where + ": unknown host " + hostname + " (not in DNS, /etc/hosts or ~/.ssh/config)", e);
            }
            if (c instanceof HostKeyError h) return h;
        }
        String m = String.valueOf(e.getMessage());
        if (m.toLowerCase().contains("timeout") || m.toLowerCase().contains("timed out")) {
            return new StreamError("ssh to " + where + ": timed out connecting, within the connect timeout of "
                    + connectTimeout.toMillis() / 1000.0 + " s (give more with --connect-timeout SECONDS; Java: "
                    + ".connectTimeout(...))", e);
        }
        return new StreamError("ssh to " + where + ": " + m, e);
    }

    /** True if authentication ended because the server refused what was offered (not a timeout or a lost link). */
    private static boolean isAuthFailure(ClientSession session, Throwable e) {
        if (SshClients.hostKeyProblem(session) != null || session.getServerVersion() == null) return false;
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("auth") && !m.contains("timeout") && !m.contains("timed out");
    }

    private StreamError authError(ClientSession session, String where, Identities keys, Throwable e) {
        return authError(session, where, keys, e, List.of());
    }

    private StreamError authError(ClientSession session, String where, Identities keys, Throwable e, List<Path> tried) {
        String hostKeyProblem = SshClients.hostKeyProblem(session);
        if (hostKeyProblem != null) return new HostKeyError("ssh to " + where + ": " + hostKeyProblem);
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (session.getServerVersion() == null) {
            return new StreamError("ssh to " + where + ": timed out waiting for the SSH server's greeting "
                    + "(is that port an SSH server?)", e);
        }
        if (m.contains("timeout") || m.contains("timed out")) {
            return new StreamError("ssh to " + where + ": timed out during authentication", e);
        }
        if (!m.contains("auth")) return new StreamError("ssh to " + where + ": " + e.getMessage(), e);
        if (!tried.isEmpty()) {
            return new PasswordError("ssh to " + where + ": the server refused the key" + (tried.size() > 1 ? "s " : " ")
                    + tried + " too, after the agent's and the unencrypted ones", e);
        }
        List<Path> locked = keys.locked();
        String refusedKeys = keys.offered() > 0 ? "none of the " + keys.offered() + " keys offered was accepted" : null;
        if (!locked.isEmpty()) {
            String files = locked.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "));
            return new PasswordError("ssh to " + where + ": " + (refusedKeys != null ? refusedKeys + ", and " : "")
                    + (locked.size() > 1 ? "keys " + files + " are" : "key " + files + " is") + " encrypted and no "
                    + "passphrase was given: pass it with --passphrase-env VAR (Java: .passphrase(...)), or add it "
                    + "to ssh-agent (ssh-add " + locked.get(0) + ")"
                    + (password != null ? "; the password was refused too" : ""), e);
        }
        if (password != null) {
            return new PasswordError("ssh to " + where + ": the password was refused (and "
                    + (refusedKeys != null ? refusedKeys : "no key was offered") + ")", e);
        }
        String noKey = refusedKeys != null ? refusedKeys : "no key was offered (" + (keys.hasAgent()
                ? "the agent holds none that may be used" : "no agent at $SSH_AUTH_SOCK") + ", and no identity file "
                + "could be read)";
        return new PasswordError("ssh to " + where + ": " + noKey + ", and no password was given; give a key with "
                + "--identity FILE (Java: .identityFile(...)), load one in ssh-agent (ssh-add), or give a password "
                + "with --password-env VAR (Java: .password(...))", e);
    }
}
