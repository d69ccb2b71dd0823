package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code /inventory}, {@code /connect} and {@code @PATTERN} in the shell, against a real OpenSSH server on loopback:
 * an inventory of hosts that all point to it under different names, one that points to a closed port, and (as
 * root, with sudo) one that becomes {@code nobody}. Skipped, saying why, where no sshd exists.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectTest extends ShellTestSupport {
    private static LoopbackSshd sshd;
    private static Path inventory;
    private static int closedPort;
    private static boolean become;

    @BeforeAll
    static void fleet() throws Exception {
        if (LoopbackSshd.binary() == null) System.out.println("ConnectTest skipped: no sshd (apt-get install openssh-server)");
        assumeTrue(LoopbackSshd.binary() != null, "no sshd binary");
        sshd = new LoopbackSshd();
        closedPort = LoopbackSshd.freePort();
        become = "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/sudo"));
        inventory = sshd.dir.resolve("hosts");
        Files.writeString(inventory, String.join("\n",
                "[web]",
                "web1 ansible_host=127.0.0.1",
                "web2 ansible_host=127.0.0.1",
                "web-3.local ansible_host=127.0.0.1",
                "[down]",
                "gone ansible_host=127.0.0.1 ansible_port=" + closedPort,
                "[become]",
                become ? "asnobody ansible_host=127.0.0.1 ansible_become=yes ansible_become_user=nobody" : "",
                "[all:vars]",
                "ansible_port=" + sshd.port,
                "ansible_ssh_private_key_file=" + sshd.userKey,
                ""));
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) sshd.close();
    }

    @Test
    @Order(1)
    void withoutAnInventoryConnectSaysHowToLoadOne() {
        String out = fail("/connect web");
        assertTrue(out.contains("no inventory is loaded: /inventory FILE, or start with -i FILE, or set JITOGEN_INVENTORY"), out);
    }

    @Test
    @Order(2)
    void inventoryLoadsAFileAndShowsItsGroups() {
        run("/inventory " + inventory);
        String shown = run("/inventory");
        assertTrue(shown.contains(inventory + ": " + (become ? 5 : 4) + " hosts in 3 groups (and all, ungrouped)"), shown);
        assertTrue(shown.contains("web (3)  down (1)"), shown);
        String listed = run("/inventory --list-hosts web:!web2");
        assertTrue(listed.contains("|  2 hosts:\n|    web1\n|    web-3.local (web_3_local)"), listed);
        assertTrue(fail("/inventory " + sshd.dir.resolve("missing.ini")).contains("inventory file "
                + sshd.dir.resolve("missing.ini") + " not found"));
        run("/inventory " + inventory); // the failed load left the loaded one in place
    }

    @Test
    @Order(3)
    void connectOpensEveryHostOfThePatternAndAFailureStopsNoOther() {
        List<String> out = new ArrayList<>(lines("/connect web --forks 2 --check-host-keys ignore"));
        assertTrue(out.get(0).startsWith("3 connected, 0 failed in "), out.toString());
        assertTrue(out.contains("|  variables: web_3_local = web-3.local"), out.toString());
        assertTrue(run("web_3_local.call(() -> 6 * 7)").contains("42"), "each host is a variable");
        assertTrue(run("web1.call(() -> System.getProperty(\"user.name\"))").contains(System.getProperty("user.name")));

        String failed = fail("/connect all --check-host-keys ignore");
        assertTrue(failed.startsWith((become ? "1" : "0") + " connected, 1 failed, 3 open already in "), failed);
        assertTrue(failed.contains("|  gone: ssh to 127.0.0.1:" + closedPort + ": connection refused"), failed);
    }

    @Test
    @Order(4)
    void onAndShWithAnAtPatternReachTheOpenedHostsItSelects() {
        String on = run("/on @web ProcessHandle.current().pid() > 0");
        assertTrue(on.contains("[web1]        true") && on.contains("[web2]        true")
                && on.contains("[web_3_local] true"), on);
        assertTrue(on.contains("3 ok, 0 failed"), on);
        String sh = run("/sh @web:!web2 echo hi");
        assertTrue(sh.contains("[web1]        hi") && sh.contains("[web_3_local] hi") && !sh.contains("[web2]"), sh);
        assertTrue(run("/on @web[0] 1").contains("[web1] 1"));
        String some = run("/on @all 2");
        assertTrue(some.contains("|  1 of " + (become ? 5 : 4) + " hosts of all are not open (/connect all): gone"), some);
        assertTrue(fail("/on @down 1").contains("none of the 1 hosts of down is open (/connect down first)"));
        assertTrue(fail("/sh @webb uptime").contains("no host or group called webb in " + inventory + " (did you mean web?)"));
    }

    @Test
    @Order(5)
    void aHostWithAnsibleBecomeRunsAsThatUserThroughItsSshContext() {
        assumeTrue(become, "becoming nobody needs root and sudo");
        assertTrue(run("/on @become System.getProperty(\"user.name\")").contains("[asnobody] nobody"));
        String tree = run("/contexts");
        assertTrue(tree.matches("(?s).*asnobody\\.login +\\d+ ssh .*\\n\\|  +└─ asnobody +\\d+ sudo +\\S+ +nobody .*"), tree);
    }

    @Test
    @Order(6)
    void aHostsAddressMayBeAnSshConfigAlias() throws Exception {
        Path config = sshd.dir.resolve("ssh_config");
        Files.writeString(config, "Host fleet-alias\n  HostName 127.0.0.1\n  Port " + sshd.port + "\n  IdentityFile "
                + sshd.userKey + "\n");
        Path hosts = sshd.dir.resolve("alias.ini");
        Files.writeString(hosts, "aliased ansible_host=fleet-alias\n");
        dev.jitogen.plugins.inventory.InventoryHost h = dev.jitogen.plugins.inventory.Inventory.load(hosts).host("aliased");
        try (dev.jitogen.core.Router router = dev.jitogen.core.Router.create()) {
            dev.jitogen.core.Context c = h.ssh().configFile(config)
                    .checkHostKeys(dev.jitogen.plugins.ssh.HostKeyPolicy.IGNORE).connect(router);
            assertEquals("aliased", c.name());
            assertEquals(42, c.call(() -> 6 * 7));
        }
    }

    @Test
    @Order(7)
    void disconnectAtPatternClosesTheHostsAndTheirLoginContexts() {
        run("/disconnect @all");
        String tree = run("/contexts");
        assertFalse(tree.contains("web1") || tree.contains("asnobody"), tree);
        assertTrue(fail("/on @web 1").contains("none of the 3 hosts of web is open"));
        String again = run("/connect web[1:] --forks 1 --check-host-keys ignore");
        assertTrue(again.startsWith("2 connected, 0 failed"), again);
        assertTrue(run("web2.call(() -> 1)").contains("1"), "a name can be used again");
    }
}
