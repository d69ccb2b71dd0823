package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The transfer's SHA-256 is the JDK's SHA-256 of the bytes, however it is computed: in Java on a thread of its own,
 * or by OpenSSL in a C1-only child (the default for children) for large transfers.
 */
class HasherTest {
    /** Ranges of odd sizes, as frames arrive, hashed both ways in this JVM and in a default child. */
    static List<String> digests(byte[] data, long expected) throws Exception {
        List<String> out = new ArrayList<>();
        Hasher h = new Hasher("test", 1 << 20, null, expected);
        try {
            long[] seen = {0};
            Hasher counted = new Hasher("counted", 1 << 20, n -> seen[0] = n, expected);
            for (int off = 0, step = 1; off < data.length; off += step, step = step * 7 % 300_007 + 1) {
                int n = Math.min(step, data.length - off);
                h.add(data, off, n);
                counted.add(data, off, n);
            }
            out.add(h.finish());
            out.add(counted.finish());
            out.add(String.valueOf(seen[0]));
            out.add(String.valueOf(h.usesOpenssl()));
            counted.close();
        } finally {
            h.close();
        }
        return out;
    }

    @Test
    void theDigestIsTheJdksSha256WhereverAndHoweverItIsComputed() throws Exception {
        byte[] data = new byte[(int) Hasher.OPENSSL_MIN_BYTES + 12_345];
        new Random(3).nextBytes(data);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        String len = String.valueOf(data.length);

        List<String> here = digests(data, data.length);
        assertEquals(List.of(want, want, len, "false"), here, "a JVM with C2 hashes in Java");

        try (Router router = Router.create()) {
            Context child = router.local();
            List<String> there = child.call(() -> digests(data, data.length));
            boolean openssl = Files.isExecutable(Path.of("/usr/bin/openssl")) || Files.isExecutable(Path.of("/bin/openssl"));
            assertEquals(List.of(want, want, len, String.valueOf(openssl)), there,
                    "a C1-only child hashes a large transfer with OpenSSL when it has it");
            List<String> small = child.call(() -> digests(new byte[0], 100));
            assertEquals(List.of(FileTransfer.EMPTY_SHA256, FileTransfer.EMPTY_SHA256, "0", "false"), small,
                    "a small one in Java");
        }
    }

    /**
     * A push's check whether a target holds the content already ({@code PushFileService.sha256Of}) hashes a large
     * file the way a transfer does: OpenSSL in a C1-only child that has it, Java here; the same digest either way.
     */
    @Test
    void aFilesDigestForTheUnchangedCheckGoesThroughOpensslInAC1OnlyChild() throws Exception {
        byte[] data = new byte[(int) Hasher.OPENSSL_MIN_BYTES + 54_321];
        new Random(5).nextBytes(data);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        Path file = Files.createTempFile("hasher-test", ".bin");
        try {
            Files.write(file, data);
            String path = file.toString();
            assertEquals(want, PushFileService.sha256Of(file));
            assertFalse(Hasher.prefersOpenssl(data.length), "a JVM with C2 hashes in Java");
            try (Router router = Router.create()) {
                Context child = router.local();
                List<String> there = child.call(() -> List.of(PushFileService.sha256Of(Path.of(path)),
                        String.valueOf(Hasher.prefersOpenssl(Files.size(Path.of(path))))));
                boolean openssl = Files.isExecutable(Path.of("/usr/bin/openssl")) || Files.isExecutable(Path.of("/bin/openssl"));
                assertEquals(List.of(want, String.valueOf(openssl)), there);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
