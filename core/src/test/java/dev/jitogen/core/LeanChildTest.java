package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child boots with what it runs at start, and nothing else: no Kryo in the core bundle, a plain call answered
 * without a class request, and Kryo fetched, all at once, the first time a value needs it.
 */
class LeanChildTest {
    @Test
    void theBundleHoldsNoKryoButItsExceptionClass() {
        CoreBundle b = CoreBundle.get();
        assertTrue(b.names().contains(ChildMain.class.getName()));
        assertTrue(b.names().contains("dev.jitogen.core.serial.PlainCodec"));
        List<String> kryo = new ArrayList<>();
        for (String n : b.names()) if (n.startsWith("com.esotericsoftware.") || n.startsWith("org.objenesis.")) kryo.add(n);
        assertEquals(List.of("com.esotericsoftware.kryo.KryoException"), kryo);
        assertFalse(b.names().contains("dev.jitogen.core.serial.KryoCodec"));
        assertTrue(b.runtime().contains("com.esotericsoftware.kryo.Kryo"), "the rest of the runtime is named");
        assertTrue(b.runtime().containsAll(b.names()));
    }

    @Test
    void theBundlePackedForTheNetworkUnpacksToTheSameBytesAndIsSmaller() throws Exception {
        for (CoreBundle b : List.of(CoreBundle.get(), CoreBundle.full())) {
            byte[] packed = CoreBundle.pack(b.raw());
            assertArrayEquals(b.raw(), dev.jitogen.bootstrap.FirstStage.unpack(packed));
            assertTrue(deflated(packed) < deflated(b.raw()) * 0.97, () -> "packing saves under 3%: "
                    + deflated(packed) + " vs " + deflated(b.raw()));
        }
        // a class file whose constant pool has a tag the format does not know is refused, not misread
        byte[] bad = CoreBundle.get().raw().clone();
        int firstClass = 4 + 2 + java.nio.ByteBuffer.wrap(bad, 4, 2).getShort() + 4; // count, name, length
        bad[firstClass + 10] = 42;
        assertThrows(IllegalStateException.class, () -> CoreBundle.pack(bad));
    }

    private static int deflated(byte[] b) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION);
        d.setInput(b);
        d.finish();
        byte[] out = new byte[b.length + 1024];
        int n = d.deflate(out);
        d.end();
        return n;
    }

    @Test
    void aPlainCallNeedsNoClassAndTheFirstKryoValueOneRoundTrip() {
        try (Router router = Router.create()) {
            Context child = router.local();
            long before = router.stats().requests();
            String who = "lean";
            assertEquals(List.of("lean", 4, Map.of("k", 1L)), child.call(() -> new ArrayList<>(List.of(who, who.length(),
                    new java.util.HashMap<>(Map.of("k", 1L))))));
            assertEquals(before, router.stats().requests(), "a plain call and reply asked for no class");
            assertEquals(new TreeMap<>(Map.of("a", List.of(1))), child.call(() -> new TreeMap<>(Map.of("a", List.of(1)))));
            assertEquals(before + 1, router.stats().requests(), "Kryo came in one answer");
            assertEquals(java.time.Duration.ofSeconds(3), child.call(() -> java.time.Duration.ofSeconds(3)));
            assertEquals(before + 1, router.stats().requests());
        }
    }
}
