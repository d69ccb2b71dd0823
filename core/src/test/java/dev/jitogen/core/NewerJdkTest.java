package dev.jitogen.core;

import dev.jitogen.core.fixtures.OtherJdkMaster;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A master and its child on two different JDKs, one of them Java 24 or newer, where Kryo's use of
 * {@code sun.misc.Unsafe} would print "terminally deprecated" warnings at every start (JEP 498): both stay quiet,
 * and calls work both ways. The second JDK is {@code -Djitogen.test.otherJdk=HOME} or Temurin 25 where Debian puts it;
 * without one the tests are skipped.
 */
class NewerJdkTest {
    private static final Path OTHER = Path.of(System.getProperty("jitogen.test.otherJdk",
            "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");
    private static final Path THIS = Path.of(System.getProperty("java.home"), "bin", "java");

    /** Runs {@link OtherJdkMaster} on {@code master} with a child on {@code child}; returns stdout and stderr. */
    private static String run(Path master, Path child) throws Exception {
        assumeTrue(Files.isExecutable(OTHER), "no second JDK at " + OTHER);
        Path out = Files.createTempFile("jdk-master", ".txt");
        try {
            Process p = new ProcessBuilder(master.toString(), "-cp", System.getProperty("java.class.path"),
                    OtherJdkMaster.class.getName(), child.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the master did not finish");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void assertQuiet(String output) {
        assertFalse(output.contains("terminally deprecated"), output);
        assertFalse(output.contains("sun.misc.Unsafe"), output);
    }

    private static int feature(Path java) throws Exception {
        Process p = new ProcessBuilder(java.toString(), "-XshowSettings:properties", "-version")
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        for (String line : text.split("\n")) {
            line = line.trim();
            if (line.startsWith("java.specification.version = ")) return Integer.parseInt(line.substring(29).trim());
        }
        throw new AssertionError("no java.specification.version in " + text);
    }

    @Test
    void aMasterOnTheOtherJdkStartsAChildOnThisOneQuietly() throws Exception {
        String output = run(OTHER, THIS);
        assertQuiet(output);
        assertTrue(output.contains(Runtime.version().feature() + " [1, 2]"), output);
        assertTrue(output.contains("{epoch=1970-01-01T00:00:00Z}"), output);
        assertTrue(output.contains("master " + feature(OTHER)), output);
        assertTrue(output.contains("app: logged on " + Runtime.version().feature()), output);
    }

    @Test
    void aMasterOnThisJdkStartsAChildOnTheOtherOneQuietly() throws Exception {
        String output = run(THIS, OTHER);
        assertQuiet(output);
        assertTrue(output.contains(feature(OTHER) + " [1, 2]"), output);
        assertTrue(output.contains("{epoch=1970-01-01T00:00:00Z}"), output);
        assertTrue(output.contains("app: logged on " + feature(OTHER)), output);
    }
}
