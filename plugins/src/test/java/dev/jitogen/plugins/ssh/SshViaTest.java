package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SSH from a context rather than the master: the intermediate fetches the SSH client's classes (MINA) on demand,
 * opens the connection from its own process, and becomes the new context's parent.
 */
class SshViaTest {
    static TestSshServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestSshServer();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void sshViaALocalContextAndALocalContextViaThatSsh() {
        try (Router router = Router.create()) {
            Context jump = router.local(LocalOptions.builder().name("jump").build());
            Context remote = server.ssh().name("remote").via(jump).connect(router);
            assertSame(jump, remote.via());
            assertEquals("jump", router.routes().get(remote.id()), "the master reaches it through jump");
            assertEquals(42, remote.call(() -> 40 + 2));
            long jumpPid = jump.pid();
            // the SSH client ran in jump: its MINA classes were fetched by jump, not loaded by the master for it
            assertTrue(jump.call(() -> Router.current().stats().forwarded()) > 0);
            assertTrue(jump.call(() -> {
                try {
                    return Class.forName("org.apache.sshd.client.SshClient").getName();
                } catch (ClassNotFoundException e) {
                    return "missing";
                }
            }).contains("SshClient"));
            Context below = router.local(LocalOptions.builder().name("below").via(remote).build());
            assertEquals("below", below.call(() -> Router.current().myName()));
            assertNotEquals(jumpPid, (long) below.call(() -> ProcessHandle.current().pid()));
        }
    }

    @Test
    void aWrongPasswordThroughAnIntermediateIsStillAPasswordError() {
        try (Router router = Router.create()) {
            Context jump = router.local();
            PasswordError e = assertThrows(PasswordError.class, () -> Ssh.to("127.0.0.1").port(server.port())
                    .username(System.getProperty("user.name")).identitiesOnly(true)
                    .checkHostKeys(HostKeyPolicy.IGNORE).password("wrong").via(jump).connect(router));
            assertTrue(e.getMessage().contains("password was refused"), e.getMessage());
            assertTrue(e.getMessage().contains("via " + jump.name()), e.getMessage());
            assertEquals(1, jump.call(() -> 1), "the intermediate is unharmed");
        }
    }
}
