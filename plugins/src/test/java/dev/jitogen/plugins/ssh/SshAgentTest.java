package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Keys in a real {@code ssh-agent} are offered as OpenSSH offers them: the identity files' keys the agent holds
 * first (signed by the agent), then the agent's other keys unless IdentitiesOnly, then the files it does not hold.
 * The embedded server records the keys offered, in order.
 */
class SshAgentTest {
    static TestSshServer server;
    static Router router;
    static Path keys;

    @BeforeAll
    static void start() throws Exception {
        server = new TestSshServer();
        router = Router.create();
        keys = Files.createTempDirectory("agent-keys");
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        server.close();
    }

    static Path key(String name, String passphrase) throws Exception {
        Path k = keys.resolve(name);
        TestSshServer.keygen(k, "ed25519", passphrase);
        return k;
    }

    static String fp(Path key) throws Exception {
        return TestSshServer.fingerprint(Path.of(key + ".pub"));
    }

    @Test
    void theAgentAtSshAuthSockLogsInWithNoIdentityFileAndNoDefaultIdentities() throws Exception {
        Path inAgent = key("agent_only", "");
        server.authorize(Path.of(inAgent + ".pub"));
        Path emptyHome = Files.createTempDirectory("home-without-ssh");
        try (TestAgent agent = new TestAgent()) {
            agent.add(inAgent);
            Files.delete(inAgent); // only the agent has it now
            // a master of its own whose environment has SSH_AUTH_SOCK (this JVM's cannot be changed) and whose
            // home has no ~/.ssh: the SSH client runs there, as it would in a master started from a login shell
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> flags = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
            flags.add("-Duser.home=" + emptyHome);
            Context master = router.local(LocalOptions.builder().name("agent-master")
                    .javaPath("env", "SSH_AUTH_SOCK=" + agent.socket, "HOME=" + emptyHome, java).jvmFlags(flags).build());
            server.takeOffered();
            Context c = Ssh.to("127.0.0.1").port(server.port()).username(System.getProperty("user.name"))
                    .checkHostKeys(HostKeyPolicy.IGNORE).via(master).connect(router);
            assertEquals("via the agent", c.call(() -> "via the agent"));
            assertEquals(List.of(fp(inAgent)), server.takeOffered());
            master.shutdown();
        }
    }

    @Test
    void keysAreOfferedInOpenSshsOrderAndIdentitiesOnlyLeavesOutTheAgentsOthers() throws Exception {
        Path other = key("other", ""), held = key("held", ""), fileOnly = key("file_only", "");
        try (TestAgent agent = new TestAgent()) {
            agent.add(other);
            agent.add(held);
            Ssh ssh = Ssh.to("127.0.0.1").port(server.port()).username(System.getProperty("user.name"))
                    .checkHostKeys(HostKeyPolicy.IGNORE).identityAgent(agent.socket.toString())
                    .identityFile(fileOnly).identityFile(held);
            server.takeOffered();
            PasswordError refused = assertThrows(PasswordError.class, () -> ssh.connect(router));
            // the agent's copy of an identity file first, then the agent's other key, then the file it lacks
            assertEquals(List.of(fp(held), fp(other), fp(fileOnly)), server.takeOffered());
            assertTrue(refused.getMessage().contains("none of the 3 keys offered was accepted"), refused.getMessage());

            assertThrows(PasswordError.class, () -> ssh.identitiesOnly(true).connect(router));
            assertEquals(List.of(fp(held), fp(fileOnly)), server.takeOffered());

            server.authorize(Path.of(held + ".pub"));
            Files.delete(held); // the .pub and the agent are enough: the private key file is never read
            Context c = ssh.connect(router);
            assertEquals(7, c.call(() -> 7));
            assertEquals(List.of(fp(held)), server.takeOffered());
            c.shutdown();
        }
    }

    @Test
    void anEncryptedKeyTheAgentHoldsIsUsedWithoutAskingItsPassphrase() throws Exception {
        Path locked = key("locked_in_agent", "secret");
        server.authorize(Path.of(locked + ".pub"));
        try (TestAgent agent = new TestAgent(); Router prompting = Router.create()) {
            agent.add(locked, "secret");
            Ssh.passphrasePrompt(prompting, file -> fail("asked for the passphrase of " + file));
            Context c = Ssh.to("127.0.0.1").port(server.port()).username(System.getProperty("user.name"))
                    .checkHostKeys(HostKeyPolicy.IGNORE).identityAgent(agent.socket.toString()).identityFile(locked)
                    .identitiesOnly(true).connect(prompting);
            assertEquals(8, c.call(() -> 8));
        }
    }

    @Test
    void aDeadAgentSocketIsNoReasonToFailWhenAKeyFileWorks() throws Exception {
        Context c = server.ssh().identityAgent(keys.resolve("no-agent-here.sock").toString()).connect(router);
        assertEquals(9, c.call(() -> 9));
        c.shutdown();
    }
}
