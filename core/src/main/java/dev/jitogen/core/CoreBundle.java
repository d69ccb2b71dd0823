package dev.jitogen.core;

import dev.jitogen.core.spi.ChildProcess;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * The classes every child receives over stdin before anything else (the <em>boot</em> classes), and the names of
 * the rest of the runtime, which a child fetches on demand like any other class.
 *
 * <p>Threads: any; thread-safe. Built at most once per JVM, under the class's monitor (no other lock is taken
 * while holding it); immutable once built but for the forms sent to a child (deflated, and with the unpacker for a
 * pipe), volatiles computed on first use (two threads may both compute one, to the same bytes).
 *
 * <p>The <em>runtime</em> is the closure of what {@link ChildMain} refers to, found by reading constant pools (JDK
 * classes excluded): Jitogen's core and Kryo. The boot classes are that closure cut at Kryo: neither Kryo's classes
 * (nor Objenesis') nor the classes of ours that are Kryo's kind of thing (a serializer, a Kryo subclass:
 * {@code BundleBuild.kryoSide}) and what only they reach, so a child whose calls and replies are plain values never loads
 * Kryo ({@code serial.Codec}), and receives a quarter of the bytes. The master layer is cut the same way
 * ({@link #MASTER_ONLY}), and so is the parent layer with the API a child's own code may use ({@code BundleBuild.PARENT_ONLY}):
 * what starts contexts of its own, and receivers, selects and latches. Kryo's exception class is the one exception:
 * it is the superclass of core's decoding exceptions, which code on a stream's reader thread may name, and that
 * thread must never wait for a class. Everything a reader thread runs is core code outside Kryo's side, so it is in
 * the boot classes: the cut is not a trace of one run, which would miss the rare paths (a lost route, a refusal)
 * that must never fetch. The parent layer's classes are first needed on the thread that starts a context (user code)
 * and the API's on the thread of the code that makes one; a reader thread that needed one would fail loudly
 * ({@code ClassFetcher}), never wait.
 *
 * <p>The classes fetched on demand come in <em>families</em>, each sent whole with the first of its classes a child
 * asks for ({@link #family}): Kryo's side (Kryo, what only it reaches) and the parent layer's. A child that starts a
 * context of its own pays one round trip for the parent layer, and one for Kryo if a value needs it.
 *
 * <p>Computed by the build (this class's {@link #main}) and shipped in the core jar; computed at run time only if
 * that resource is missing. Sent as it is on local pipes and deflated on streams that cross a network
 * ({@link ChildProcess#crossesNetwork}).
 *
 * <p>Format before compression: {@code int count}, then per boot class {@code UTF name, int length, bytes}; then
 * {@code int count} and the names of the other runtime classes, sorted, each as {@code u1} how many leading characters
 * it shares with the name before, {@code boolean} whether it is of the parent layer's family, and the {@code UTF} rest
 * of it (the first stage stops reading before them; a child passes them on with the rest, so its in-process contexts
 * share the same classes).
 */
public final class CoreBundle {
    private static final String RESOURCE = "META-INF/jitogen/core-bundle.bin";
    private static final String FULL_RESOURCE = "META-INF/jitogen/core-bundle-full.bin";
    /**
     * Below this max message size, children boot with the whole runtime ({@link #full}): Kryo's classes come on
     * demand in one answer of about 1 MB, and a single class may not fit in a smaller frame at all.
     */
    static final int LEAN_MIN_MESSAGE_SIZE = 4 << 20;
    private static volatile CoreBundle instance, full;

    /** The format above, uncompressed: sent as it is on local pipes, where inflating costs the child more. */
    private final byte[] raw;
    private final Set<String> names;
    /** The boot classes and the rest of the runtime: what an in-process context shares with its JVM. */
    private final Set<String> runtime;
    /** The on-demand classes of the parent layer's family; the rest of {@link #onDemand} is Kryo's. */
    private final Set<String> parentFamily;
    private final int classBytes;
    private volatile byte[] compressed, forPipe;

    CoreBundle(byte[] raw, Set<String> names, Set<String> runtime, Set<String> parentFamily, int classBytes) {
        this.raw = raw;
        this.names = names;
        this.runtime = runtime;
        this.parentFamily = parentFamily;
        this.classBytes = classBytes;
    }

    static CoreBundle get() {
        CoreBundle b = instance;
        if (b == null) {
            synchronized (CoreBundle.class) {
                if (instance == null) {
                    byte[] ready = ChildMain.bundle(); // a child passes on the bundle it was started with (raw)
                    if (ready == null) ready = prebuilt();
                    instance = ready != null ? of(ready) : BundleBuild.build(false);
                }
                b = instance;
            }
        }
        return b;
    }

    /**
     * The bundle for children of a router whose max message size is {@code maxMessageSize}: the lean one, or the
     * whole runtime below {@link #LEAN_MIN_MESSAGE_SIZE}. The max message size is inherited, so a context started
     * with the whole runtime passes on the whole runtime.
     */
    static CoreBundle forMaxMessageSize(int maxMessageSize) {
        return maxMessageSize < LEAN_MIN_MESSAGE_SIZE ? full() : get();
    }

    /** The whole runtime as boot classes; in a child, the bundle it was started with. */
    static CoreBundle full() {
        CoreBundle b = full;
        if (b == null) {
            synchronized (CoreBundle.class) {
                if (full == null) {
                    byte[] ready = ChildMain.bundle();
                    if (ready == null) ready = prebuilt(FULL_RESOURCE);
                    full = ready != null ? of(ready) : BundleBuild.build(true);
                }
                b = full;
            }
        }
        return b;
    }

    /** The bundle the build computed (see core's pom), or null when running from classes that skipped that step. */
    private static byte[] prebuilt() {
        return prebuilt(RESOURCE);
    }

    static byte[] prebuilt(String resource) {
        try (java.io.InputStream in = CoreBundle.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** Build step: writes the (uncompressed) bundle to {@code args[0]}, and the whole runtime's beside it. */
    public static void main(String[] args) throws IOException {
        CoreBundle b = BundleBuild.build(false);
        java.nio.file.Path out = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(out.getParent());
        java.nio.file.Files.write(out, b.raw);
        java.nio.file.Files.write(out.resolveSibling("core-bundle-full.bin"), BundleBuild.build(true).raw);
        System.out.println("core bundle: " + b.names.size() + " boot classes, " + b.classBytes + " bytes, "
                + b.compressed().length + " compressed; " + (b.runtime.size() - b.names.size())
                + " more runtime classes served on demand (" + b.parentFamily.size() + " of the parent layer)");
    }

    private static CoreBundle of(byte[] raw) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(raw))) {
            java.util.Set<String> names = new java.util.HashSet<>();
            int size = 0;
            for (int n = in.readInt(); n > 0; n--) {
                names.add(in.readUTF());
                int len = in.readInt();
                size += len;
                in.skipNBytes(len);
            }
            java.util.Set<String> runtime = new java.util.HashSet<>(names);
            java.util.Set<String> parent = new java.util.HashSet<>();
            String previous = "";
            for (int n = in.readInt(); n > 0; n--) {
                int shared = in.readUnsignedByte();
                boolean ofParent = in.readBoolean();
                String name = previous.substring(0, shared) + in.readUTF();
                runtime.add(name);
                if (ofParent) parent.add(name);
                previous = name;
            }
            return new CoreBundle(raw, Set.copyOf(names), Set.copyOf(runtime), Set.copyOf(parent), size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] raw() {
        return raw;
    }

    /** The boot classes by binary name, in the bundle's order. */
    java.util.LinkedHashMap<String, byte[]> bootClasses() {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(raw))) {
            java.util.LinkedHashMap<String, byte[]> classes = new java.util.LinkedHashMap<>();
            for (int n = in.readInt(); n > 0; n--) {
                String name = in.readUTF();
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                classes.put(name, bytes);
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a child's first stage reads on a pipe: the unpacker's class file ({@link BundlePacking#unpacker}, which the child keeps
     * for its own children), then the bundle as it is. Computed on first use.
     */
    byte[] forPipe() {
        byte[] p = forPipe;
        if (p == null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length + 8192);
            try {
                BundlePacking.withUnpacker(buf).write(raw);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            forPipe = p = buf.toByteArray();
        }
        return p;
    }

    /**
     * Deflated, for streams that cross a network: the unpacker's class file, then the bundle {@link BundlePacking#pack packed}.
     * Computed on first use.
     */
    byte[] compressed() {
        byte[] c = compressed;
        if (c == null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 3);
            try (DeflaterOutputStream z = new DeflaterOutputStream(buf, new Deflater(Deflater.BEST_COMPRESSION), 65536)) {
                BundlePacking.withUnpacker(z).write(BundlePacking.pack(raw));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            compressed = c = buf.toByteArray();
        }
        return c;
    }


    /** The boot classes' names. */
    Set<String> names() {
        return names;
    }

    /** The runtime classes a child fetches on demand, not booting with them. */
    Set<String> onDemand() {
        Set<String> rest = onDemand;
        if (rest == null) {
            Set<String> r = new java.util.HashSet<>(runtime);
            r.removeAll(names);
            onDemand = rest = Set.copyOf(r);
        }
        return rest;
    }

    private volatile Set<String> onDemand;
    private volatile Set<String> kryoFamily;

    /**
     * The family of on-demand classes {@code name} belongs to, all sent with the first of them a child asks for;
     * empty if {@code name} is not fetched on demand.
     */
    Set<String> family(String name) {
        if (!onDemand().contains(name) || masterOnly(name) || listed(WITH_FAMILIES, name)) return Set.of();
        if (parentFamily.contains(name)) return parentFamily;
        Set<String> kryo = kryoFamily;
        if (kryo == null) {
            Set<String> k = new java.util.HashSet<>(onDemand());
            k.removeAll(parentFamily);
            // the master layer is of no family: it went with Kryo's, 63 KB of class files (26 KB deflated) that a
            // child's first value needing Kryo brought and no child runs
            k.removeIf(CoreBundle::masterOnly);
            // Kryo decodes a Context in a value (ContextSerializer): it comes along, not in a round trip of its own
            for (String n : WITH_FAMILIES) if (onDemand().contains(n)) k.add(n);
            kryoFamily = kryo = Set.copyOf(k);
        }
        return kryo;
    }

    /** The boot classes' names and those of the rest of the runtime, fetched on demand. */
    Set<String> runtime() {
        return runtime;
    }

    /**
     * The master layer (see docs/how-it-works.md, "Layers"): named by the facade's master constructor and builder,
     * and by this class's build step, but never run by a child, so they stay out of the boot classes. A child that
     * somehow needed one would fetch it like any runtime class; none of them runs on a reader thread.
     */
    private static final List<String> MASTER_ONLY = List.of("dev.jitogen.core.MasterLayer", "dev.jitogen.core.ClassService",
            "dev.jitogen.core.LogPrinter", "dev.jitogen.core.MasterIdAllocator", "dev.jitogen.core.ClassPolicy",
            "dev.jitogen.core.classload.ClassServer", "dev.jitogen.core.classload.ClassFinder",
            "dev.jitogen.core.LocalArchive", "dev.jitogen.core.BundleBuild");

    /**
     * True for a class of the master layer ({@link #MASTER_ONLY}), with its nested classes: of no family, and never
     * sent ahead of a need ({@link #notSentAhead}: a runtime class that names one, such as this one, brings none with
     * it); a child that asked for one would get it alone.
     */
    static boolean masterOnly(String name) {
        return listed(MASTER_ONLY, name);
    }

    static boolean listed(List<String> classes, String name) {
        for (String m : classes) if (name.equals(m) || name.startsWith(m + "$")) return true;
        return false;
    }

    /**
     * Classes out of the boot classes that go with the parent layer's family and Kryo's, but that no family comes
     * with for being named: {@link Context}, and what only it reaches among what a child runs (the errors its calls
     * throw, and the words for an exit status). The class of nearly every call names {@code Context} (the code that
     * makes the call), and a class that names a family's class brings the whole family with it (ClassServer's
     * preload), which would make every first call carry the parent layer; but a child that answers plain calls never
     * loads it (its decoder finds its router through {@code Router.reader()}, and rebuilds lambdas through a
     * looked-up {@code $deserializeLambda$}, which resolves no other method's types). So they are fetched with the
     * parent layer (a child starting contexts), with Kryo (a {@code Context} in a value), or alone when a child's
     * code first uses one: 5.7 KB less in every child's boot bundle, deflated. The build checks that the cut takes
     * out of the boot classes exactly these.
     */
    static final List<String> WITH_FAMILIES = List.of("dev.jitogen.core.Context",
            "dev.jitogen.core.ChannelError", "dev.jitogen.core.TimeoutError", "dev.jitogen.core.ExitStatus");

    /**
     * True for a runtime class the master never sends ahead of a need, though a class it sends names it: the master
     * layer ({@link #masterOnly}), which no child runs; and what {@code Context}'s annotation names, its default
     * serializer and Kryo's annotation type, which come with Kryo's family: a child asking for {@code Context} alone
     * (its code used one) would otherwise receive all of Kryo with it. A class of the user's with Kryo's annotation
     * still brings Kryo's family ahead of its call, through its serializer, which names Kryo's.
     */
    static boolean notSentAhead(String name) {
        return masterOnly(name) || listed(CONTEXT_ANNOTATION, name);
    }

    private static final List<String> CONTEXT_ANNOTATION = List.of("dev.jitogen.core.ContextSerializer",
            "com.esotericsoftware.kryo.DefaultSerializer");

}
