package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Router;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.ConfigFileHostEntryResolver;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.core.CoreModuleProperties;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One MINA {@link SshClient} per router (two if both compressed and plain connections are made), shared by all its
 * SSH contexts: MINA's thread pools belong to the client, so a client per connection would cost threads per host.
 * Closed when the router closes. The host-key policy travels per connection in the connection context, so one
 * client serves connections with different policies.
 *
 * <p>Thread-safe. The verifier runs on MINA's I/O threads; it reads attributes and the known-hosts file, and appends
 * to that file (see {@link KnownHosts}), never waiting on anything else.
 */
final class SshClients {
    /**
     * Why the host key was refused, kept in the connection's context: the session's own attributes are cleared when
     * MINA closes it after the refusal, which can come before the caller reads them.
     */
    private static final AttributeKey<AtomicReference<String>> HOST_KEY_PROBLEM = new AttributeKey<>();
    private static final AttributeKey<HostKeyPolicy> POLICY = new AttributeKey<>();
    private static final AttributeKey<Path> KNOWN_HOSTS = new AttributeKey<>();
    private static final AttributeKey<Path> CONFIG = new AttributeKey<>();
    /** One resolver per config file, each caching the parsed file until it changes. */
    private static final Map<Path, ConfigFileHostEntryResolver> RESOLVERS = new ConcurrentHashMap<>();

    /** Guarded by itself. */
    private static final Map<Router, Map<Boolean, SshClient>> CLIENTS = new WeakHashMap<>();

    private SshClients() {}

    static SshClient of(Router router, boolean compression) {
        synchronized (CLIENTS) {
            Map<Boolean, SshClient> byCompression = CLIENTS.get(router);
            if (byCompression == null) {
                byCompression = new ConcurrentHashMap<>();
                CLIENTS.put(router, byCompression);
                Map<Boolean, SshClient> toClose = byCompression;
                router.onClose(() -> {
                    toClose.values().forEach(c -> c.stop());
                    synchronized (CLIENTS) {
                        CLIENTS.remove(router);
                    }
                });
            }
            return byCompression.computeIfAbsent(compression, SshClients::newClient);
        }
    }

    private static SshClient newClient(boolean compression) {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(new PolicyVerifier());
        client.setHostConfigEntryResolver((host, port, local, user, proxyJump, ctx) -> {
            Path config = ctx != null && ctx.getAttribute(CONFIG) != null ? ctx.getAttribute(CONFIG) : sshDir("config");
            HostConfigEntry e = RESOLVERS.computeIfAbsent(config, ConfigFileHostEntryResolver::new)
                    .resolveEffectiveHost(host, port, local, user, proxyJump, ctx);
            if (e == null) e = new HostConfigEntry(host, host, port > 0 ? port : 22, user);
            if (e.getUsername() == null || e.getUsername().isBlank()) e.setUsername(System.getProperty("user.name"));
            return e;
        });
        if (compression) {
            client.setCompressionFactories(List.of(BuiltinCompressions.zlib, BuiltinCompressions.delayedZlib,
                    BuiltinCompressions.none));
        }
        // a context may sit idle for hours: no idle timeout; heartbeats keep NAT and firewalls from dropping it
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(30));
        client.start();
        return client;
    }

    /** The per-connection settings the verifier reads. */
    static AttributeRepository context(HostKeyPolicy policy, Path knownHosts, Path config) {
        return AttributeRepository.ofAttributesMap(Map.of(HOST_KEY_PROBLEM, new AtomicReference<String>(),
                POLICY, policy,
                KNOWN_HOSTS, knownHosts != null ? knownHosts : sshDir("known_hosts"),
                CONFIG, config != null ? config : sshDir("config")));
    }

    /** Why the host key of {@code session}'s server was refused, or null if it was not. */
    static String hostKeyProblem(ClientSession session) {
        AttributeRepository ctx = session.getConnectionContext();
        AtomicReference<String> problem = ctx == null ? null : ctx.getAttribute(HOST_KEY_PROBLEM);
        return problem == null ? null : problem.get();
    }

    static Path sshDir(String file) {
        return Path.of(System.getProperty("user.home"), ".ssh", file);
    }

    /** The host-key policy of {@code session}'s connection. */
    static HostKeyPolicy policy(ClientSession session) {
        AttributeRepository ctx = session.getConnectionContext();
        HostKeyPolicy p = ctx == null ? null : ctx.getAttribute(POLICY);
        return p != null ? p : HostKeyPolicy.ENFORCE;
    }

    /** Records why a host key was refused, for the error the connecting thread will throw. */
    static void refused(AttributeRepository ctx, String why) {
        AtomicReference<String> problem = ctx == null ? null : ctx.getAttribute(HOST_KEY_PROBLEM);
        if (problem != null) problem.set(why);
    }

    /** Applies each connection's {@link HostKeyPolicy} with the shared verifier of its known-hosts file. */
    private static final class PolicyVerifier implements ServerKeyVerifier {
        @Override
        public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
            if (policy(session) == HostKeyPolicy.IGNORE) return true;
            AttributeRepository ctx = session.getConnectionContext();
            Path file = ctx == null ? null : ctx.getAttribute(KNOWN_HOSTS);
            return KnownHosts.of(file != null ? file : sshDir("known_hosts")).verifyServerKey(session, remote, key);
        }
    }
}
