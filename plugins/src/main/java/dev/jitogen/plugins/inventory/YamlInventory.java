package dev.jitogen.plugins.inventory;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ansible's YAML inventory format, read as Ansible's {@code yaml} plugin reads it:
 *
 * <pre>
 * all:
 *   children:
 *     web:
 *       hosts:
 *         web[01:03].example.com:
 *         web4: {ansible_host: 10.0.0.4, ansible_port: 2222}
 *       vars:
 *         ansible_become: yes
 * </pre>
 *
 * The top level maps group names to groups; a group has {@code hosts} (host entries, ranges allowed, each with its
 * variables or nothing), {@code children} (groups, defined in place) and {@code vars}. SnakeYAML reads YAML 1.1 as
 * Ansible's PyYAML does; scalars are kept as their text ({@code yes} stays {@code yes}, read as true where a
 * boolean is wanted), null as null, lists and maps as Java lists and maps. Nodes are read, not constructed, so
 * errors carry line numbers and Ansible's tags (such as {@code !vault}) do not stop the file from loading.
 *
 * <p>Pure: fills an {@link InventoryBuilder}; one thread.
 */
final class YamlInventory {
    private YamlInventory() {}

    static void parse(Path file, String text, InventoryBuilder b) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(new SafeConstructor(options)).compose(new java.io.StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new InventoryError(file + ":" + (m != null ? m.getLine() + 1 : 1) + ": not valid YAML: "
                    + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new InventoryError(file + ": not valid YAML: " + e.getMessage(), e);
        }
        if (root == null) return; // an empty file: no hosts, as in Ansible
        if (!(root instanceof MappingNode top)) {
            throw new InventoryError(at(file, root) + ": a YAML inventory maps group names to groups (all:, web:, "
                    + "...), not " + kind(root));
        }
        for (NodeTuple t : top.getValue()) group(file, key(file, t), t.getValueNode(), b);
    }

    private static void group(Path file, String name, Node node, InventoryBuilder b) {
        b.declare(name, at(file, node));
        if (isNull(node)) return;
        if (!(node instanceof MappingNode map)) {
            throw new InventoryError(at(file, node) + ": group " + name + " must be a mapping with hosts, children "
                    + "or vars, not " + kind(node));
        }
        for (NodeTuple t : map.getValue()) {
            String key = key(file, t);
            Node value = t.getValueNode();
            switch (key) {
                case "hosts" -> {
                    if (isNull(value)) continue;
                    if (!(value instanceof MappingNode hosts)) {
                        throw new InventoryError(at(file, value) + ": hosts of group " + name + " must be a mapping of "
                                + "host names (each followed by ':'), not " + kind(value)
                                + (value instanceof SequenceNode ? " (write 'web1:' on its own line, not '- web1')" : ""));
                    }
                    for (NodeTuple h : hosts.getValue()) host(file, name, h, b);
                }
                case "children" -> {
                    if (isNull(value)) continue;
                    if (!(value instanceof MappingNode children)) {
                        throw new InventoryError(at(file, value) + ": children of group " + name + " must be a mapping "
                                + "of group names, not " + kind(value));
                    }
                    for (NodeTuple c : children.getValue()) {
                        String child = key(file, c);
                        group(file, child, c.getValueNode(), b);
                        b.addChild(name, child);
                    }
                }
                case "vars" -> {
                    for (Map.Entry<String, InventoryBuilder.Var> v : vars(file, value, "vars of group " + name).entrySet()) {
                        b.group(name).vars.put(v.getKey(), v.getValue());
                    }
                }
                default -> throw new InventoryError(at(file, t.getKeyNode()) + ": unexpected key " + key + " in group "
                        + name + ": a group has hosts, children and vars"
                        + (key.equals("host") || key.equals("child") || key.equals("var") ? " (did you mean " + key + "s?)" : ""));
            }
        }
    }

    private static void host(Path file, String group, NodeTuple t, InventoryBuilder b) {
        String entry = key(file, t);
        String where = at(file, t.getKeyNode());
        HostRanges.Expansion hosts;
        try {
            hosts = HostRanges.expand(entry);
        } catch (InventoryError e) {
            throw new InventoryError(where + ": " + e.getMessage(), e);
        }
        Map<String, InventoryBuilder.Var> vars = new LinkedHashMap<>();
        if (hosts.port() > 0) vars.put("ansible_port", new InventoryBuilder.Var(Integer.toString(hosts.port()), where));
        vars.putAll(vars(file, t.getValueNode(), "variables of host " + entry));
        for (String h : hosts.hosts()) b.addHost(group, h, where, vars);
    }

    private static Map<String, InventoryBuilder.Var> vars(Path file, Node node, String what) {
        Map<String, InventoryBuilder.Var> out = new LinkedHashMap<>();
        if (isNull(node)) return out;
        if (!(node instanceof MappingNode map)) {
            throw new InventoryError(at(file, node) + ": " + what + " must be a mapping (key: value), not " + kind(node));
        }
        for (NodeTuple t : map.getValue()) out.put(key(file, t), new InventoryBuilder.Var(value(t.getValueNode()), at(file, t.getKeyNode())));
        return out;
    }

    /** A node as plain Java: text, null, lists and maps; merge keys and tags are not interpreted. */
    private static Object value(Node node) {
        if (isNull(node)) return null;
        if (node instanceof ScalarNode s) return s.getValue();
        if (node instanceof SequenceNode seq) {
            List<Object> out = new ArrayList<>();
            for (Node n : seq.getValue()) out.add(value(n));
            return out;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            out.put(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(value(t.getKeyNode())), value(t.getValueNode()));
        }
        return out;
    }

    private static String key(Path file, NodeTuple t) {
        if (!(t.getKeyNode() instanceof ScalarNode k) || isNull(k)) {
            throw new InventoryError(at(file, t.getKeyNode()) + ": expected a name here, found " + kind(t.getKeyNode()));
        }
        return k.getValue();
    }

    private static boolean isNull(Node n) {
        return n == null || n.getTag().equals(Tag.NULL);
    }

    private static String kind(Node n) {
        if (n instanceof MappingNode) return "a mapping";
        if (n instanceof SequenceNode) return "a list";
        return "the value '" + ((ScalarNode) n).getValue() + "'";
    }

    private static String at(Path file, Node n) {
        return file + ":" + (n.getStartMark() != null ? n.getStartMark().getLine() + 1 : 1);
    }
}
