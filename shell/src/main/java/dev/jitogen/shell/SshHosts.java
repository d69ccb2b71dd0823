package dev.jitogen.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The host names an OpenSSH user has already told their client about, for completion: {@code Host} aliases of
 * {@code ~/.ssh/config} (not the patterns with {@code *}, {@code ?} or {@code !}) and the hosts of
 * {@code ~/.ssh/known_hosts} (not hashed ones, which cannot be read back; {@code [host]:port} given as
 * {@code host:port}). A file that is missing or unreadable gives nothing.
 *
 * <p>Pure functions reading files; any thread.
 */
final class SshHosts {
    private SshHosts() {}

    /** The aliases of {@code Host} lines in an OpenSSH client config, in order. */
    static List<String> configAliases(Path config) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : lines(config)) {
            String l = line.strip();
            // "Host a b", "Host=a", "host  a": the keyword is case-insensitive, then spaces or one '='
            String[] kv = l.split("[\\s=]+", 2);
            if (kv.length < 2 || !kv[0].equalsIgnoreCase("Host")) continue;
            for (String alias : kv[1].split("\\s+")) {
                if (alias.isEmpty() || alias.startsWith("#")) break;
                if (alias.chars().noneMatch(c -> c == '*' || c == '?' || c == '!')) out.add(unquote(alias));
            }
        }
        return List.copyOf(out);
    }

    /** The hosts of a known_hosts file, in order; {@code [host]:port} becomes {@code host:port}. */
    static List<String> knownHosts(Path knownHosts) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : lines(knownHosts)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] fields = l.split("\\s+");
            String hosts = fields[0].startsWith("@") && fields.length > 1 ? fields[1] : fields[0]; // @revoked etc.
            if (hosts.startsWith("|")) continue; // hashed
            for (String h : hosts.split(",")) {
                if (h.isEmpty() || h.startsWith("!") || h.contains("*") || h.contains("?")) continue;
                if (h.startsWith("[") && h.contains("]:")) h = h.substring(1, h.indexOf("]:")) + ":" + h.substring(h.indexOf("]:") + 2);
                out.add(h);
            }
        }
        return List.copyOf(out);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of(); // completion offers less; nothing else depends on it
        }
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
