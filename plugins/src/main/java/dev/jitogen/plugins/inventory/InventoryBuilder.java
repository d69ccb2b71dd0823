package dev.jitogen.plugins.inventory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the parsers of every format fill in, file after file: groups (their hosts, children and variables), hosts
 * (their variables), each definition with the {@code FILE:LINE} it came from. {@link #build} then does what Ansible
 * does after parsing: every group without a parent becomes a child of {@code all}, hosts in no group go to
 * {@code ungrouped}, and each host's variables are merged from its groups, shallow ones first.
 *
 * <p>Threads: one thread, the one loading the inventory.
 */
final class InventoryBuilder {
    /** A variable's value (a string, null, or for YAML a list or map) and where it was set. */
    record Var(Object value, String where) {}

    static final class Group {
        final String name;
        /** Where a section or YAML key declared the group; null while it is only referred to. */
        String declaredAt;
        /** Where it was first referred to before being declared (a child entry, a vars section), for the error. */
        String referredAt, referredHow;
        final List<String> hosts = new ArrayList<>();
        final List<String> children = new ArrayList<>();
        final Map<String, Var> vars = new LinkedHashMap<>();

        Group(String name) {
            this.name = name;
        }
    }

    static final class Host {
        final String name;
        final String where;
        final Map<String, Var> vars = new LinkedHashMap<>();

        Host(String name, String where) {
            this.name = name;
            this.where = where;
        }
    }

    /** In order of first appearance; {@code all} and {@code ungrouped} always exist. */
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Host> hosts = new LinkedHashMap<>();

    InventoryBuilder() {
        group("all").declaredAt = "(implicit)";
        group("ungrouped").declaredAt = "(implicit)";
    }

    Group group(String name) {
        return groups.computeIfAbsent(name, Group::new);
    }

    /** Declares a group (a section header, a YAML key) at {@code where}. */
    Group declare(String name, String where) {
        Group g = group(name);
        if (g.declaredAt == null) g.declaredAt = where;
        return g;
    }

    /** Refers to a group that must be declared somewhere in the same file; how says what referred to it. */
    Group refer(String name, String where, String how) {
        Group g = group(name);
        if (g.declaredAt == null && g.referredAt == null) {
            g.referredAt = where;
            g.referredHow = how;
        }
        return g;
    }

    /** Adds {@code host} to {@code group}, with variables set on its line; a host may be in several groups. */
    void addHost(String group, String host, String where, Map<String, Var> vars) {
        Host h = hosts.computeIfAbsent(host, n -> new Host(n, where));
        h.vars.putAll(vars);
        Group g = group(group);
        if (!g.hosts.contains(host)) g.hosts.add(host);
    }

    void addChild(String parent, String child) {
        Group p = group(parent);
        if (!p.children.contains(child)) p.children.add(child);
    }

    /**
     * Checks that every group a file referred to was declared in it (Ansible checks the same at the end of each
     * INI file); the error names the line that referred to it.
     */
    void checkDeclared(Path file) {
        for (Group g : groups.values()) {
            if (g.declaredAt == null && g.referredAt != null) {
                throw new InventoryError(g.referredAt + ": " + g.referredHow + " group " + g.name
                        + ", which is not defined in " + file.getFileName() + ": add a [" + g.name + "] section "
                        + "(or [" + g.name + ":children]) listing its hosts, or fix the name");
            }
        }
    }

    Inventory build(List<Path> files) {
        Group all = groups.get("all");
        Map<String, Set<String>> parents = new HashMap<>();
        for (Group g : groups.values()) {
            for (String c : g.children) parents.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(g.name);
        }
        for (Group g : groups.values()) {
            if (!g.name.equals("all") && !parents.containsKey(g.name)) {
                addChild("all", g.name);
                parents.computeIfAbsent(g.name, k -> new LinkedHashSet<>()).add("all");
            }
        }
        Set<String> checked = new HashSet<>();
        for (Group g : groups.values()) checkNoCycles(g, new ArrayList<>(), checked); // a loop may hang off no parent
        Map<String, Integer> depth = new HashMap<>();
        depths(all, 0, depth);
        // a host named only at the top of an INI file, or only under all, is ungrouped (and nothing else is)
        Set<String> grouped = new HashSet<>();
        for (Group g : groups.values()) {
            if (!g.name.equals("all") && !g.name.equals("ungrouped")) grouped.addAll(g.hosts);
        }
        Group ungrouped = groups.get("ungrouped");
        ungrouped.hosts.removeIf(grouped::contains);
        for (String h : hosts.keySet()) {
            if (!grouped.contains(h) && !ungrouped.hosts.contains(h)) ungrouped.hosts.add(h);
        }
        all.hosts.clear();
        all.hosts.addAll(hosts.keySet());

        Map<String, List<String>> members = new LinkedHashMap<>();
        for (Group g : groups.values()) members.put(g.name, List.copyOf(membersOf(g, new LinkedHashSet<>(), new HashSet<>())));
        Map<String, InventoryHost> built = new LinkedHashMap<>();
        for (Host h : hosts.values()) {
            List<Group> mine = new ArrayList<>();
            for (Group g : groups.values()) if (members.get(g.name).contains(h.name)) mine.add(g);
            // Ansible's order: shallow groups first, then by name; a deeper group's value wins, the host's own last
            mine.sort(Comparator.comparingInt((Group g) -> depth.get(g.name)).thenComparing(g -> g.name));
            Map<String, Var> vars = new LinkedHashMap<>();
            for (Group g : mine) vars.putAll(g.vars);
            vars.putAll(h.vars);
            List<String> names = mine.stream().map(g -> g.name).toList();
            built.put(h.name, new InventoryHost(h.name, h.where, names, vars));
        }
        return new Inventory(files, built, members);
    }

    private void checkNoCycles(Group g, List<String> path, Set<String> done) {
        if (path.contains(g.name)) {
            List<String> loop = new ArrayList<>(path.subList(path.indexOf(g.name), path.size()));
            loop.add(g.name);
            throw new InventoryError("groups " + String.join(" -> ", loop) + " are each other's children (a loop): "
                    + "remove one of those children entries (declared at " + g.declaredAt + ")");
        }
        if (!done.add(g.name)) return;
        path.add(g.name);
        for (String c : g.children) checkNoCycles(group(c), path, done);
        path.remove(path.size() - 1);
    }

    /** The longest path from {@code all}, as Ansible counts a group's depth. */
    private void depths(Group g, int d, Map<String, Integer> depth) {
        Integer known = depth.get(g.name);
        if (known != null && known >= d) return;
        depth.put(g.name, d);
        for (String c : g.children) depths(group(c), d + 1, depth);
    }

    /** A group's own hosts, then its children's, in order, each once. */
    private Set<String> membersOf(Group g, Set<String> into, Set<String> seen) {
        if (!seen.add(g.name)) return into;
        into.addAll(g.hosts);
        for (String c : g.children) membersOf(group(c), into, seen);
        return into;
    }
}
