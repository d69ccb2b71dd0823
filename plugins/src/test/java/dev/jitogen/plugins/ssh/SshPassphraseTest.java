package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Keys made with {@code ssh-keygen -N secret}: a passphrase given, taken from the environment, or asked for. */
class SshPassphraseTest {
    static TestSshServer server;
    static Router router;
    static Path locked;

    @BeforeAll
    static void start() throws Exception {
        server = new TestSshServer();
        router = Router.create();
        locked = Files.createTempDirectory("locked").resolve("id_ed25519");
        TestSshServer.keygen(locked, "ed25519", "secret");
        server.authorize(Path.of(locked + ".pub"));
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        server.close();
    }

    static Ssh withLockedKey() {
        return Ssh.to("127.0.0.1").port(server.port()).username(System.getProperty("user.name")).identityFile(locked)
                .identitiesOnly(true).identityAgent("none").checkHostKeys(HostKeyPolicy.IGNORE);
    }

    @Test
    void anEncryptedKeyOpensWithItsPassphrase() {
        Context c = withLockedKey().passphrase("secret").connect(router);
        assertEquals(1, c.call(() -> 1));
        c.shutdown();
    }

    @Test
    void aWrongPassphraseIsAPasswordErrorNamingTheKeyFile() {
        PasswordError e = assertThrows(PasswordError.class, () -> withLockedKey().passphrase("wrong").connect(router));
        assertTrue(e.getMessage().contains("the passphrase given for key " + locked + " is wrong"), e.getMessage());
    }

    @Test
    void withoutAPassphraseOrAPromptTheErrorSaysHowToGiveOne() {
        PasswordError e = assertThrows(PasswordError.class, () -> withLockedKey().connect(router));
        assertTrue(e.getMessage().contains("key " + locked + " is encrypted and no passphrase was given"), e.getMessage());
        assertTrue(e.getMessage().contains("--passphrase-env VAR"), e.getMessage());
    }

    @Test
    void theRoutersPromptIsAskedOnlyWhenTheOtherKeysWereRefused() throws Exception {
        List<Path> asked = new CopyOnWriteArrayList<>();
        try (Router prompting = Router.create()) {
            Ssh.passphrasePrompt(prompting, file -> {
                asked.add(file);
                return "secret";
            });
            Context c = withLockedKey().connect(prompting);
            assertEquals(2, c.call(() -> 2));
            assertEquals(List.of(locked), asked);

            // an unencrypted key that works, offered before: no question
            asked.clear();
            Context unasked = withLockedKey().identityFile(server.userKey).connect(prompting);
            assertEquals(3, unasked.call(() -> 3));
            assertEquals(List.of(), asked);

            // a wrong answer names the file
            Ssh.passphrasePrompt(prompting, file -> "wrong");
            PasswordError wrong = assertThrows(PasswordError.class, () -> withLockedKey().connect(prompting));
            assertTrue(wrong.getMessage().contains("for key " + locked + " is wrong"), wrong.getMessage());
        }
    }

    @Test
    void passphraseEnvNamesAMissingVariableWithTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SshMethod().connect(router,
                "x", Map.of("destination", "127.0.0.1:" + server.port(), "passphrase-env", "JITOGEN_NO_SUCH_VARIABLE"), null));
        assertTrue(e.getMessage().contains("environment variable JITOGEN_NO_SUCH_VARIABLE is not set (--passphrase-env"),
                e.getMessage());
    }

    @Test
    void aPassphraseFromTheEnvironmentOpensTheKeyAndReachesNoProcessJitogenStarts() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder master = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                PassphraseEnvMain.class.getName(), String.valueOf(server.port()), locked.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        master.environment().put("JITOGEN_TEST_PASSPHRASE", "secret");
        Process p = master.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("ssh:ok local:null", out, "the key opened, and the variable reached no child");
        } finally {
            p.destroyForcibly();
        }
    }
}
