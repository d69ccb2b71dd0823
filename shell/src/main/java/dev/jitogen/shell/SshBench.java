package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.files.RemoteFiles;
import dev.jitogen.plugins.ssh.ShapedLink;
import dev.jitogen.plugins.ssh.SshMethod;
import dev.jitogen.shell.Bench.Metric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows {@link Bench} measures over SSH when given {@code --ssh USER@HOST:PORT}: start and calls (directly, and
 * through a slow {@link ShapedLink}), and the file copies side by side with OpenSSH's {@code scp} to the same host.
 *
 * <p>Runs on the calling thread (Bench's); uses Bench's router, which Bench closes.
 */
final class SshBench {
    private final Bench.Options options;
    private final Router router;

    SshBench(Bench.Options options, Router router) {
        this.options = options;
        this.router = router;
    }

    /** Start and calls over SSH: the first call of a new context, the boot bytes, and a no-op call's round trip. */
    List<Metric> startAndCalls() {
        openSsh("bench-ssh").shutdown(); // warm the SSH client classes
        Metric cold = new Metric("ssh_cold_start_first_call_ms", "ms", true);
        for (int r = 0; r < options.runs(); r++) {
            long t0 = System.nanoTime();
            Context c = openSsh("bench-ssh");
            c.call(BenchCalls.NOOP);
            cold.values().add((System.nanoTime() - t0) / 1e6);
            c.shutdown();
        }
        Metric bootBytes = new Metric("boot_bytes_ssh", "bytes", true);
        Context c = openSsh("bench-ssh");
        for (int r = 0; r < options.runs(); r++) {
            bootBytes.values().add((double) Bench.bootBytes(c, LocalOptions.defaults()));
        }
        Metric rtt = Bench.roundTrips("ssh_noop_rtt_us", c, options.runs());
        c.shutdown();
        return List.of(cold, rtt, bootBytes, shaped());
    }

    /**
     * The cold start over a slow link: SSH open plus first call through a {@link ShapedLink} of 2 Mbit/s and 40 ms
     * round trip to the {@code --ssh} host, what an operator fanning out from one uplink to a hundred hosts feels.
     * The link's port is another host to the SSH client: its key is recorded in a known-hosts file of this run's own
     * on the first connection and checked on the others.
     */
    private Metric shaped() {
        Metric shaped = new Metric("ssh_cold_start_shaped_ms", "ms", true);
        String ssh = options.ssh();
        SshMethod.Destination d = SshMethod.Destination.parse(ssh);
        if (d.port() < 0) throw new IllegalArgumentException("bad port in --ssh " + ssh + ": a port is 1 to 65535");
        Path knownHosts = null;
        try (ShapedLink link = new ShapedLink(d.host(), d.port() > 0 ? d.port() : 22, ShapedLink.BENCH_BITS_PER_SECOND,
                ShapedLink.BENCH_RTT_MILLIS)) {
            knownHosts = Files.createTempFile("jitogen-bench-known-hosts", "");
            Map<String, String> o = new HashMap<>(Map.of("destination",
                    (d.user() == null ? "" : d.user() + "@") + "127.0.0.1:" + link.port(),
                    "check-host-keys", "accept", "known-hosts", knownHosts.toString()));
            if (options.identity() != null) o.put("identity", options.identity());
            for (int r = 0; r < options.runs(); r++) {
                long t0 = System.nanoTime();
                Context c = new SshMethod().connect(router, "bench-ssh-shaped", o, null);
                c.call(BenchCalls.NOOP);
                shaped.values().add((System.nanoTime() - t0) / 1e6);
                c.shutdown();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the shaped link to " + ssh + " failed", e);
        } finally {
            if (knownHosts != null) knownHosts.toFile().delete();
        }
        return shaped;
    }

    /** Opens a context over SSH as {@code --ssh} says. */
    private Context openSsh(String name) {
        Map<String, String> o = new HashMap<>(Map.of("destination", options.ssh(),
                "check-host-keys", options.hostKeys()));
        if (options.identity() != null) o.put("identity", options.identity());
        return new SshMethod().connect(router, name, o, null);
    }

    /**
     * The file of {@link Bench}'s file rows put to and got from a context over SSH, and copied to the same host with
     * {@code scp} in the same run, to a temporary directory the context makes: MB per second each.
     */
    List<Metric> files() {
        Metric put = new Metric("put_256MiB_ssh_MBps", "MB/s", false), get = new Metric("get_256MiB_ssh_MBps", "MB/s", false),
                scp = new Metric("scp_256MiB_MBps", "MB/s", false);
        Path dir = null;
        Context c = openSsh("bench-ssh-files");
        String remoteDir = null;
        try {
            dir = Files.createTempDirectory("jitogen-bench-ssh");
            Path src = dir.resolve("file"), back = dir.resolve("back");
            Bench.sparseFile(src, Bench.fileBytes());
            remoteDir = c.call(() -> Files.createTempDirectory("jitogen-bench-ssh").toString());
            String remote = remoteDir + "/copy";
            for (int r = 0; r < options.runs(); r++) {
                put.values().add(RemoteFiles.put(c, src, remote).megabytesPerSecond());
                get.values().add(RemoteFiles.get(c, remote, back).megabytesPerSecond());
                scp.values().add(scp(src, remoteDir + "/scp"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the file to copy", e);
        } finally {
            if (remoteDir != null) {
                String rd = remoteDir;
                c.call(() -> {
                    for (String f : List.of("copy", "scp")) Files.deleteIfExists(Path.of(rd, f));
                    return Files.deleteIfExists(Path.of(rd));
                });
            }
            c.shutdown();
            Bench.deleteTree(dir);
        }
        return List.of(put, get, scp);
    }

    /** Copies {@code src} to {@code remote} on the {@code --ssh} host with OpenSSH's scp: MB per second. */
    private double scp(Path src, String remote) {
        String dest = options.ssh();
        String port = null;
        int colon = dest.lastIndexOf(':');
        if (colon > 0 && dest.substring(colon + 1).matches("[0-9]+")) {
            port = dest.substring(colon + 1);
            dest = dest.substring(0, colon);
        }
        List<String> cmd = new ArrayList<>(List.of("scp", "-q", "-o", "BatchMode=yes"));
        if (port != null) cmd.addAll(List.of("-P", port));
        if (options.identity() != null) cmd.addAll(List.of("-i", options.identity(), "-o", "IdentitiesOnly=yes"));
        switch (options.hostKeys()) {
            case "ignore" -> cmd.addAll(List.of("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"));
            case "accept" -> cmd.addAll(List.of("-o", "StrictHostKeyChecking=accept-new"));
            default -> cmd.addAll(List.of("-o", "StrictHostKeyChecking=yes"));
        }
        cmd.addAll(List.of(src.toString(), dest + ":" + remote));
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("scp failed (" + String.join(" ", cmd) + "): " + out);
            return Files.size(src) / 1e6 / ((System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run scp (is openssh-client installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running scp", e);
        }
    }
}
