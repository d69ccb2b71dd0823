package dev.jitogen.plugins.become;

import dev.jitogen.plugins.container.Stubs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A password given with {@code --password-env VAR} is read once, in the master, and VAR is in the environment of
 * no process Jitogen starts afterwards (where any process of the child's user could read it in /proc/PID/environ).
 */
class PasswordEnvTest {
    static final String PASSWORD = "env-Secret";
    static final String JAVA = ProcessHandle.current().info().command().orElseThrow();

    @Test
    void aPasswordReadFromTheEnvironmentReachesNoProcessJitogenStarts() throws Exception {
        Stubs stubs = new Stubs(PASSWORD, ProcessHandle.current().pid());
        ProcessBuilder master = new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"),
                PasswordEnvMain.class.getName(), stubs.tool("doas"), JAVA).redirectError(ProcessBuilder.Redirect.INHERIT);
        master.environment().put("JITOGEN_TEST_PASSWORD", PASSWORD);
        Process p = master.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals("doas:null local:null", out, "the password variable reached a child");
            assertTrue(stubs.calls().stream().anyMatch(l -> l.startsWith("doas")), "doas asked, and got, the password");
        } finally {
            p.destroyForcibly();
        }
    }
}
