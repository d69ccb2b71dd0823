package dev.jitogen.plugins.files;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Memory is bounded at both ends: a 256 MiB file goes both ways between two JVMs that each have a 48 MiB heap
 * ({@code -Xmx48m}), one the parent of the other, so both the sending and the writing side run in a small heap.
 * The file is sparse (zeros cost no disk to read); the copies are real.
 */
class FileHeapTest {
    static final long SIZE = 256L << 20;

    @TempDir
    Path dir;

    /** Peak heap used in this JVM since the last reset, in bytes; resets the peaks. */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP) continue;
            sum += pool.getPeakUsage().getUsed();
            pool.resetPeakUsage();
        }
        return sum;
    }

    @Test
    void a256MiBFileCrossesBetweenTwo48MiBHeapsBothWays() throws Exception {
        Path src = dir.resolve("big");
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        // without -XX:TieredStopAtLevel=1: SHA-256 runs ten times faster under C2 (an intrinsic), and the test with it
        List<String> flags = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
        flags.remove("-XX:TieredStopAtLevel=1");
        flags.add("-Xmx48m");
        try (Router router = Router.create()) {
            Context upper = router.local(LocalOptions.builder().name("upper").jvmFlags(flags).build());
            Context lower = router.local(LocalOptions.builder().name("lower").via(upper).jvmFlags(flags).build());
            String s = src.toString(), mid = dir + "/mid", back = dir + "/back";
            upper.call(FileHeapTest::peakHeap);
            lower.call(FileHeapTest::peakHeap);
            // upper sends (its FileService reads the file), lower writes
            TransferResult put = upper.call(() -> RemoteFiles.put(lower, Path.of(s), mid));
            long upperPut = upper.call(FileHeapTest::peakHeap), lowerPut = lower.call(FileHeapTest::peakHeap);
            // lower sends, upper writes
            TransferResult get = upper.call(() -> RemoteFiles.get(lower, mid, Path.of(back)));
            long upperGet = upper.call(FileHeapTest::peakHeap), lowerGet = lower.call(FileHeapTest::peakHeap);
            assertEquals(SIZE, put.bytes());
            assertEquals(SIZE, get.bytes());
            assertEquals(put.sha256(), get.sha256());
            assertEquals(SIZE, Files.size(Path.of(back)));
            System.out.printf("put 256 MiB: %.0f MB/s, peak heap upper %d KiB, lower %d KiB%n",
                    put.megabytesPerSecond(), upperPut >> 10, lowerPut >> 10);
            System.out.printf("get 256 MiB: %.0f MB/s, peak heap upper %d KiB, lower %d KiB%n",
                    get.megabytesPerSecond(), upperGet >> 10, lowerGet >> 10);
            for (long peak : new long[]{upperPut, lowerPut, upperGet, lowerGet}) {
                assertTrue(peak < 48L << 20, "peak heap " + (peak >> 10) + " KiB");
            }
        }
    }
}
