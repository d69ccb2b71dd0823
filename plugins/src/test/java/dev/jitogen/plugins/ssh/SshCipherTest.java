package dev.jitogen.plugins.ssh;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cipher an SSH client offers first follows the JVM's compiler: AES-GCM where C2 runs it on the CPU's AES
 * instructions, chacha20-poly1305 in a JVM started C1-only (the shell's), where AES-GCM is plain code at a fifth of
 * its speed. Each case is a JVM of its own, started with the flags it tests.
 */
class SshCipherTest {
    @Test
    void aJvmWithC2OffersAesGcmFirst() throws Exception {
        assertEquals("aes128-gcm@openssh.com", firstCipher());
    }

    @Test
    void aC1OnlyJvmOffersChachaFirst() throws Exception {
        assertEquals("chacha20-poly1305@openssh.com", firstCipher("-XX:TieredStopAtLevel=1"));
    }

    private static String firstCipher(String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CipherOrderMain.class.getName()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
