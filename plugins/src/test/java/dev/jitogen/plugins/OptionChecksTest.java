package dev.jitogen.plugins;

import dev.jitogen.core.Router;
import dev.jitogen.plugins.become.Sudo;
import dev.jitogen.plugins.ssh.Ssh;
import dev.jitogen.plugins.ssh.SshMethod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Bad option values are refused before anything starts, with an error naming the option and the fix. */
class OptionChecksTest {
    @Test
    void aConnectTimeoutThatIsNotPositiveIsRefusedByEveryMethod() {
        try (Router router = Router.create()) {
            for (String bad : new String[]{"-5", "0"}) {
                IllegalArgumentException sudo = assertThrows(IllegalArgumentException.class, () -> new Sudo.Method()
                        .connect(router, "s", Map.of("connect-timeout", bad), null));
                assertTrue(sudo.getMessage().contains("--connect-timeout takes a positive number of seconds, not " + bad),
                        sudo.getMessage());
                IllegalArgumentException ssh = assertThrows(IllegalArgumentException.class, () -> new SshMethod()
                        .connect(router, "s", Map.of("destination", "localhost", "connect-timeout", bad), null));
                assertTrue(ssh.getMessage().contains("--connect-timeout takes a positive number of seconds"),
                        ssh.getMessage());
            }
            IllegalArgumentException builder = assertThrows(IllegalArgumentException.class,
                    () -> Ssh.to("localhost").connectTimeout(Duration.ofSeconds(-5)));
            assertTrue(builder.getMessage().contains("the connect timeout must be positive"), builder.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Sudo.as("root").connectTimeout(Duration.ZERO));
            assertTrue(router.contexts().isEmpty());
        }
    }

    @Test
    void aPortOutsideOneTo65535IsRefused() {
        try (Router router = Router.create()) {
            for (String bad : new String[]{"host:-5", "host:0", "host:70000", "host:ssh"}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SshMethod()
                        .connect(router, "s", Map.of("destination", bad), null), bad);
                assertTrue(e.getMessage().contains("bad port in " + bad), e.getMessage());
            }
        }
    }
}
