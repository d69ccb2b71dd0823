package dev.jitogen.shell;

import dev.jitogen.core.spi.ConnectionMethod;
import dev.jitogen.plugins.inventory.Inventory;
import dev.jitogen.plugins.inventory.InventoryHost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What Tab offers in a command's arguments: context names for {@code /on}, {@code /sh} and the like; inventory
 * groups and hosts for {@code /connect} and after {@code @} (each term of a pattern: {@code web:!d} offers
 * {@code web:!db1}); destinations after {@code /ssh NAME} (inventory hosts' addresses, {@code ~/.ssh/config} aliases,
 * known_hosts hosts, after a {@code USER@} if one is typed); the values of {@code --check-host-keys}; file names
 * after {@code --identity} and the other file options, {@code /inventory}, {@code /open}; a command's flags after
 * {@code -}.
 *
 * <p>Threads: the terminal's reading thread, while the shell waits at the prompt; it reads the session's names and
 * inventory, which are thread-safe, and files.
 */
final class Completion {
    /** One thing to offer: the text put in place of the word, a description, and whether a space follows it. */
    record Offer(String value, String description, boolean complete) {
        Offer(String value) {
            this(value, null, true);
        }
    }

    private static final List<String> FILE_OPTIONS = List.of("--identity", "--known-hosts", "--config", "-i", "--inventory");

    private Completion() {}

    /**
     * The offers for the word being typed in a command line.
     *
     * @param text the line up to the cursor, starting with {@code /NAME }
     * @param word the word being typed (the text after the last space or comma)
     * @param sshDir the directory of the OpenSSH client's files ({@code ~/.ssh})
     */
    static List<Offer> command(Shell shell, String text, String word, Path sshDir) {
        int space = text.indexOf(' ');
        String command = text.substring(1, space);
        String between = text.substring(space + 1, text.length() - word.length());
        List<String> before = Shell.words(between);
        // the first argument, up to the word: "web1," of "/on web1,we", "@web:" of "/on @web:d"
        boolean inFirst = between.chars().noneMatch(Character::isWhitespace);
        String previous = before.isEmpty() ? null : before.get(before.size() - 1);
        List<Offer> out = new ArrayList<>();
        if (previous != null && FILE_OPTIONS.contains(previous)) return paths(word);
        if ("--check-host-keys".equals(previous)) {
            for (String p : List.of("enforce", "accept", "ignore")) out.add(new Offer(p));
            return out;
        }
        if ("--via".equals(previous)) return contexts(shell, false);
        switch (command) {
            case "on", "sh", "disconnect" -> {
                if (!inFirst) return out; // past the targets: Java or a shell command, not ours to offer
                if ((between + word).startsWith("@")) return pattern(shell, word);
                out.addAll(contexts(shell, !command.equals("disconnect")));
                if (shell.session().inventory() != null) out.add(new Offer("@", "opened inventory hosts of a pattern", false));
            }
            case "routes", "log", "stop" -> out.addAll(contexts(shell, false));
            case "connect" -> {
                if (word.startsWith("-")) {
                    out.add(new Offer("--forks", "at most N hosts at once (default " + FleetCommands.DEFAULT_FORKS + ")", true));
                    out.add(new Offer("--check-host-keys", "enforce, accept or ignore", true));
                } else if (!"--forks".equals(previous)) {
                    return pattern(shell, word);
                }
            }
            case "inventory" -> {
                if ("--list-hosts".equals(previous)) return pattern(shell, word);
                if (word.startsWith("-")) out.add(new Offer("--list-hosts", "the hosts a pattern selects", true));
                else out.addAll(paths(word));
            }
            case "save", "open", "env" -> out.addAll(paths(word));
            case "set" -> {
                for (String v : List.of("feedback", "editor", "normal", "concise", "silent")) out.add(new Offer(v));
            }
            case "help" -> shell.commands().keySet().forEach(n -> out.add(new Offer(n)));
            default -> {
                ConnectionMethod m = shell.methods().get(command);
                if (m == null) return out;
                if (word.startsWith("-")) {
                    for (ConnectionMethod.Option o : m.options()) {
                        if (o.flag() != null) out.add(new Offer(o.flag(), o.help(), true));
                    }
                    out.add(new Offer("--via", "start it from another context", true));
                } else if (command.equals("ssh") && positional(m, before) == 1) {
                    out.addAll(destinations(shell, word, sshDir));
                }
            }
        }
        return out;
    }

