package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./jitogen bench [--runs N] [--ssh USER@HOST:PORT [--identity FILE]]}: medians (with min and max) of the core runtime's costs on this machine.
 * Each metric is measured with a warm master: one context is started and called before timing begins.
 * Runs on the calling thread; starts and closes its own routers.
 */
final class Bench {
    private Bench() {}

    static void main(String[] args) {
        int runs = 15;
        String ssh = null, identity = null, hostKeys = "enforce";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--ssh" -> ssh = args[++i];
                case "--identity" -> identity = args[++i];
                case "--check-host-keys" -> hostKeys = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (usage: bench [--runs N] [--ssh USER@HOST:PORT [--identity FILE] [--check-host-keys P]])");
            }
        }
        List<Double> cold = new ArrayList<>(), rtt = new ArrayList<>();
        measure(runs, Router::local, cold, rtt);
        List<Double> twoHopCold = new ArrayList<>(), twoHopRtt = new ArrayList<>();
        measure(runs, router -> router.local(dev.jitogen.core.LocalOptions.builder().via(router.local()).build()),
                twoHopCold, twoHopRtt);
        List<Double> sshCold = new ArrayList<>(), sshRtt = new ArrayList<>();
        if (ssh != null) {
            java.util.Map<String, String> o = new java.util.HashMap<>(java.util.Map.of("destination", ssh,
                    "check-host-keys", hostKeys));
            if (identity != null) o.put("identity", identity);
            var method = new dev.jitogen.plugins.ssh.SshMethod();
            measure(runs, router -> method.connect(router, "bench", o, null), sshCold, sshRtt);
        }
        System.out.printf(Locale.ROOT, "%-28s %10s %10s %10s%n", "metric", "min", "median", "max");
        System.out.printf(Locale.ROOT, "%-28s %10d bytes%n", "core_bundle_compressed", Router.coreBundleBytes());
        row("cold_start_first_call_ms", cold);
        row("noop_call_rtt_us", rtt);
        row("two_hop_noop_rtt_us", twoHopRtt);
        if (!sshCold.isEmpty()) {
            row("ssh_cold_start_first_call_ms", sshCold);
            row("ssh_noop_rtt_us", sshRtt);
        }
    }

    /**
     * Warms the master with one context, then per run: opens a context with {@code open} in a fresh router and
     * times it to the first call's result ({@code cold}, ms), and times warmed no-op round trips ({@code rtt}, us).
     */
    private static void measure(int runs, java.util.function.Function<Router, Context> open, List<Double> cold,
                                List<Double> rtt) {
        try (Router warm = Router.create()) {
            Context c = open.apply(warm);
            for (int i = 0; i < 2000; i++) c.call(() -> null);
        }
        for (int r = 0; r < runs; r++) {
            try (Router router = Router.create()) {
                long t0 = System.nanoTime();
                Context c = open.apply(router);
                c.call(() -> null);
                cold.add((System.nanoTime() - t0) / 1e6);
                for (int i = 0; i < 2000; i++) c.call(() -> null);
                int n = 5000;
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) c.call(() -> null);
                rtt.add((System.nanoTime() - t1) / 1e3 / n);
            }
        }
    }

    private static void row(String name, List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        double median = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        System.out.printf(Locale.ROOT, "%-28s %10.1f %10.1f %10.1f%n", name, s.get(0), median, s.get(s.size() - 1));
    }
}
