package dev.jitogen.plugins;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How {@link Jit} reads a JVM's flags: the last {@code -XX:TieredStopAtLevel} wins, as in the JVM. */
class JitTest {
    @Test
    void theLastTieredStopAtLevelWinsAndInterpretedModeCounts() {
        assertFalse(Jit.withoutC2("-XX:+UseSerialGC", "-cp", "x", "Main"));
        assertTrue(Jit.withoutC2("-XX:TieredStopAtLevel=1", "Main"));
        assertFalse(Jit.withoutC2("-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=4", "Main"),
                "the shell started with JITOGEN_JAVA_OPTS=-XX:TieredStopAtLevel=4 has C2");
        assertTrue(Jit.withoutC2("-XX:TieredStopAtLevel=4", "-XX:TieredStopAtLevel=3"));
        assertTrue(Jit.withoutC2("-Xint"));
        assertFalse(Jit.withoutC2("-Xint", "-Xmixed"));
    }
}
