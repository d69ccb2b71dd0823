package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ChildEnvironment;
import dev.jitogen.core.spi.ConnectionMethod;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ssh} as a {@link ConnectionMethod}, which gives the shell its {@code /ssh} command:
 * {@code /ssh web1 deploy@web1.example.org:2222 --identity ~/.ssh/deploy_ed25519 --check-host-keys accept}.
 *
 * <p>Threads: stateless; any thread. {@link #connect} blocks the caller until the context is ready.
 */
public final class SshMethod implements ConnectionMethod {
    @Override
    public String name() {
        return "ssh";
    }

    @Override
    public String summary() {
        return "start a JVM on another host over SSH";
    }

    @Override
    public List<Option> options() {
        return List.of(
                new Option("destination", null, "[USER@]HOST[:PORT]", "where to connect; HOST may be a ~/.ssh/config alias"),
                new Option("identity", "--identity", "FILE", "a private key to offer first"),
                new Option("identities-only", "--identities-only", null, "offer only --identity keys"),
                new Option("password-env", "--password-env", "VAR", "take the password from environment variable VAR"),
                new Option("passphrase-env", "--passphrase-env", "VAR", "take encrypted keys' passphrase from environment variable VAR"),
                new Option("identity-agent", "--identity-agent", "SOCKET|none", "the agent's socket (default $SSH_AUTH_SOCK)"),
                new Option("check-host-keys", "--check-host-keys", "enforce|accept|ignore", "host key policy (default enforce)"),
                new Option("known-hosts", "--known-hosts", "FILE", "known hosts file (default ~/.ssh/known_hosts)"),
                new Option("config", "--config", "FILE", "ssh client config (default ~/.ssh/config)"),
                new Option("compression", "--compression", null, "turn zlib compression on (for a slow link; default off)"),
                new Option("no-compression", "--no-compression", null, "zlib compression off (the default)"),
                new Option("connect-timeout", "--connect-timeout", "SECONDS", "connect, log in and start within (default 30)"),
                new Option("remote-name", "--remote-name", "NAME", "shown as jitogen:NAME in the remote ps"),
                new Option("java", "--java", "PATH", "java on the target (default: java on its PATH)"),
                new Option("debug", "--debug", null, "log the child's internals at debug level"));
    }

    /**
     * A destination as users write it, {@code [USER@]HOST[:PORT]}: user null when not given, port 0 when not given
     * (the config's or 22), -1 when not a port from 1 to 65535. A host with more than one colon is an IPv6 address
     * and has no port part. Stateless.
     */
    public record Destination(String user, String host, int port) {
        public static Destination parse(String dest) {
            int at = dest.lastIndexOf('@');
            String user = at >= 0 ? dest.substring(0, at) : null;
            String host = dest.substring(at + 1);
            int port = 0;
            int colon = host.lastIndexOf(':');
            if (colon > 0 && host.indexOf(':') == colon) {
                try {
                    port = Integer.parseInt(host.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) port = -1;
                host = host.substring(0, colon);
            }
            return new Destination(user, host, port);
        }
    }

    /** {@code web1} for {@code web1}, {@code web1_example_org} for {@code deploy@web1.example.org:2222}. */
    @Override
    public String variableFor(Map<String, String> o) {
        String dest = o.get("destination");
        if (dest == null) return null;
        String v = Destination.parse(dest).host().replaceAll("[^A-Za-z0-9_]", "_");
        if (v.isEmpty()) return null;
        return Character.isDigit(v.charAt(0)) ? "host_" + v : v; // an address: 10.0.0.5 gives host_10_0_0_5
    }

    @Override
    public Context connect(Router router, String name, Map<String, String> o, Context via) {
        String dest = o.get("destination");
        if (dest == null) throw new IllegalArgumentException("give the destination, [USER@]HOST[:PORT]");
        Destination d = Destination.parse(dest);
        if (d.port() < 0) throw new IllegalArgumentException("bad port in " + dest + ": a port is 1 to 65535");
        Ssh ssh = Ssh.to(d.host()).name(name).remoteName(o.getOrDefault("remote-name", name)).via(via);
        if (d.user() != null) ssh.username(d.user());
        if (d.port() > 0) ssh.port(d.port());
        if (o.containsKey("identity")) ssh.identityFile(Path.of(o.get("identity")));
        if (o.containsKey("identities-only")) ssh.identitiesOnly(true);
        if (o.containsKey("password-env")) ssh.password(ChildEnvironment.readPassword(o.get("password-env")));
        if (o.containsKey("passphrase-env")) ssh.passphrase(secret("--passphrase-env", o.get("passphrase-env")));
        if (o.containsKey("identity-agent")) ssh.identityAgent(o.get("identity-agent"));
        if (o.containsKey("check-host-keys")) {
            try {
                ssh.checkHostKeys(HostKeyPolicy.valueOf(o.get("check-host-keys").toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--check-host-keys takes enforce, accept or ignore, not "
                        + o.get("check-host-keys"));
            }
        }
        if (o.containsKey("known-hosts")) ssh.knownHosts(Path.of(o.get("known-hosts")));
        if (o.containsKey("config")) ssh.configFile(Path.of(o.get("config")));
        if (o.containsKey("compression")) ssh.compression(true);
        if (o.containsKey("no-compression")) ssh.compression(false);
        if (o.containsKey("connect-timeout")) ssh.connectTimeout(ConnectionMethod.seconds("--connect-timeout", o.get("connect-timeout")));
        if (o.containsKey("java")) ssh.javaPath(o.get("java").trim().split("\\s+"));
        if (o.containsKey("debug")) ssh.debug(true);
        return ssh.connect(router);
    }

    /**
     * The value of environment variable {@code variable}, which is then withheld from every process Jitogen starts
     * (as for {@code --password-env}: see {@link ChildEnvironment}).
     */
    private static String secret(String flag, String variable) {
        if (System.getenv(variable) == null) {
            throw new IllegalArgumentException("environment variable " + variable + " is not set (" + flag
                    + " names the variable that holds it: export " + variable + "=... first)");
        }
        return ChildEnvironment.readPassword(variable);
    }
}
