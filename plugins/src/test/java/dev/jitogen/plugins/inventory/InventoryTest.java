package dev.jitogen.plugins.inventory;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sample fleet, written once in INI ({@code hosts.ini}) and once in YAML ({@code hosts.yml}), reads the same
 * in both: every parameterized test runs on each. Then the errors, each naming the file, the line and the fix.
 */
class InventoryTest {
    private static final List<String> WEB = List.of("web01.example.com", "web02.example.com", "web03.example.com", "web4");

    @TempDir
    Path dir;

    private static Inventory sample(String file) {
        return Inventory.load(Path.of("src/test/resources/inventory", file));
    }

    private static List<String> names(Inventory inv, String pattern) {
        return inv.select(pattern).stream().map(InventoryHost::name).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hosts.ini", "hosts.yml"})
    void groupsChildrenAllAndUngroupedHoldTheHostsInOrder(String file) {
        Inventory inv = sample(file);
        assertEquals(List.of("mail.example.com", "web01.example.com", "web02.example.com", "web03.example.com", "web4",
                "db1", "db2", "stage1"), names(inv, "all"));
        assertEquals(WEB, inv.groupHosts("web"));
        assertEquals(List.of("db1", "db2"), inv.groupHosts("db"));
        assertEquals(List.of("web01.example.com", "web02.example.com", "web03.example.com", "web4", "db1", "db2"),
                inv.groupHosts("prod"), "a group's hosts are its children's");
        assertEquals(List.of("mail.example.com"), inv.groupHosts("ungrouped"));
        assertTrue(inv.groupNames().containsAll(List.of("all", "ungrouped", "web", "db", "prod", "staging")));
        assertEquals(List.of("all", "prod", "staging", "web"), inv.host("web4").groups());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hosts.ini", "hosts.yml"})
    void everyPatternFormSelectsAsAnsibleDoes(String file) {
        Inventory inv = sample(file);
        assertEquals(WEB, names(inv, "web"));
        assertEquals(List.of("web01.example.com", "web02.example.com", "web03.example.com", "web4", "db1", "db2"),
                names(inv, "web:db"), "union");
        assertEquals(names(inv, "web:db"), names(inv, "web,db"), "commas separate terms too");
        assertEquals(List.of("web01.example.com", "web02.example.com", "web03.example.com", "db1", "db2"),
                names(inv, "prod:!web4"), "exclusion");
        assertEquals(List.of("web4"), names(inv, "web:&staging"), "intersection");
        assertEquals(List.of("stage1"), names(inv, "staging:!web4:stage1:web4"),
                "an exclusion applies after the unions, even to a host named again after it");
        assertEquals(List.of("web01.example.com", "web02.example.com", "web03.example.com"), names(inv, "web[0:2]"),
                "a slice includes both ends, as in Ansible");
        assertEquals(List.of("web01.example.com"), names(inv, "web[0]"));
        assertEquals(List.of("web4"), names(inv, "web[-1]"));
        assertEquals(List.of("web02.example.com", "web03.example.com", "web4"), names(inv, "web[1:]"));
        assertEquals(List.of("web4", "db1"), names(inv, "web[-1]:db[0]"), "slices inside a union");
        assertEquals(List.of("db1"), names(inv, "db1"), "a host by name");
        assertEquals(List.of("web01.example.com", "web02.example.com", "web03.example.com"), names(inv, "web0*"), "glob");
        assertEquals(List.of("mail.example.com", "web01.example.com", "web02.example.com", "web03.example.com"),
                names(inv, "*.example.com"));
        assertEquals(List.of("db1", "db2"), names(inv, "~db\\d"), "regular expression");
        assertEquals(List.of("mail.example.com", "db1", "db2", "stage1"), names(inv, "!web"), "only exclusions: from all");
        assertEquals(List.of("web4"), names(inv, "&staging:web"), "an intersection written first applies after");
        assertEquals(List.of(), names(inv, "web:&staging:!web4"), "a pattern may select nothing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hosts.ini", "hosts.yml"})
    void variablesMergeFromShallowGroupsToDeepOnesThenTheHost(String file) {
        Inventory inv = sample(file);
        InventoryHost web1 = inv.host("web01.example.com");
        assertEquals("deploy", web1.user(), "the host's own variable wins over all:vars");
        assertTrue(web1.become(), "web (deeper) says yes, prod (shallower) says no");
        assertEquals("www-data", web1.becomeUser(), "a comment after a value is not part of it");
        assertEquals("doas", web1.becomeMethod(), "inherited from prod");
        assertEquals("web01.example.com", web1.address(), "no ansible_host: the inventory name");
        assertEquals(0, web1.port());

        InventoryHost web4 = inv.host("web4");
        assertEquals("10.0.0.4", web4.address());
        assertEquals(2222, web4.port());
        assertEquals("ops", web4.user(), "from all");
        assertEquals("two words", web4.vars().get("motd"));

        InventoryHost db2 = inv.host("db2");
        assertEquals(2200, db2.port(), "HOST:PORT in the entry");
        assertFalse(db2.become());
        assertEquals("~/.ssh/db_ed25519", db2.vars().get("ansible_ssh_private_key_file"));
        assertEquals("local", inv.host("stage1").connection());
        assertEquals("ssh", db2.connection());
        assertTrue(db2.definedAt().startsWith("src/test/resources/inventory/" + file + ":"), db2.definedAt());
    }

    @Test
    void hostRangesExpandNumbersWithTheirWidthLettersAndSteps() {
        assertEquals(List.of("web01", "web02", "web03"), HostRanges.expand("web[01:03]").hosts());
        assertEquals(List.of("db-a", "db-b", "db-c"), HostRanges.expand("db-[a:c]").hosts());
        assertEquals(List.of("n0", "n5", "n10"), HostRanges.expand("n[0:10:5]").hosts());
        assertEquals(List.of("r1a", "r1b", "r2a", "r2b"), HostRanges.expand("r[1:2][a:b]").hosts());
        assertEquals(2222, HostRanges.expand("web[1:2]:2222").port());
        assertEquals(List.of("fe80::1"), HostRanges.expand("fe80::1").hosts(), "an IPv6 address has no port");
    }

    @Test
    void hostLinesSplitAsAShellDoesAndPasswordsComeOnlyFromTheEnvironment() throws Exception {
        Path f = write("hosts", "[web]\n"
                + "a ansible_password=\"{{ lookup('env', 'JITOGEN_INVENTORY_TEST_PW') }}\" note='it''s' # comment\n"
                + "b ansible_password=hunter2\n"
                + "c ansible_password=\"{{ lookup('env', 'JITOGEN_NOT_SET_ANYWHERE') }}\"\n"
                + "d ansible_become=yes ansible_become_method=pbrun\n"
                + "e ansible_host=\"{{ inventory_hostname }}.example.com\"\n");
        Inventory inv = Inventory.load(f);
        assertEquals("its", inv.host("a").vars().get("note"), "quotes join and go, as in a shell");
        assertNotNull(inv.host("a").ssh(), "the variable is set by the build (plugins/pom.xml)");

        InventoryError literal = assertThrows(InventoryError.class, () -> inv.host("b").ssh());
        assertEquals(f + ":3: ansible_password of host b holds a literal password, and Jitogen reads passwords only "
                + "from the environment: write ansible_password=\"{{ lookup('env', 'VAR') }}\" and export VAR with "
                + "the password", literal.getMessage());
        assertFalse(literal.getMessage().contains("hunter2"), "the password is never repeated");
        assertTrue(assertThrows(InventoryError.class, () -> inv.host("c").ssh()).getMessage()
                .contains("reads environment variable JITOGEN_NOT_SET_ANYWHERE, which is not set"));
        assertTrue(assertThrows(InventoryError.class, () -> inv.host("d").becomeMethod()).getMessage()
                .endsWith("ansible_become_method of host d is pbrun, which Jitogen does not support: use sudo, su or doas"));
        assertTrue(assertThrows(InventoryError.class, () -> inv.host("e").address()).getMessage()
                .contains("Jitogen evaluates no Jinja templates but {{ lookup('env', 'VAR') }}"));
    }

    @Test
    void aHostWithAnsibleConnectionLocalOpensALocalContextUnderTheNameAsked() {
        try (dev.jitogen.core.Router router = dev.jitogen.core.Router.create()) {
            dev.jitogen.core.Context c = sample("hosts.ini").host("stage1")
                    .connect(router, "stage1", dev.jitogen.plugins.ssh.HostKeyPolicy.ENFORCE);
            assertEquals("stage1", c.name());
            assertEquals("local", c.method());
            assertEquals(42, c.call(() -> 6 * 7));
        }
    }

    @Test
    void aMissingFileIsNamedWithWhereItWasLookedFor() {
        InventoryError e = assertThrows(InventoryError.class, () -> Inventory.load(dir.resolve("nope.ini")));
        assertEquals("inventory file " + dir.resolve("nope.ini") + " not found (looked for " + dir.resolve("nope.ini")
                + "): check the path given to -i, /inventory or JITOGEN_INVENTORY", e.getMessage());
    }

    @Test
    void anUnknownGroupOrHostInAPatternIsAnErrorThatSuggestsTheNearestName() {
        Inventory inv = sample("hosts.ini");
        InventoryError e = assertThrows(InventoryError.class, () -> inv.select("webb:db"));
        assertEquals("no host or group called webb in src/test/resources/inventory/hosts.ini (did you mean web?); "
                + "groups: all, ungrouped, web, db, prod, staging", e.getMessage());
        assertThrows(InventoryError.class, () -> inv.select("web:!web9"), "a typo in an exclusion is not ignored");
        assertTrue(assertThrows(InventoryError.class, () -> inv.select("nomatch*")).getMessage()
                .startsWith("host pattern nomatch* matches no host or group"));
        assertTrue(assertThrows(InventoryError.class, () -> inv.select("web[9]")).getMessage()
                .contains("index 9 is out of range (4 hosts, so 0 to 3, or -1 to -4)"));
        assertThrows(InventoryError.class, () -> inv.select(" "));
    }

    @Test
    void malformedIniLinesAreNamedByFileAndLine() throws Exception {
        assertError("[web]\nweb1\n[web\n", ":3: host entry [web has an unmatched bracket");
        assertError("[web]\nweb1\nansible_user=deploy\n", ":3: expected a host name, got ansible_user=deploy: "
                + "variables go after the host name (web1 ansible_port=2222), or in a [GROUP:vars] section");
        assertError("[web:child]\nweb1\n", ":1: section [web:child] has unknown type child: write [web], "
                + "[web:children] or [web:vars]");
        assertError("[web]\nweb1\n[prod:children]\nweb\ndbs\n", ":5: [prod:children] names group dbs, which is not "
                + "defined in hosts: add a [dbs] section (or [dbs:children]) listing its hosts, or fix the name");
        assertError("[db:vars]\nx=1\n", ":1: section [db:vars] sets variables of group db, which is not defined");
        assertError("[web:vars]\nansible_user\n[web]\nw\n", ":2: expected key=value in [web:vars], got ansible_user");
        assertError("[web]\nweb1 ansible_user\n", ":2: expected key=value after the host name, got ansible_user");
        assertError("[web]\nweb1 motd=\"unclosed\n", ":2: unclosed double quote");
        assertError("[web ]\n", ":1: malformed section header [web ]");
        assertError("[web]\nweb[3:1]\n", ":2: range [3:1] in web[3:1] starts after it ends");
        assertError("[web]\nweb1:http\n", ":2: host web1:http ends in ':http', which is not a port");
        assertError("[a:children]\nb\n[b:children]\na\n", "groups a -> b -> a are each other's children");
    }

    @Test
    void malformedYamlIsNamedByFileAndLine() throws Exception {
        assertYamlError("all:\n  children:\n    web:\n      host:\n        web1:\n", ":4: unexpected key host in group web: "
                + "a group has hosts, children and vars (did you mean hosts?)");
        assertYamlError("all:\n  hosts:\n    - web1\n", ":3: hosts of group all must be a mapping of host names");
        Path bad = write("bad.yml", "web:\n  hosts:\n    web1:\n   bad: [\n");
        String m = assertThrows(InventoryError.class, () -> Inventory.load(bad)).getMessage();
        assertTrue(m.matches(java.util.regex.Pattern.quote(bad.toString()) + ":\\d+: not valid YAML: .*"), m);
        assertYamlError("web:\n  vars: [1, 2]\n", ":2: vars of group web must be a mapping (key: value), not a list");
        assertYamlError("- web1\n", ":1: a YAML inventory maps group names to groups");
    }

    @Test
    void filesMergeAndAYamlFileIsKnownByItsFirstLineWhateverItsName() throws Exception {
        Path ini = write("a", "[web]\nweb1 ansible_port=22\n");
        Path yaml = write("b", "---\nweb:\n  hosts:\n    web1: {ansible_port: 2200}\n    web2:\n");
        Inventory inv = Inventory.load(ini, yaml);
        assertEquals(List.of("web1", "web2"), inv.groupHosts("web"));
        assertEquals(2200, inv.host("web1").port(), "the later file wins");
        assertEquals(List.of(ini, yaml), inv.files());
    }

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private void assertError(String ini, String expected) throws Exception {
        Path f = write("hosts", ini);
        InventoryError e = assertThrows(InventoryError.class, () -> Inventory.load(f), ini);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        if (expected.startsWith(":")) assertTrue(e.getMessage().startsWith(f + expected), e.getMessage());
    }

    private void assertYamlError(String yaml, String expected) throws Exception {
        Path f = write("hosts.yml", yaml);
        InventoryError e = assertThrows(InventoryError.class, () -> Inventory.load(f), yaml);
        assertTrue(e.getMessage().startsWith(f + expected), "expected '" + f + expected + "...', got: " + e.getMessage());
    }
}
