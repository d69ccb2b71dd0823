package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.plugins.inventory.Inventory;
import dev.jitogen.plugins.inventory.InventoryError;
import dev.jitogen.plugins.inventory.InventoryHost;
import dev.jitogen.plugins.ssh.HostKeyPolicy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The commands about Ansible inventories: {@code /inventory} (load one, show it, list a pattern's hosts) and
 * {@code /connect PATTERN} (open every host a pattern selects, at most {@code --forks} at a time, each as a variable
 * named after it). {@code /on @PATTERN} and {@code /sh @PATTERN} then reach the opened hosts ({@link Session#targets}).
 *
 * <p>Threads: the commands run on the shell thread, with the shell's JShell lock held; {@code /connect} opens hosts
 * on fork threads and waits for them there (Ctrl-C stops it: hosts not yet started are not opened).
 */
final class FleetCommands {
    /** Ansible's default number of forks. */
    static final int DEFAULT_FORKS = 20;

    private final Shell shell;
    private final Session session;

    private FleetCommands(Shell shell) {
        this.shell = shell;
        this.session = shell.session;
    }

    static void define(Shell shell) {
        new FleetCommands(shell).defineAll();
    }

    /** The inventory files named by {@code JITOGEN_INVENTORY} (separated by commas or colons), or none. */
    static List<Path> fromEnvironment() {
        String v = System.getenv("JITOGEN_INVENTORY");
        List<Path> files = new ArrayList<>();
        if (v != null) for (String f : v.split("[,:]")) if (!f.isBlank()) files.add(Path.of(f.strip()));
        return files;
    }

    /** Parses {@code --check-host-keys}'s value. */
    static HostKeyPolicy policy(String value) {
        try {
            return HostKeyPolicy.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--check-host-keys takes enforce, accept or ignore, not " + value);
        }
    }

    private void defineAll() {
        shell.add("inventory", "/inventory [FILE...] | --list-hosts PATTERN",
                "load Ansible inventory files (INI or YAML), or show the one loaded",
                "With files: use them (replacing those loaded before), as -i FILE or JITOGEN_INVENTORY do at start.\n"
                        + "Without: the files, and each group with its number of hosts.\n"
                        + "--list-hosts PATTERN: the hosts an Ansible pattern selects (web, web:!web3, web:&prod, "
                        + "web[0:2], web*), as ansible --list-hosts does.", this::inventory);
        shell.add("connect", "/connect PATTERN [--forks N] [--check-host-keys enforce|accept|ignore]",
                "open every inventory host PATTERN selects, over SSH, N at a time",
                "Each host becomes a variable named after it (web-1.example.com: web_1_example_com). "
                        + "ansible_become opens a sudo, su or doas context through the SSH one.\n"
                        + "--forks N                at most N hosts connecting at once (default " + DEFAULT_FORKS + ")\n"
                        + "--check-host-keys P      host key policy, enforce (default), accept or ignore\n"
                        + "A failed host does not stop the others; the summary says why each failed. Then "
                        + "/on @PATTERN EXPR and /sh @PATTERN CMD run on the hosts opened.", this::connect);
    }

    private boolean inventory(String args) {
        List<String> words = Shell.words(args);
        if (!words.isEmpty() && words.get(0).equals("--list-hosts")) {
            if (words.size() != 2) throw new IllegalArgumentException("--list-hosts takes one pattern");
            List<InventoryHost> hosts = select(words.get(1));
            shell.hard("|  " + hosts.size() + (hosts.size() == 1 ? " host" : " hosts") + ":");
            for (InventoryHost h : hosts) {
                String name = session.contextNameOf(h.name());
                shell.hard("|    " + h.name() + (name.equals(h.name()) ? "" : " (" + name + ")")
                        + (session.isLive(name) ? "  open" : ""));
            }
            return true;
        }
        if (!words.isEmpty()) {
            List<Path> files = words.stream().map(Path::of).toList();
            Inventory inv;
            try {
                inv = Inventory.load(files);
            } catch (InventoryError e) {
                throw new Shell.CommandFailure(e.getMessage());
            }
            session.useInventory(inv);
            shell.fluff("|  " + describe(inv));
            return true;
        }
        Inventory inv = session.requireInventory();
        shell.hard("|  " + describe(inv));
        shell.hard("|  " + inv.groupNames().stream().map(g -> g + " (" + inv.groupHosts(g).size() + ")")
                .collect(Collectors.joining("  ")));
        return true;
    }

    static String describe(Inventory inv) {
        return inv.files().stream().map(Path::toString).collect(Collectors.joining(", ")) + ": "
                + inv.hosts().size() + (inv.hosts().size() == 1 ? " host" : " hosts") + " in "
                + (inv.groupNames().size() - 2) + (inv.groupNames().size() == 3 ? " group" : " groups")
                + " (and all, ungrouped)";
    }

    private List<InventoryHost> select(String pattern) {
        try {
            return session.requireInventory().select(pattern);
        } catch (InventoryError e) {
            throw new Shell.CommandFailure(e.getMessage());
        }
    }

    private boolean connect(String args) throws InterruptedException {
        List<String> words = Shell.words(args);
        String pattern = null;
        int forks = DEFAULT_FORKS;
        HostKeyPolicy policy = HostKeyPolicy.ENFORCE;
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            switch (w) {
                case "--forks" -> forks = forks(value(words, ++i, w));
                case "--check-host-keys" -> policy = policy(value(words, ++i, w));
                default -> {
                    if (w.startsWith("--")) throw new IllegalArgumentException("unknown option " + w);
                    if (pattern != null) throw new IllegalArgumentException("one pattern only (join terms with ':')");
                    pattern = w;
                }
            }
        }
        if (pattern == null) throw new IllegalArgumentException("give a host pattern (all, a group, web:!web3, ...)");
        List<InventoryHost> hosts = select(pattern);
        List<InventoryHost> toOpen = new ArrayList<>();
        int already = 0;
        for (InventoryHost h : hosts) {
            if (session.isLive(session.contextNameOf(h.name())) && session.hostOf(session.contextNameOf(h.name())) != null) already++;
            else toOpen.add(h);
        }
        HostKeyPolicy p = policy;
        long start = System.nanoTime();
        List<Fleet.Outcome<InventoryHost, Context>> outcomes = new ArrayList<>();
        boolean interrupted = false;
        try {
            Fleet.bounded(shell.out, "connecting", toOpen, forks,
                    h -> session.openHost(h, session.contextNameOf(h.name()), p), outcomes::add);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        // the variables, on this thread (JShell's), for every host that opened, even after Ctrl-C: the Ctrl-C was
        // for the opening, which has stopped, not for this bookkeeping
        if (interrupted) shell.execution.clearStop();
        List<String> opened = new ArrayList<>();
        for (InventoryHost h : toOpen) {
            String name = session.contextNameOf(h.name());
            if (session.isLive(name) && session.hostOf(name) != null) {
                try {
                    shell.startup.define(name);
                } catch (RuntimeException e) {
                    shell.error("|  " + h.name() + " is open as context " + name + ", but " + e.getMessage());
                }
                opened.add(name);
            }
        }
        List<Fleet.Outcome<InventoryHost, Context>> failed = outcomes.stream().filter(o -> !o.ok()).toList();
        String summary = opened.size() + " connected, " + failed.size() + " failed"
                + (already > 0 ? ", " + already + " open already" : "")
                + (interrupted ? ", " + (toOpen.size() - outcomes.size()) + " not tried (interrupted)" : "")
                + " in " + Fleet.seconds(start) + " s";
        shell.hard(summary);
        for (Fleet.Outcome<InventoryHost, Context> o : failed) {
            shell.hard("|  " + o.item().name() + ": " + oneLine(o.error()));
        }
        List<String> renamed = new ArrayList<>();
        for (InventoryHost h : toOpen) {
            String name = session.contextNameOf(h.name());
            if (!name.equals(h.name()) && opened.contains(name)) renamed.add(name + " = " + h.name());
        }
        if (!renamed.isEmpty()) {
            shell.fluff("|  variables: " + String.join(", ", renamed.size() > 8 ? renamed.subList(0, 8) : renamed)
                    + (renamed.size() > 8 ? ", ... (/inventory --list-hosts " + pattern + ")" : ""));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            throw new InterruptedException();
        }
        return failed.isEmpty();
    }

    /** One line saying why a host failed: the error's own words, without a stack. */
    static String oneLine(Throwable e) {
        // a call's error without its "[context]" prefix: the line is the host's already
        String m = e instanceof dev.jitogen.core.CallError ? Fleet.message(e)
                : e instanceof IllegalArgumentException || e instanceof dev.jitogen.core.JitogenError ? e.getMessage()
                : Fleet.message(e);
        if (m == null) m = e.getClass().getSimpleName();
        return ContextOutput.escape(m.replace('\n', ' '));
    }

    static int forks(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("--forks takes a number of hosts, 1 or more, not " + value);
    }

    private static String value(List<String> words, int i, String option) {
        if (i >= words.size()) throw new IllegalArgumentException(option + " needs a value");
        return words.get(i);
    }
}
