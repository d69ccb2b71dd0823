package dev.jitogen.plugins.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host entry of an inventory as Ansible writes it: a name, an optional {@code :PORT}, and ranges in brackets that
 * make many hosts of one entry: {@code web[01:03]} is web01, web02, web03 (leading zeros keep the width),
 * {@code db-[a:c]} is db-a, db-b, db-c, and {@code [0:10:5]} counts in steps of 5. Several ranges multiply.
 *
 * <p>Pure functions; any thread. Errors are {@link InventoryError}s without a location: the caller adds it.
 */
final class HostRanges {
    /** More than this from one line is a typo, not a fleet. */
    static final int MAX_HOSTS = 100_000;
    private static final Pattern RANGE = Pattern.compile("\\[([^\\]\\[]*)]");
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    /** The hosts of one entry, and the port it gives (0 when none). */
    record Expansion(List<String> hosts, int port) {}

    private HostRanges() {}

    static Expansion expand(String entry) {
        String names = entry;
        int port = 0;
        List<Integer> colons = colonsOutsideBrackets(entry);
        if (colons.size() == 1) { // several colons: an IPv6 address, which has no port here
            int c = colons.get(0);
            String p = entry.substring(c + 1);
            if (!NUMBER.matcher(p).matches() || p.length() > 5 || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535) {
                throw new InventoryError("host " + entry + " ends in ':" + p + "', which is not a port (1 to 65535): "
                        + "write HOST:PORT, or set ansible_port");
            }
            port = Integer.parseInt(p);
            names = entry.substring(0, c);
        }
        if (names.isEmpty()) throw new InventoryError("host entry " + entry + " has no host name");
        if (names.contains("=")) {
            throw new InventoryError("expected a host name, got " + entry + ": variables go after the host name "
                    + "(web1 ansible_port=2222), or in a [GROUP:vars] section");
        }
        List<String> out = new ArrayList<>();
        out.add("");
        Matcher m = RANGE.matcher(names);
        int last = 0;
        while (m.find()) {
            String literal = names.substring(last, m.start());
            List<String> values = range(m.group(1), entry);
            List<String> next = new ArrayList<>();
            for (String prefix : out) {
                for (String v : values) {
                    next.add(prefix + literal + v);
                    if (next.size() > MAX_HOSTS) {
                        throw new InventoryError("host entry " + entry + " makes more than " + MAX_HOSTS + " hosts");
                    }
                }
            }
            out = next;
            last = m.end();
        }
        String tail = names.substring(last);
        List<String> hosts = new ArrayList<>();
        for (String prefix : out) hosts.add(prefix + tail);
        for (String h : hosts) {
            if (h.contains("[") || h.contains("]")) {
                throw new InventoryError("host entry " + entry + " has an unmatched bracket: a range is written "
                        + "[START:END], as in web[01:20]");
            }
        }
        return new Expansion(List.copyOf(hosts), port);
    }

    private static List<Integer> colonsOutsideBrackets(String s) {
        List<Integer> at = new ArrayList<>();
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (c == ':' && depth == 0) at.add(i);
        }
        return at;
    }

    /** The values of one {@code START:END[:STEP]} range; END is included, as in Ansible. */
    private static List<String> range(String spec, String entry) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new InventoryError("range [" + spec + "] in " + entry + " is not START:END or START:END:STEP");
        }
        String beg = parts[0].isEmpty() ? "0" : parts[0], end = parts[1];
        if (end.isEmpty()) throw new InventoryError("range [" + spec + "] in " + entry + " has no end");
        int step = 1;
        if (parts.length == 3) {
            if (!NUMBER.matcher(parts[2]).matches() || parts[2].length() > 6 || Integer.parseInt(parts[2]) == 0) {
                throw new InventoryError("range [" + spec + "] in " + entry + " has step " + parts[2]
                        + ": a step is a positive number");
            }
            step = Integer.parseInt(parts[2]);
        }
        List<String> values = new ArrayList<>();
        if (NUMBER.matcher(beg).matches() && NUMBER.matcher(end).matches()) {
            boolean padded = beg.length() > 1 && beg.charAt(0) == '0';
            if (padded && beg.length() != end.length()) {
                throw new InventoryError("range [" + spec + "] in " + entry + ": with leading zeros, START and END "
                        + "must have as many digits (e.g. [01:20])");
            }
            if (beg.length() > 9 || end.length() > 9) throw new InventoryError("range [" + spec + "] in " + entry + " is too large");
            int b = Integer.parseInt(beg), e = Integer.parseInt(end);
            if (b > e) throw new InventoryError("range [" + spec + "] in " + entry + " starts after it ends");
            if ((e - b) / step >= MAX_HOSTS) throw new InventoryError("host entry " + entry + " makes more than " + MAX_HOSTS + " hosts");
            for (int i = b; i <= e; i += step) {
                String v = Integer.toString(i);
                values.add(padded ? "0".repeat(Math.max(0, beg.length() - v.length())) + v : v);
            }
            return values;
        }
        if (beg.length() == 1 && end.length() == 1 && Character.isLetter(beg.charAt(0)) && Character.isLetter(end.charAt(0))
                && beg.charAt(0) < 128 && end.charAt(0) < 128) {
            char b = beg.charAt(0), e = end.charAt(0);
            if (b > e) throw new InventoryError("range [" + spec + "] in " + entry + " starts after it ends");
            for (int c = b; c <= e; c += step) values.add(String.valueOf((char) c));
            return values;
        }
        throw new InventoryError("range [" + spec + "] in " + entry + " is neither numbers ([01:20]) nor single "
                + "letters ([a:f])");
    }
}
