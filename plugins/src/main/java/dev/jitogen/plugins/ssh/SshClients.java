package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Router;
import dev.jitogen.plugins.Jit;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.UserAuthFactory;
import org.apache.sshd.client.auth.pubkey.PublicKeyIdentity;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.config.hosts.ConfigFileHostEntryResolver;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.helpers.AbstractSession;
import org.apache.sshd.common.signature.SignatureFactoriesManager;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.core.CoreModuleProperties;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.Comparator;
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
 * Public-key authentication offers each session's {@link Identities} in OpenSSH's order; a router's
 * {@link PassphrasePrompt} is kept here too.
 *
 * <p>Thread-safe. The verifier runs on MINA's I/O threads; it reads attributes and the known-hosts file, and appends
 * to that file (see {@link KnownHosts}), never waiting on anything else. Authentication runs there too: it asks the
 * agent to sign (bounded by {@link UnixAgent#TIMEOUT}), and for a {@code ProxyJump} hop reads its identity files.
 * The prompt is only ever called on the connecting thread.
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
    /** The agent socket given for the connection ({@link Ssh#identityAgent}), or empty. */
    static final AttributeKey<String> AGENT = new AttributeKey<>();
    /** One resolver per config file, each caching the parsed file until it changes. */
    private static final Map<Path, ConfigFileHostEntryResolver> RESOLVERS = new ConcurrentHashMap<>();

    /** Each router's clients and passphrase prompt. Guarded by itself. */
    private static final Map<Router, PerRouter> ROUTERS = new WeakHashMap<>();

    /** A router's SSH state, dropped when it closes. */
    private static final class PerRouter {
        final Map<Boolean, SshClient> byCompression = new ConcurrentHashMap<>();
        volatile PassphrasePrompt prompt;
    }

    /** The receive window of every channel ({@code CoreModuleProperties.WINDOW_SIZE}); MINA's default is 2 MiB. */
    static final long WINDOW_BYTES = 8L << 20;

    private SshClients() {}

    private static PerRouter state(Router router) {
        synchronized (ROUTERS) {
            PerRouter state = ROUTERS.get(router);
            if (state == null) {
                PerRouter made = new PerRouter();
                ROUTERS.put(router, made);
                router.onClose(() -> {
                    made.byCompression.values().forEach(SshClient::stop);
                    synchronized (ROUTERS) {
                        ROUTERS.remove(router);
                    }
                });
                state = made;
            }
            return state;
        }
    }

    static SshClient of(Router router, boolean compression) {
        return state(router).byCompression.computeIfAbsent(compression, SshClients::newClient);
    }

    static void prompt(Router router, PassphrasePrompt prompt) {
        state(router).prompt = prompt;
    }

    /** The router's passphrase prompt, or null. */
    static PassphrasePrompt prompt(Router router) {
        synchronized (ROUTERS) {
            PerRouter state = ROUTERS.get(router);
            return state == null ? null : state.prompt;
        }
    }

    private static SshClient newClient(boolean compression) {
        SshClient client = ClientBuilder.builder().factory(Client::new).build();
        client.setServerKeyVerifier(new PolicyVerifier());
        // keys are chosen per session, in OpenSSH's order (Identities): MINA's own default identities would come
        // first, and would read ~/.ssh on their own
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        List<UserAuthFactory> auths = new ArrayList<>();
        for (UserAuthFactory f : SshClient.DEFAULT_USER_AUTH_FACTORIES) {
            auths.add(f instanceof UserAuthPublicKeyFactory ? new OpenSshOrder() : f);
        }
        client.setUserAuthFactories(auths);
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
        // MINA offers chacha20-poly1305 first, as OpenSSH does; in Java it is plain code (a profile of a file copy
        // over SSH showed it on every MINA thread), while AES-GCM and AES-CTR run on the CPU's AES instructions
        // through JDK intrinsics: offer those first (a stable sort keeps MINA's order within each group). Only C2
        // has those intrinsics: a JVM without it (the shell's) keeps chacha20-poly1305 first, 85 MB/s there
        // against AES-GCM's 15 (Jit)
        if (!Jit.withoutC2()) {
            List<NamedFactory<Cipher>> ciphers = new ArrayList<>(client.getCipherFactories());
            ciphers.sort(Comparator.comparingInt(f -> f.getName().contains("-gcm") ? 0 : f.getName().endsWith("-ctr") ? 1 : 2));
            client.setCipherFactories(ciphers);
        }
        // the window each channel offers its server: MINA's 2 MiB (adjusted once half is used) held gets over
        // loopback SSH near 110 MB/s whatever the load, as sshd stopped for the adjustment; 8 MiB let them reach
        // 150-170. It costs no memory here: the channel hands every packet on as it arrives (SshChild.Exec)
        CoreModuleProperties.WINDOW_SIZE.set(client, WINDOW_BYTES);
        // a context may sit idle for hours: no idle timeout; heartbeats keep NAT and firewalls from dropping it
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(30));
        client.start();
        return client;
    }

    /**
     * MINA's client, keeping what the config says of each session's identity files, which MINA would otherwise
     * read itself and forget: {@link Identities} puts them in OpenSSH's order.
     */
    private static final class Client extends SshClient {
        @Override
        protected KeyIdentityProvider preloadClientIdentities(Collection<? extends NamedResource> locations) {
            return KeyIdentityProvider.EMPTY_KEYS_PROVIDER;
        }

        @Override
        protected void onConnectOperationComplete(IoSession io, ConnectFuture future, String user, SocketAddress address,
                                                  KeyIdentityProvider identities, HostConfigEntry host)
                throws IOException, GeneralSecurityException {
            // before MINA hands the session over (in super), so that it is there when authentication starts
            Session session = AbstractSession.getSession(io, true);
            if (session != null) session.setAttribute(Identities.CONFIG_FILES, List.copyOf(host.getIdentities()));
            super.onConnectOperationComplete(io, future, user, address, identities, host);
        }
    }

    /** Public-key authentication offering {@link Identities}' keys. Runs on MINA's I/O threads. */
    private static final class OpenSshOrder extends UserAuthPublicKeyFactory {
        @Override
        public UserAuthPublicKey createUserAuth(ClientSession session) {
            return new UserAuthPublicKey(getSignatureFactories()) {
                @Override
                protected Iterator<PublicKeyIdentity> createPublicKeyIterator(ClientSession s,
                                                                              SignatureFactoriesManager signatures)
                        throws Exception {
                    Identities prepared = s.getAttribute(Identities.KEY);
                    if (prepared != null) return prepared.iterator(s, signatures);
                    // a ProxyJump hop, which MINA authenticates by itself: what ssh would offer it (no -i, no prompt)
                    Identities hop = Identities.prepare(s, List.of(), false, null, String.valueOf(s.getConnectAddress()));
                    return new ClosingIterator(hop.iterator(s, signatures), hop);
                }
            };
        }
    }

    /** Closes a hop's {@link Identities} (its agent connection) when MINA releases the keys. */
    private record ClosingIterator(Iterator<PublicKeyIdentity> keys, Identities owner)
            implements Iterator<PublicKeyIdentity>, java.io.Closeable {
        @Override
        public boolean hasNext() {
            return keys.hasNext();
        }

        @Override
        public PublicKeyIdentity next() {
            return keys.next();
        }

        @Override
        public void close() {
            owner.close();
        }
    }

    /** The port {@code ssh host} would connect to: the config's {@code Port} for it, else 22. */
    static int configuredPort(String host, String user, Path config) {
        Path file = config != null ? config : sshDir("config");
        try {
            HostConfigEntry e = RESOLVERS.computeIfAbsent(file, ConfigFileHostEntryResolver::new)
                    .resolveEffectiveHost(host, 0, null, user, null, null);
            return e != null && e.getPort() > 0 ? e.getPort() : 22;
        } catch (IOException | RuntimeException e) {
            return 22; // the connection will say what is wrong with the config
        }
    }

    /** The per-connection settings the verifier reads. */
    static AttributeRepository context(HostKeyPolicy policy, Path knownHosts, Path config, String agent) {
        return AttributeRepository.ofAttributesMap(Map.of(HOST_KEY_PROBLEM, new AtomicReference<String>(),
                POLICY, policy, AGENT, agent != null ? agent : "",
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
