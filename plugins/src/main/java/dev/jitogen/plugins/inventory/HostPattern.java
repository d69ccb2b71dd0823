package dev.jitogen.plugins.inventory;

import dev.jitogen.plugins.Suggest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Ansible's host patterns: terms separated by {@code :} (or {@code ,}); a term is {@code all} (or {@code *}), a
 * group, a host, a glob ({@code web*}, {@code *.example.com}) or a regular expression after {@code ~}, optionally
 * sliced by position in its list: {@code web[0]} the first host, {@code web[-1]} the last, {@code web[0:2]} the first
 * three (Ansible includes both ends; its code does, whatever a table in its docs says), {@code web[1:]} all but the
 * first.
 * {@code !TERM} takes hosts away and {@code &TERM} keeps only hosts also in it. As in Ansible, the plain terms are
 * joined first, in order, then the {@code &} terms applied, then the {@code !} terms, wherever they are written;
 * with only {@code !} or {@code &} terms, they apply to {@code all}.
 *
 * <p>Unlike Ansible, which warns and goes on, a term that matches nothing is an error: a typo in {@code !web3} must
 * not run on web3.
 *
 * <p>Pure functions over an immutable inventory; any thread.
 */
final class HostPattern {
    private static final Pattern SLICE = Pattern.compile("(.+?)\\[(-?\\d+)?(?:(:)(-?\\d+)?)?]");

    private HostPattern() {}

    static List<String> select(Inventory inv, String pattern) {
        if (pattern == null || pattern.isBlank()) throw new InventoryError("give a host pattern (all, a group, a host, web:!web3, ...)");
        List<String> plain = new ArrayList<>(), and = new ArrayList<>(), not = new ArrayList<>();
        for (String t : split(pattern.strip())) {
            if (t.isEmpty()) continue;
            if (t.startsWith("!")) not.add(t.substring(1));
            else if (t.startsWith("&")) and.add(t.substring(1));
            else plain.add(t);
        }
        if (plain.isEmpty()) plain.add("all");
        Set<String> hosts = new LinkedHashSet<>();
        for (String t : plain) hosts.addAll(term(inv, t));
        for (String t : and) hosts.retainAll(new LinkedHashSet<>(term(inv, t)));
        for (String t : not) term(inv, t).forEach(hosts::remove);
        return List.copyOf(hosts);
    }

    /** Splits on commas if there are any, else on colons outside brackets (which hold slices and ranges). */
    private static List<String> split(String pattern) {
        List<String> out = new ArrayList<>();
        if (pattern.contains(",")) {
            for (String t : pattern.split(",")) out.add(t.strip());
            return out;
        }
        int depth = 0, start = 0;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (c == ':' && depth == 0) {
                out.add(pattern.substring(start, i).strip());
                start = i + 1;
            }
        }
        out.add(pattern.substring(start).strip());
        return out;
    }

    private static List<String> term(Inventory inv, String term) {
        Matcher s = SLICE.matcher(term);
        if (!term.startsWith("~") && s.matches() && (s.group(2) != null || s.group(3) != null)) {
            List<String> base = match(inv, s.group(1));
            return slice(base, s.group(2), s.group(3) != null, s.group(4), term);
        }
        return match(inv, term);
    }

    private static List<String> match(Inventory inv, String term) {
        if (term.equals("all") || term.equals("*")) return inv.hostNames();
        Set<String> out = new LinkedHashSet<>();
        if (term.startsWith("~")) {
            Pattern re;
            try {
                re = Pattern.compile(term.substring(1));
            } catch (PatternSyntaxException e) {
                throw new InventoryError("host pattern " + term + " is not a valid regular expression: " + e.getDescription());
            }
            for (String g : inv.groupNames()) if (re.matcher(g).lookingAt()) out.addAll(inv.groupHosts(g));
            for (String h : inv.hostNames()) if (re.matcher(h).lookingAt()) out.add(h);
        } else if (isGlob(term)) {
            Pattern re = glob(term);
            for (String g : inv.groupNames()) if (re.matcher(g).matches()) out.addAll(inv.groupHosts(g));
            for (String h : inv.hostNames()) if (re.matcher(h).matches()) out.add(h);
        } else if (inv.groupNames().contains(term)) {
            out.addAll(inv.groupHosts(term));
        } else if (inv.host(term) != null) {
            out.add(term);
        } else {
            throw new InventoryError("no host or group called " + term + " in " + inv.describeFiles()
                    + nearest(inv, term) + "; groups: " + String.join(", ", inv.groupNames()));
        }
        if (out.isEmpty()) {
            throw new InventoryError("host pattern " + term + " matches no host or group in " + inv.describeFiles()
                    + "; groups: " + String.join(", ", inv.groupNames()));
        }
        return new ArrayList<>(out);
    }

    private static List<String> slice(List<String> hosts, String from, boolean range, String to, String term) {
        int n = hosts.size();
        if (!range) {
            int i = Integer.parseInt(from);
            int at = i < 0 ? n + i : i;
            if (at < 0 || at >= n) {
                throw new InventoryError("host pattern " + term + ": index " + i + " is out of range ("
                        + n + (n == 1 ? " host" : " hosts") + ", so 0 to " + (n - 1) + ", or -1 to -" + n + ")");
            }
            return List.of(hosts.get(at));
        }
        int a = from == null ? 0 : clamp(Integer.parseInt(from), n);
        int b = to == null ? n : Math.min(n, clamp(Integer.parseInt(to), n) + 1); // the end is included
        if (a >= b) throw new InventoryError("host pattern " + term + " selects no host (" + term.substring(0, term.indexOf('['))
                + " has " + n + (n == 1 ? " host" : " hosts") + ", numbered from 0)");
        return hosts.subList(a, b);
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n, i < 0 ? n + i : i));
    }

    private static boolean isGlob(String term) {
        return term.indexOf('*') >= 0 || term.indexOf('?') >= 0 || term.indexOf('[') >= 0;
    }

    /** fnmatch's translation: {@code *} any text, {@code ?} one character, {@code [...]} a class. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int close = glob.indexOf(']', i + 2);
                    if (close < 0) {
                        re.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, close);
                        if (cls.startsWith("!")) cls = "^" + cls.substring(1);
                        re.append('[').append(cls.replace("\\", "\\\\")).append(']');
                        i = close;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        try {
            return Pattern.compile(re.toString());
        } catch (PatternSyntaxException e) {
            throw new InventoryError("host pattern " + glob + " is not a valid glob: " + e.getDescription());
        }
    }

    private static String nearest(Inventory inv, String term) {
        List<String> names = new ArrayList<>(inv.groupNames());
        names.addAll(inv.hostNames());
        String best = Suggest.closest(term, names);
        return best != null ? " (did you mean " + best + "?)" : "";
    }
}
