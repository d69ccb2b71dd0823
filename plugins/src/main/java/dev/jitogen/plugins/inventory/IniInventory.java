package dev.jitogen.plugins.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ansible's INI inventory format, read as Ansible's {@code ini} plugin reads it:
 *
 * <pre>
 * mail.example.com                       # before any section: ungrouped
 * [web]                                  # hosts of group web
 * web[01:03].example.com ansible_user=deploy
 * web4 ansible_host=10.0.0.4 ansible_port=2222
 * [prod:children]                        # groups in group prod
 * web
 * [web:vars]                             # variables of every host of web
 * ansible_become=yes
 * </pre>
 *
 * Lines starting with {@code #} or {@code ;} are comments, and so is the rest of a line from a {@code #} that starts
 * a word. Host lines split into words as a POSIX shell does (quotes keep spaces); each word after the host is
 * {@code key=value}. A {@code [GROUP:vars]} line holds one {@code key=value}, the value being the rest of the line.
 * Values lose one pair of surrounding quotes, as Ansible's {@code literal_eval} takes them off.
 *
 * <p>Pure: fills an {@link InventoryBuilder}; one thread.
 */
final class IniInventory {
    private static final Pattern SECTION = Pattern.compile("\\[([^:\\]\\s]+)(?::([^\\]\\s]*))?]\\s*(?:[#;].*)?");
    private static final Pattern GROUP_NAME = Pattern.compile("([^:\\]\\s]+)\\s*(?:[#;].*)?");
    private static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private IniInventory() {}

    static void parse(Path file, List<String> lines, InventoryBuilder b) {
        String group = "ungrouped";
        String kind = "hosts";
        for (int i = 0; i < lines.size(); i++) {
            String where = file + ":" + (i + 1);
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') continue;
            try {
                Matcher m = SECTION.matcher(line);
                if (m.matches()) {
                    group = m.group(1);
                    kind = m.group(2) == null ? "hosts" : m.group(2);
                    switch (kind) {
                        case "hosts", "children" -> b.declare(group, where);
                        case "vars" -> b.refer(group, where, "section [" + group + ":vars] sets variables of");
                        default -> throw new InventoryError("section [" + group + ":" + kind + "] has unknown type "
                                + kind + ": write [" + group + "], [" + group + ":children] or [" + group + ":vars]");
                    }
                    continue;
                }
                if (line.startsWith("[") && line.endsWith("]")) {
                    throw new InventoryError("malformed section header " + line + ": write [GROUP], "
                            + "[GROUP:children] or [GROUP:vars], with no spaces inside the brackets");
                }
                switch (kind) {
                    case "hosts" -> hostLine(line, group, where, b);
                    case "children" -> {
                        Matcher c = GROUP_NAME.matcher(line);
                        if (!c.matches()) {
                            throw new InventoryError("expected a group name in [" + group + ":children], got " + line);
                        }
                        b.refer(c.group(1), where, "[" + group + ":children] names");
                        b.addChild(group, c.group(1));
                    }
                    default -> {
                        int eq = line.indexOf('=');
                        if (eq < 0) throw new InventoryError("expected key=value in [" + group + ":vars], got " + line);
                        String key = name(line.substring(0, eq).strip(), line);
                        b.group(group).vars.put(key, new InventoryBuilder.Var(value(line.substring(eq + 1).strip(), line), where));
                    }
                }
            } catch (InventoryError e) {
                throw new InventoryError(where + ": " + e.getMessage(), e);
            }
        }
        b.checkDeclared(file);
    }

    private static void hostLine(String line, String group, String where, InventoryBuilder b) {
        List<String> words = words(line);
        if (words.isEmpty()) return; // a comment after all
        HostRanges.Expansion hosts = HostRanges.expand(words.get(0));
        Map<String, InventoryBuilder.Var> vars = new LinkedHashMap<>();
        if (hosts.port() > 0) vars.put("ansible_port", new InventoryBuilder.Var(Integer.toString(hosts.port()), where));
        for (String w : words.subList(1, words.size())) {
            int eq = w.indexOf('=');
            if (eq < 0) {
                throw new InventoryError("expected key=value after the host name, got " + w + " (a value with "
                        + "spaces needs quotes: key=\"two words\")");
            }
            vars.put(name(w.substring(0, eq), line), new InventoryBuilder.Var(unquote(w.substring(eq + 1)), where));
        }
        for (String h : hosts.hosts()) b.addHost(group, h, where, vars);
    }

    private static String name(String key, String line) {
        if (!VAR_NAME.matcher(key).matches()) {
            throw new InventoryError("variable name " + (key.isEmpty() ? "(empty)" : key) + " in " + line
                    + " is not a valid name (letters, digits and _, not starting with a digit)");
        }
        return key;
    }

    /** A {@code :vars} value: the rest of the line, less a comment, less one pair of quotes. */
    private static String value(String raw, String line) {
        if (!raw.isEmpty() && (raw.charAt(0) == '"' || raw.charAt(0) == '\'')) {
            int close = raw.indexOf(raw.charAt(0), 1);
            if (close < 0) throw new InventoryError("unclosed quote in " + line);
            String rest = raw.substring(close + 1).strip();
            if (rest.isEmpty() || rest.startsWith("#") || rest.startsWith(";")) return raw.substring(1, close);
            return raw; // quotes inside a longer value are part of it
        }
        Matcher comment = Pattern.compile("\\s[#;]").matcher(raw);
        return comment.find() ? raw.substring(0, comment.start()).strip() : raw;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    /**
     * The words of a host line as a POSIX shell splits them (Python's {@code shlex} with comments, as Ansible
     * uses): single quotes keep everything, double quotes keep all but {@code \"} and {@code \\}, a backslash
     * outside quotes keeps the next character, and {@code #} at the start of a word begins a comment.
     */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') quote = 0;
                else cur.append(c);
            } else if (quote == '"') {
                if (c == '"') quote = 0;
                else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) cur.append(line.charAt(++i));
                else cur.append(c);
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else if (c == '#' && !inWord) {
                break;
            } else {
                inWord = true;
                if (c == '\'' || c == '"') quote = c;
                else if (c == '\\' && i + 1 < line.length()) cur.append(line.charAt(++i));
                else cur.append(c);
            }
        }
        if (quote != 0) throw new InventoryError("unclosed " + (quote == '"' ? "double" : "single") + " quote in " + line);
        if (inWord) out.add(cur.toString());
        return out;
    }
}
