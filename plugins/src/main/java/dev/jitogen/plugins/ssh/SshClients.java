package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Router;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.ConfigFileHostEntryResolver;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.core.CoreModuleProperties;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One MINA {@link SshClient} per router (two if both compressed and plain connections are made), shared by all its
 * SSH contexts: MINA's thread pools belong to the client, so a client per connection would cost threads per host.
 * Closed when the router closes. The host-key policy travels per connection in the connection context, so one
 * client serves connections with different policies.
 *
 * <p>Thread-safe. The verifier runs on MINA's I/O threads and only reads files and attributes.
 */
final class SshClients {
    /** Why the host key was refused, for the error message. */
    /**
     * Why the host key was refused, kept in the connection's context: the session's own attributes are cleared when
     * MINA closes it after the refusal, which can come before the caller reads them.
     */
    private static final AttributeKey<java.util.concurrent.atomic.AtomicReference<String>> HOST_KEY_PROBLEM = new AttributeKey<>();
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
        return AttributeRepository.ofAttributesMap(Map.of(HOST_KEY_PROBLEM, new java.util.concurrent.atomic.AtomicReference<String>(),
                POLICY, policy,
                KNOWN_HOSTS, knownHosts != null ? knownHosts : sshDir("known_hosts"),
                CONFIG, config != null ? config : sshDir("config")));
    }

    /** Why the host key of {@code session}'s server was refused, or null if it was not. */
    static String hostKeyProblem(ClientSession session) {
        AttributeRepository ctx = session.getConnectionContext();
        java.util.concurrent.atomic.AtomicReference<String> problem = ctx == null ? null : ctx.getAttribute(HOST_KEY_PROBLEM);
        return problem == null ? null : problem.get();
    }

    static Path sshDir(String file) {
        return Path.of(System.getProperty("user.home"), ".ssh", file);
    }

    /** Applies each connection's {@link HostKeyPolicy}, recording why a key was refused. */
    private static final class PolicyVerifier implements org.apache.sshd.client.keyverifier.ServerKeyVerifier {
        @Override
        public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
            AttributeRepository ctx = session.getConnectionContext();
            HostKeyPolicy policy = ctx == null ? HostKeyPolicy.ENFORCE : ctx.getAttribute(POLICY);
            if (policy == HostKeyPolicy.IGNORE) return true;
            Path file = ctx.getAttribute(KNOWN_HOSTS);
            KnownHostsServerKeyVerifier v = new KnownHostsServerKeyVerifier(
                    policy == HostKeyPolicy.ACCEPT ? AcceptAllServerKeyVerifier.INSTANCE : (s, r, k) -> false, file) {
                @Override
                protected boolean acceptUnknownHostKey(ClientSession s, SocketAddress r, PublicKey k) {
                    if (policy == HostKeyPolicy.ACCEPT) return super.acceptUnknownHostKey(s, r, k);
                    ctx.getAttribute(HOST_KEY_PROBLEM).set("the host key of " + r + " (" + KeyUtils.getKeyType(k) + " "
                            + KeyUtils.getFingerPrint(k) + ") is not in " + file + " and host keys are enforced; "
                            + "add it (ssh-keyscan), or use check host keys accept");
                    return false;
                }

                @Override
                public boolean acceptModifiedServerKey(ClientSession s, SocketAddress r, KnownHostEntry entry,
                                                       PublicKey expected, PublicKey actual) {
                    ctx.getAttribute(HOST_KEY_PROBLEM).set("the host key of " + r + " has CHANGED: " + file + " has "
                            + KeyUtils.getFingerPrint(expected) + ", the server showed " + KeyUtils.getFingerPrint(actual)
                            + ". Someone may be intercepting the connection, or the host was reinstalled; if so, "
                            + "remove the old entry (ssh-keygen -R)");
                    return false;
                }
            };
            return v.verifyServerKey(session, remote, key);
        }
    }
}
