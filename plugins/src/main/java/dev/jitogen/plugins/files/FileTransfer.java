package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.core.TimeoutError;
import dev.jitogen.core.wire.Message;
import dev.jitogen.plugins.service.ServiceRef;
import dev.jitogen.plugins.service.Wire;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving end of a file transfer, the same whichever way the file goes: it runs in the context that writes
 * (the child for a put, the caller for a get) and pulls from a {@link FileService} through a {@link ServiceRef}.
 *
 * <p>Writing is atomic: the content goes to a temporary file beside the destination
 * ({@code .NAME.jitogen-PID-RANDOM.tmp}), is checked against the sender's size and SHA-256, synced to disk, given its
 * mode, owner and times, and only then renamed over the destination. On any failure the temporary file is deleted,
 * so the destination is either untouched or complete. A writer killed outright cannot delete its temporary file;
 * the next transfer to the same destination does, once it sees that the process named in it is gone.
 *
 * <p>Threads: runs on the calling thread, which it blocks until the transfer ends. Frames arrive on a reader thread,
 * which only queues them; at most the window's bytes ({@link FileService#windowFor}) are ever queued.
 */
final class FileTransfer {
    private FileTransfer() {}

    /** The SHA-256 of nothing: what a file of no bytes hashes to. */
    static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** The writing side's options: what travels to the context that writes. */
    record Settings(Integer mode, String owner, String group, boolean preserveTimes, boolean overwrite)
            implements Serializable {}

    /** For a put: runs in the receiving context, returns a map (JDK values only: it travels back as data). */
    static Map<String, Object> pullHere(ServiceRef from, String remote, String local, Settings s) {
        return pull(from, remote, local, s, null);
    }

