package dev.jitogen.plugins.inventory;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ChildEnvironment;
import dev.jitogen.plugins.become.Doas;
import dev.jitogen.plugins.become.Su;
import dev.jitogen.plugins.become.Sudo;
import dev.jitogen.plugins.command.CommandContext;
import dev.jitogen.plugins.ssh.HostKeyPolicy;
import dev.jitogen.plugins.ssh.Ssh;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One host of an {@link Inventory}: its inventory name, groups and variables (merged from its groups as Ansible
 * merges them, its own last), and how to reach it, from Ansible's connection variables:
 *
 * <table>
 * <caption>Variables honoured</caption>
 * <tr><td>{@code ansible_host}</td><td>the address given to {@link Ssh#to}; default the inventory name. A
 *     {@code Host} alias of {@code ~/.ssh/config} works, as for {@code ssh}.</td></tr>
 * <tr><td>{@code ansible_port}, {@code ansible_user}</td><td>port and login; default from {@code ~/.ssh/config},
 *     else 22 and your user</td></tr>
 * <tr><td>{@code ansible_ssh_private_key_file}</td><td>a key to offer first</td></tr>
 * <tr><td>{@code ansible_password}</td><td>only as {@code {{ lookup('env', 'VAR') }}}: a literal password is
 *     refused</td></tr>
 * <tr><td>{@code ansible_become}, {@code ansible_become_method} ({@code sudo}, {@code su}, {@code doas}),
 *     {@code ansible_become_user} (default root), {@code ansible_become_password} (env lookup only)</td>
 *     <td>a second context, started from the SSH one</td></tr>
 * <tr><td>{@code ansible_connection}</td><td>{@code ssh} (default) or {@code local}</td></tr>
 * <tr><td>{@code jitogen_java}</td><td>the java command on the host; default {@code java} on its PATH</td></tr>
 * </table>
 *
 * The older spellings {@code ansible_ssh_host}, {@code ansible_ssh_port}, {@code ansible_ssh_user},
 * {@code ansible_ssh_pass} and {@code ansible_become_pass} are read too. Other Jinja templates are not evaluated:
 * a connection variable holding one is an error naming it.
 *
 * <p>Immutable; any thread. {@link #connect} blocks the calling thread until the context is ready or failed.
 */
public final class InventoryHost {
    private static final Pattern ENV_LOOKUP = Pattern.compile(
            "\\{\\{\\s*lookup\\(\\s*(['\"])(?:ansible\\.builtin\\.)?env\\1\\s*,\\s*(['\"])([A-Za-z_][A-Za-z0-9_]*)\\2\\s*\\)\\s*}}");

    private final String name;
    private final String where;
    private final List<String> groups;
    private final Map<String, InventoryBuilder.Var> vars;

    InventoryHost(String name, String where, List<String> groups, Map<String, InventoryBuilder.Var> vars) {
        this.name = name;
        this.where = where;
        this.groups = List.copyOf(groups);
        this.vars = Collections.unmodifiableMap(new LinkedHashMap<>(vars));
    }

    /** The inventory name. */
    public String name() {
        return name;
    }

    /** {@code FILE:LINE} of the host's first definition. */
    public String definedAt() {
        return where;
    }

    /** Its groups, {@code all} first, shallow before deep. */
    public List<String> groups() {
        return groups;
    }

    /** Its variables after merging: text, null, or lists and maps (YAML). */
    public Map<String, Object> vars() {
        Map<String, Object> out = new LinkedHashMap<>();
        vars.forEach((k, v) -> out.put(k, v.value()));
        return Collections.unmodifiableMap(out);
    }

    /** Where variable {@code key} was set for this host ({@code FILE:LINE}), or null if it is not set. */
    public String definedAt(String key) {
        InventoryBuilder.Var v = vars.get(key);
        return v == null ? null : v.where();
    }

    /** The address to connect to: {@code ansible_host}, else the inventory name. */
    public String address() {
        String h = text("ansible_host", "ansible_ssh_host");
        return h != null ? h : name;
    }

    /** {@code ansible_port}, or 0 for the default (the SSH config's, else 22). */
    public int port() {
        String p = text("ansible_port", "ansible_ssh_port");
        if (p == null) return 0;
        try {
            int port = Integer.parseInt(p.strip());
            if (port >= 1 && port <= 65535) return port;
        } catch (NumberFormatException e) {
            // said below
        }
        throw problem(key("ansible_port", "ansible_ssh_port"), "is '" + p + "', not a port (1 to 65535)");
    }

    /** {@code ansible_user}, or null for the default. */
    public String user() {
        return text("ansible_user", "ansible_ssh_user");
    }

    /** {@code ansible_connection}: {@code ssh} (the default) or {@code local}. */
    public String connection() {
        String c = text("ansible_connection");
        if (c == null || c.equals("ssh") || c.equals("smart") || c.equals("paramiko")) return "ssh";
        if (c.equals("local")) return "local";
        throw problem("ansible_connection", "is " + c + ", which Jitogen does not support: it connects with ssh "
                + "(the default) or local");
    }

    /** {@code ansible_become}, read as Ansible reads booleans (yes/no, true/false, on/off, 1/0). */
    public boolean become() {
        String b = text("ansible_become");
        if (b == null) return false;
        switch (b.strip().toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on", "1", "y", "t" -> {
                return true;
            }
            case "no", "false", "off", "0", "n", "f", "" -> {
                return false;
            }
            default -> throw problem("ansible_become", "is '" + b + "', not a boolean (yes or no)");
        }
    }

    /** {@code ansible_become_method}: sudo (the default), su or doas. */
    public String becomeMethod() {
        String m = text("ansible_become_method");
        if (m == null) return "sudo";
        m = m.strip();
        if (m.equals("sudo") || m.equals("su") || m.equals("doas")) return m;
        throw problem("ansible_become_method", "is " + m + ", which Jitogen does not support: use sudo, su or doas");
    }

    /** {@code ansible_become_user}, default root. */
    public String becomeUser() {
        String u = text("ansible_become_user");
        return u != null && !u.isBlank() ? u.strip() : "root";
    }

    /**
     * The SSH options these variables give: address, port, user, key, password (read from the environment
     * variable named, which is then withheld from every process Jitogen starts), java, and the context's name.
     */
    public Ssh ssh() {
        Ssh s = Ssh.to(address()).name(name);
        int port = port();
        if (port > 0) s.port(port);
        String user = user();
        if (user != null) s.username(user);
        String key = text("ansible_ssh_private_key_file", "ansible_private_key_file");
        if (key != null) s.identityFile(Path.of(key));
        String password = password("ansible_password", "ansible_ssh_pass");
        if (password != null) s.password(password);
        String java = text("jitogen_java");
        if (java != null) s.javaPath(java.strip().split("\\s+"));
        return s;
    }

    /**
     * Opens this host: an SSH context (or a local one, for {@code ansible_connection=local}), then, if
     * {@code ansible_become} says so, a sudo, su or doas context started from it. Returns the last: the one code
     * should run in. With become, the login context is its {@link Context#via() via} (named {@code NAME.login}), and
     * shutting it down ends both. On failure nothing stays open.
     *
     * @param name   the context's name (the host's inventory name, or a Java identifier made from it)
     * @param policy what to do with unknown or changed host keys
     * @throws InventoryError if the variables cannot be honoured (a literal password, an unknown become method);
     *                        connection failures are thrown as the connection methods throw them
     */
    public Context connect(Router router, String name, HostKeyPolicy policy) {
        boolean become = become();
        CommandContext<?> becomer = become ? becomer() : null; // its problems show before anything is opened
        Context login;
        if (connection().equals("local")) {
            if (become) return becomer.name(name).connect(router);
            login = router.local(LocalOptions.builder().name(name).build());
        } else {
            login = ssh().name(become ? name + ".login" : name).remoteName(name).checkHostKeys(policy).connect(router);
        }
        if (!become) return login;
        try {
            return becomer.name(name).remoteName(name).via(login).connect(router);
        } catch (RuntimeException e) {
            login.shutdown();
            throw e;
        }
    }

    private CommandContext<?> becomer() {
        String user = becomeUser();
        String password = password("ansible_become_password", "ansible_become_pass");
        return switch (becomeMethod()) {
            case "su" -> Su.as(user).password(password);
            case "doas" -> Doas.as(user).password(password);
            default -> Sudo.as(user).password(password);
        };
    }

    /** The first of {@code keys} that is set, as text; an env lookup is read; other templates are refused. */
    private String text(String... keys) {
        String key = key(keys);
        InventoryBuilder.Var v = vars.get(key);
        if (v == null || v.value() == null) return null;
        if (!(v.value() instanceof String s)) throw problem(key, "is a list or a map; it must be text");
        if (!s.contains("{{")) return s;
        Matcher m = ENV_LOOKUP.matcher(s.strip());
        if (m.matches()) {
            String value = System.getenv(m.group(3));
            if (value == null) throw problem(key, "reads environment variable " + m.group(3) + ", which is not set");
            return value;
        }
        throw problem(key, "is a template (" + s + "); Jitogen evaluates no Jinja templates but "
                + "{{ lookup('env', 'VAR') }}: write the value itself");
    }

    /**
     * A password variable: only an env lookup is accepted, so that no inventory file holds a password; the
     * variable it names is withheld from the processes Jitogen starts.
     */
    private String password(String... keys) {
        String key = key(keys);
        InventoryBuilder.Var v = vars.get(key);
        if (v == null || v.value() == null) return null;
        Matcher m = v.value() instanceof String s ? ENV_LOOKUP.matcher(s.strip()) : null;
        if (m == null || !m.matches()) {
            // the value itself is never repeated: it may be a real password
            throw problem(key, "holds a literal password, and Jitogen reads passwords only from the environment: "
                    + "write " + key + "=\"{{ lookup('env', 'VAR') }}\" and export VAR with the password");
        }
        if (System.getenv(m.group(3)) == null) {
            throw problem(key, "reads environment variable " + m.group(3) + ", which is not set: export it with the password");
        }
        return ChildEnvironment.readPassword(m.group(3));
    }

    /** The first key that is set (newer spelling first), else the first. */
    private String key(String... keys) {
        for (String k : keys) if (vars.containsKey(k)) return k;
        return keys[0];
    }

    private InventoryError problem(String key, String what) {
        InventoryBuilder.Var v = vars.get(key);
        return new InventoryError((v != null ? v.where() + ": " : "") + key + " of host " + name + " " + what);
    }

    @Override
    public String toString() {
        return name + " (" + where + ")";
    }
}
