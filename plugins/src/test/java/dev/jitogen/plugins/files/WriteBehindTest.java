package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The end of a large copy does not wait for the whole file to reach the disk: the writer starts syncing while bytes
 * still arrive ({@link WriteBehind}), and a large file the copy replaces is released after the copy, not inside it.
 */
class WriteBehindTest {
    @TempDir
    Path dir;

    @Test
    void aSyncStartsEverySixteenMebibytesWrittenAndNoneForASmallFile() throws Exception {
        Path f = dir.resolve("f");
        byte[] mib = new byte[1 << 20];
        new Random(5).nextBytes(mib);
        try (FileChannel out = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            WriteBehind early = new WriteBehind(out, "f");
            long written = 0;
            for (int i = 0; i < 15; i++) {
                written += out.write(ByteBuffer.wrap(mib));
                early.written(written);
            }
            assertEquals(0, early.started(), "15 MiB: no sync yet");
            for (int i = 0; i < 25; i++) {
                written += out.write(ByteBuffer.wrap(mib));
                early.written(written);
            }
            int n = early.started();
            assertTrue(n >= 1 && n <= 2, "40 MiB: one sync per 16 MiB at most, while none runs; started " + n);
            out.force(true); // the writer's own sync, as a transfer's before its rename
        }
        byte[] back = Files.readAllBytes(f);
        assertEquals(40 << 20, back.length);
        assertArrayEquals(mib, Arrays.copyOfRange(back, 39 << 20, 40 << 20), "the syncs change nothing written");
    }

    @Test
    void aPutOverALargeFileReplacesItAndReleasesTheOldOneAfterwards() throws Exception {
        byte[] first = new byte[(int) FileTransfer.RELEASE_LATER_BYTES + 1], second = first.clone();
        new Random(6).nextBytes(first);
        new Random(7).nextBytes(second);
        Path a = Files.write(dir.resolve("a"), first), b = Files.write(dir.resolve("b"), second);
        String target = dir.resolve("target").toString();
        try (Router router = Router.create()) {
            Context child = router.local();
            RemoteFiles.put(child, a, target);
            TransferResult r = RemoteFiles.put(child, b, target);
            assertEquals(RemoteFilesTest.sha256(second), r.sha256());
            assertArrayEquals(second, Files.readAllBytes(Path.of(target)));
            // the replaced content was held open only until the background close: no deleted file stays open
            long deadline = System.nanoTime() + 10_000_000_000L;
            String under = dir.toString();
            List<String> held;
            while (!(held = child.call(() -> deletedFilesOpen(under))).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), held, "the child still holds the replaced file open");
            assertEquals(List.of(), RemoteFilesTest.leftovers(dir), "no temporary file left");
        }
    }

    /** The files under {@code under} this JVM holds open that have been deleted or replaced ({@code /proc/self/fd}). */
    static List<String> deletedFilesOpen(String under) throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    return Files.readSymbolicLink(p).toString();
                } catch (Exception e) {
                    return ""; // closed meanwhile
                }
            }).filter(l -> l.startsWith(under + "/") && l.endsWith(" (deleted)")).toList();
        }
    }
}
