package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pushing one file to several contexts behind one intermediary: the bytes cross the master's link once, the
 * intermediary forwards them, and a context that has the content already is sent nothing.
 */
class PushFileServiceTest {
    static final int SIZE = 3 << 20;
    static Router router;
    static Context via, direct;
    static List<Context> targets;
    /** Each target runs in a directory of its own, so one relative remote path is a different file in each. */
    static Path base;

    @BeforeAll
    static void start() throws Exception {
        base = Files.createTempDirectory("push-test");
        router = Router.create();
        via = router.local(LocalOptions.builder().name("via").build());
        targets = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            LocalOptions.Builder b = LocalOptions.builder().name(i < 3 ? "leaf" + i : "direct").javaPath(inDirectory(i).toString());
            targets.add(router.local((i < 3 ? b.via(via) : b).build()));
        }
        direct = targets.get(3);
    }

    /** A java command that starts in {@code base/tI}. */
    static Path inDirectory(int i) throws Exception {
        Path d = Files.createDirectories(base.resolve("t" + i));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path script = base.resolve("java-t" + i);
        Files.writeString(script, "#!/bin/sh\ncd '" + d + "' && exec '" + java + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        try (var walk = Files.walk(base)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static long servedByMaster() {
        return RemoteFiles.localService(router).bytesServed();
    }

    static long servedByVia() {
        return via.call(() -> RemoteFiles.localService(Router.current()).bytesServed());
    }

    @Test
    void aFilePushedBehindAnIntermediaryCrossesTheMastersLinkOnceAndIsNotSentAgain() throws Exception {
        byte[] data = new byte[SIZE];
        new Random(7).nextBytes(data);
        Path src = Files.write(base.resolve("payload"), data);
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));

        long master0 = servedByMaster(), via0 = servedByVia();
        List<RemoteFiles.Outcome> first = RemoteFiles.putAll(targets, src, "payload", TransferOptions.defaults());
        for (RemoteFiles.Outcome o : first) {
            assertTrue(o.ok(), () -> String.valueOf(o.error()));
            assertFalse(o.result().unchanged());
        }
        assertEquals(2L * SIZE, servedByMaster() - master0, "once to the intermediary, once to the direct child");
        assertEquals(3L * SIZE, servedByVia() - via0, "the intermediary sent it to each of its three children");
        for (int i = 0; i < 4; i++) {
            Path copy = base.resolve("t" + i + "/payload");
            assertArrayEquals(data, Files.readAllBytes(copy));
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)), "the source's mode");
        }

        long master1 = servedByMaster(), via1 = servedByVia();
        for (RemoteFiles.Outcome o : RemoteFiles.putAll(targets, src, "payload", TransferOptions.defaults())) {
            assertTrue(o.ok() && o.result().unchanged(), String.valueOf(o));
        }
        assertEquals(0, servedByMaster() - master1, "the same content again: nothing is sent");
        assertEquals(0, servedByVia() - via1);

        Files.delete(base.resolve("t1/payload"));
        List<RemoteFiles.Outcome> one = RemoteFiles.putAll(targets, src, "payload", TransferOptions.defaults());
        assertEquals(List.of(true, false, true, true), one.stream().map(o -> o.result().unchanged()).toList());
        assertEquals(0, servedByMaster() - master1, "the intermediary sends it from its cache");
        assertEquals(SIZE, servedByVia() - via1);
        assertArrayEquals(data, Files.readAllBytes(base.resolve("t1/payload")));
    }

    /**
     * A fleet's bastion is often a target as well as the intermediary of the others: it gets its own copy first and
     * fills its cache from that copy, so the file still crosses the master's link once.
     */
    @Test
    void anIntermediaryThatIsATargetTooFillsItsCacheFromItsOwnCopy() throws Exception {
        Context bastion = router.local(LocalOptions.builder().name("bastion").javaPath(inDirectory(4).toString()).build());
        List<Context> fleet = new java.util.ArrayList<>(List.of(bastion));
        for (int i = 5; i < 7; i++) {
            fleet.add(router.local(LocalOptions.builder().name("behind" + i).javaPath(inDirectory(i).toString())
                    .via(bastion).build()));
        }
        try {
            byte[] data = new byte[SIZE];
            new Random(11).nextBytes(data);
            Path src = Files.write(base.resolve("bastion-payload"), data);
            long master0 = servedByMaster();
            for (RemoteFiles.Outcome o : RemoteFiles.putAll(fleet, src, "fleet-payload", TransferOptions.defaults())) {
                assertTrue(o.ok(), () -> String.valueOf(o.error()));
            }
            assertEquals(SIZE, servedByMaster() - master0, "once, to the bastion, for itself and for those behind it");
            assertEquals(2L * SIZE, (long) bastion.call(() -> RemoteFiles.localService(Router.current()).bytesServed()));
            for (int i = 4; i < 7; i++) assertArrayEquals(data, Files.readAllBytes(base.resolve("t" + i + "/fleet-payload")));
        } finally {
            for (Context c : fleet) c.shutdown();
        }
    }

    static long viaCall(String method, Object... args) {
        Object v = dev.jitogen.plugins.service.Services.call(via, PushFileService.class, method, args);
        return v == null ? -1 : (Long) v;
    }

    static String viaCached(String sha) {
        return (String) dev.jitogen.plugins.service.Services.call(via, PushFileService.class, "cached", sha);
    }

    @Test
    void theIntermediarysCacheKeepsAtMostItsBoundEvictingTheOldestAndPassesLargerFilesThroughOnce() throws Exception {
        List<Context> leaves = targets.subList(0, 3);
        Path a = Files.write(base.resolve("a"), bytes(1, SIZE)), b = Files.write(base.resolve("b"), bytes(2, SIZE));
        Path large = Files.write(base.resolve("large"), bytes(3, 2 * SIZE));
        String shaA = PushFileService.sha256Of(a), shaB = PushFileService.sha256Of(b), shaL = PushFileService.sha256Of(large);
        long bound = SIZE + SIZE / 2; // room for one of a and b, not for both, nor for large
        dev.jitogen.plugins.service.Services.call(via, PushFileService.class, "cacheLimit", bound);
        try {
            for (RemoteFiles.Outcome o : RemoteFiles.putAll(leaves, a, "a", TransferOptions.defaults())) assertTrue(o.ok(), String.valueOf(o));
            assertNotNull(viaCached(shaA));
            assertEquals(SIZE, viaCall("cachedBytes"));

            for (RemoteFiles.Outcome o : RemoteFiles.putAll(leaves, b, "b", TransferOptions.defaults())) assertTrue(o.ok(), String.valueOf(o));
            assertNull(viaCached(shaA), "the oldest file made room");
            assertNotNull(viaCached(shaB));
            assertEquals(SIZE, viaCall("cachedBytes"));

            long master0 = servedByMaster(), via0 = servedByVia();
            for (RemoteFiles.Outcome o : RemoteFiles.putAll(leaves, large, "large", TransferOptions.defaults())) {
                assertTrue(o.ok() && !o.result().unchanged(), String.valueOf(o));
            }
            assertEquals(2L * SIZE, servedByMaster() - master0, "larger than the bound, still sent over the link once");
            assertEquals(3L * 2 * SIZE, servedByVia() - via0, "and forwarded to each child from the intermediary");
            for (int i = 0; i < 3; i++) assertArrayEquals(bytes(3, 2 * SIZE), Files.readAllBytes(base.resolve("t" + i + "/large")));
            assertNull(viaCached(shaL), "not kept");
            assertNotNull(viaCached(shaB), "and evicted nothing");
            assertEquals(SIZE, viaCall("cachedBytes"));
            List<String> left = via.call(() -> {
                try (var files = Files.list(PushFileService.here().directoryForTests())) {
                    return files.map(p -> p.getFileName().toString()).sorted().toList();
                }
            });
            assertEquals(List.of(shaB), left, "the pass-through copy is deleted once forwarded");
        } finally {
            dev.jitogen.plugins.service.Services.call(via, PushFileService.class, "cacheLimit", PushFileService.DEFAULT_CACHE_BYTES);
        }
    }

    static byte[] bytes(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void aTreePushedToManyTargetsCrossesEachLinkOnceFileByFile() throws Exception {
        Path tree = Files.createDirectories(base.resolve("src-tree/etc/app"));
        Files.write(tree.resolve("big"), bytes(4, SIZE / 3));
        Files.writeString(base.resolve("src-tree/etc/small"), "port=80\n");
        Files.createDirectories(base.resolve("src-tree/empty"));
        long treeBytes = SIZE / 3 + 8;

        long master0 = servedByMaster(), via0 = servedByVia();
        List<RemoteFiles.TreeOutcome> out = RemoteFiles.putTreeAll(targets, base.resolve("src-tree"), "tree",
                TransferOptions.defaults());
        for (RemoteFiles.TreeOutcome o : out) {
            assertTrue(o.ok(), () -> String.valueOf(o.error()));
            assertEquals(2, o.results().size());
        }
        assertEquals(2 * treeBytes, servedByMaster() - master0, "once to the intermediary, once to the direct child");
        assertEquals(3 * treeBytes, servedByVia() - via0, "the intermediary sent it to each of its children");
        for (int i = 0; i < 4; i++) {
            Path copy = base.resolve("t" + i + "/tree");
            assertArrayEquals(bytes(4, SIZE / 3), Files.readAllBytes(copy.resolve("etc/app/big")));
            assertEquals("port=80\n", Files.readString(copy.resolve("etc/small")));
            assertTrue(Files.isDirectory(copy.resolve("empty")));
        }
        Path missing = base.resolve("t0/no-such-dir/tree");
        List<RemoteFiles.TreeOutcome> bad = RemoteFiles.putTreeAll(targets.subList(0, 1), base.resolve("src-tree"),
                missing.toString(), TransferOptions.defaults());
        assertFalse(bad.get(0).ok());
        assertTrue(bad.get(0).error().getMessage().contains("does not exist (create it first)"), bad.get(0).error().getMessage());
    }
}
