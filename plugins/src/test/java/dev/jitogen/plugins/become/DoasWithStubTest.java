package dev.jitogen.plugins.become;

import dev.jitogen.core.Context;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.container.Stubs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * doas against a stub (OpenBSD's doas is not packaged here): the stub asks for its password on /dev/tty as doas
 * does, so this proves the pseudo-terminal path (util-linux script, raw mode, prompt answered, frames through the
 * terminal) with a real child JVM behind it.
 */
class DoasWithStubTest {
    static final String PASSWORD = "doas-Secret";
    static final String JAVA = ProcessHandle.current().info().command().orElseThrow();
    static Router router;
    static Stubs stubs;

    @BeforeAll
    static void start() throws Exception {
        router = Router.create();
        stubs = new Stubs(PASSWORD, ProcessHandle.current().pid());
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void thePasswordIsTypedIntoATerminalAndFramesPassThroughIt() throws Exception {
        Context c = Doas.as("root").password(PASSWORD).doasPath(stubs.tool("doas")).javaPath(JAVA).connect(router);
        assertEquals(42, c.call(() -> 40 + 2));
        byte[] big = c.call(() -> {
            byte[] b = new byte[1 << 20];
            for (int i = 0; i < b.length; i++) b[i] = (byte) i; // every byte value, \r \n ^C ^D included
            return b;
        });
        for (int i = 0; i < big.length; i++) assertEquals((byte) i, big[i], "byte " + i);
        assertTrue(stubs.calls().stream().anyMatch(l -> l.startsWith("doas [-u] [root] [--] [/bin/sh] [-c]")),
                stubs.calls().toString());
        c.shutdown();
    }

    @Test
    void aWrongPasswordAndAMissingOneArePasswordErrors() {
        PasswordError wrong = assertThrows(PasswordError.class, () -> Doas.as("root").password("nope")
                .doasPath(stubs.tool("doas")).javaPath(JAVA).connect(router));
        assertTrue(wrong.getMessage().contains("refused the password"), wrong.getMessage());
        long t0 = System.nanoTime();
        PasswordError missing = assertThrows(PasswordError.class, () -> Doas.as("root")
                .doasPath(stubs.tool("doas")).javaPath(JAVA).connect(router));
        assertTrue(missing.getMessage().contains("none was given"), missing.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "no terminal, no wait: doas -n fails at once");
    }
}
