package dev.jitogen.plugins.inventory;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Hosts and groups from Ansible inventory files, INI or YAML, and Ansible's host patterns over them:
 *
 * <pre>{@code
 * Inventory inv = Inventory.load(Path.of("hosts.ini"));
 * for (InventoryHost h : inv.select("web:!web3")) {
 *     Context c = h.connect(router, h.name(), HostKeyPolicy.ENFORCE);   // ssh, then sudo if ansible_become says so
 * }
 * }</pre>
 *
 * Several files make one inventory, as several {@code -i} do for Ansible: groups and hosts of the same name merge,
 * and later files' variables win. A file whose name ends in {@code .yml}, {@code .yaml} or {@code .json}, or whose
 * first line is a YAML key ({@code all:}) or {@code ---}, is YAML; any other is INI. Directories,
 * {@code group_vars/}, {@code host_vars/} and dynamic inventory scripts are not read.
 *
 * <p>Immutable once loaded; any thread may read it. {@link #load} reads files on the calling thread.
 */
public final class Inventory {
    private static final Pattern YAML_START = Pattern.compile("---.*|[^\\s\\[#;=:]+:\\s*(?:#.*)?");

    private final List<Path> files;
    private final Map<String, InventoryHost> hosts;
    /** Each group's hosts, its own then its children's, in order; {@code all} and {@code ungrouped} included. */
    private final Map<String, List<String>> groups;

    Inventory(List<Path> files, Map<String, InventoryHost> hosts, Map<String, List<String>> groups) {
        this.files = List.copyOf(files);
        this.hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
        this.groups = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    /** Reads inventory files, in order, into one inventory. */
    public static Inventory load(Path... files) {
        return load(List.of(files));
    }

    /**
     * Reads inventory files, in order, into one inventory.
     *
     * @throws InventoryError if a file is missing or unreadable, or a line is malformed (the message starts with
     *                        {@code FILE:LINE:})
     */
    public static Inventory load(List<Path> files) {
        InventoryBuilder b = new InventoryBuilder();
        for (Path f : files) {
            String text = read(f);
            if (isYaml(f, text)) YamlInventory.parse(f, text, b);
            else IniInventory.parse(f, text.lines().toList(), b);
        }
        return b.build(files);
    }

    private static String read(Path f) {
        if (Files.isDirectory(f)) {
            throw new InventoryError("inventory " + f + " is a directory: give the inventory file inside it "
                    + "(directories, group_vars/ and host_vars/ are not read)");
        }
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InventoryError("inventory file " + f + " not found (looked for " + f.toAbsolutePath()
                    + "): check the path given to -i, /inventory or JITOGEN_INVENTORY");
        } catch (MalformedInputException e) {
            throw new InventoryError("inventory file " + f + " is not UTF-8 text: is it an inventory?", e);
        } catch (IOException e) {
            throw new InventoryError("cannot read inventory file " + f + ": " + e.getMessage(), e);
        }
    }

    private static boolean isYaml(Path f, String text) {
        String name = f.getFileName() == null ? "" : f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".yml") || name.endsWith(".yaml") || name.endsWith(".json")) return true;
        if (name.endsWith(".ini")) return false;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) continue;
            return YAML_START.matcher(l).matches();
        }
        return false;
    }

    /** The files read, in order. */
    public List<Path> files() {
        return files;
    }

    /** Every host, in the order the files define them. */
    public List<InventoryHost> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The host of that inventory name, or null. */
    public InventoryHost host(String name) {
        return hosts.get(name);
    }

    /** Every group's name, {@code all} and {@code ungrouped} first, then in order of definition. */
    public Set<String> groupNames() {
        return groups.keySet();
    }

    /** The hosts of a group: its own, then its children's, in order, each once. */
    public List<String> groupHosts(String group) {
        List<String> h = groups.get(group);
        if (h == null) throw new InventoryError("no group called " + group + " in " + describeFiles());
        return h;
    }

    /**
     * The hosts an Ansible host pattern selects, in inventory order within each term: {@code all}, {@code web},
     * {@code web:db} (union), {@code web:!web3} (exclusion), {@code web:&prod} (intersection), {@code web[0:2]}
     * (the first three), host names, globs ({@code web*}) and {@code ~regex}.
     *
     * @throws InventoryError if the pattern, or one of its terms, selects nothing
     */
    public List<InventoryHost> select(String pattern) {
        List<InventoryHost> out = new ArrayList<>();
        for (String n : HostPattern.select(this, pattern)) out.add(hosts.get(n));
        return out;
    }

    List<String> hostNames() {
        return new ArrayList<>(hosts.keySet());
    }

    String describeFiles() {
        return files.isEmpty() ? "the inventory (no file loaded)"
                : files.stream().map(Path::toString).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "Inventory[" + describeFiles() + ": " + hosts.size() + " hosts, " + groups.size() + " groups]";
    }
}