    /** How many words before the cursor are positional (NAME, then the method's own), flags and values left out. */
    private static int positional(ConnectionMethod m, List<String> before) {
        int n = 0;
        for (int i = 0; i < before.size(); i++) {
            String w = before.get(i);
            if (!w.startsWith("--")) {
                n++;
                continue;
            }
            boolean takesValue = w.equals("--via") || m.options().stream()
                    .anyMatch(o -> w.equals(o.flag()) && o.placeholder() != null);
            if (takesValue) i++;
        }
        return n;
    }

    private static List<Offer> contexts(Shell shell, boolean withAll) {
        List<Offer> out = new ArrayList<>();
        for (String n : shell.session().names()) out.add(new Offer(n));
        if (withAll) {
            out.add(new Offer("all"));
            if (!shell.session().has("local")) out.add(new Offer("local"));
        }
        return out;
    }

    /**
     * The inventory's groups and hosts for the last term of a pattern: {@code @web:!d} offers {@code @web:!db1}. A
     * term is not complete (no space after it): the pattern may go on.
     */
    static List<Offer> pattern(Shell shell, String word) {
        List<Offer> out = new ArrayList<>();
        Inventory inv = shell.session().inventory();
        if (inv == null) return out;
        int cut = Math.max(word.lastIndexOf(':'), word.lastIndexOf(','));
        int start = cut >= 0 ? cut + 1 : word.startsWith("@") ? 1 : 0;
        if (start < word.length() && (word.charAt(start) == '!' || word.charAt(start) == '&')) start++;
        String head = word.substring(0, start);
        for (String g : inv.groupNames()) {
            int n = inv.groupHosts(g).size();
            out.add(new Offer(head + g, "group, " + n + (n == 1 ? " host" : " hosts"), false));
        }
        for (InventoryHost h : inv.hosts()) out.add(new Offer(head + h.name(), "host", false));
        return out;
    }

    /** Where {@code /ssh NAME} may connect: inventory hosts, config aliases, known hosts; after {@code USER@} too. */
    static List<Offer> destinations(Shell shell, String word, Path sshDir) {
        String user = word.contains("@") ? word.substring(0, word.lastIndexOf('@') + 1) : "";
        Map<String, String> hosts = new LinkedHashMap<>();
        Inventory inv = shell.session().inventory();
        if (inv != null) {
            for (InventoryHost h : inv.hosts()) {
                try {
                    hosts.putIfAbsent(h.address() + (h.port() > 0 ? ":" + h.port() : ""), "inventory host " + h.name());
                } catch (RuntimeException e) {
                    // a host whose variables cannot be read is not offered
                }
            }
        }
        for (String a : SshHosts.configAliases(sshDir.resolve("config"))) hosts.putIfAbsent(a, "~/.ssh/config");
        for (String k : SshHosts.knownHosts(sshDir.resolve("known_hosts"))) hosts.putIfAbsent(k, "known_hosts");
        List<Offer> out = new ArrayList<>();
        hosts.forEach((h, why) -> out.add(new Offer(user + h, why, true)));
        return out;
    }

    /** The files and directories that continue {@code word}; a directory's offer goes on (no space after it). */
    static List<Offer> paths(String word) {
        List<Offer> out = new ArrayList<>();
        String typed = word.startsWith("~/") ? System.getProperty("user.home") + word.substring(1) : word;
        Path dir = typed.isEmpty() ? Path.of(".") : typed.endsWith("/") ? Path.of(typed)
                : Path.of(typed).getParent() == null ? Path.of(".") : Path.of(typed).getParent();
        String shown = word.endsWith("/") ? word : word.contains("/") ? word.substring(0, word.lastIndexOf('/') + 1) : "";
        try (Stream<Path> files = Files.list(dir)) {
            files.sorted().forEach(p -> {
                boolean isDir = Files.isDirectory(p);
                out.add(new Offer(shown + p.getFileName() + (isDir ? "/" : ""), null, !isDir));
            });
        } catch (IOException | RuntimeException ignored) {
            // nothing to offer
        }
        return out;
    }
}
