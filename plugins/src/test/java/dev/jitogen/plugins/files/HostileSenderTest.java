package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;
import dev.jitogen.plugins.service.ServiceRef;
import dev.jitogen.plugins.service.Wire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child that answers a get as an attacker would: it ignores the window and floods the getter with data, or sends
 * metadata of the wrong shape. The getter refuses, with bounded memory, and writes nothing.
 */
class HostileSenderTest {
    @TempDir
    Path dir;

    /** In the child: a handle that answers any fetch with {@code frames} data frames sent at once, no window. */
    static int hostile(boolean badMetadata, int frames) {
        Router r = Router.current();
        return r.addHandler(m -> {
            int replyTo = m.replyTo;
            int src = m.src;
            Thread t = new Thread(() -> {
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("ack", badMetadata ? (Object) "not a handle" : (Object) 1);
                meta.put("size", 1L << 30);
                meta.put("mode", 0644);
                meta.put("mtime", 0L);
                meta.put("atime", 0L);
                byte[] head = Wire.encode(meta);
                byte[] mf = new byte[head.length + 1];
                mf[0] = 'M';
                System.arraycopy(head, 0, mf, 1, head.length);
                r.send(src, replyTo, mf);
                byte[] d = new byte[1 + FileService.CHUNK];
                d[0] = 'D';
                for (int i = 0; i < frames; i++) r.send(src, replyTo, d);
            });
            t.start();
        }, null, null, true);
    }

    @Test
    void aSenderIgnoringTheWindowIsRefusedAndNothingIsWritten() throws Exception {
        try (Router router = Router.create()) {
            Context child = router.local();
            int handle = child.call(() -> hostile(false, 200)); // 50 MiB, against a 2 MiB window
            ServiceRef ref = ServiceRef.of(router, child.id(), handle);
            // a getter that keeps up acknowledges the flood as fast as it comes, which costs it nothing: the window
            // matters when the getter is slower than the sender, so this one dawdles over its first chunk
            Progress slow = (path, done, total) -> {
                if (done == FileService.CHUNK) sleep(3000);
            };
            FileTransferError e = assertThrows(FileTransferError.class, () -> FileTransfer.pull(ref, "/any",
                    dir + "/out", TransferOptions.defaults().settings(), slow));
            assertTrue(e.getMessage().contains("than the " + FileService.WINDOW + "-byte window allows"), e.getMessage());
            int bad = child.call(() -> hostile(true, 0));
            FileTransferError meta = assertThrows(FileTransferError.class, () -> FileTransfer.pull(
                    ServiceRef.of(router, child.id(), bad), "/any", dir + "/out", TransferOptions.defaults().settings(), null));
            assertTrue(meta.getMessage().contains("sent malformed metadata for '/any'"), meta.getMessage());
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(), s.toList());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