    /**
     * Fetches {@code remote} from the file service {@code from} into {@code local}; returns {@code size},
     * {@code sha256}, {@code millis}.
     */
    static Map<String, Object> pull(ServiceRef from, String remote, String local, Settings s, Progress progress) {
        long t0 = System.nanoTime();
        Router router = from.router();
        String here = router.myName();
        Path target = Path.of(local).toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new FileTransferError("cannot write '" + target + "' in " + here + ": directory '" + dir
                    + "' does not exist (create it first, or copy the whole tree)");
        }
        if (Files.isDirectory(target)) {
            throw new FileTransferError("cannot write '" + target + "' in " + here + ": it is a directory (name the "
                    + "file to write, e.g. '" + target + "/" + Path.of(remote).getFileName() + "')");
        }
        if (!s.overwrite() && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileTransferError("'" + target + "' already exists in " + here + ": not overwritten (overwrite is off)");
        }
        removeStaleTemps(target);
        int window = FileService.windowFor(router, from.contextId());
        LinkedBlockingQueue<Message> frames = new LinkedBlockingQueue<>();
        // the sender may be a hostile child that ignores the window: past twice the window queued, its frames are
        // dropped and the transfer fails, so it costs this JVM a bounded amount of memory
        AtomicLong queued = new AtomicLong();
        AtomicBoolean overflow = new AtomicBoolean();
        Context respondent = router.contextById(from.contextId());
        int sink = router.addHandler(m -> {
            if (overflow.get()) return;
            if (queued.addAndGet(m.data.length) > 2L * window + 64 * 1024 && !ServiceRef.isReply(m)) {
                overflow.set(true);
            }
            frames.add(m);
        }, ServiceRef.repliesFrom(from.contextId()), respondent, true);
        Path tmp = null;
        int ackHandle = -1;
        try {
            from.send(sink, FileService.class.getName(), "fetch", remote, sink, window);
            FileChannel out = null;
            WriteBehind early = null;
            Hasher hasher = null;
            Map<?, ?> meta = null;
            long got = 0, total = 0;
            try {
                while (true) {
                    Message m = frames.poll(FileService.STALL_SECONDS, TimeUnit.SECONDS);
                    if (m == null) {
                        throw new TimeoutError("no data for '" + remote + "' for " + FileService.STALL_SECONDS + " s");
                    }
                    queued.addAndGet(-m.data.length);
                    if (overflow.get()) {
                        throw new FileTransferError(from.name(router) + " sent more of '" + remote + "' than the "
                                + window + "-byte window allows: transfer refused");
                    }
                    if (ServiceRef.isReply(m)) {
                        if (!(ServiceRef.value(m, from.name(router)) instanceof Map<?, ?> end)) {
                            throw new FileTransferError(from.name(router) + " sent a malformed end of '" + remote + "'");
                        }
                        String hex = hasher != null ? hasher.finish() : EMPTY_SHA256;
                        if (out == null || !Long.valueOf(got).equals(end.get("size")) || !hex.equals(end.get("sha256"))) {
                            throw new FileTransferError("'" + remote + "' arrived damaged: " + got + " bytes with SHA-256 "
                                    + hex + ", the sender sent " + end.get("size") + " bytes with SHA-256 " + end.get("sha256"));
                        }
                        out.force(true);
                        out.close();
                        out = null;
                        finish(tmp, target, meta, s);
                        tmp = null;
                        Map<String, Object> result = new LinkedHashMap<>();
                        result.put("size", got);
                        result.put("sha256", hex);
                        result.put("millis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                        return result;
                    }
                    if (m.data.length > 0 && m.data[0] == 'M' && meta == null) {
                        meta = metadata(m, from.name(router), remote);
                        ackHandle = (Integer) meta.get("ack");
                        total = (Long) meta.get("size");
                        tmp = dir.resolve("." + target.getFileName() + ".jitogen-" + ProcessHandle.current().pid() + "-"
                                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE) + ".tmp");
                        out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                        early = new WriteBehind(out, remote);
                        // acknowledged once hashed as well as written: the window then bounds what waits for the hash
                        int ack = ackHandle;
                        hasher = new Hasher(remote, window, n -> router.send(from.contextId(), ack,
                                ByteBuffer.allocate(8).putLong(n).array()), total);
                    } else if (m.data.length > 0 && m.data[0] == 'D' && out != null) {
                        ByteBuffer b = ByteBuffer.wrap(m.data, 1, m.data.length - 1);
                        while (b.hasRemaining()) out.write(b);
                        hasher.add(m.data, 1, m.data.length - 1);
                        got += m.data.length - 1;
                        early.written(got);
                        if (progress != null) progress.progress(remote, got, Math.max(total, got));
                    } else {
                        throw new FileTransferError("an unexpected frame while fetching '" + remote + "'");
                    }
                }
            } finally {
                if (hasher != null) hasher.close(); // no acknowledgement after this
                if (out != null) out.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FileTransferError("interrupted while fetching '" + remote + "' into '" + target + "'", e);
        } catch (IOException e) {
            throw new FileTransferError(explain(e, target, here), e);
        } finally {
            router.delHandler(sink);
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // nothing more to do: the next transfer here removes it once this process is gone
                }
                if (ackHandle >= 0) { // tell the sender to stop now rather than at its stall timeout
                    router.send(from.contextId(), ackHandle, ByteBuffer.allocate(8).putLong(-1).array());
                }
            }
        }
    }

    /** The metadata frame {@code m}, checked: the sender may be a child, and its data is not trusted. */
    private static Map<?, ?> metadata(Message m, String sender, String remote) {
        Object v;
        try {
            v = Wire.decode(m.data, 1);
        } catch (Wire.BadValue e) {
            v = null;
        }
        if (v instanceof Map<?, ?> meta && meta.get("ack") instanceof Integer && meta.get("size") instanceof Long
                && meta.get("mode") instanceof Integer && meta.get("mtime") instanceof Long
                && meta.get("atime") instanceof Long) {
            return meta;
        }
        throw new FileTransferError(sender + " sent malformed metadata for '" + remote + "'");
    }

    /** A write failure in words that say what to do. */
    private static String explain(IOException e, Path target, String here) {
        String user = System.getProperty("user.name");
        if (e instanceof AccessDeniedException) {
            return "permission denied writing '" + target + "' in " + here + " as user '" + user + "' ("
                    + ((FileSystemException) e).getFile() + "): write somewhere that user may, or connect as another";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "'" + target + "' already exists in " + here + ": not overwritten (overwrite is off)";
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left on device")) {
            return "no space left on device writing '" + target + "' in " + here + ": free some space, or write elsewhere";
        }
        if (msg.contains("Operation not permitted")) {
            return "operation not permitted on '" + target + "' in " + here + " as user '" + user + "' (" + msg
                    + "): setting an owner needs a privileged context (sudo)";
        }
        return "writing '" + target + "' in " + here + " failed: " + e;
    }

    /** Gives the verified temporary file its metadata and renames it over the destination. */
    private static void finish(Path tmp, Path target, Map<?, ?> meta, Settings s) throws IOException {
        int mode = s.mode() != null ? s.mode() : (Integer) meta.get("mode");
        PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
        view.setPermissions(FileService.permissions(mode));
        UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
        if (s.owner() != null) view.setOwner(users.lookupPrincipalByName(s.owner()));
        if (s.group() != null) view.setGroup(users.lookupPrincipalByGroupName(s.group()));
        if (s.preserveTimes()) {
            view.setTimes(FileTime.fromMillis((Long) meta.get("mtime")), FileTime.fromMillis((Long) meta.get("atime")), null);
        }
        if (s.overwrite()) {
            FileChannel replaced = openReplaced(target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                releaseLater(replaced);
            }
        } else {
            // rename(2) replaces silently: a link that fails on an existing name is the atomic "create if absent"
            Files.createLink(target, tmp);
            Files.delete(tmp);
        }
        try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            d.force(true); // the rename itself survives a crash
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the content itself is synced
        }
    }

    /** Files at least this large that a copy replaces are released in the background: see {@link #openReplaced}. */
    static final long RELEASE_LATER_BYTES = 16L << 20;

    /**
     * The regular file {@code target}, opened, if a copy is about to replace it and it is large; else null. Renaming
     * over a file frees its blocks inside the rename when nothing else holds it open, and freeing a large file
     * costs the file system real time (about 0.1 s for 256 MiB on ext4, more with {@code discard}), after the copy
     * is complete. Holding it open moves that to the {@link #releaseLater} close: the destination is replaced, and
     * the rename synced, just as before; only the old content's space comes back a moment later.
     */
    private static FileChannel openReplaced(Path target) {
        try {
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || Files.size(target) < RELEASE_LATER_BYTES) {
                return null;
            }
            return FileChannel.open(target, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | SecurityException e) {
            return null; // not ours to read: it is freed in the rename, as without this
        }
    }

    /** Closes {@code replaced} (if any) on a daemon thread of its own, which frees the replaced file's blocks. */
    private static void releaseLater(FileChannel replaced) {
        if (replaced == null) return;
        Thread t = new Thread(() -> {
            try {
                replaced.close();
            } catch (IOException ignored) {
                // only a read channel: nothing was written through it
            }
        }, "jitogen-release");
        t.setDaemon(true);
        t.start();
    }

    /** Deletes temporary files for {@code target} left by writers that were killed (their process is gone). */
    private static void removeStaleTemps(Path target) {
        String prefix = "." + target.getFileName() + ".jitogen-";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(target.getParent(),
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path p : ds) {
                String rest = p.getFileName().toString().substring(prefix.length());
                int dash = rest.indexOf('-');
                if (dash <= 0) continue;
                try {
                    long pid = Long.parseLong(rest.substring(0, dash));
                    if (ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(p);
                } catch (NumberFormatException | IOException ignored) {
                    // not ours, or not removable by us: leave it
                }
            }
        } catch (IOException ignored) {
            // an unreadable directory fails the transfer itself, with a better message
        }
    }

    /**
     * Makes the directory {@code root} (its parent must exist) and {@code dirs} under it (relative, parents before
     * children), in the context this runs in: the first step of {@link RemoteFiles#putTreeAll}.
     */
    static boolean makeTree(String root, List<String> dirs) {
        Path top = Path.of(root).toAbsolutePath().normalize();
        Router r = Router.current();
        String here = r != null ? r.myName() : "this context";
        try {
            if (top.getParent() != null && !Files.isDirectory(top.getParent())) {
                throw new FileTransferError("cannot write '" + top + "' in " + here + ": directory '" + top.getParent()
                        + "' does not exist (create it first)");
            }
            Files.createDirectories(top);
            for (String rel : dirs) {
                Path d = top.resolve(rel).normalize();
                if (!d.startsWith(top) || rel.startsWith("/")) {
                    throw new FileTransferError("'" + rel + "' is outside the tree '" + top + "': refused");
                }
                Files.createDirectories(d);
            }
            return true;
        } catch (IOException e) {
            throw new FileTransferError(explain(e, top, here), e);
        }
    }

    /**
     * Copies the tree {@code remoteDir} of {@code from} into {@code localDir}, created if missing (its parent must
     * exist): directories first, then each regular file. Returns one map per file, as {@link #pull}.
     */
    static List<Map<String, Object>> pullTree(ServiceRef from, String remoteDir, String localDir, Settings s,
                                              Progress progress) {
        Path root = Path.of(localDir).toAbsolutePath().normalize();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) from.call(FileService.class.getName(), "list", remoteDir);
        try {
            if (root.getParent() != null && !Files.isDirectory(root.getParent())) {
                throw new FileTransferError("cannot write '" + root + "' in " + from.router().myName() + ": directory '"
                        + root.getParent() + "' does not exist (create it first)");
            }
            Files.createDirectories(root);
            List<Map<String, Object>> results = new java.util.ArrayList<>();
            for (Map<String, Object> e : entries) {
                String rel = (String) e.get("path");
                Path dst = root.resolve(rel).normalize();
                if (!dst.startsWith(root) || rel.startsWith("/")) {
                    throw new FileTransferError("the listing of '" + remoteDir + "' names '" + rel + "', outside the tree: refused");
                }
                if (Boolean.TRUE.equals(e.get("dir"))) {
                    Files.createDirectories(dst);
                } else {
                    Map<String, Object> r = pull(from, remoteDir + "/" + rel, dst.toString(), s, progress);
                    r.put("source", remoteDir + "/" + rel);
                    r.put("destination", dst.toString());
                    results.add(r);
                }
            }
            return results;
        } catch (IOException e) {
            throw new FileTransferError(explain(e, root, from.router().myName()), e);
        }
    }
}
