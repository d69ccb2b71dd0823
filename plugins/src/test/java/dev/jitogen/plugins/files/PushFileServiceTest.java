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
}
