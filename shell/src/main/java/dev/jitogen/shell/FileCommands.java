package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.plugins.files.Progress;
import dev.jitogen.plugins.files.RemoteFiles;
import dev.jitogen.plugins.files.TransferOptions;
import dev.jitogen.plugins.files.TransferResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /put} and {@code /get}: copying files and trees to and from contexts with {@link RemoteFiles}. On a
 * terminal a progress line shows bytes, rate and time left; every transfer ends with a summary line (what a script
 * keeps), and a line per failed context.
 *
 * <p>Threads: the commands run on the shell thread and wait there; transfers to several contexts run on fork
 * threads (at most {@link FleetCommands#DEFAULT_FORKS} at once); progress listeners only add to counters, and the
 * shell thread draws the line. Ctrl-C interrupts the transfers, which end without leaving partial files.
 */
final class FileCommands {
    private final Shell shell;
    private final Session session;

    private FileCommands(Shell shell) {
        this.shell = shell;
        this.session = shell.session;
    }

    static void define(Shell shell) {
        new FileCommands(shell).defineAll();
    }

    private void defineAll() {
        shell.add("put", "/put CTX[,CTX...]|all|@PATTERN LOCAL REMOTE [--mode 0644] [--preserve] [--owner U] [--group G] [--no-overwrite]",
                "copy a local file or directory to contexts",
                "REMOTE is the absolute path of the file (or directory) to write; its directory must exist. The copy "
                        + "is written to a temporary file beside it, checked with SHA-256 and renamed: REMOTE is never "
                        + "half written. --mode sets the permission bits (octal; default: LOCAL's), --preserve keeps "
                        + "LOCAL's times, --owner and --group need a privileged context (sudo), --no-overwrite leaves "
                        + "an existing REMOTE alone (and fails). See docs/files.md.", this::put);
        shell.add("get", "/get CTX REMOTE LOCAL [--mode 0644] [--preserve] [--no-overwrite]",
                "copy a file or directory from a context",
                "REMOTE is an absolute path in CTX, LOCAL a path here (its directory must exist). Written and checked "
                        + "as /put does.", this::get);
    }

    /** The words of a command line and its options. */
    private record Parsed(List<String> words, TransferOptions options) {}

    private static Parsed parse(String args, int wanted, String usage) {
        List<String> words = new ArrayList<>();
        TransferOptions o = TransferOptions.defaults();
        String[] all = args.isBlank() ? new String[0] : args.strip().split("\\s+");
        for (int i = 0; i < all.length; i++) {
            String w = all[i];
            switch (w) {
                case "--mode" -> {
                    String v = value(all, ++i, w);
                    try {
                        o = o.mode(Integer.parseInt(v, 8));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--mode takes permission bits in octal (0644), not " + v);
                    }
                }
                case "--preserve" -> o = o.preserveTimes(true);
                case "--no-overwrite" -> o = o.overwrite(false);
                case "--owner" -> o = o.owner(value(all, ++i, w));
                case "--group" -> o = o.group(value(all, ++i, w));
                default -> {
                    if (w.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + w + " (" + usage + ")");
                    }
                    words.add(w);
                }
            }
        }
        if (words.size() != wanted) throw new IllegalArgumentException("usage: " + usage);
        return new Parsed(words, o);
    }

    private static String value(String[] all, int i, String option) {
        if (i >= all.length) throw new IllegalArgumentException(option + " needs a value");
        return all[i];
    }

    private boolean put(String args) throws InterruptedException {
        Parsed p = parse(args, 3, shell.commands().get("put").usage());
        List<String> names = session.targets(p.words().get(0));
        Path local = Path.of(p.words().get(1));
        String remote = p.words().get(2);
        if (!Files.exists(local)) {
            throw new IllegalArgumentException("local file " + local.toAbsolutePath() + " does not exist");
        }
        return push(names, local, remote, Files.isDirectory(local), p.options());
    }

    private boolean get(String args) throws InterruptedException {
        Parsed p = parse(args, 3, shell.commands().get("get").usage());
        String name = p.words().get(0);
        Context ctx = session.context(name);
        String remote = p.words().get(1);
        Path local = Path.of(p.words().get(2));
        // measured by plugins' code: a lambda here would make the child load this shell class and what it names
        long[] size = RemoteFiles.measure(ctx, remote);
        boolean tree = size[0] == 1;
        return transfer("get", remote, List.of(name), size[1], (c, o) -> tree
                ? RemoteFiles.getTree(c, remote, local, o) : List.of(RemoteFiles.get(c, remote, local, o)), p.options());
    }

    /** What one target of a push got: bytes written, files, files it had already, or the error. */
    private record Pushed(Context context, long bytes, int files, int unchanged, RuntimeException error) {}

    /**
     * A file or a tree to every target through {@link RemoteFiles#putAll} or {@link RemoteFiles#putTreeAll}: once
     * over each link from here (targets behind one intermediary get it from there), nothing to a target that has it.
     * The progress line counts what this JVM sends, against the size times the links it goes over.
     */
    private boolean push(List<String> names, Path local, String remote, boolean tree, TransferOptions options)
            throws InterruptedException {
        List<Context> targets = new ArrayList<>();
        for (String n : names) targets.add(session.context(n));
        long links = targets.stream().filter(c -> c.via() == null).count()
                + targets.stream().map(Context::via).filter(java.util.Objects::nonNull).distinct().count();
        long total = (tree ? treeSize(local) : sizeOf(local)) * links;
        long served0 = servedHere();
        long start = System.nanoTime();
        java.util.concurrent.CompletableFuture<List<Pushed>> job = new java.util.concurrent.CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                List<Pushed> rows = new ArrayList<>();
                if (tree) {
                    for (RemoteFiles.TreeOutcome o : RemoteFiles.putTreeAll(targets, local, remote, options)) {
                        rows.add(!o.ok() ? new Pushed(o.context(), 0, 0, 0, o.error()) : new Pushed(o.context(),
                                o.results().stream().mapToLong(TransferResult::bytes).sum(), o.results().size(),
                                (int) o.results().stream().filter(TransferResult::unchanged).count(), null));
                    }
                } else {
                    for (RemoteFiles.Outcome o : RemoteFiles.putAll(targets, local, remote, options)) {
                        rows.add(!o.ok() ? new Pushed(o.context(), 0, 0, 0, o.error()) : new Pushed(o.context(),
                                o.result().bytes(), 1, o.result().unchanged() ? 1 : 0, null));
                    }
                }
                job.complete(rows);
            } catch (Throwable e) {
                job.completeExceptionally(e);
            }
        }, "jitogen-put");
        worker.setDaemon(true);
        worker.start();
        List<Pushed> outcomes;
        try {
            while (true) {
                try {
                    outcomes = job.get(250, java.util.concurrent.TimeUnit.MILLISECONDS);
                    break;
                } catch (java.util.concurrent.TimeoutException e) {
                    shell.out.progress(progressLine("put", Math.min(total, servedHere() - served0), total, start));
                }
            }
        } catch (InterruptedException e) {
            worker.interrupt();
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
        long bytes = 0, sent = servedHere() - served0;
        int ok = 0, unchanged = 0, files = 0;
        for (Pushed o : outcomes) {
            if (o.error() != null) continue;
            ok++;
            bytes += o.bytes();
            files += o.files();
            // a target is unchanged if it had every file already (a tree of no files is new wherever it goes)
            if (o.files() > 0 && o.unchanged() == o.files()) unchanged++;
        }
        double secs = Math.max(System.nanoTime() - start, 1) / 1e9;
        shell.hard(String.format(Locale.ROOT, "|  put %s: %d ok%s, %d failed; %s%s written, %s sent from here in %.2f s (%s/s)%s",
                local, ok, unchanged > 0 ? " (" + unchanged + " unchanged)" : "", outcomes.size() - ok,
                tree ? files + (files == 1 ? " file, " : " files, ") : "", bytes(bytes),
                bytes(sent), secs, bytes((long) (sent / secs)), files > 0 ? ", SHA-256 verified" : ""));
        for (Pushed o : outcomes) {
            if (o.error() != null) shell.error("|  [" + o.context().name() + "] " + o.error().getMessage());
        }
        return ok == outcomes.size();
    }

    /** Bytes this JVM's file service has sent so far. */
    private long servedHere() {
        return RemoteFiles.localService(session.router()).bytesServed();
    }

    @FunctionalInterface
    private interface Copy {
        List<TransferResult> run(Context context, TransferOptions options);
    }

    /**
     * Runs {@code copy} for each target at once, drawing one progress line for all of them, then prints the
     * summary and a line per failure.
     */
    private boolean transfer(String verb, String what, List<String> names, long each, Copy copy,
                             TransferOptions options) throws InterruptedException {
        Map<String, AtomicLong> done = new ConcurrentHashMap<>();
        Map<String, Long> fileDone = new ConcurrentHashMap<>();
        long total = each * names.size();
        long start = System.nanoTime();
        List<Fleet.Outcome<String, List<TransferResult>>> outcomes = Fleet.bounded(new Shell.Printer() {
            @Override
            public void println(String line) {
                shell.out.println(line);
            }

            @Override
            public void progress(String line) {
                long sum = done.values().stream().mapToLong(AtomicLong::get).sum();
                shell.out.progress(progressLine(verb, sum, total, start));
            }
        }, verb, names, FleetCommands.DEFAULT_FORKS, n -> {
            AtomicLong mine = done.computeIfAbsent(n, k -> new AtomicLong());
            // a tree reports per file: what earlier files finished plus how far this one is
            AtomicLong finished = new AtomicLong();
            Progress listener = (path, d, t) -> {
                Long before = fileDone.put(n + "\0" + path, d);
                if (d == t && (before == null || before != t)) finished.addAndGet(t);
                mine.set(d == t ? finished.get() : finished.get() + d);
            };
            return copy.run(session.context(n), options.progress(listener));
        }, o -> {});
        long bytes = 0, files = 0;
        int ok = 0;
        for (Fleet.Outcome<String, List<TransferResult>> o : outcomes) {
            if (!o.ok()) continue;
            ok++;
            for (TransferResult r : o.value()) {
                bytes += r.bytes();
                files++;
            }
        }
        double secs = Math.max(System.nanoTime() - start, 1) / 1e9;
        shell.hard(String.format(Locale.ROOT, "|  %s %s: %d ok, %d failed; %d %s, %s in %.2f s (%s/s)%s",
                verb, what, ok, outcomes.size() - ok, files, files == 1 ? "file" : "files", bytes(bytes), secs,
                bytes((long) (bytes / secs)), files > 0 ? ", SHA-256 verified" : ""));
        for (Fleet.Outcome<String, List<TransferResult>> o : outcomes) {
            if (!o.ok()) shell.error("|  [" + o.item() + "] " + o.error().getMessage());
        }
        return ok == outcomes.size();
    }

    static String progressLine(String verb, long done, long total, long startNanos) {
        double secs = Math.max(System.nanoTime() - startNanos, 1) / 1e9;
        double rate = done / secs;
        int width = 20;
        int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
        String eta = rate <= 0 || total <= done ? "-" : String.format(Locale.ROOT, "%.0f s", (total - done) / rate);
        return String.format(Locale.ROOT, "%s [%s%s] %s of %s, %s/s, ETA %s", verb, "#".repeat(filled),
                ".".repeat(width - filled), bytes(done), bytes(total), bytes((long) rate), eta);
    }

    /** A byte count for people: 512 B, 12.3 KB, 4.5 MB, 1.2 GB (powers of 1000, as rates usually are). */
    static String bytes(long n) {
        if (n < 1000) return n + " B";
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static long treeSize(Path dir) {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(FileCommands::sizeOf).sum();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
