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
        // what only a context's own calls, its code and its children use: fetched with the parent layer
        for (String n : List.of("classload.ClassRelay", "StaticState", "classload.CallClasses",
                "classload.ClassCounts", "classload.DeflatedAnswers")) {
            assertTrue(b.family("dev.jitogen.core." + n).contains("dev.jitogen.core.ChildStarter"), n);
        }
        assertTrue(b.runtime().contains("com.esotericsoftware.kryo.Kryo"), "the rest of the runtime is named");
        // the master layer is of the runtime (a child could ask for it) but of no family
        assertTrue(b.runtime().contains("dev.jitogen.core.MasterLayer"));
        assertEquals(java.util.Set.of(), b.family("dev.jitogen.core.MasterLayer"));
        assertFalse(b.family("com.esotericsoftware.kryo.Kryo").contains("dev.jitogen.core.classload.ClassServer"));
        assertTrue(b.runtime().containsAll(b.names()));
    }

    @Test
    void theBundlePackedForTheNetworkUnpacksToTheSameBytesAndIsSmaller() throws Exception {
        for (CoreBundle b : List.of(CoreBundle.get(), CoreBundle.full())) {
            byte[] packed = BundlePacking.pack(b.raw());
            assertArrayEquals(b.raw(), dev.jitogen.bootstrap.Unpack.unpack(packed));
            // what the first stage reads: the unpacker's class file, then the bundle, packed only when deflated
            byte[] unpacker = BundlePacking.unpacker();
            byte[] pipe = b.forPipe();
            assertEquals(unpacker.length, java.nio.ByteBuffer.wrap(pipe).getInt());
            assertArrayEquals(unpacker, java.util.Arrays.copyOfRange(pipe, 4, 4 + unpacker.length));
            assertArrayEquals(b.raw(), java.util.Arrays.copyOfRange(pipe, 4 + unpacker.length, pipe.length));
            byte[] network = new java.util.zip.InflaterInputStream(new java.io.ByteArrayInputStream(b.compressed()))
                    .readAllBytes();
            assertArrayEquals(java.util.Arrays.copyOf(pipe, 4 + unpacker.length), java.util.Arrays.copyOf(network, 4 + unpacker.length));
            assertArrayEquals(packed, java.util.Arrays.copyOfRange(network, 4 + unpacker.length, network.length));
            assertTrue(deflated(packed) < deflated(b.raw()) * 0.97, () -> "packing saves under 3%: "
                    + deflated(packed) + " vs " + deflated(b.raw()));
        }
        // a class file whose constant pool has a tag the format does not know is refused, not misread
        byte[] bad = CoreBundle.get().raw().clone();
        int firstClass = 4 + 2 + java.nio.ByteBuffer.wrap(bad, 4, 2).getShort() + 4; // count, name, length
        bad[firstClass + 10] = 42;
        assertThrows(IllegalStateException.class, () -> BundlePacking.pack(bad));
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
            assertNoMasterLayer(router.sentTo(child.id()), "with Kryo");
        }
    }

    /** No class of the master layer was sent: no child runs one (they went with Kryo's family, 63 KB). */
    private static void assertNoMasterLayer(java.util.Set<String> sent, String when) {
        assertNotNull(sent);
        for (String n : List.of("MasterLayer", "ClassService", "LogPrinter", "MasterIdAllocator", "ClassPolicy",
                "classload.ClassServer", "classload.ClassFinder", "LocalArchive")) {
            assertFalse(sent.contains("dev.jitogen.core." + n), () -> "sent " + n + " " + when);
        }
    }

    @Test
    void contextIsNoBootClassAndComesWithTheFamiliesOrAloneNotWithEveryCall() {
        CoreBundle b = CoreBundle.get();
        for (String n : List.of("Context", "ChannelError", "TimeoutError", "ExitStatus")) {
            String name = "dev.jitogen.core." + n;
            assertFalse(b.names().contains(name), name + " is a boot class");
            assertEquals(java.util.Set.of(), b.family(name), "naming " + n + " brings a family");
            assertTrue(b.family("dev.jitogen.core.ChildStarter").contains(name), n + " comes with the parent layer");
            assertTrue(b.family("com.esotericsoftware.kryo.Kryo").contains(name), n + " comes with Kryo");
        }
        try (Router router = Router.create()) {
            Context child = router.local();
            long before = router.stats().requests();
            assertEquals(42, child.call(dev.jitogen.core.fixtures.NamesContext.plain()));
            assertEquals(before, router.stats().requests(), "the plain call asked for a class");
            assertFalse(router.sentTo(child.id()).contains("dev.jitogen.core.Context"),
                    "Context went with a call whose class only names it");
            // the child's code uses a Context: it comes, with the rest of the API, in one answer; not all of Kryo
            assertEquals(child.name(), child.call(dev.jitogen.core.fixtures.NamesContext.myself()));
            assertEquals(before + 1, router.stats().requests());
            assertFalse(router.sentTo(child.id()).contains("com.esotericsoftware.kryo.Kryo"));
            // a Context in a value: Kryo's family brings it, in one answer
            Context other = router.local();
            long was = router.stats().requests();
            assertEquals(child.name(), other.call(dev.jitogen.core.fixtures.NamesContext.captured(child)));
            assertEquals(was + 1, router.stats().requests(), "Kryo and Context came in one answer");
        }
    }

    @Test
    void aRelayPassesOnContextWithoutKryo() {
        try (Router router = Router.create()) {
            Context mid = router.local();
            Context below = router.local(LocalOptions.builder().via(mid).name("below").build());
            assertEquals(42, below.call(dev.jitogen.core.fixtures.NamesContext.plain()));
            long relayed = mid.call(() -> Router.current().stats().classesSent());
            // mid holds Kryo (what started below went through it), and Context's annotation names Kryo's classes:
            // a relay that followed them sent all of Kryo with Context (333 classes, 1.1 MB)
            assertEquals("below", below.call(dev.jitogen.core.fixtures.NamesContext.myself()));
            long more = mid.call(() -> Router.current().stats().classesSent()) - relayed;
            assertTrue(more < 100, () -> "the relay sent " + more + " classes for Context and the parent layer");
        }
    }

    /** Calls whose class names a class of the parent layer's family (Latch), though the first does not use it. */
    static final class UsesLatch {
        static RemoteCallable<Integer> plain() {
            return () -> 6 * 7;
        }

        static RemoteCallable<String> latch() {
            return () -> {
                Latch<String> l = new Latch<>();
                l.put("latched");
                return l.get();
            };
        }
    }

    @Test
    void aRelayingContextSendsTheFamiliesACallsClassNamesAsTheMasterDoes() {
        try (Router router = Router.create()) {
            Context mid = router.local();
            Context below = router.local(LocalOptions.builder().via(mid).name("below").build());
            assertEquals(42, below.call(UsesLatch.plain()));
            long asked = mid.call(() -> Router.current().stats().requests());
            // the class of the first call named Latch: its family came with that class, so using it asks for nothing
            assertEquals("latched", below.call(UsesLatch.latch()));
            assertEquals(asked, mid.call(() -> Router.current().stats().requests()),
                    "the context below asked its relay for the parent layer's family");
            // the parent layer's family went to mid (it started a child), and CoreBundle, one of it, names the
            // class finder (its build step), which no child runs
            assertTrue(router.sentTo(mid.id()).contains("dev.jitogen.core.ChildStarter"));
            assertNoMasterLayer(router.sentTo(mid.id()), "with the parent layer");
        }
    }

    /** A local child that says it is across a network, counting what its parent writes to it. */
    static final class Netted implements dev.jitogen.core.spi.ChildProcess {
        final dev.jitogen.core.spi.ChildProcess process;
        final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        final java.io.OutputStream stdin;

        Netted(dev.jitogen.core.spi.ChildProcess process) {
            this.process = process;
            this.stdin = new java.io.FilterOutputStream(process.stdin()) {
                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    written.addAndGet(len);
                    out.write(b, off, len);
                }
            };
        }

        @Override public java.io.OutputStream stdin() { return stdin; }
        @Override public java.io.InputStream stdout() { return process.stdout(); }
        @Override public java.io.InputStream stderr() { return process.stderr(); }
        @Override public long pid() { return process.pid(); }
        @Override public boolean isAlive() { return process.isAlive(); }
        @Override public void kill() { process.kill(); }
        @Override public boolean waitFor(java.time.Duration t) throws InterruptedException { return process.waitFor(t); }
        @Override public Integer exitStatus() { return process.exitStatus(); }
        @Override public boolean crossesNetwork() { return true; }
    }

    @Test
    void aChildAcrossANetworkGetsTheBundleAndItsClassesDeflated() {
        try (Router router = Router.create()) {
            List<Netted> made = new ArrayList<>();
            Context child = router.start("netted", null, java.time.Duration.ofSeconds(30), false, timeout -> {
                Netted n = new Netted(dev.jitogen.core.spi.ChildProcess.start(LocalOptions.defaults().command()));
                made.add(n);
                return n;
            });
            assertEquals(2, child.call(() -> 1 + 1));
            long written = made.get(0).written.get(), served = router.stats().bytesSent();
            // Kryo's family, about 1 MB of class files, goes deflated: well under half of it crosses the link
            assertEquals(new TreeMap<>(Map.of("a", List.of(1))), child.call(() -> new TreeMap<>(Map.of("a", List.of(1)))));
            long classBytes = router.stats().bytesSent() - served, wire = made.get(0).written.get() - written;
            assertTrue(classBytes > 500_000, () -> classBytes + " bytes of classes served");
            assertTrue(wire < classBytes / 2, () -> wire + " bytes written for " + classBytes + " bytes of classes");
            assertTrue(child.bootBytes() < CoreBundle.get().raw().length / 2, () -> child.bootBytes() + " boot bytes");
        }
    }

    @Test
    void aRelayDeflatesWhatItPassesToAChildAcrossANetwork() {
        try (Router router = Router.create()) {
            Context mid = router.local();
            List<Long> sizes = mid.call(() -> {
                Router here = Router.current();
                List<Netted> made = new ArrayList<>();
                Context below = here.start("netted", null, java.time.Duration.ofSeconds(30), false, timeout -> {
                    Netted n = new Netted(dev.jitogen.core.spi.ChildProcess.start(LocalOptions.defaults().command()));
                    made.add(n);
                    return n;
                });
                below.call(() -> 1 + 1);
                long written = made.get(0).written.get(), relayed = here.stats().bytesSent();
                below.call(() -> new TreeMap<>(Map.of("a", List.of(1))));
                return new ArrayList<>(List.of(here.stats().bytesSent() - relayed, made.get(0).written.get() - written));
            });
            long classBytes = sizes.get(0), wire = sizes.get(1);
            assertTrue(classBytes > 500_000, () -> classBytes + " bytes of classes relayed");
            assertTrue(wire < classBytes / 2, () -> wire + " bytes written for " + classBytes + " bytes of classes");
        }
    }
}
