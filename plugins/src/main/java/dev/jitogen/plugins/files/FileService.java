package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.wire.Message;
import dev.jitogen.plugins.service.Caller;
import dev.jitogen.plugins.service.Expose;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Serves files to other contexts (Mitogen's {@code FileService}): only paths this context's parent chain
 * {@linkplain #register registered}, exactly or {@linkplain #registerPrefix by prefix}. A requested path is
 * normalised before the check ({@code /etc/foo/../../passwd} is {@code /passwd}), and checked again after symbolic
 * links are resolved, so a link inside a registered directory that leads outside it is refused too. The refusal is
 * Mitogen's: "Path 'P' is not registered with FileService.".
 *
 * <p>{@link #fetch} streams a file to a handle of the caller: first a metadata frame (owner, group, mode, mtime,
 * atime, size), then the content in chunks of {@link #CHUNK} bytes, never more than {@link #WINDOW} bytes ahead of
 * what the receiver has acknowledged, so memory stays bounded at both ends whatever the file's size; the call's
 * reply then carries the size and SHA-256 of what was sent. A receiver that stops acknowledging for
 * {@link #STALL_SECONDS}, or whose context is lost, ends the transfer.
 *
 * <p>Frames on the caller's handle: {@code 'M'} + a {@code Map} in the service encoding; {@code 'D'} + raw bytes;
 * then the service reply. Acknowledgements: 8 bytes, the count of bytes written so far, or -1 to give up.
 *
 * <p>Threads: exposed methods run on the {@link dev.jitogen.plugins.service.ServicePool}'s threads (a fetch holds
 * one for its whole transfer); acknowledgements arrive on a reader thread, which only records them. Registration
 * may be called from any thread.
 */
public final class FileService {
    /** Bytes per data frame. */
    public static final int CHUNK = 256 * 1024;
    /** Bytes sent and not yet acknowledged, at most, unless the receiver asks for more (up to {@link #NETWORK_WINDOW}). */
    public static final int WINDOW = 2 * 1024 * 1024;
    /**
     * The window a receiver asks for when the sender is reached over SSH: an acknowledgement's round trip there goes
     * through both SSH ends, and 2 MiB per round trip held a get over loopback SSH to about 70% of {@code scp}'s rate.
     * Local copies keep {@link #WINDOW}, which keeps a small heap small.
     */
    public static final int NETWORK_WINDOW = 8 * 1024 * 1024;
    static final int STALL_SECONDS = 60;
    /** Entries a tree listing may return: a bound on the reply, and on a mistaken registration of "/". */
    static final int MAX_TREE_ENTRIES = 100_000;

    private final Router router;
    /** Registered paths, normalised, each with how many registrations hold it (a put unregisters its own). */
    private final Map<Path, Integer> exact = new ConcurrentHashMap<>();
    private final Map<Path, Integer> prefixes = new ConcurrentHashMap<>();
    /** Paths (and what is under them) one context may fetch, by context id; see {@link #grant}. */
    private final Map<Integer, Map<Path, Integer>> grants = new ConcurrentHashMap<>();
    /**
     * Listeners for fetches by a context of a path or of paths under it: a local put's progress, told as
     * acknowledgements arrive. By context id, then by path.
     */
    private final Map<Integer, Map<Path, Progress>> watchers = new ConcurrentHashMap<>();
    /** Content bytes sent by every fetch so far. */
    private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();

    public FileService(Router router) {
        this.router = router;
    }

    /**
     * The window a receiver in {@code router}'s context asks the context {@code sender} for:
     * {@link #NETWORK_WINDOW} if it reaches the sender through an SSH context (the sender itself, or one it was
     * started via), else {@link #WINDOW}. Any thread.
     */
    public static int windowFor(Router router, int sender) {
        for (Context c = router.contextById(sender); c != null; c = c.via()) {
            if ("ssh".equals(c.method())) return NETWORK_WINDOW;
        }
        return WINDOW;
    }

    /** How many bytes of file content this service has sent, all fetches together. Any thread. */
    public long bytesServed() {
        return served.get();
    }

    /** Allows {@code path} itself to be fetched. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void register(String path) {
        exact.merge(absolute(path), 1, Integer::sum);
    }

    /** Allows every path under {@code path} (a directory) to be fetched or listed. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void registerPrefix(String path) {
        prefixes.merge(absolute(path), 1, Integer::sum);
    }

    /** Allows only context {@code contextId} to fetch {@code path} and what is under it. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void registerFor(int contextId, String path) {
        grant(contextId, absolute(path));
    }

    /** Takes back one {@link #registerFor}. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void unregisterFor(int contextId, String path) {
        revoke(contextId, absolute(path));
    }

    /** Takes back one {@link #register} or {@link #registerPrefix} of {@code path}. Parents only. */
    @Expose(policy = Expose.Policy.PARENTS)
    public void unregister(String path) {
        Path p = absolute(path);
        exact.computeIfPresent(p, (k, n) -> n > 1 ? n - 1 : null);
        prefixes.computeIfPresent(p, (k, n) -> n > 1 ? n - 1 : null);
    }

    /**
     * Tells {@code progress} how each fetch by {@code contextId} of {@code path}, or of a path under it, goes. For
     * this context's own puts.
     */
    void watch(Path path, int contextId, Progress progress) {
        watchers.computeIfAbsent(contextId, k -> new ConcurrentHashMap<>()).put(path.normalize(), progress);
    }

    void unwatch(Path path, int contextId) {
        watchers.computeIfPresent(contextId, (k, m) -> {
            m.remove(path.normalize());
            return m.isEmpty() ? null : m;
        });
    }

    private Progress watcher(int contextId, Path path) {
        Map<Path, Progress> m = watchers.get(contextId);
        if (m == null) return null;
        for (Map.Entry<Path, Progress> e : m.entrySet()) if (path.startsWith(e.getKey())) return e.getValue();
        return null;
    }

    private static Path absolute(String path) {
        if (path == null || path.isEmpty() || !path.startsWith("/")) {
            throw new IllegalArgumentException("'" + path + "' is not an absolute path: FileService registers and "
                    + "serves absolute paths only (start it with /)");
        }
        return Path.of(path).normalize();
    }

    /**
     * Allows one context only to fetch {@code path} and what is under it, until {@link #revoke}d: what a put
     * registers, so that the file being put is served to the context it is put to and to no other. This context's
     * own code only (not exposed).
     */
    void grant(int contextId, Path path) {
        grants.computeIfAbsent(contextId, k -> new ConcurrentHashMap<>()).merge(path.normalize(), 1, Integer::sum);
    }

    void revoke(int contextId, Path path) {
        grants.computeIfPresent(contextId, (k, m) -> {
            m.computeIfPresent(path.normalize(), (p, n) -> n > 1 ? n - 1 : null);
            return m.isEmpty() ? null : m;
        });
    }

    private boolean allowed(Path p, int caller) {
        if (exact.containsKey(p)) return true;
        for (Path prefix : prefixes.keySet()) if (p.startsWith(prefix)) return true;
        Map<Path, Integer> mine = grants.get(caller);
        if (mine != null) for (Path g : mine.keySet()) if (p.startsWith(g)) return true;
        return false;
    }

    /** Whether {@code real} (a resolved path) is registered, as itself or as the resolution of a registration. */
    private boolean allowedReal(Path real, int caller) {
        if (allowed(real, caller)) return true;
        for (Path e : exact.keySet()) if (real.equals(resolved(e))) return true;
        List<Path> under = new ArrayList<>(prefixes.keySet());
        Map<Path, Integer> mine = grants.get(caller);
        if (mine != null) under.addAll(mine.keySet());
        for (Path prefix : under) {
            Path r = resolved(prefix);
            if (r != null && real.startsWith(r)) return true;
        }
        return false;
    }

    private static Path resolved(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /** The path to serve for {@code path}, or the refusal. */
    Path checked(String path, Caller caller) throws IOException {
        String refusal = "Path '" + path + "' is not registered with FileService.";
        if (path == null || !path.startsWith("/")) throw new SecurityException(refusal);
        Path p = Path.of(path).normalize();
        if (!allowed(p, caller.contextId())) throw new SecurityException(refusal);
        Path real;
        try {
            real = p.toRealPath();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path, null, "no such file or directory in " + router.myName());
        }
        if (!allowedReal(real, caller.contextId())) {
            throw new SecurityException(refusal + " (it leads to '" + real + "', outside every registered path)");
        }
        return real;
    }

    /** Metadata of {@code path}: what a fetch sends first. Anyone, for a registered path. */
    @Expose(policy = Expose.Policy.ANY)
    public Map<String, Object> stat(Caller caller, String path) throws IOException {
        return metadata(checked(path, caller));
    }

    /**
     * The directories and regular files under {@code dir}, a registered directory: maps of {@code path} (relative,
     * '/'-separated), {@code dir} (boolean) and {@code mode}, parents before children. Symbolic links are left out.
     */
    @Expose(policy = Expose.Policy.ANY)
    public List<Map<String, Object>> list(Caller caller, String dir) throws IOException {
        Path root = checked(dir, caller);
        if (!Files.isDirectory(root)) throw new IOException("'" + dir + "' is not a directory in " + router.myName());
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.skip(1)::iterator) {
                boolean isDir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (!isDir && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue;
                if (out.size() == MAX_TREE_ENTRIES) {
                    throw new IOException("'" + dir + "' holds more than " + MAX_TREE_ENTRIES + " entries: copy it in parts");
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("path", root.relativize(p).toString());
                e.put("dir", isDir);
                e.put("mode", mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Streams {@code path} to handle {@code sink} of the caller (see the class comment), at most {@code window} bytes
     * ahead of its acknowledgements (held between {@link #WINDOW} and {@link #NETWORK_WINDOW}), and returns
     * {@code size} and {@code sha256} of what was sent. Anyone, for a registered path.
     */
    @Expose(policy = Expose.Policy.ANY)
    public Map<String, Object> fetch(Caller caller, String path, int sink, int window) throws IOException, InterruptedException {
        Path file = checked(path, caller);
        if (Files.isDirectory(file)) {
            throw new IOException("'" + path + "' is a directory in " + router.myName() + ": copy it with a tree transfer");
        }
        int size = Math.max(WINDOW, Math.min(window, NETWORK_WINDOW));
        Window acks = new Window(size);
        Context respondent = router.contextById(caller.contextId());
        int ackHandle = router.addHandler(acks::onAck, (m, r) -> m.src == caller.contextId(), respondent, true);
        Progress progress = watcher(caller.contextId(), Path.of(path).normalize());
        FileChannel opened;
        try {
            opened = FileChannel.open(file, StandardOpenOption.READ);
        } catch (java.nio.file.AccessDeniedException e) {
            router.delHandler(ackHandle);
            throw new java.nio.file.AccessDeniedException(path, null, "permission denied reading it in "
                    + router.myName() + " as user '" + System.getProperty("user.name") + "'");
        }
        Hasher hasher = null;
        try (FileChannel in = opened) {
            Map<String, Object> meta = metadata(file);
            meta.put("ack", ackHandle);
            long total = (Long) meta.get("size");
            byte[] head = dev.jitogen.plugins.service.Wire.encode(meta);
            byte[] m = new byte[1 + head.length];
            m[0] = 'M';
            System.arraycopy(head, 0, m, 1, head.length);
            router.send(caller.contextId(), sink, m);
            hasher = new Hasher(path, size, null, total);
            long sent = 0;
            while (true) {
                acks.awaitRoom(sent, path);
                ByteBuffer buf = ByteBuffer.allocate(1 + CHUNK);
                buf.put((byte) 'D');
                int n = in.read(buf);
                if (n < 0) break;
                while (n < CHUNK && buf.hasRemaining()) { // fill the chunk: fewer, larger frames
                    int more = in.read(buf);
                    if (more < 0) break;
                    n += more;
                }
                byte[] frame = buf.position() == buf.capacity() ? buf.array() : java.util.Arrays.copyOf(buf.array(), buf.position());
                hasher.add(frame, 1, n);
                router.send(caller.contextId(), sink, frame);
                sent += n;
                served.addAndGet(n);
                if (progress != null) progress.progress(path, acks.acked(), Math.max(total, sent));
            }
            acks.awaitAll(sent, path);
            if (progress != null) progress.progress(path, sent, sent);
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("size", sent);
            end.put("sha256", hasher.finish());
            return end;
        } finally {
            if (hasher != null) hasher.close();
            router.delHandler(ackHandle);
        }
    }

    /** The receiver's acknowledgements, recorded on a reader thread and awaited by the sending pool thread. */
    private static final class Window {
        /** Bytes that may be sent and not yet acknowledged. */
        private final int size;
        /** Bytes the receiver has written; guarded by this. */
        private long acked;
        /** Why the receiver stopped (it gave up, or its context is gone), or null; guarded by this. */
        private String ended;

        Window(int size) {
            this.size = size;
        }

        void onAck(Message m) {
            synchronized (this) {
                if (m.isDead()) {
                    ended = m.deadReason();
                } else if (m.data.length == 8) {
                    long n = ByteBuffer.wrap(m.data).getLong();
                    if (n < 0) ended = "the receiver gave up";
                    else acked = Math.max(acked, n);
                }
                notifyAll();
            }
        }

        synchronized long acked() {
            return acked;
        }

        /** Waits until one more chunk fits in the window. */
        synchronized void awaitRoom(long sent, String path) throws InterruptedException, IOException {
            await(() -> sent - acked + CHUNK <= size, path);
        }

        synchronized void awaitAll(long sent, String path) throws InterruptedException, IOException {
            await(() -> acked >= sent, path);
        }

        private void await(java.util.function.BooleanSupplier done, String path) throws InterruptedException, IOException {
            long lastAck = acked, deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STALL_SECONDS);
            while (ended == null && !done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the receiver of '" + path + "' acknowledged nothing for " + STALL_SECONDS
                            + " s: transfer abandoned");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
                if (acked != lastAck) {
                    lastAck = acked;
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STALL_SECONDS);
                }
            }
            if (ended != null) throw new IOException("transfer of '" + path + "' ended: " + ended);
        }
    }

    static Map<String, Object> metadata(Path file) throws IOException {
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", a.owner().getName());
        m.put("group", a.group().getName());
        m.put("mode", mode(a.permissions()));
        m.put("mtime", a.lastModifiedTime().toMillis());
        m.put("atime", a.lastAccessTime().toMillis());
        m.put("size", a.size());
        return m;
    }

    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) mode |= 1 << (8 - p.ordinal());
        return mode;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> perms = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) if ((mode & (1 << (8 - p.ordinal()))) != 0) perms.add(p);
        return perms;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has it
        }
    }
}
