package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Receiver;
import dev.jitogen.core.RemoteFunction;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.Bootstrap;
import dev.jitogen.plugins.files.RemoteFiles;
import dev.jitogen.plugins.files.TransferOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./jitogen bench}: medians (with min and max) of the runtime's costs on this machine, as a table or as JSON.
 * Every metric is measured with a warm master: one context is started and called before timing begins. The
 * workloads match {@code bench/compare-mitogen}'s Mitogen side one for one; {@code docs/benchmarks.md} defines them.
 *
 * <p>Runs on the calling thread (the fan-out starts its own threads); opens and closes its own router.
 */
final class Bench {
    /**
     * What to measure: {@code runs} repetitions; the SSH rows only with {@code ssh} (USER@HOST:PORT); with
     * {@code filesOnly}, only the file copy rows (and, with {@code ssh}, their SSH counterparts).
     */
    record Options(int runs, String ssh, String identity, String hostKeys, boolean json, boolean filesOnly) {
        Options(int runs, String ssh, String identity, String hostKeys, boolean json) {
            this(runs, ssh, identity, hostKeys, json, false);
        }
    }

    /** One row: per-run values of a metric. */
    record Metric(String name, String unit, boolean lowerIsBetter, List<Double> values) {
        Metric(String name, String unit, boolean lowerIsBetter) {
            this(name, unit, lowerIsBetter, new ArrayList<>());
        }

        double[] minMedianMax() {
            List<Double> s = new ArrayList<>(values);
            Collections.sort(s);
            int n = s.size();
            double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
            return new double[]{s.get(0), median, s.get(n - 1)};
        }
    }

    static final int RTT_WARMUP = 2000, RTT_CALLS = 5000, ASYNC_CALLS = 20_000, ECHO_BYTES = 8 << 20, ECHOES = 3,
            FANOUT = 20;

    private final Options options;
    private final Router router;

    private Bench(Options options, Router router) {
        this.options = options;
        this.router = router;
    }

    /** Measures everything and prints the table (or JSON) to {@code out}. */
    static void run(Options options, PrintStream out) {
        if (options.runs < 1) throw new IllegalArgumentException("--runs must be at least 1, not " + options.runs);
        List<Metric> metrics;
        try (Router router = Router.create()) {
            metrics = new Bench(options, router).measureAll();
        }
        if (options.json) printJson(metrics, options.runs, out);
        else printTable(metrics, out);
    }

    private List<Metric> measureAll() {
        if (options.filesOnly) {
            List<Metric> all = new ArrayList<>(files());
            all.add(push());
            if (options.ssh != null) all.addAll(new SshBench(options, router).files());
            return all;
        }
        Context warm = router.local();
        for (int i = 0; i < RTT_WARMUP; i++) warm.call(BenchCalls.NOOP);
        warm.shutdown();

        Metric cold = new Metric("cold_start_first_call_ms", "ms", true);
        Metric cpu = new Metric("child_cpu_first_reply_ms", "ms", true);
        Metric rss = new Metric("child_rss_mb", "MB", true);
        Metric bootBytes = new Metric("boot_bytes_local", "bytes", true);
        for (int r = 0; r < options.runs; r++) {
            long t0 = System.nanoTime();
            Context c = router.local();
            c.call(BenchCalls.NOOP);
            cold.values.add((System.nanoTime() - t0) / 1e6);
            cpu.values.add(cpuMs(c.pid())); // at once: what the child spent until its first reply
            rss.values.add(residentMb(c));
            bootBytes.values.add((double) bootBytes(c, LocalOptions.defaults()));
            c.shutdown();
        }

        Context c = router.local();
        Metric rtt = roundTrips("noop_call_rtt_us", c, options.runs);
        Metric async = new Metric("async_noop_calls_per_s", "calls/s", false);
        asyncRun(c); // warm-up
        for (int r = 0; r < options.runs; r++) async.values.add(asyncRun(c));
        Metric echo = new Metric("echo_8MiB_MBps", "MB/s", false);
        byte[] data = new byte[ECHO_BYTES];
        new java.util.Random(42).nextBytes(data);
        RemoteFunction<byte[], byte[]> identity = BenchCalls.ECHO;
        if (!Arrays.equals(c.call(identity, data), data)) throw new IllegalStateException("echo returned other bytes");
        for (int r = 0; r < options.runs; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < ECHOES; i++) c.call(identity, data);
            double seconds = (System.nanoTime() - t0) / 1e9;
            echo.values.add(2.0 * ECHO_BYTES * ECHOES / 1e6 / seconds);
        }
        Metric roundTrips = new Metric("first_call_round_trips_50_classes", "round trips", true);
        for (int r = 0; r < options.runs; r++) roundTrips.values.add(firstCallRoundTrips());
        c.shutdown();

        Metric fanout = new Metric("fanout_20_local_s", "s", true);
        for (int r = 0; r < options.runs; r++) fanout.values.add(fanout());

