package dev.jitogen.plugins.ssh;

import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.config.keys.KeyUtils;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * One {@code known_hosts} file, checked the way OpenSSH's {@code StrictHostKeyChecking} does: {@code yes} for
 * {@link HostKeyPolicy#ENFORCE}, {@code accept-new} for {@link HostKeyPolicy#ACCEPT}. There is one per file, shared
 * by every connection of every router in this JVM: MINA's verifier keeps the parsed file and reads it again only
 * when it changes, so a hundred hosts cost one parse. Each connection's policy, and the slot where a refusal is
 * explained, come with its connection context ({@link SshClients#context}).
 *
 * <p>Threads: {@link #verifyServerKey} runs on MINA's I/O threads, any number at once; it reads and appends to a
 * local file and never waits for anything else. Appends are serialized per file.
 */
final class KnownHosts extends KnownHostsServerKeyVerifier {
    static final Logger LOG = Logger.getLogger("dev.jitogen.plugins.ssh");
    private static final Map<Path, KnownHosts> BY_FILE = new ConcurrentHashMap<>();

    /** Keys this JVM recorded in the file, so that twenty connections racing to a new host append it once. */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    private KnownHosts(Path file) {
        // the delegate is asked only about unknown keys, after the policy allowed them (acceptUnknownHostKey)
        super((session, remote, key) -> true, file);
    }

    /** The verifier of {@code file}, shared. */
    static KnownHosts of(Path file) {
        return BY_FILE.computeIfAbsent(file.toAbsolutePath().normalize(), KnownHosts::new);
    }

    @Override
    protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
        AttributeRepository ctx = session.getConnectionContext();
        if (SshClients.policy(session) != HostKeyPolicy.ACCEPT) {
            SshClients.refused(ctx, "the host key of " + where(remote) + " (" + describe(key) + ") is not in "
                    + getPath() + " and host keys are enforced. If this is the host you meant, record its key with "
                    + "ssh-keyscan" + keyscanArgs(remote) + " >> " + getPath() + ", or connect once with "
                    + "--check-host-keys accept (Java: .checkHostKeys(HostKeyPolicy.ACCEPT)), which records it");
            return false;
        }
        if (!recorded.add(where(remote) + " " + KeyUtils.getFingerPrint(key))) return true; // appended already
        return super.acceptUnknownHostKey(session, remote, key);
    }

    /** Creates {@code ~/.ssh} (0700) and the file (0600) when missing, as OpenSSH does, then appends the key. */
    @Override
    protected KnownHostEntry updateKnownHostsFile(ClientSession session, SocketAddress remote, PublicKey key, Path file,
                                                  Collection<HostEntryPair> known) throws Exception {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(existingAncestor(dir)).supportsFileAttributeView("posix");
        if (dir != null && !Files.isDirectory(dir)) {
            if (posix) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            else Files.createDirectories(dir);
        }
        if (!Files.exists(file)) {
            try {
                if (posix) Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                else Files.createFile(file);
            } catch (FileAlreadyExistsException raced) {
                // another process made it meanwhile: append to theirs
            }
        }
        KnownHostEntry entry = super.updateKnownHostsFile(session, remote, key, file, known);
        LOG.fine(() -> "recorded the host key of " + where(remote) + " (" + describe(key) + ") in " + file);
        return entry;
    }

    private static Path existingAncestor(Path p) {
        while (p != null && !Files.exists(p)) p = p.getParent();
        return p != null ? p : Path.of("/");
    }

    /** Not recording the key is no reason to refuse the host (OpenSSH goes on too); the operator hears why. */
    @Override
    protected void handleKnownHostsFileUpdateFailure(ClientSession session, SocketAddress remote, PublicKey key,
                                                     Path file, Collection<HostEntryPair> known, Throwable reason) {
        recorded.remove(where(remote) + " " + KeyUtils.getFingerPrint(key));
        LOG.warning("could not record the host key of " + where(remote) + " (" + describe(key) + ") in " + file + ": "
                + (reason instanceof IOException ? reason.toString() : reason.getMessage())
                + "; connected anyway, and the next connection will meet the key as new");
    }

    @Override
    public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
                                           PublicKey expected, PublicKey actual) {
        SshClients.refused(session.getConnectionContext(), "the host key of " + where(remote) + " has CHANGED: "
                + getPath() + " has " + describe(expected) + ", the server showed " + describe(actual) + ". Someone may "
                + "be intercepting the connection, or the host was reinstalled; if you know it was, remove the old "
                + "entry with ssh-keygen -R " + keygenHost(remote) + " -f " + getPath() + " and connect again");
        return false;
    }

    static String describe(PublicKey key) {
        return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
    }

    private static String where(SocketAddress remote) {
        if (remote instanceof InetSocketAddress a) return a.getHostString() + ":" + a.getPort();
        return String.valueOf(remote);
    }

    private static String keyscanArgs(SocketAddress remote) {
        if (remote instanceof InetSocketAddress a) return (a.getPort() != 22 ? " -p " + a.getPort() : "") + " " + a.getHostString();
        return " HOST";
    }

    private static String keygenHost(SocketAddress remote) {
        if (remote instanceof InetSocketAddress a) {
            return a.getPort() != 22 ? "'[" + a.getHostString() + "]:" + a.getPort() + "'" : a.getHostString();
        }
        return "HOST";
    }
}
