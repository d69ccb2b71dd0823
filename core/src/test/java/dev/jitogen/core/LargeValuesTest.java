package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Large values cross real streams whole: to a child and back, through an intermediary, and in both directions at
 * once; a value a caller holds is its own, whatever frames arrive after it.
 */
class LargeValuesTest {
    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void anEightMebibyteArrayEchoesIntactThroughAChild() {
        try (Router router = Router.create()) {
            Context c = router.local();
            byte[] data = random(8 << 20, 1);
            RemoteFunction<byte[], byte[]> identity = b -> b;
            for (int i = 0; i < 3; i++) assertArrayEquals(data, c.call(identity, data), "echo " + i);
            // an argument the child changes is the child's copy: the master's stays as it was
            byte[] before = data.clone();
            RemoteFunction<byte[], Integer> scribble = b -> {
                Arrays.fill(b, (byte) 7);
                return b.length;
            };
            assertEquals(data.length, c.call(scribble, data));
            assertArrayEquals(before, data);
        }
    }

    @Test
    void largeValuesPassAnIntermediaryIntactBothWays() {
        try (Router router = Router.create()) {
            Context via = router.local(LocalOptions.builder().name("via").build());
            Context below = router.local(LocalOptions.builder().name("below").via(via).build());
            byte[] data = random((5 << 20) + 3, 2);
            RemoteFunction<byte[], byte[]> reversed = b -> {
                byte[] r = new byte[b.length];
                for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
                return r;
            };
            byte[] back = below.call(reversed, data);
            for (int i = 0; i < data.length; i += 4099) assertEquals(data[data.length - 1 - i], back[i], "at " + i);
            assertEquals(data.length, back.length);
            // a large string, and a list of large arrays, too
            String text = "é€x".repeat(1 << 20);
            assertEquals(text, below.call(s -> s, text));
            List<byte[]> parts = below.call(() -> List.of(new byte[3 << 20], new byte[]{1}, new byte[(1 << 20) + 1]));
            assertEquals(List.of(3 << 20, 1, (1 << 20) + 1), parts.stream().map(p -> p.length).toList());
        }
    }

    @Test
    void aValueDecodedFromAFrameIsNotChangedByLaterFrames() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.local();
            Receiver<byte[]> first = c.callAsync(() -> {
                byte[] b = new byte[2 << 20];
                Arrays.fill(b, (byte) 1);
                return b;
            });
            byte[] one = first.get();
            byte[] copy = one.clone();
            // more frames of the same size arrive on the same stream, and are decoded, after the first
            for (int i = 2; i < 6; i++) {
                byte v = (byte) i;
                byte[] later = c.call(() -> {
                    byte[] b = new byte[2 << 20];
                    Arrays.fill(b, v);
                    return b;
                });
                assertEquals(v, later[later.length - 1]);
            }
            assertArrayEquals(copy, one, "the first value is as it arrived");
        }
    }
}
