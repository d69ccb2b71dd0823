package dev.jitogen.plugins.become;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.util.Map;

/**
 * A master JVM whose environment holds a password (the test sets JITOGEN_TEST_PASSWORD): starts a doas context (the
 * stub) with {@code --password-env}, then a local one, and prints what each child sees of the variable.
 */
public final class PasswordEnvMain {
    private PasswordEnvMain() {}

    public static void main(String[] args) {
        try (Router router = Router.create()) {
            Context doas = new Doas.Method().connect(router, "doas", Map.of("password-env", "JITOGEN_TEST_PASSWORD",
                    "doas-path", args[0], "java", args[1]), null);
            Context local = router.local();
            System.out.println("doas:" + doas.call(() -> String.valueOf(System.getenv("JITOGEN_TEST_PASSWORD")))
                    + " local:" + local.call(() -> String.valueOf(System.getenv("JITOGEN_TEST_PASSWORD"))));
        }
    }
}
