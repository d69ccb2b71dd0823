package dev.jitogen.plugins.files;

import dev.jitogen.core.CallError;
import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.service.ServiceRef;
import dev.jitogen.plugins.service.Services;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Puts and gets between the test JVM and real child JVMs: content, metadata, options, trees and path rules. */
class RemoteFilesTest {
    static final String FS = FileService.class.getName();
    static Router router;
    static Context child, sibling;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        router = Router.create();
        child = router.local();
        sibling = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static List<Path> leftovers(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void putAndGetCopyTheContentVerifiedBySha256() throws Exception {
        byte[] data = random(3 * FileService.CHUNK + 12345, 1);
        Path src = Files.write(dir.resolve("src.bin"), data);
        String remote = dir.resolve("remote.bin").toString();
        TransferResult put = RemoteFiles.put(child, src, remote);
        assertEquals(data.length, put.bytes());
        assertEquals(sha256(data), put.sha256());
        assertArrayEquals(data, Files.readAllBytes(Path.of(remote)));
        TransferResult got = RemoteFiles.get(child, remote, dir.resolve("back.bin"));
        assertEquals(sha256(data), got.sha256());
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("back.bin")));
        TransferResult empty = RemoteFiles.put(child, Files.write(dir.resolve("empty"), new byte[0]), dir + "/empty2");
        assertEquals(0, empty.bytes());
        assertEquals(0, Files.size(dir.resolve("empty2")));
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void modeTimesOwnerAndOverwriteAreApplied() throws Exception {
        Path src = Files.writeString(dir.resolve("conf"), "a=1\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(src, FileTime.fromMillis(1_000_000_000_000L));
        Path dst = dir.resolve("conf.copy");
        RemoteFiles.put(child, src, dst.toString());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dst)), "the source's mode");
        assertNotEquals(1_000_000_000_000L, Files.getLastModifiedTime(dst).toMillis(), "times are not kept by default");
        RemoteFiles.put(child, src, dst.toString(), TransferOptions.defaults().mode(0600).preserveTimes(true).owner("nobody"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dst)));
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(dst).toMillis());
        assertEquals("nobody", Files.getOwner(dst).getName(), "the child runs as root: it may set the owner");
        Files.writeString(src, "a=2\n");
        FileTransferError e = assertThrows(FileTransferError.class,
                () -> RemoteFiles.put(child, src, dst.toString(), TransferOptions.defaults().overwrite(false)));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("overwrite is off"), e.getMessage());
        assertEquals("a=1\n", Files.readString(dst), "left as it was");
        RemoteFiles.get(child, dst.toString(), dir.resolve("conf.back"), TransferOptions.defaults().preserveTimes(true));
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(dir.resolve("conf.back")).toMillis());
    }

    @Test
    void progressIsReportedUpToTheSize() throws Exception {
        byte[] data = random(5 * FileService.CHUNK, 2);
        Path src = Files.write(dir.resolve("p.bin"), data);
        List<long[]> puts = java.util.Collections.synchronizedList(new ArrayList<>());
        RemoteFiles.put(child, src, dir + "/p.out", TransferOptions.defaults().progress((p, d, t) -> puts.add(new long[]{d, t})));
        assertFalse(puts.isEmpty());
        assertArrayEquals(new long[]{data.length, data.length}, puts.get(puts.size() - 1));
        List<long[]> gets = new ArrayList<>();
        RemoteFiles.get(child, dir + "/p.out", dir.resolve("p.back"), TransferOptions.defaults().progress((p, d, t) -> gets.add(new long[]{d, t})));
        assertEquals(5, gets.size(), "one report per chunk");
        for (int i = 1; i < gets.size(); i++) assertTrue(gets.get(i)[0] > gets.get(i - 1)[0]);
        assertArrayEquals(new long[]{data.length, data.length}, gets.get(4));
    }

    @Test
    void treesAreCopiedBothWays() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.createDirectories(tree.resolve("empty"));
        Files.writeString(tree.resolve("top.txt"), "top");
        Files.write(tree.resolve("a/b/deep.bin"), random(FileService.CHUNK + 1, 3));
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        List<TransferResult> put = RemoteFiles.putTree(child, tree, dir + "/tree2",
                TransferOptions.defaults().progress((p, d, t) -> seen.add(p + "=" + d + "/" + t)));
        assertEquals(2, put.size());
        assertTrue(seen.contains(tree.resolve("top.txt") + "=3/3"), seen.toString());
        assertEquals("top", Files.readString(dir.resolve("tree2/top.txt")));
        assertArrayEquals(Files.readAllBytes(tree.resolve("a/b/deep.bin")), Files.readAllBytes(dir.resolve("tree2/a/b/deep.bin")));
        assertTrue(Files.isDirectory(dir.resolve("tree2/empty")));
        List<TransferResult> got = RemoteFiles.getTree(child, dir + "/tree2", dir.resolve("tree3"), TransferOptions.defaults());
        assertEquals(2, got.size());
        assertArrayEquals(Files.readAllBytes(tree.resolve("a/b/deep.bin")), Files.readAllBytes(dir.resolve("tree3/a/b/deep.bin")));
    }

    @Test
    void theFirstReplyIsMetadata() throws Exception {
        Path f = Files.writeString(dir.resolve("meta"), "12345");
        ServiceRef ref = Services.ref(child);
        ref.call(FS, "register", f.toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) ref.call(FS, "stat", f.toString());
        assertEquals(List.of("owner", "group", "mode", "mtime", "atime", "size"), List.copyOf(m.keySet()));
        assertEquals("root", m.get("owner"));
        assertEquals(5L, m.get("size"));
        assertEquals(Files.getLastModifiedTime(f).toMillis(), m.get("mtime"));
        ref.call(FS, "unregister", f.toString());
    }

    @Test
    void onlyRegisteredPathsAreServedAfterNormalisingAndResolvingLinks() throws Exception {
        ServiceRef ref = Services.ref(child);
        ref.call(FS, "registerPrefix", "/etc");
        try {
            assertNotNull(ref.call(FS, "stat", "/etc/passwd"));
            for (String p : List.of("/etc/foo/bar/../../../passwd", "/etc/../shadow", "/etcetera", "relative/etc")) {
                CallError e = assertThrows(CallError.class, () -> ref.call(FS, "stat", p));
                assertTrue(e.getMessage().contains("Path '" + p + "' is not registered with FileService."), e.getMessage());
            }
        } finally {
            ref.call(FS, "unregister", "/etc");
        }
        Path served = Files.createDirectories(dir.resolve("served"));
        Files.createSymbolicLink(served.resolve("escape"), Path.of("/etc/passwd"));
        Files.writeString(served.resolve("ok"), "ok");
        ref.call(FS, "registerPrefix", served.toString());
        CallError link = assertThrows(CallError.class, () -> ref.call(FS, "stat", served + "/escape"));
        assertTrue(link.getMessage().contains("is not registered with FileService") && link.getMessage().contains("/etc/passwd"),
                link.getMessage());
        // a get goes through the same check: it cannot reach past what the parent registered
        CallError get = assertThrows(CallError.class, () -> FileTransfer.pull(ref, served + "/escape",
                dir + "/stolen", TransferOptions.defaults().settings(), null));
        assertTrue(get.getMessage().contains("is not registered with FileService"), get.getMessage());
        assertEquals(child.name(), get.contextName());
        assertFalse(Files.exists(dir.resolve("stolen")));
        // a sibling may fetch what the parent registered, but cannot register anything itself
        String ok = served + "/ok";
        assertEquals(2L, sibling.call(() -> (Long) ((Map<?, ?>) ref.call(FS, "stat", ok)).get("size")));
        CallError reg = assertThrows(CallError.class, () -> sibling.call(() -> ref.call(FS, "registerPrefix", "/")));
        assertTrue(reg.getMessage().contains("Caller is not authorized to invoke 'registerPrefix' of service '" + FS + "'"),
                reg.getMessage());
        ref.call(FS, "unregister", served.toString());
    }

    @Test
    void whatAPutOffersIsServedToItsTargetAndNoOtherContext() throws Exception {
        Path f = Files.writeString(dir.resolve("for-child"), "only for child");
        FileService here = RemoteFiles.localService(router);
        ServiceRef master = dev.jitogen.plugins.service.ServicePool.of(router).ref();
        String p = f.toString();
        here.grant(child.id(), f);
        try {
            assertEquals(14L, child.call(() -> (Long) ((Map<?, ?>) master.call(FS, "stat", p)).get("size")));
            CallError e = assertThrows(CallError.class, () -> sibling.call(() -> master.call(FS, "stat", p)));
            assertTrue(e.getMessage().contains("Path '" + p + "' is not registered with FileService."), e.getMessage());
        } finally {
            here.revoke(child.id(), f);
        }
        CallError after = assertThrows(CallError.class, () -> child.call(() -> master.call(FS, "stat", p)));
        assertTrue(after.getMessage().contains("is not registered"), after.getMessage());
    }
}
