package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What Tab offers in command arguments (the terminal front end shows these): inventory groups and hosts after
 * {@code /connect} and {@code @}, destinations after {@code /ssh NAME} from the inventory, {@code ~/.ssh/config} and
 * known_hosts, the values of {@code --check-host-keys}, and file names after {@code --identity}.
 */
class CompletionTest {
    private static Path dir, sshDir;
    private static Shell shell;

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("jitogen-completion");
        sshDir = Files.createDirectories(dir.resolve("ssh"));
        Files.writeString(sshDir.resolve("config"), "Host bastion jump\n  HostName 10.0.0.1\nHost *.internal !x\n"
                + "host=db-alias\n");
        Files.writeString(sshDir.resolve("known_hosts"), "known.example.org,10.1.1.1 ssh-ed25519 AAAA\n"
                + "[127.0.0.1]:2222 ssh-ed25519 AAAA\n|1|c2FsdA==|aGFzaA== ssh-ed25519 AAAA\n"
                + "@cert-authority *.example.org ssh-ed25519 AAAA\n");
        Files.writeString(dir.resolve("hosts"), "[web]\nweb1 ansible_host=10.0.0.5\nweb2\n[db]\ndb1 ansible_port=2200\n");
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/id_deploy"), "");
        shell = new Shell(line -> {});
        assertTrue(shell.loadInventory(List.of(dir.resolve("hosts"))));
    }

    @AfterAll
    static void tearDown() {
        shell.close();
    }

    private static List<String> offers(String text) {
        int space = text.lastIndexOf(' ');
        String word = text.substring(Math.max(space, text.lastIndexOf(',')) + 1);
        return Completion.command(shell, text, word, sshDir).stream().map(Completion.Offer::value).toList();
    }

    @Test
    void connectAndAtPatternsOfferGroupsAndHostsForEachTerm() {
        assertTrue(offers("/connect ").containsAll(List.of("all", "ungrouped", "web", "db", "web1", "web2", "db1")));
        assertTrue(offers("/connect web:!d").containsAll(List.of("web:!db", "web:!db1")), offers("/connect web:!d").toString());
        assertTrue(offers("/connect web:&").contains("web:&db"));
        assertTrue(offers("/on @w").containsAll(List.of("@web", "@web1")));
        assertTrue(offers("/sh @web,d").contains("db1"), "after a comma, the term alone");
        assertTrue(offers("/on ").contains("@"), "with an inventory, @ is offered beside the context names");
        assertEquals(List.of(), offers("/on local Sys"), "past the targets it is Java");
        assertTrue(offers("/connect web --").containsAll(List.of("--forks", "--check-host-keys")));
    }

    @Test
    void sshDestinationsComeFromTheInventoryTheSshConfigAndKnownHosts() {
        List<String> d = offers("/ssh box ");
        assertEquals(List.of("10.0.0.5", "web2", "db1:2200", "bastion", "jump", "db-alias", "known.example.org",
                "10.1.1.1", "127.0.0.1:2222"), d, "patterns, hashed entries and markers are left out");
        assertTrue(offers("/ssh box deploy@").contains("deploy@bastion"), "after USER@ too");
        assertEquals(List.of(), offers("/ssh "), "not for the context's name");
        assertFalse(offers("/ssh box bastion ").contains("jump"), "one destination only");
    }

    @Test
    void hostKeyPoliciesAndIdentityFilesAreOfferedAfterTheirFlags() {
        List<String> policies = List.of("enforce", "accept", "ignore");
        assertEquals(policies, offers("/ssh box bastion --check-host-keys "));
        assertEquals(policies, offers("/connect web --check-host-keys "));
        assertEquals(List.of(dir + "/keys/id_deploy"), offers("/ssh box bastion --identity " + dir + "/keys/"));
        assertTrue(offers("/inventory " + dir + "/").contains(dir + "/hosts"));
        assertTrue(offers("/ssh box bastion --").containsAll(List.of("--identity", "--check-host-keys", "--via")));
    }
}
