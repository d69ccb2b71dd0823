package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One shell (and its child JVMs) per test class, and what it printed for the last unit: the tests type units as an
 * operator would and read the lines back.
 */
abstract class ShellTestSupport {
    static final List<String> printed = new CopyOnWriteArrayList<>();
    static Shell shell;

    @BeforeAll
    static void open() {
        shell = new Shell(printed::add);
    }

    @AfterAll
    static void close() {
        shell.close();
    }

    /** Runs {@code unit}, which must succeed; returns what it printed. */
    static String run(String unit) {
        return String.join("\n", lines(unit));
    }

    /** Runs {@code unit}, which must succeed; returns the lines it printed. */
    static List<String> lines(String unit) {
        printed.clear();
        assertTrue(shell.run(unit), () -> unit + " failed:\n" + String.join("\n", printed));
        return new ArrayList<>(printed);
    }

    /** Runs {@code unit}, which must fail; returns what it printed. */
    static String fail(String unit) {
        printed.clear();
        assertFalse(shell.run(unit), () -> unit + " should have failed:\n" + String.join("\n", printed));
        return String.join("\n", printed);
    }
}
