package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.RemoteCallable;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.inventory.Inventory;
import dev.jitogen.plugins.inventory.InventoryError;
import dev.jitogen.plugins.inventory.InventoryHost;
import dev.jitogen.plugins.ssh.HostKeyPolicy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one-shot commands for scripts and cron, Ansible's ad-hoc commands in Jitogen's form:
 * {@code jitogen on PATTERN -i FILE -- 'EXPR'} evaluates a Java expression (or runs a statement) on every host the
 * pattern selects, and {@code jitogen sh PATTERN -i FILE -- COMMAND...} runs a command there through
 * {@code /bin/sh -c}. Each host is opened (SSH, then become if its variables say so), called and closed, at most
 * {@code --forks} at a time. No prompt: one block per host on standard output as it finishes, or with
 * {@code --json} one JSON object per line; the summary goes to standard error.
 *
 * <p>Exit status: 0 if every host succeeded, 1 if any failed (could not be opened, threw, or for {@code sh} exited
 * non-zero), 2 for a usage error (no inventory, a pattern naming no host or group, an expression that does not
 * compile).
 *
 * <p>Threads: runs on the main thread; hosts are opened and called on fork threads; output is written on the main
 * thread only, so blocks never interleave.
 */
final class OneShot {
    /** What both commands take. */
    record Options(String pattern, List<Path> inventory, int forks, HostKeyPolicy policy, boolean json) {}

    /** One host's result: a value (on), or stdout, stderr and exit status (sh); when it came, from the start. */
    private record Result(Object value, String[] sh, long nanos) {}

    private final String verb;
    private final Options options;
    private final PrintStream out, err;
    /** For on: the code was a statement, whose value prints nothing (what it prints shows). */
    private boolean isVoid;

    private OneShot(String verb, Options options, PrintStream out, PrintStream err) {
        this.verb = verb;
        this.options = options;
        this.out = out;
        this.err = err;
    }

    static int on(Options options, String expr, PrintStream out, PrintStream err) {
        OneShot run = new OneShot("on", options, out, err);
        List<InventoryHost> hosts = run.hosts();
        if (hosts == null) return 2;
        if (expr.isBlank()) return run.usage("give the expression after --");
        // the compiler's words go to stderr; then what contexts print goes beside the results, or to stderr to keep
        // --json's lines alone on stdout
        java.util.concurrent.atomic.AtomicReference<PrintStream> target = new java.util.concurrent.atomic.AtomicReference<>(err);
        try (Shell shell = new Shell(line -> target.get().println(line), Feedback.Mode.SILENT)) {
            boolean compiled = shell.host.turn(js -> {
                shell.session.makeCurrent();
                return ContextCommands.evalRemote(shell, shell.sessionRef() + ".hold(", expr.strip());
            });
            RemoteCallable<?> fn = shell.session.takeHeld();
            if (!compiled || fn == null) return 2; // the compiler's words are printed
            target.set(options.json() ? err : out);
            boolean isVoid = shell.session.heldIsVoid();
            Router router = shell.session.router();
            run.isVoid = isVoid;
            return run.each(hosts, router, c -> c.call(fn));
        }
    }

    static int sh(Options options, String command, PrintStream out, PrintStream err) {
        OneShot run = new OneShot("sh", options, out, err);
        List<InventoryHost> hosts = run.hosts();
        if (hosts == null) return 2;
        if (command.isBlank()) return run.usage("give the command after --");
        java.util.logging.Handler logs = ContextOutput.install(err::println);
        try (Router router = Router.create()) {
            return run.each(hosts, router, c -> {
                Object r = c.callStatic(RemoteCommand.class.getName(), "run", command);
                if (!(r instanceof String[] a) || a.length != 3 || a[0] == null || a[1] == null || a[2] == null
                        || !a[2].matches("-?\\d{1,10}")) {
                    throw new IllegalStateException("the host sent a malformed result");
                }
                return a;
            });
        } finally {
            ContextOutput.uninstall(logs);
        }
    }

    /** The hosts of the pattern, or null after printing a usage error. */
    private List<InventoryHost> hosts() {
        List<Path> files = options.inventory().isEmpty() ? FleetCommands.fromEnvironment() : options.inventory();
        if (files.isEmpty()) {
            usage("give an inventory with -i FILE (or set JITOGEN_INVENTORY)");
            return null;
        }
        try {
            List<InventoryHost> hosts = Inventory.load(files).select(options.pattern());
            if (hosts.isEmpty()) err.println("jitogen " + verb + ": pattern " + options.pattern() + " selects no host");
            return hosts;
        } catch (InventoryError e) {
            usage(e.getMessage());
            return null;
        }
    }

