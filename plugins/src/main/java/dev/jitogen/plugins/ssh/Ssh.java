package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Bootstrap;
import dev.jitogen.core.ChildProcess;
import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Options for an SSH context, Mitogen's {@code Router.ssh} in Java form, and the connection itself, on Apache MINA
 * SSHD's client (no {@code ssh} binary needed). Behaves the way an OpenSSH user expects: {@code ~/.ssh/config}
 * (Host, HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump), {@code ~/.ssh/known_hosts} (hashed entries
 * too), and the default identities {@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa}.
 *
 * <pre>{@code
 * Context web1 = Ssh.to("web1.example.org").username("deploy").port(2222)
 *         .identityFile(Path.of("/home/me/.ssh/deploy_ed25519")).checkHostKeys(HostKeyPolicy.ACCEPT)
 *         .connect(router);
 * }</pre>
 *
 * <p>Immutable once built; {@link #connect} may be called from any thread and blocks until the context is ready.
 * One SSH context costs the master two threads (its stream reader and its stderr reader) plus a share of the
 * router's MINA client pool, which is fixed in size whatever the number of hosts.
 */
public final class Ssh {
    private final String hostname;
    private String username;
    private int port;
    // paths as text: the options travel to a via context, and name files on the host the connection starts from
    private final List<String> identityFiles = new ArrayList<>();
    private boolean identitiesOnly;
    private String password;
    private HostKeyPolicy checkHostKeys = HostKeyPolicy.ENFORCE;
    private String knownHosts;
    private String configFile;
    private boolean compression = true;
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

    /** A private key to offer, before the default identities (a leading {@code ~/} means the home directory). */
    public Ssh identityFile(Path file) {
        String f = file.toString();
        this.identityFiles.add(f);
        return this;
    }

    /** Offer only the identity files given, not the default ones. */
    public Ssh identitiesOnly(boolean only) {
        this.identitiesOnly = only;
        return this;
    }

    /** Password for password or keyboard-interactive authentication. */
    public Ssh password(String password) {
        this.password = password;
        return this;
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

    /** zlib compression of the connection; on by default, as in Mitogen. */
    public Ssh compression(boolean on) {
        this.compression = on;
        return this;
    }

    /** For the TCP connection, authentication and the child's start together; default 30 s. Must be positive. */
    public Ssh connectTimeout(Duration timeout) {
        this.connectTimeout = dev.jitogen.core.ConnectionMethod.positive("the connect timeout", timeout);
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

    /** The context's name in logs and errors; default {@code ssh}, made unique. */
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
            // the options travel as data (via is transient) and connect again over there
            return router.startVia(via, "ssh", name, connectTimeout.plusSeconds(5), (r, n) -> name(n).connect(r));
        }
        String shown = remoteName != null ? remoteName : Bootstrap.defaultRemoteName();
        String script = Bootstrap.script(javaPath, jvmFlags, shown.startsWith("jitogen:") ? shown : "jitogen:" + shown);
        return router.start("ssh", name, connectTimeout, debug, timeout -> launch(router, script, timeout));
    }

    private ChildProcess launch(Router router, String script, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        SshClient client = SshClients.of(router, compression);
        String where = (username != null ? username + "@" : "") + hostname + (port > 0 ? ":" + port : "");
        ClientSession session;
        try {
            ConnectFuture f = client.connect(username, hostname, port > 0 ? port : 0,
                    SshClients.context(checkHostKeys, knownHosts == null ? null : Path.of(knownHosts),
                            configFile == null ? null : Path.of(configFile)), null);
            session = f.verify(left(deadline)).getSession();
        } catch (IOException | RuntimeException e) {
            throw connectError(where, e);
        }
        try {
            for (String f : identityFiles) {
                Path p = f.startsWith("~/") ? Path.of(System.getProperty("user.home"), f.substring(2)) : Path.of(f);
                if (!Files.isReadable(p)) throw new StreamError("identity file " + p + " cannot be read");
                for (KeyPair kp : new FileKeyPairProvider(p).loadKeys(session)) session.addPublicKeyIdentity(kp);
            }
            if (identitiesOnly) session.setKeyIdentityProvider(s -> List.of());
            if (password != null) session.addPasswordIdentity(password);
            try {
                session.auth().verify(left(deadline));
            } catch (IOException | RuntimeException e) {
                throw authError(session, where, e);
            }
            ChannelExec channel = session.createExecChannel("/bin/sh -c " + Bootstrap.quote(script));
            channel.open().verify(left(deadline));
            return new SshChild(session, channel);
        } catch (IOException | RuntimeException e) {
            session.close(true);
            throw e;
        }
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
            return new StreamError("ssh to " + where + ": timed out connecting (connect timeout " + connectTimeout + ")", e);
        }
        return new StreamError("ssh to " + where + ": " + m, e);
    }

    private StreamError authError(ClientSession session, String where, Throwable e) {
        String hostKeyProblem = SshClients.hostKeyProblem(session);
        if (hostKeyProblem != null) return new HostKeyError("ssh to " + where + ": " + hostKeyProblem);
        String m = String.valueOf(e.getMessage()).toLowerCase();
        if (session.getServerVersion() == null) {
            return new StreamError("ssh to " + where + ": timed out waiting for the SSH server's greeting "
                    + "(is that port an SSH server?)", e);
        }
        if (m.contains("timeout") || m.contains("timed out")) {
            return new StreamError("ssh to " + where + ": timed out during authentication", e);
        }
        if (!m.contains("auth")) return new StreamError("ssh to " + where + ": " + e.getMessage(), e);
        if (password != null) {
            return new PasswordError("ssh to " + where + ": the password was refused (and no key was accepted)", e);
        }
        return new PasswordError("ssh to " + where + ": no key was accepted and no password was given; "
                + "pass an identity file, load the key in ssh-agent, or give a password", e);
    }

    /** The remote command as a {@link ChildProcess}: streams are the exec channel's, with no pump threads. */
    private static final class SshChild implements ChildProcess {
        private final ClientSession session;
        private final ChannelExec channel;

        SshChild(ClientSession session, ChannelExec channel) {
            this.session = session;
            this.channel = channel;
        }

        @Override
        public OutputStream stdin() {
            return channel.getInvertedIn();
        }

        @Override
        public InputStream stdout() {
            return channel.getInvertedOut();
        }

        @Override
        public InputStream stderr() {
            return channel.getInvertedErr();
        }

        @Override
        public long pid() {
            return -1;
        }

        @Override
        public boolean isAlive() {
            return channel.isOpen() && !channel.isClosing();
        }

        @Override
        public void kill() {
            // closing the channel and session ends the remote command's stdin: the child exits at once
            channel.close(true);
            session.close(true);
        }

        @Override
        public boolean waitFor(Duration timeout) {
            return channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout).contains(ClientChannelEvent.CLOSED);
        }

        @Override
        public Integer exitStatus() {
            return channel.getExitStatus();
        }

        @Override
        public boolean crossesNetwork() {
            return true;
        }
    }
}
