package dev.jitogen.plugins.ssh;

import dev.jitogen.core.PasswordError;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.client.auth.pubkey.KeyAgentIdentity;
import org.apache.sshd.client.auth.pubkey.KeyPairIdentity;
import org.apache.sshd.client.auth.pubkey.PublicKeyIdentity;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.SignatureFactoriesManager;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * The public keys one SSH session offers, in OpenSSH's order ({@code sshconnect2.c}, {@code pubkey_prepare}):
 * <ol>
 *   <li>keys of the identity files that the agent holds, in the files' order, signed by the agent;</li>
 *   <li>the agent's other keys, unless {@code IdentitiesOnly};</li>
 *   <li>the identity files the agent does not hold, read from disk, in order.</li>
 * </ol>
 * The identity files are those given ({@code -i}, {@link Ssh#identityFile}) followed by the config's
 * {@code IdentityFile}s; if there are none, the defaults ({@code ~/.ssh/id_rsa}, {@code id_ecdsa},
 * {@code id_ed25519}). A file's public key is read from {@code FILE.pub} or from the clear part of an OpenSSH-format
 * key, so a key the agent holds is never decrypted. An encrypted file the agent does not hold is opened with the
 * passphrase given; without one it is kept aside ({@link #locked}) for the connecting thread to ask for, after the
 * other keys were refused, as {@code ssh} prompts only when it gets that far.
 *
 * <p>Threads: {@link #prepare} runs on the connecting thread for the session the user asked for, and on a MINA I/O
 * thread for a {@code ProxyJump} hop that MINA authenticates by itself (reading small files and asking the local
 * agent, bounded by {@link UnixAgent#TIMEOUT}). {@link #iterator} runs on an I/O thread; {@link #unlock} and
 * {@link #close} on the connecting thread. The lists are written before the session's authentication starts, and
 * read by it afterwards: the session's attribute map publishes them safely.
 */
final class Identities implements Closeable {
    /** The prepared keys of a session, set by the connecting thread before it starts authenticating. */
    static final AttributeKey<Identities> KEY = new AttributeKey<>();
    /** The config's {@code IdentityFile}s for a session's host, set as MINA creates the session. */
    static final AttributeKey<List<String>> CONFIG_FILES = new AttributeKey<>();
    private static final List<String> DEFAULTS = List.of("id_rsa", "id_ecdsa", "id_ed25519");

    private final SshAgent agent;
    /** What to offer in the next authentication: agent keys ({@link Map.Entry} of key and comment) and key pairs. */
    private final List<Object> offers = new ArrayList<>();
    /** Encrypted identity files the agent does not hold, opened by no passphrase yet. */
    private final List<Path> locked = new ArrayList<>();

    private Identities(SshAgent agent) {
        this.agent = agent;
    }

    /**
     * Reads the identity files and asks the agent for its keys.
     *
     * @param given          identity files given for this connection, before the config's
     * @param identitiesOnly set for this connection; the config's {@code IdentitiesOnly} counts too
     * @param passphrase     for encrypted identity files, or null
     * @param where          {@code user@host:port}, for error messages
     * @throws PasswordError if {@code passphrase} does not open an encrypted file
     * @throws IOException   if a given identity file cannot be read or is not a private key
     */
    static Identities prepare(ClientSession session, List<Path> given, boolean identitiesOnly, String passphrase,
                              String where) throws IOException {
        List<Path> files = new ArrayList<>(given);
        List<String> configured = session.getAttribute(CONFIG_FILES);
        if (configured != null) for (String f : configured) files.add(Ssh.expandHome(f));
        boolean defaults = files.isEmpty();
        if (defaults) for (String d : DEFAULTS) files.add(SshClients.sshDir(d));
        identitiesOnly |= Boolean.FALSE.equals(session.getAttribute(UserAuthPublicKey.USE_DEFAULT_IDENTITIES));

        List<KeyFile> keys = new ArrayList<>();
        for (Path f : files) {
            boolean wasGiven = given.contains(f);
            // as ssh, FILE.pub alone will do for a key the agent holds
            if (!Files.isReadable(f) && !Files.isReadable(pubOf(f))) {
                if (wasGiven) throw new IOException("identity file " + f + " cannot be read (does it exist?)");
                continue; // as ssh: a config or default identity that is not there is skipped
            }
            keys.add(new KeyFile(f, wasGiven, publicKeyOf(session, f)));
        }

        SshAgent agent = openAgent(session);
        Identities ids = new Identities(agent);
        try {
            List<Map.Entry<PublicKey, String>> agentKeys = new ArrayList<>();
            if (agent != null) {
                try {
                    for (Map.Entry<PublicKey, String> e : agent.getIdentities()) agentKeys.add(e);
                } catch (IOException e) {
                    KnownHosts.LOG.warning("ssh to " + where + ": could not list the keys of the " + agent + ": " + e.getMessage());
                }
            }
            List<Map.Entry<PublicKey, String>> unmatched = new ArrayList<>(agentKeys);
            for (KeyFile k : keys) {
                Map.Entry<PublicKey, String> held = k.publicKey == null ? null : find(agentKeys, k.publicKey);
                if (held != null) {
                    ids.offers.add(held);
                    unmatched.remove(held);
                    k.inAgent = true;
                }
            }
            if (!identitiesOnly) ids.offers.addAll(unmatched);
            for (KeyFile k : keys) {
                if (k.inAgent || !Files.isReadable(k.path)) continue;
                KeyPair pair = k.open(session, passphrase, where);
                if (pair != null) ids.offers.add(pair);
                else if (k.encrypted) ids.locked.add(k.path);
            }
            return ids;
        } catch (IOException | RuntimeException e) {
            ids.close();
            throw e;
        }
    }

    /** Encrypted identity files not opened: for the connecting thread to ask their passphrases. */
    List<Path> locked() {
        return List.copyOf(locked);
    }

    /**
     * Opens the locked files with the passphrases {@code prompt} gives (null skips a file), which become the only
     * keys the next authentication offers. True if any was opened. Connecting thread.
     *
     * @throws PasswordError if a passphrase does not open its file
     */
    boolean unlock(ClientSession session, PassphrasePrompt prompt, String where) throws IOException {
        offers.clear();
        for (Path f : locked) {
            String passphrase = prompt.passphrase(f);
            if (passphrase == null) continue;
            KeyPair pair = new KeyFile(f, true, null).open(session, passphrase, where);
            if (pair != null) offers.add(pair);
        }
        locked.clear();
        return !offers.isEmpty();
    }

    /** The keys to offer now, as MINA's public-key authentication takes them. I/O thread. */
    Iterator<PublicKeyIdentity> iterator(ClientSession session, SignatureFactoriesManager signatures) {
        List<PublicKeyIdentity> out = new ArrayList<>();
        for (Object o : offers) {
            if (o instanceof KeyPair kp) {
                out.add(new KeyPairIdentity(signatures, session, kp));
            } else {
                @SuppressWarnings("unchecked")
                Map.Entry<PublicKey, String> held = (Map.Entry<PublicKey, String>) o;
                out.add(new KeyAgentIdentity(agent, held.getKey(), held.getValue()));
            }
        }
        return out.iterator();
    }

    /** How many keys the next authentication offers; for error messages. */
    int offered() {
        return offers.size();
    }

    boolean hasAgent() {
        return agent != null;
    }

    @Override
    public void close() {
        if (agent == null) return;
        try {
            agent.close();
        } catch (IOException e) {
            KnownHosts.LOG.log(Level.FINE, "closing the connection to the agent", e);
        }
    }

    private static Map.Entry<PublicKey, String> find(List<Map.Entry<PublicKey, String>> keys, PublicKey key) {
        for (Map.Entry<PublicKey, String> e : keys) if (KeyUtils.compareKeys(e.getKey(), key)) return e;
        return null;
    }

    /**
     * The agent to ask: the one given for the connection ({@link Ssh#identityAgent}), else the config's
     * {@code IdentityAgent}, else {@code SSH_AUTH_SOCK}; none if that is {@code none}, unset, or not a socket.
     */
    private static SshAgent openAgent(ClientSession session) {
        var ctx = session.getConnectionContext();
        String s = ctx == null ? null : ctx.getAttribute(SshClients.AGENT);
        if (s == null || s.isEmpty()) s = session.getAttribute(UserAuthPublicKey.IDENTITY_AGENT);
        if (s == null || s.isEmpty() || s.equals("SSH_AUTH_SOCK")) s = System.getenv(SshAgent.SSH_AUTHSOCKET_ENV_NAME);
        if (s == null || s.isEmpty() || s.equalsIgnoreCase("none")) return null;
        Path path = Ssh.expandHome(s);
        try {
            return UnixAgent.connect(path);
        } catch (IOException | RuntimeException e) {
            // as ssh: a dead agent socket is not a failure; the other keys may still do
            KnownHosts.LOG.fine(() -> "no agent at " + path + ": " + e);
            return null;
        }
    }

    private static Path pubOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".pub");
    }

    /** The public key of a private key file without opening it: {@code FILE.pub}, or an OpenSSH key's clear part. */
    private static PublicKey publicKeyOf(SessionContext session, Path file) {
        try {
            Path pub = pubOf(file);
            if (Files.isReadable(pub)) {
                String line = Files.readString(pub, StandardCharsets.UTF_8).strip();
                PublicKey k = PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(session, Map.of(),
                        PublicKeyEntryResolver.IGNORING);
                if (k != null) return k;
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            String begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----";
            int b = text.indexOf(begin), e = text.indexOf(end);
            if (b < 0 || e < b) return null;
            byte[] blob = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
            byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
            if (blob.length < magic.length || !java.util.Arrays.equals(blob, 0, magic.length, magic, 0, magic.length)) {
                return null;
            }
            // after the magic, in clear even when the key is encrypted: cipher, kdf, kdf options, count, public keys
            ByteArrayBuffer buf = new ByteArrayBuffer(blob, magic.length, blob.length - magic.length);
            buf.getString();
            buf.getString();
            buf.getBytes();
            if (buf.getInt() < 1) return null;
            return new ByteArrayBuffer(buf.getBytes()).getRawPublicKey();
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            return null; // then the key is matched with the agent's only once opened
        }
    }

    /** One identity file. */
    private static final class KeyFile {
        final Path path;
        final boolean given;
        final PublicKey publicKey;
        boolean inAgent, encrypted;

        KeyFile(Path path, boolean given, PublicKey publicKey) {
            this.path = path;
            this.given = given;
            this.publicKey = publicKey;
        }

        /**
         * Reads the key pair, with {@code passphrase} if the file is encrypted. Null if it is encrypted and no
         * passphrase was given ({@link #encrypted} then says so), or if a config or default file is not a key.
         */
        KeyPair open(SessionContext session, String passphrase, String where) throws IOException {
            boolean[] asked = new boolean[1];
            FilePasswordProvider passwords = (s, resource, retry) -> {
                asked[0] = true;
                if (passphrase == null || retry > 0) throw new Locked();
                return passphrase;
            };
            try (InputStream in = Files.newInputStream(path)) {
                Iterator<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(session, new PathResource(path), in,
                        passwords).iterator();
                if (pairs.hasNext()) return pairs.next();
                if (given) throw new IOException("identity file " + path + " holds no private key Jitogen can read");
                return null;
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                if (asked[0] && passphrase == null) { // our Locked, however MINA wrapped it
                    encrypted = true;
                    return null;
                }
                if (asked[0]) {
                    throw new PasswordError("ssh to " + where + ": the passphrase given for key " + path + " is wrong "
                            + "(it does not decrypt the key); give the right one with --passphrase-env VAR "
                            + "(Java: .passphrase(...)), or add the key to ssh-agent (ssh-add " + path + ")", e);
                }
                if (given) throw new IOException("identity file " + path + " is not a private key Jitogen can read: " + e.getMessage(), e);
                KnownHosts.LOG.fine(() -> "skipping identity file " + path + ": " + e);
                return null;
            }
        }
    }

    /** Thrown to MINA's key reader when a key is encrypted and there is no passphrase (yet). */
    private static final class Locked extends IOException {
        Locked() {
            super("encrypted, and no passphrase was given");
        }
    }

    @Override
    public String toString() {
        return "Identities(" + offers.size() + " to offer, " + locked.size() + " locked" + (agent != null ? ", " + agent : "") + ")";
    }
}
