package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.service.Expose;
import dev.jitogen.plugins.service.ServicePool;
import dev.jitogen.plugins.service.ServiceRef;

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

/**
 * Store and forward for pushing one file to many contexts (Mitogen's {@code PushFileService}): in an intermediary,
 * pulls each file pushed through it once from the pusher, keeps it by SHA-256 in a private directory, and copies it
 * from there to the intermediary's own children. So a file pushed to N contexts behind one intermediary crosses the
 * link to the intermediary once; and a context whose destination already holds the same content (same size and
 * SHA-256) is sent nothing. {@link RemoteFiles#putAll} drives it.
 *
 * <p>The cache is bounded in bytes ({@link #DEFAULT_CACHE_BYTES}, or {@link #cacheLimit}): storing a file evicts the
 * least recently used ones until the total fits, except those a push is reading at that moment (so the total can
 * exceed the bound by what running pushes hold, and only while they run). A file larger than the bound is still
 * pulled once and forwarded from disk, but kept only for that push: it is deleted when the push ends, and a later push
 * of it crosses the link again. The directory ({@code jitogen-push-*} under the temporary directory, mode 0700) is
 * deleted when the intermediary's JVM exits normally; a killed one leaves it.
 *
 * <p>Threads: exposed methods run on the service pool's threads, {@link #push} (a call from the pusher) on a call
 * thread, which it blocks while it copies. The cache's bookkeeping is guarded by {@code this}; no file is read or
 * written while holding it, except for deleting evicted files.
 */
public final class PushFileService {
    /** The cache's default bound: what a push leaves on the intermediary's disk (often a memory-backed /tmp). */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;

    private final Router router;
    /** Cached files by SHA-256 (hex), least recently used first; each complete and verified. Guarded by this. */
    private final LinkedHashMap<String, Entry> cache = new LinkedHashMap<>(16, 0.75f, true);
    /** Bytes of the files in {@link #cache}. Guarded by this. */
    private long cachedBytes;
    /** The bound on {@link #cachedBytes}, save for files pinned by running pushes. Guarded by this. */
    private long limit = DEFAULT_CACHE_BYTES;
    private volatile Path dir;

    /** One cached file; {@code pins} counts the pushes reading it, which eviction leaves alone. Guarded by the service. */
    private static final class Entry {
        final Path path;
        final long size;
        int pins;

