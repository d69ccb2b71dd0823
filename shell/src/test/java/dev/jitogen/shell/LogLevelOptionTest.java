package dev.jitogen.shell;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jitogen -v} and {@code --log-level LEVEL}: the SSH library's lines reach the terminal only when asked. */
class LogLevelOptionTest {
    @AfterEach
    void back() {
        ContextOutput.level(null);
    }

    @Test
    void aChosenLevelPrintsTheSshLibrarysLinesAndABadOneNamesTheOption() {
        new CommandLine(new Main()).parseArgs("--log-level", "info");
        List<String> printed = new ArrayList<>();
        var handler = ContextOutput.install(printed::add);
        try {
            Logger.getLogger("org.apache.sshd.client.Test").info("Server at /127.0.0.1:22 presented unverified key");
            assertTrue(printed.contains("INFO: Server at /127.0.0.1:22 presented unverified key"), printed.toString());
        } finally {
            ContextOutput.uninstall(handler);
        }
        new CommandLine(new Main()).parseArgs("-v");
        assertEquals(Level.FINE, ContextOutput.parseLevel("debug"));
        CommandLine.ParameterException bad = assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new Main()).parseArgs("--log-level", "loud"));
        assertTrue(bad.getMessage().contains("--log-level takes"), bad.getMessage());
    }
}
