package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.service.Expose;
import dev.jitogen.plugins.service.ServicePool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Store and forward for pushing one file to many contexts (Mitogen's {@code PushFileService}): in an intermediary,
 * keeps each file pushed through it, by SHA-256, in a private directory for the intermediary's life, and copies it
 * from there to the intermediary's own children. So a file pushed to N contexts behind one intermediary crosses the
 * link to the intermediary once; and a context whose destination already holds the same content (same size and
 * SHA-256) is sent nothing. {@link RemoteFiles#putAll} drives it.
 *
 * <p>The cache directory ({@code jitogen-push-*} under the temporary directory, mode 0700) is deleted when the
 * intermediary's JVM exits normally; a killed one leaves it.
 *
 * <p>Threads: exposed methods run on the service pool's threads; {@link #forward} blocks while it copies.
 */
public final class PushFileService {
    private final Router router;
    /** Cached files by SHA-256 (hex); each file is complete and verified before it is listed. */
    private final Map<String, Path> cache = new ConcurrentHashMap<>();
    private volatile Path dir;

    public PushFileService(Router router) {
        this.router = router;
    }

    /** This context's instance (activating it); for code running in the intermediary. */
    static PushFileService here() {
        return ServicePool.of(Router.current()).service(PushFileService.class);
    }

    /** The cached file with this content, or null. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public String cached(String sha256) {
        Path p = cache.get(sha256);
        return p != null && Files.exists(p) ? p.toString() : null;
    }

    /** Where a push of content {@code sha256} should be written, to be {@link #stored} once complete. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public String slot(String sha256) throws IOException {
        if (!sha256.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a SHA-256: " + sha256);
        return directory().resolve(sha256).toString();
    }

    /** Lists a file written at its {@link #slot}, after checking that its content is {@code sha256}. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void stored(String sha256) throws IOException {
        Path p = Path.of(slot(sha256));
        if (!sha256.equals(sha256Of(p))) throw new IOException("the cached copy of " + sha256 + " does not match it");
        cache.put(sha256, p);
    }

    private synchronized Path directory() throws IOException {
        if (dir == null) {
            Path d = Files.createTempDirectory("jitogen-push-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var files = Files.list(d)) {
                    for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
                    Files.deleteIfExists(d);
                } catch (IOException ignored) {
                    // the JVM is exiting: nothing more to do
                }
            }));
            dir = d;
        }
        return dir;
    }

    /**
     * Copies the cached file {@code sha256} to {@code remote} in each child of this context named by id, unless it
     * holds that content already. Returns one map per child: {@code id}, and {@code size}, {@code sha256},
     * {@code millis}, {@code unchanged}, or {@code error}. Parents only.
     */
    List<Map<String, Object>> forward(String sha256, List<Integer> children, String remote, FileTransfer.Settings s) {
        Path src = cache.get(sha256);
        if (src == null) throw new IllegalStateException("no cached copy of " + sha256 + " in " + router.myName());
        List<Map<String, Object>> out = new ArrayList<>();
        for (int id : children) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", id);
            try {
                Context c = router.contextById(id);
                if (c == null) throw new FileTransferError("context " + id + " is not a child of " + router.myName());
                TransferResult t = RemoteFiles.putIfChanged(c, src, remote, TransferOptions.of(s), sha256);
                r.put("size", t.bytes());
                r.put("sha256", t.sha256());
                r.put("millis", t.elapsed().toMillis());
                r.put("unchanged", t.unchanged());
            } catch (RuntimeException e) {
                r.put("error", e.getMessage());
            }
            out.add(r);
        }
        return out;
    }

    /** The SHA-256 (hex) of a file's content, or null if it does not exist. */
    static String sha256Of(Path p) throws IOException {
        if (!Files.isRegularFile(p)) return null;
        MessageDigest sha = FileService.sha256();
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
