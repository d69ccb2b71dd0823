package dev.jitogen.core.stream;

import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frame larger than a write slice goes out in whole slices: every write but the frame's last is
 * {@link StreamWriter#WRITE_SLICE} bytes. Each write into a pipe is a wake-up of the reader, and over SSH a packet of
 * its own; a buffered stream used to write the header alone, then the slices, then the last byte alone.
 */
class WriteSliceTest {
    @Test
    void aLargeFrameGoesOutInWholeSlicesWithItsHeaderAndTrailer() throws Exception {
        List<Integer> writes = new CopyOnWriteArrayList<>();
        OutputStream recording = new OutputStream() {
            @Override
            public void write(int b) {
                writes.add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(len);
            }
        };
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        Stream stream = new Stream("sliced", recording, 1 << 20);
        try {
            stream.start(Unheard.LISTENER, Executors.defaultThreadFactory(), timer, Duration.ofSeconds(30));
            Message m = new Message(1, 0, 0, 100, 0, new byte[4 * StreamWriter.WRITE_SLICE + 1]);
            long frame = m.frameSize();
            assertTrue(stream.send(m));
            long end = System.nanoTime() + 10_000_000_000L;
            while (writes.stream().mapToLong(Integer::longValue).sum() < frame && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertEquals(frame, writes.stream().mapToLong(Integer::longValue).sum(), writes::toString);
            int slices = (int) ((frame + StreamWriter.WRITE_SLICE - 1) / StreamWriter.WRITE_SLICE);
            assertEquals(slices, writes.size(), writes::toString);
            for (int i = 0; i < writes.size() - 1; i++) {
                assertEquals(StreamWriter.WRITE_SLICE, writes.get(i), writes::toString);
            }
        } finally {
            stream.close(null);
            timer.shutdownNow();
        }
    }
}
