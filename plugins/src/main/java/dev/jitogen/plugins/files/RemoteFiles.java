package dev.jitogen.plugins.files;

import dev.jitogen.core.CallError;
import dev.jitogen.core.Context;
import dev.jitogen.core.JitogenError;
import dev.jitogen.core.RemoteCallable;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.service.ServicePool;
import dev.jitogen.plugins.service.ServiceRef;
import dev.jitogen.plugins.service.Services;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copying files between this context and one it started: {@link #put} and {@link #get}, and {@link #putTree} and
 * {@link #getTree} for directories. Static helpers rather than methods of {@code Context}: {@code Context} lives in
 * core, which ships to every child and must not depend on the services it would call; these classes are fetched by a
 * child only when it first copies a file.
 *
 * <p>Both directions work the same way: the side that has the file registers it with its {@link FileService} for
 * the other side only ({@code registerFor}), and
 * the side that writes pulls it, in chunks under a window, verifies its size and SHA-256, and renames a temporary
 * file over the destination (see {@link FileTransfer}). A put registers the local file in this context's own
 * service, for the target only and for the duration of the put; a get registers the remote path in the child's
 * service (which only a parent may do), for this context only and for the duration of the get. Every failure is a {@link FileTransferError} naming the file, the
 * context and the cause, and leaves the destination as it was.
 *
 * <pre>{@code
 * RemoteFiles.put(web1, Path.of("app.conf"), "/etc/app/app.conf", TransferOptions.defaults().mode(0644));
 * RemoteFiles.get(web1, "/var/log/app.log", Path.of("web1-app.log"));
 * }</pre>
 *
 * <p>Threads: any thread but a stream reader thread; each method blocks until its transfer ends. A put's progress
 * listener runs on a service pool thread of this context, a get's on the calling thread.
 */
public final class RemoteFiles {
    private RemoteFiles() {}

    private static final String FILE_SERVICE = FileService.class.getName();

    public static TransferResult put(Context context, Path local, String remote) {
        return put(context, local, remote, TransferOptions.defaults());
    }

    /** Copies the local file {@code local} to the path {@code remote} (a file name, absolute) in {@code context}. */
    public static TransferResult put(Context context, Path local, String remote, TransferOptions options) {
        Path src = local.toAbsolutePath().normalize();
        String what = "put of '" + local + "' to " + context.name() + ":" + remote;
        if (!Files.exists(src)) {
            throw new FileTransferError(what + " failed: local file '" + src + "' does not exist; nothing was sent");
        }
        if (Files.isDirectory(src)) {
            throw new FileTransferError(what + " failed: '" + src + "' is a directory: use RemoteFiles.putTree");
        }
        ServiceRef here = ServicePool.of(context.router()).ref();
        String srcName = src.toString();
        FileTransfer.Settings s = options.settings();
        long t0 = System.nanoTime();
        Map<String, Object> r = offered(context, src, what, options,
                () -> FileTransfer.pullHere(here, srcName, remote, s));
        return result(srcName, remote, r, t0);
    }

    /**
     * Runs {@code pull} in {@code context} while {@code src} is offered to that context alone (and watched for
     * progress), and names a failure with {@code what}. The offer ends with the call, whatever its outcome.
     */
    private static <T> T offered(Context context, Path src, String what, TransferOptions options,
                                 RemoteCallable<T> pull) {
        FileService files = localService(context.router());
        files.grant(context.id(), src);
        if (options.progress() != null) files.watch(src, context.id(), options.progress());
        try {
            return context.call(pull);
        } catch (CallError e) {
            throw new FileTransferError(what + " failed: " + describe(e), e);
        } catch (JitogenError e) {
            throw new FileTransferError(what + " failed: " + e.getMessage(), e);
        } finally {
            files.unwatch(src, context.id());
            files.revoke(context.id(), src);
        }
    }

    public static TransferResult get(Context context, String remote, Path local) {
        return get(context, remote, local, TransferOptions.defaults());
    }

    /** Copies the file {@code remote} (absolute) of {@code context} to the local path {@code local}. */
    public static TransferResult get(Context context, String remote, Path local, TransferOptions options) {
        String what = "get of " + context.name() + ":" + remote + " to '" + local + "'";
        long t0 = System.nanoTime();
        ServiceRef there = null;
        try {
            there = Services.ref(context);
            there.call(FILE_SERVICE, "registerFor", context.router().myId(), remote);
            Map<String, Object> r = FileTransfer.pull(there, remote, local.toString(), options.settings(), options.progress());
            return result(remote, local.toAbsolutePath().normalize().toString(), r, t0);
        } catch (FileTransferError e) {
            throw new FileTransferError(what + " failed: " + e.getMessage(), e);
        } catch (CallError e) {
            throw new FileTransferError(what + " failed: " + describe(e), e);
        } catch (JitogenError | IllegalArgumentException e) {
            throw new FileTransferError(what + " failed: " + e.getMessage(), e);
        } finally {
            unregister(there, context, remote, context.router().myId());
        }
    }

    /** Copies the local directory {@code local} and everything under it to {@code remote} in {@code context}. */
    public static List<TransferResult> putTree(Context context, Path local, String remote, TransferOptions options) {
        Path src = local.toAbsolutePath().normalize();
        String what = "put of the tree '" + local + "' to " + context.name() + ":" + remote;
        if (!Files.isDirectory(src)) {
            throw new FileTransferError(what + " failed: local directory '" + src + "' does not exist; nothing was sent");
        }
        ServiceRef here = ServicePool.of(context.router()).ref();
        String srcName = src.toString();
        FileTransfer.Settings s = options.settings();
        long t0 = System.nanoTime();
        List<Map<String, Object>> rs = offered(context, src, what, options,
                () -> FileTransfer.pullTree(here, srcName, remote, s, null));
        return results(rs, t0);
    }

    /** Copies the directory {@code remote} of {@code context} and everything under it to the local {@code local}. */
    public static List<TransferResult> getTree(Context context, String remote, Path local, TransferOptions options) {
        String what = "get of the tree " + context.name() + ":" + remote + " to '" + local + "'";
        long t0 = System.nanoTime();
        ServiceRef there = null;
        try {
            there = Services.ref(context);
            there.call(FILE_SERVICE, "registerFor", context.router().myId(), remote);
            return results(FileTransfer.pullTree(there, remote, local.toString(), options.settings(), options.progress()), t0);
        } catch (CallError e) {
            throw new FileTransferError(what + " failed: " + describe(e), e);
        } catch (JitogenError | IllegalArgumentException e) {
            throw new FileTransferError(what + " failed: " + e.getMessage(), e);
        } finally {
            unregister(there, context, remote, context.router().myId());
        }
    }

    /**
     * What {@code remote} is in {@code context}: {@code {1, bytes}} for a directory (the total of the regular files
     * under it), {@code {0, bytes}} for a file, {@code {0, 0}} if it does not exist. For progress lines: what a get
     * will copy. One call; the context reads only metadata.
     */
    public static long[] measure(Context context, String remote) {
        return context.call(() -> {
            Path r = Path.of(remote);
            if (!Files.isDirectory(r)) return new long[]{0, Files.isRegularFile(r) ? Files.size(r) : 0};
            try (var walk = Files.walk(r)) {
                return new long[]{1, walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum()};
            }
        });
    }

    /** What became of one target of {@link #putAll}: its result, or the error (the other is null). */
    public record Outcome(Context context, TransferResult result, FileTransferError error) {
        public boolean ok() {
            return error == null;
        }
    }

    /**
     * Copies the local file {@code local} to {@code remote} in every target, through {@link PushFileService}: each
     * target whose destination already holds the same content (size and SHA-256) is sent nothing; targets started
     * through the same intermediary ({@code via}) get the file from the intermediary, which receives it once and
     * keeps it (by SHA-256) for later pushes. Targets are served in parallel, at most 20 at a time. One target's
     * failure never stops the others: each gets an {@link Outcome}, in the order of {@code targets}.
     */
    public static List<Outcome> putAll(List<Context> targets, Path local, String remote, TransferOptions options) {
        Path src = local.toAbsolutePath().normalize();
        String what = "put of '" + local + "' to " + remote;
        if (!Files.isRegularFile(src)) {
            throw new FileTransferError(what + " failed: local file '" + src + "' does not exist; nothing was sent");
        }
        String sha;
        try {
            sha = PushFileService.sha256Of(src);
        } catch (java.io.IOException e) {
            throw new FileTransferError(what + " failed: cannot read '" + src + "': " + e, e);
        }
        List<Context> direct = new ArrayList<>();
        Map<Context, List<Context>> behind = new java.util.LinkedHashMap<>();
        for (Context t : new java.util.LinkedHashSet<>(targets)) {
            if (t.via() == null) direct.add(t);
            else behind.computeIfAbsent(t.via(), v -> new ArrayList<>()).add(t);
        }
        Map<Context, Outcome> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.max(1, Math.min(20, direct.size() + behind.size())), r -> {
                    Thread t = new Thread(r, "jitogen-push");
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<java.util.concurrent.Future<?>> work = new ArrayList<>();
            for (Context t : direct) {
                if (behind.containsKey(t)) continue; // put with its group, below
                work.add(pool.submit(() -> outcomes.put(t, putDirect(t, src, remote, options, sha))));
            }
            // an intermediary that is a target too gets its own copy first, and fills its cache from that copy: the
            // file crosses the link to it once
            behind.forEach((via, group) -> work.add(pool.submit(() -> {
                String seed = null;
                if (direct.contains(via)) {
                    Outcome own = putDirect(via, src, remote, options, sha);
                    outcomes.put(via, own);
                    if (own.ok()) seed = remote;
                }
                forwardThrough(via, group, src, remote, options, sha, seed, outcomes);
            })));
            for (java.util.concurrent.Future<?> f : work) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause()); // each task catches what it expects
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FileTransferError(what + ": interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        List<Outcome> out = new ArrayList<>();
        for (Context t : new java.util.LinkedHashSet<>(targets)) out.add(outcomes.get(t));
        return out;
    }

    /** What became of one target of {@link #putTreeAll}: a result per file, or the first error (the other is null). */
    public record TreeOutcome(Context context, List<TransferResult> results, FileTransferError error) {
        public boolean ok() {
            return error == null;
        }
    }

    /**
     * Copies the local directory {@code local} and everything under it (directories and regular files; links are
     * left out) to {@code remote} in every target, each file through {@link #putAll}: once over each link, through
     * intermediaries' {@link PushFileService} caches, and not at all to a target that has it. The directories are
     * made first, with one call per target; then the files go one after another, each to all targets in parallel.
     * A target that fails is dropped from the rest of the copy (its {@link TreeOutcome} names the first error); the
     * others go on.
     */
    public static List<TreeOutcome> putTreeAll(List<Context> targets, Path local, String remote, TransferOptions options) {
        Path src = local.toAbsolutePath().normalize();
        String what = "put of the tree '" + local + "' to " + remote;
        if (!Files.isDirectory(src)) {
            throw new FileTransferError(what + " failed: local directory '" + src + "' does not exist; nothing was sent");
        }
        List<String> dirs = new ArrayList<>(), files = new ArrayList<>();
        try (var walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk.skip(1)::iterator) {
                String rel = src.relativize(p).toString();
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) dirs.add(rel);
                else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) files.add(rel);
            }
        } catch (java.io.IOException e) {
            throw new FileTransferError(what + " failed: cannot list '" + src + "': " + e, e);
        }
        List<Context> live = new ArrayList<>(new java.util.LinkedHashSet<>(targets));
        Map<Context, FileTransferError> failed = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Context, List<TransferResult>> done = new java.util.concurrent.ConcurrentHashMap<>();
        for (Context t : live) done.put(t, java.util.Collections.synchronizedList(new ArrayList<>()));
        live.parallelStream().forEach(t -> {
            try {
                t.call(() -> FileTransfer.makeTree(remote, dirs));
            } catch (CallError e) {
                failed.put(t, new FileTransferError(what + " failed in " + t.name() + ": " + describe(e), e));
            } catch (JitogenError e) {
                failed.put(t, new FileTransferError(what + " failed in " + t.name() + ": " + e.getMessage(), e));
            }
        });
        live.removeIf(failed::containsKey);
        for (String rel : files) {
            if (live.isEmpty()) break;
            for (Outcome o : putAll(live, src.resolve(rel), remote + "/" + rel, options)) {
                if (o.ok()) done.get(o.context()).add(o.result());
                else failed.put(o.context(), o.error());
            }
            live.removeIf(failed::containsKey);
        }
        List<TreeOutcome> out = new ArrayList<>();
        for (Context t : new java.util.LinkedHashSet<>(targets)) {
            FileTransferError e = failed.get(t);
            out.add(e != null ? new TreeOutcome(t, null, e) : new TreeOutcome(t, List.copyOf(done.get(t)), null));
        }
        return out;
    }

    /** Puts {@code src} to {@code t} unless it holds the content already: its outcome. */
    private static Outcome putDirect(Context t, Path src, String remote, TransferOptions options, String sha) {
        try {
            return new Outcome(t, putIfChanged(t, src, remote, options, sha), null);
        } catch (FileTransferError e) {
            return new Outcome(t, null, e);
        }
    }

    /**
     * Pushes to {@code group}, all children of {@code via}: via pulls the file from here into its cache unless it has
     * it already (one transfer over the link to via), or copies it from {@code seed}, a file of its own that holds
     * it (its copy as a target), then puts it from there to each.
     */
    private static void forwardThrough(Context via, List<Context> group, Path src, String remote, TransferOptions options,
                                       String sha, String seed, Map<Context, Outcome> outcomes) {
        try {
            List<Integer> ids = group.stream().map(Context::id).toList();
            TransferOptions forwarded = options;
            if (options.mode() == null) { // the cache's copy is private (0600): pass the source's mode on
                forwarded = options.mode(FileService.mode(Files.getPosixFilePermissions(src)));
            }
            FileTransfer.Settings s = forwarded.settings();
            ServiceRef here = ServicePool.of(via.router()).ref();
            String srcName = src.toString();
            long size = Files.size(src);
            List<Map<String, Object>> rs = offered(via, src, "push of '" + src + "' through " + via.name(), options,
                    () -> PushFileService.here().push(here, srcName, sha, size, ids, remote, s, seed));
            for (Map<String, Object> r : rs) {
                Context t = group.stream().filter(c -> r.get("id").equals(c.id())).findFirst().orElse(null);
                if (t == null) continue;
                if (r.get("error") != null) {
                    outcomes.put(t, new Outcome(t, null, new FileTransferError(String.valueOf(r.get("error")))));
                } else {
                    outcomes.put(t, new Outcome(t, new TransferResult(src.toString(), remote, (Long) r.get("size"),
                            (String) r.get("sha256"), Duration.ofMillis((Long) r.get("millis")),
                            (Boolean) r.get("unchanged")), null));
                }
            }
        } catch (RuntimeException | java.io.IOException e) {
            FileTransferError err = e instanceof FileTransferError f ? f : new FileTransferError("put of '" + src
                    + "' through " + via.name() + " failed: " + (e instanceof CallError c ? describe(c) : e.getMessage()), e);
            for (Context t : group) outcomes.putIfAbsent(t, new Outcome(t, null, err));
        }
    }

    /** Puts {@code src} (whose content is {@code sha256}) unless {@code remote} in {@code context} holds it already. */
    static TransferResult putIfChanged(Context context, Path src, String remote, TransferOptions options, String sha256) {
        long t0 = System.nanoTime();
        long size;
        try {
            size = Files.size(src);
        } catch (java.io.IOException e) {
            throw new FileTransferError("put of '" + src + "' to " + context.name() + ":" + remote + " failed: " + e, e);
        }
        String there;
        try {
            there = context.call(() -> {
                Path p = Path.of(remote);
                return Files.isRegularFile(p) && Files.size(p) == size ? PushFileService.sha256Of(p) : null;
            });
        } catch (JitogenError e) {
            throw new FileTransferError("put of '" + src + "' to " + context.name() + ":" + remote + " failed: "
                    + (e instanceof CallError c ? describe(c) : e.getMessage()), e);
        }
        if (sha256.equals(there)) {
            return new TransferResult(src.toString(), remote, size, sha256, Duration.ofNanos(System.nanoTime() - t0), true);
        }
        return put(context, src, remote, options);
    }

    /** A remote failure in words: a transfer error says it all, anything else is named by its class. */
    static String describe(CallError e) {
        if (FileTransferError.class.getName().equals(e.remoteClassName())) return e.remoteMessage();
        String cls = e.remoteClassName().substring(e.remoteClassName().lastIndexOf('.') + 1);
        return cls + ": " + e.remoteMessage() + " (in " + e.contextName() + ")";
    }

    /** The file service of this side, where puts register what they send. */
    public static FileService localService(Router router) {
        return ServicePool.of(router).service(FileService.class);
    }

    private static void unregister(ServiceRef there, Context context, String remote, int reader) {
        if (there == null || !context.isConnected()) return;
        try {
            there.call(Duration.ofSeconds(30), FILE_SERVICE, "unregisterFor", reader, remote);
        } catch (JitogenError ignored) {
            // the context is going or gone: its registrations go with it
        }
    }

    private static TransferResult result(String source, String destination, Map<String, Object> r, long t0) {
        return new TransferResult(source, destination, (Long) r.get("size"), (String) r.get("sha256"),
                Duration.ofNanos(System.nanoTime() - t0), false);
    }

    private static List<TransferResult> results(List<Map<String, Object>> rs, long t0) {
        List<TransferResult> out = new ArrayList<>();
        for (Map<String, Object> r : rs) {
            out.add(new TransferResult((String) r.get("source"), (String) r.get("destination"), (Long) r.get("size"),
                    (String) r.get("sha256"), Duration.ofMillis((Long) r.get("millis")), false));
        }
        return out;
    }
}
