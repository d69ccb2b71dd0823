package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.become.Sudo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Each way a transfer can fail gives an error naming the file and the cause, and leaves nothing at the destination:
 * no file, no temporary file.
 */
class FileFaultsTest {
    static Router router;
    static Context child;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        router = Router.create();
        child = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    static List<Path> entries(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    static Path sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void aMissingLocalFileIsNamedAndNothingIsSent() {
        FileTransferError e = assertThrows(FileTransferError.class,
                () -> RemoteFiles.put(child, dir.resolve("nope"), dir + "/out"));
        assertTrue(e.getMessage().contains("local file '" + dir.resolve("nope") + "' does not exist"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aMissingDestinationDirectoryIsNamed() throws Exception {
        Path src = Files.writeString(dir.resolve("f"), "x");
        FileTransferError put = assertThrows(FileTransferError.class,
                () -> RemoteFiles.put(child, src, dir + "/no/such/dir/f"));
        assertTrue(put.getMessage().contains("directory '" + dir + "/no/such/dir' does not exist"), put.getMessage());
        FileTransferError get = assertThrows(FileTransferError.class,
                () -> RemoteFiles.get(child, src.toString(), dir.resolve("missing/f")));
        assertTrue(get.getMessage().contains("directory '" + dir + "/missing' does not exist"), get.getMessage());
        FileTransferError remote = assertThrows(FileTransferError.class,
                () -> RemoteFiles.get(child, dir + "/absent", dir.resolve("g")));
        assertTrue(remote.getMessage().contains("no such file"), remote.getMessage());
        assertEquals(List.of(src), entries(dir));
    }

    @Test
    void permissionDeniedAsNobodyLeavesNothing() throws Exception {
        Context nobody = Sudo.as("nobody").connect(router);
        try {
            Path src = Files.writeString(dir.resolve("f"), "secret");
            Path closed = Files.createDirectory(dir.resolve("closed"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            FileTransferError put = assertThrows(FileTransferError.class, () -> RemoteFiles.put(nobody, src, closed + "/f"));
            assertTrue(put.getMessage().contains("permission denied writing '" + closed + "/f'")
                    && put.getMessage().contains("as user 'nobody'"), put.getMessage());
            Path open = Files.createDirectory(dir.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            FileTransferError owner = assertThrows(FileTransferError.class,
                    () -> RemoteFiles.put(nobody, src, open + "/f", TransferOptions.defaults().owner("root")));
            assertTrue(owner.getMessage().contains("operation not permitted") && owner.getMessage().contains("privileged"),
                    owner.getMessage());
            Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-------"));
            FileTransferError read = assertThrows(FileTransferError.class,
                    () -> RemoteFiles.get(nobody, src.toString(), dir.resolve("got")));
            assertTrue(read.getMessage().contains("AccessDeniedException: " + src + ": permission denied reading it in "
                    + nobody.name() + " as user 'nobody'"),
                    read.getMessage());
            assertEquals(List.of(), entries(closed));
            assertEquals(List.of(), entries(open));
            assertFalse(Files.exists(dir.resolve("got")));
        } finally {
            nobody.shutdown();
        }
    }

    @Test
    void aFullDiskLeavesNothing() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("tmpfs"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "jitogen-test", mnt.toString())
                .redirectErrorStream(true).start();
        assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (needs root): " + new String(p.getInputStream().readAllBytes()));
        try {
            Path src = sparse(dir.resolve("big"), 4 << 20);
            FileTransferError e = assertThrows(FileTransferError.class, () -> RemoteFiles.put(child, src, mnt + "/big"));
            assertTrue(e.getMessage().contains("no space left on device writing '" + mnt + "/big'"), e.getMessage());
            assertEquals(List.of(), entries(mnt));
            Files.writeString(mnt.resolve("small"), "x");
            FileTransferError get = assertThrows(FileTransferError.class, () -> RemoteFiles.get(child, src.toString(), mnt.resolve("big")));
            assertTrue(get.getMessage().contains("no space left on device"), get.getMessage());
            assertEquals(List.of(mnt.resolve("small")), entries(mnt));
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
        }
    }

    @Test
    void aChildKilledMidGetLeavesNoLocalFile() throws Exception {
        Context doomed = router.local();
        Path src = sparse(dir.resolve("big"), 64 << 20);
        Path out = Files.createDirectory(dir.resolve("out"));
        AtomicBoolean killed = new AtomicBoolean();
        FileTransferError e = assertThrows(FileTransferError.class, () -> RemoteFiles.get(doomed, src.toString(),
                out.resolve("big"), TransferOptions.defaults().progress((path, done, total) -> {
                    if (done > (4 << 20) && killed.compareAndSet(false, true)) doomed.kill();
                })));
        assertTrue(killed.get());
        assertTrue(e.getMessage().contains(doomed.name()) && e.getMessage().contains("disconnected"), e.getMessage());
        assertEquals(List.of(), entries(out));
    }

    @Test
    void aChildKilledMidPutLeavesNoDestinationAndTheNextPutClearsItsTemporaryFile() throws Exception {
        Context doomed = router.local();
        Path src = sparse(dir.resolve("big"), 64 << 20);
        Path out = Files.createDirectory(dir.resolve("out"));
        AtomicBoolean killed = new AtomicBoolean();
        FileTransferError e = assertThrows(FileTransferError.class, () -> RemoteFiles.put(doomed, src, out + "/big",
                TransferOptions.defaults().progress((path, done, total) -> {
                    if (done > (4 << 20) && killed.compareAndSet(false, true)) doomed.kill();
                })));
        assertTrue(killed.get());
        assertTrue(e.getMessage().contains(doomed.name()), e.getMessage());
        assertFalse(Files.exists(out.resolve("big")), "the destination never appears half written");
        // kill() sends SIGKILL and returns: until the master reaps it, the writer is a zombie that still has its pid,
        // and a temporary file whose writer has a pid is left alone
        ProcessHandle.of(doomed.pid()).ifPresent(h -> h.onExit().join());
        RemoteFiles.put(child, Files.writeString(dir.resolve("small"), "ok"), out + "/big");
        assertEquals(List.of(out.resolve("big")), entries(out), "the killed writer's temporary file is gone");
        assertEquals("ok", Files.readString(out.resolve("big")));
    }
}
