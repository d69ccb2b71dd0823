package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.util.Map;

/**
 * A master JVM whose environment holds a key's passphrase (the test sets JITOGEN_TEST_PASSPHRASE): connects over SSH
 * with {@code --passphrase-env}, then starts a local context, and prints what the local child sees of the variable.
 * Arguments: port, encrypted key file.
 */
public final class PassphraseEnvMain {
    private PassphraseEnvMain() {}

    public static void main(String[] args) {
        try (Router router = Router.create()) {
            Context ssh = new SshMethod().connect(router, "box", Map.of(
                    "destination", System.getProperty("user.name") + "@127.0.0.1:" + args[0], "identity", args[1],
                    "identities-only", "true", "identity-agent", "none", "check-host-keys", "ignore",
                    "passphrase-env", "JITOGEN_TEST_PASSPHRASE"), null);
            Context local = router.local();
            System.out.println("ssh:" + ssh.call(() -> "ok")
                    + " local:" + local.call(() -> String.valueOf(System.getenv("JITOGEN_TEST_PASSPHRASE"))));
        }
    }
}