    private int usage(String message) {
        err.println("jitogen " + verb + ": " + message);
        return 2;
    }

    /**
     * Opens each host, runs {@code call} in it (its value is on's value, or sh's three strings), closes it; prints
     * each result as it comes.
     */
    private int each(List<InventoryHost> hosts, Router router, java.util.function.Function<Context, Object> call) {
        int width = hosts.stream().mapToInt(h -> h.name().length()).max().orElse(0) + 3;
        long start = System.nanoTime();
        int[] failed = new int[1];
        try {
            Fleet.bounded(progress(), "running", hosts, options.forks(), h -> {
                long t0 = System.nanoTime();
                Context c = h.connect(router, h.name(), options.policy());
                try {
                    Object v = call.apply(c);
                    return verb.equals("sh") ? new Result(null, (String[]) v, System.nanoTime() - t0)
                            : new Result(v, null, System.nanoTime() - t0);
                } finally {
                    c.shutdown();
                    if (c.via() != null && c.via().name().equals(h.name() + ".login")) c.via().shutdown();
                }
            }, o -> {
                boolean ok = o.ok() && (o.value().sh() == null || o.value().sh()[2].equals("0"));
                if (!ok) failed[0]++;
                String shown = options.json() ? json(o, ok) : text(o, width);
                if (shown != null) {
                    out.println(shown);
                    out.flush();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("jitogen: interrupted");
            return 1;
        }
        err.println((hosts.size() - failed[0]) + " ok, " + failed[0] + " failed in " + Fleet.seconds(start) + " s");
        return failed[0] == 0 ? 0 : 1;
    }

    /** The progress line, on standard error when it is a terminal (a human is waiting); none for cron. */
    private Shell.Printer progress() {
        boolean terminal = System.console() != null && System.getenv("NO_COLOR") == null;
        return new Shell.Printer() {
            @Override
            public void println(String line) {
                err.println(line);
            }

            @Override
            public void progress(String line) {
                if (terminal) {
                    err.print("\r\033[K" + line + "\r");
                    err.flush();
                }
            }
        };
    }

    private String text(Fleet.Outcome<InventoryHost, Result> o, int width) {
        String name = o.item().name();
        String label = String.format("%-" + width + "s", "[" + name + "]");
        if (!o.ok()) return Fleet.block(label, "failed: " + FleetCommands.oneLine(o.error()));
        String[] sh = o.value().sh();
        if (sh == null) {
            if (isVoid) return null; // a statement: what it printed shows, under the host's name
            Object v = o.value().value();
            return Fleet.block(label, v instanceof String s ? s : Feedback.value(v));
        }
        StringBuilder b = new StringBuilder();
        if (!sh[0].isEmpty()) b.append(Fleet.block(label, sh[0].stripTrailing())).append('\n');
        if (!sh[1].isEmpty()) b.append(Fleet.block("[" + name + "] stderr: ", sh[1].stripTrailing())).append('\n');
        return b.append(label).append("exit ").append(sh[2]).toString();
    }

    private String json(Fleet.Outcome<InventoryHost, Result> o, boolean ok) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("host", o.item().name());
        line.put("ok", ok);
        String[] sh = o.ok() ? o.value().sh() : null;
        if (o.ok() && sh == null) {
            line.put("value", o.value().value());
        } else if (sh != null) {
            line.put("stdout", sh[0]);
            line.put("stderr", sh[1]);
            line.put("exit", Integer.parseInt(sh[2]));
        } else if (!o.ok()) {
            // the fields of the command, empty: a reader need not test for them
            if (verb.equals("on")) line.put("value", null);
            else {
                line.put("stdout", null);
                line.put("stderr", null);
                line.put("exit", null);
            }
        }
        // a non-zero exit is said by exit and ok; error is for what kept the call from giving a result
        line.put("error", o.ok() ? null : FleetCommands.oneLine(o.error()));
        line.put("ms", o.ok() ? o.value().nanos() / 1_000_000 : o.millis());
        return Json.write(line);
    }
}