        Context via = router.local();
        Context twoHop = router.local(LocalOptions.builder().via(via).build());
        Metric twoHopRtt = roundTrips("two_hop_noop_rtt_us", twoHop, options.runs);
        via.shutdown();

        List<Metric> all = new ArrayList<>(List.of(cold, cpu, rtt, async, echo, fanout, rss, twoHopRtt, roundTrips));
        all.addAll(files());
        all.add(push());
        // over SSH the same bytes cross the network (the boot command, then stdin): measured there when given
        if (options.ssh != null) {
            SshBench ssh = new SshBench(options, router);
            all.addAll(ssh.startAndCalls());
            all.addAll(ssh.files());
        } else {
            all.add(bootBytes);
        }
        return all;
    }

    /**
     * The size of the file {@link #files} copies: 256 MiB, or {@code -Djitogen.bench.fileBytes=N} (BenchTest copies
     * less, since it checks that the rows work, not how fast).
     */
    static long fileBytes() {
        return Long.getLong("jitogen.bench.fileBytes", 256L << 20);
    }

    /** Makes {@code file} {@code size} bytes long without writing them: reading it costs no disk. */
    static void sparseFile(Path file, long size) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
    }

    /**
     * A file (sparse: reading it costs no disk) copied to a local context and back with {@code RemoteFiles}, each
     * copy written atomically and verified with SHA-256: MB per second each way.
     */
    private List<Metric> files() {
        Metric put = new Metric("put_256MiB_MBps", "MB/s", false), get = new Metric("get_256MiB_MBps", "MB/s", false);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("jitogen-bench");
            Path src = dir.resolve("file"), back = dir.resolve("back");
            sparseFile(src, fileBytes());
            String remote = dir.resolve("copy").toString();
            Context c = router.local();
            for (int r = 0; r < options.runs; r++) {
                put.values.add(RemoteFiles.put(c, src, remote).megabytesPerSecond());
                get.values.add(RemoteFiles.get(c, remote, back).megabytesPerSecond());
            }
            c.shutdown();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the file to copy", e);
        } finally {
            if (dir != null) {
                for (String f : List.of("file", "copy", "back")) dir.resolve(f).toFile().delete();
                dir.toFile().delete();
            }
        }
        return List.of(put, get);
    }

    /** Pushes per run of {@link #push}: each writes the file 11 times, so fewer than the other rows' runs. */
    static final int PUSH_RUNS = 3, PUSH_TARGETS = 10;

    /**
     * A file of a quarter of {@link #fileBytes} (64 MiB) pushed with {@code RemoteFiles.putAll} to
     * {@link #PUSH_TARGETS} local contexts started through one intermediary, each in a directory of its own: the bytes
     * this JVM's file service sent, divided by the file's size (1.0: the file crossed the master's link once). The
     * content changes at each run, so nothing is cached or unchanged.
     */
    private Metric push() {
        Metric ratio = new Metric("push_10_via_one_bytes_ratio", "ratio", true);
        long size = fileBytes() / 4;
        Path dir = null;
        Context via = router.local(LocalOptions.builder().name("bench-via").build());
        try {
            dir = Files.createTempDirectory("jitogen-bench-push");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Context> targets = new ArrayList<>();
            for (int i = 0; i < PUSH_TARGETS; i++) {
                Path home = Files.createDirectory(dir.resolve("t" + i));
                targets.add(router.local(LocalOptions.builder().via(via).name("bench-leaf" + i)
                        .javaPath("sh", "-c", "cd '" + home + "' && exec '" + java + "' \"$@\"", "java").build()));
            }
            Path src = dir.resolve("file");
            for (int r = 0; r < Math.min(options.runs, PUSH_RUNS); r++) {
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(src.toFile(), "rw")) {
                    f.setLength(size);
                    f.writeLong(System.nanoTime()); // new content each run
                }
                long before = RemoteFiles.localService(router).bytesServed();
                for (RemoteFiles.Outcome o : RemoteFiles.putAll(targets, src, "file", TransferOptions.defaults())) {
                    if (!o.ok()) throw new IllegalStateException("push failed: " + o.error().getMessage(), o.error());
                }
                ratio.values.add((double) (RemoteFiles.localService(router).bytesServed() - before) / size);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the file to push", e);
        } finally {
            via.shutdown(); // and the targets behind it
            deleteTree(dir);
        }
        return ratio;
    }

    static void deleteTree(Path dir) {
        if (dir == null) return;
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: what is left goes with the next cleanup of /tmp
        }
    }

    /** Per run, the mean of {@link #RTT_CALLS} blocking no-op calls, in microseconds, after a warm-up. */
    static Metric roundTrips(String name, Context c, int runs) {
        Metric m = new Metric(name, "us", true);
        for (int i = 0; i < RTT_WARMUP; i++) c.call(BenchCalls.NOOP);
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < RTT_CALLS; i++) c.call(BenchCalls.NOOP);
            m.values.add((System.nanoTime() - t0) / 1e3 / RTT_CALLS);
        }
        return m;
    }

    /** {@link #ASYNC_CALLS} no-op calls sent back to back, then all awaited: calls per second. */
    private static double asyncRun(Context c) {
        List<Receiver<Object>> replies = new ArrayList<>(ASYNC_CALLS);
        long t0 = System.nanoTime();
        for (int i = 0; i < ASYNC_CALLS; i++) replies.add(c.callAsync(BenchCalls.NOOP));
        for (Receiver<Object> r : replies) r.get();
        return ASYNC_CALLS / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * The round trips the first call of a lambda touching 50 classes costs in a fresh context: the call itself plus
     * every class request the master answers meanwhile.
     */
    private double firstCallRoundTrips() {
        Context fresh = router.local();
        try {
            fresh.call(BenchCalls.NOOP);
            long before = router.stats().requests();
            int sum = fresh.call(BenchClasses.touchingFifty());
            if (sum != BenchClasses.EXPECTED) throw new IllegalStateException("the 50-class lambda returned " + sum);
            return 1 + router.stats().requests() - before;
        } finally {
            fresh.shutdown();
        }
    }

    /** Opens {@link #FANOUT} local contexts at once and gets one call from each: seconds until all answered. */
    private double fanout() {
        ExecutorService pool = Executors.newFixedThreadPool(FANOUT);
        try {
            List<Future<Context>> started = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < FANOUT; i++) {
                started.add(pool.submit(() -> {
                    Context c = router.local();
                    c.call(BenchCalls.NOOP);
                    return c;
                }));
            }
            List<Context> contexts = new ArrayList<>();
            for (Future<Context> f : started) contexts.add(f.get());
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (Context c : contexts) pool.submit(c::shutdown);
            return seconds;
        } catch (Exception e) {
            throw new IllegalStateException("fan-out failed: " + e, e);
        } finally {
            pool.shutdown();
            try {
                pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What booting a context put on the wire: the boot command, which carries the first stage (the same script for
     * every connection method, give or take the java path and name), and what went to its stdin until it was ready.
     */
    static long bootBytes(Context c, LocalOptions o) {
        if (c.bootBytes() < 0) throw new IllegalStateException(c.name() + " does not know its boot bytes");
        return c.bootBytes() + Bootstrap.script(o.javaPath(), o.jvmFlags(), o.remoteName()).length();
    }

    /** User plus system CPU time of a process so far, in milliseconds, from {@code /proc/PID/stat}. */
    static double cpuMs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) may hold spaces and parentheses: count fields after its closing one
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
            return ticks * 1000.0 / CLOCK_TICKS;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
    }

    /** The unit of /proc's times: USER_HZ, 100 on every Linux architecture Jitogen runs on. */
    private static final int CLOCK_TICKS = 100;

    /** VmRSS of the context's JVM after one call, in MiB, read from {@code /proc}. */
    /**
     * The child's resident size now, read from {@code /proc} by its pid (which the master learns as the child
     * starts): asking the child for it would make it load the class of that call, and what comes with it.
     */
    private static double residentMb(Context c) {
        long pid = c.pid();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the child's resident size", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }

    private static void printTable(List<Metric> metrics, PrintStream out) {
        out.printf(Locale.ROOT, "%-34s %-12s %12s %12s %12s%n", "metric", "unit", "min", "median", "max");
        out.printf(Locale.ROOT, "%-34s %-12s %12s %12d%n", "core_bundle_compressed", "bytes", "",
                Router.coreBundleBytes());
        for (Metric m : metrics) {
            double[] v = m.minMedianMax();
            out.printf(Locale.ROOT, "%-34s %-12s %12.1f %12.1f %12.1f%n", m.name, m.unit, v[0], v[1], v[2]);
        }
    }

    /** The format bench/compare-mitogen reads: {@code {"tool", "version", "runs", "metrics": [...]}}. */
    private static void printJson(List<Metric> metrics, int runs, PrintStream out) {
        StringBuilder s = new StringBuilder();
        s.append("{\"tool\": \"jitogen\", \"version\": \"").append(Main.version()).append("\", \"java\": \"")
                .append(System.getProperty("java.version")).append("\", \"runs\": ").append(runs)
                .append(", \"core_bundle_bytes\": ").append(Router.coreBundleBytes()).append(", \"metrics\": [");
        for (int i = 0; i < metrics.size(); i++) {
            Metric m = metrics.get(i);
            double[] v = m.minMedianMax();
            s.append(i == 0 ? "\n  " : ",\n  ").append(String.format(Locale.ROOT,
                    "{\"name\": \"%s\", \"unit\": \"%s\", \"better\": \"%s\", \"min\": %.3f, \"median\": %.3f, \"max\": %.3f}",
                    m.name, m.unit, m.lowerIsBetter ? "lower" : "higher", v[0], v[1], v[2]));
        }
        out.println(s.append("\n]}"));
    }
}
