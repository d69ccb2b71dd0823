package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.files.FileService;
import dev.jitogen.plugins.files.RemoteFiles;
import dev.jitogen.plugins.files.TransferResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files copied both ways to a context over SSH (the embedded server on loopback, one for the class): the content
 * arrives whole, and the SHA-256 each side reports is that of the bytes on disk.
 */
class SshFilesTest {
    static TestSshServer server;
    static Router router;
    static Context remote;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = new TestSshServer();
        router = Router.create();
        remote = server.ssh().name("files-over-ssh").connect(router);
        dir = Files.createTempDirectory("jitogen-ssh-files");
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        server.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void aFilePutAndGotOverSshArrivesWholeWithTheSameSha256() throws Exception {
        byte[] data = new byte[9 << 20]; // several windows, and a last chunk that is not full
        new Random(16).nextBytes(data);
        data = java.util.Arrays.copyOf(data, data.length - 12345);
        Path src = Files.write(dir.resolve("src"), data);
        String there = dir.resolve("over-ssh").toString();

        TransferResult put = RemoteFiles.put(remote, src, there);
        assertEquals(sha256(data), put.sha256());
        assertEquals(data.length, put.bytes());
        String remoteSha = remote.call(() -> HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of(there)))));
        assertEquals(sha256(data), remoteSha, "what the context wrote");

        Path back = dir.resolve("back");
        TransferResult get = RemoteFiles.get(remote, there, back);
        assertEquals(sha256(data), get.sha256());
        assertArrayEquals(data, Files.readAllBytes(back));
    }
    @Test
    void aCopyFromAContextReachedOverSshAsksForTheLargerWindow() {
        Context local = router.local();
        Context behind = router.local(dev.jitogen.core.LocalOptions.builder().via(remote).build());
        try {
            assertEquals(FileService.NETWORK_WINDOW, FileService.windowFor(router, remote.id()));
            assertEquals(FileService.NETWORK_WINDOW, FileService.windowFor(router, behind.id()), "via an SSH context");
            assertEquals(FileService.WINDOW, FileService.windowFor(router, local.id()));
        } finally {
            behind.shutdown();
            local.shutdown();
        }
    }
}