        Entry(Path path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    public PushFileService(Router router) {
        this.router = router;
    }

    /** This context's instance (activating it); for code running in the intermediary. */
    static PushFileService here() {
        return ServicePool.of(Router.current()).service(PushFileService.class);
    }

    /** The cached file with this content, or null. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public synchronized String cached(String sha256) {
        Entry e = cache.get(sha256);
        return e != null && Files.exists(e.path) ? e.path.toString() : null;
    }

    /** Bytes of the files cached now. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Sets the cache's bound in bytes (0: keep nothing past each push), evicting at once what no longer fits. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public synchronized void cacheLimit(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("a cache limit is a number of bytes, 0 or more, not " + bytes);
        limit = bytes;
        evict();
    }

    /**
     * Gets the content {@code sha256} ({@code size} bytes) into the cache, pulling it from {@code source} of the
     * file service {@code from} unless it is there already, then copies it to {@code remote} in each child of this
     * context named by id, unless that child holds it already. Returns one map per child: {@code id}, and
     * {@code size}, {@code sha256}, {@code millis}, {@code unchanged}, or {@code error}. Runs in the intermediary,
     * called by the pusher (a parent).
     *
     * @param seed a file of this context that should hold the content already (the intermediary's own copy, when it
     *             is a target of the push too), or null: a copy of it that hashes to {@code sha256} fills the cache
     *             instead of a pull over the link
     */
    List<Map<String, Object>> push(ServiceRef from, String source, String sha256, long size, List<Integer> children,
                                   String remote, FileTransfer.Settings s, String seed) throws IOException {
        Entry e = acquire(from, source, sha256, size, seed);
        try {
            return forward(e.path, sha256, children, remote, s);
        } finally {
            release(sha256, e);
        }
    }

    /**
     * The cache entry of {@code sha256}, pinned; copied from {@code seed} or else pulled first if need be (kept only
     * if it fits the bound).
     */
    private Entry acquire(ServiceRef from, String source, String sha256, long size, String seed) throws IOException {
        if (!sha256.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a SHA-256: " + sha256);
        boolean keep;
        synchronized (this) {
            Entry e = cache.get(sha256);
            if (e != null && Files.exists(e.path)) {
                e.pins++;
                return e;
            }
            keep = size <= limit;
        }
        // a file that will not be kept gets a name of its own, so no other push can take it for a cached one
        Path target = directory().resolve(keep ? sha256 : sha256 + ".once-" + Long.toHexString(
                java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        if (seed == null || !copied(Path.of(seed), target, sha256, size)) {
            Map<String, Object> got = FileTransfer.pull(from, source, target.toString(),
                    new FileTransfer.Settings(0600, null, null, true, true), null);
            if (!sha256.equals(got.get("sha256"))) {
                Files.deleteIfExists(target);
                throw new FileTransferError("'" + source + "' changed while it was pushed: its content is now "
                        + got.get("sha256") + ", not " + sha256 + " (push it again)");
            }
        }
        Entry e = new Entry(target, size);
        e.pins = 1;
        if (!keep) return e;
        synchronized (this) {
            Entry other = cache.get(sha256); // another push of the same content got here first: share its entry
            if (other != null) {
                other.pins++;
                return other;
            }
            cache.put(sha256, e);
            cachedBytes += size;
            evict();
            return e;
        }
    }

    /**
     * Copies {@code seed} to {@code target} in the cache's directory if it is a regular file of {@code size} bytes
     * whose copy hashes to {@code sha256} (the copy is what is checked, so a seed changed meanwhile is caught);
     * false, leaving nothing behind, if not.
     */
    private static boolean copied(Path seed, Path target, String sha256, long size) {
        Path tmp = target.resolveSibling(target.getFileName() + ".seed-"
                + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        try {
            if (!Files.isRegularFile(seed, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(seed) != size) {
                return false;
            }
            Files.copy(seed, tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            if (Files.size(tmp) != size || !sha256.equals(sha256Of(tmp))) return false;
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // pulled over the link instead
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a private directory, deleted when the JVM exits
            }
        }
    }

    private void release(String sha256, Entry e) throws IOException {
        boolean kept;
        synchronized (this) {
            e.pins--;
            kept = cache.get(sha256) == e || e.pins > 0;
            if (kept) evict(); // what this push held past the bound goes now
        }
        if (!kept) Files.deleteIfExists(e.path); // too large to cache: kept for this push only
    }

    /** Drops least recently used files no push is reading until the cache fits its bound. Holds this. */
    private void evict() {
        for (var it = cache.entrySet().iterator(); cachedBytes > limit && it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (e.pins > 0) continue;
            it.remove();
            cachedBytes -= e.size;
            try {
                Files.deleteIfExists(e.path);
            } catch (IOException ignored) {
                // the directory is private and goes when the JVM exits; the bytes are no longer counted
            }
        }
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

    /** Where the cache lives, created on first use; for tests. Any thread. */
    Path directoryForTests() throws IOException {
        return directory();
    }

    /** Copies {@code src} (content {@code sha256}) to {@code remote} in each child named by id; see {@link #push}. */
    private List<Map<String, Object>> forward(Path src, String sha256, List<Integer> children, String remote,
                                              FileTransfer.Settings s) {
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

    /**
     * The SHA-256 (hex) of a file's content, or null if it does not exist. A large file in a JVM that hashes slowly
     * goes through {@link Hasher}, and so through OpenSSL where the host has it, as a transfer's bytes do: a C1-only
     * child took 1.5 to 2.5 s to find 128 MiB unchanged in Java.
     */
    static String sha256Of(Path p) throws IOException {
        if (!Files.isRegularFile(p)) return null;
        int chunk = 256 * 1024;
        try (InputStream in = Files.newInputStream(p)) {
            long size = Files.size(p);
            if (Hasher.prefersOpenssl(size)) {
                try (Hasher h = new Hasher(p.toString(), 4L * chunk, null, size)) {
                    for (byte[] b; (b = in.readNBytes(chunk)).length > 0; ) h.add(b, 0, b.length); // kept until hashed
                    return h.finish();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while hashing " + p);
                } catch (IllegalStateException e) {
                    throw new IOException("cannot hash " + p + ": " + e.getMessage(), e);
                }
            }
            MessageDigest sha = FileService.sha256();
            byte[] buf = new byte[chunk];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
