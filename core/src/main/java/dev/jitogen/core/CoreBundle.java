package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ConstantPool;
import dev.jitogen.core.spi.ChildProcess;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * {@link #kryoSide}) and what only they reach, so a child whose calls and replies are plain values never loads
 * Kryo ({@code serial.Codec}), and receives a quarter of the bytes. The master layer is cut the same way
 * ({@link #MASTER_ONLY}), and so is the parent layer with the API a child's own code may use ({@link #PARENT_ONLY}):
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

    private CoreBundle(byte[] raw, Set<String> names, Set<String> runtime, Set<String> parentFamily, int classBytes) {
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
                    instance = ready != null ? of(ready) : build(false);
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
                    full = ready != null ? of(ready) : build(true);
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

    private static byte[] prebuilt(String resource) {
        try (java.io.InputStream in = CoreBundle.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** Build step: writes the (uncompressed) bundle to {@code args[0]}, and the whole runtime's beside it. */
    public static void main(String[] args) throws IOException {
        CoreBundle b = build(false);
        java.nio.file.Path out = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(out.getParent());
        java.nio.file.Files.write(out, b.raw);
        java.nio.file.Files.write(out.resolveSibling("core-bundle-full.bin"), build(true).raw);
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
     * What a child's first stage reads on a pipe: the unpacker's class file ({@link #unpacker}, which the child keeps
     * for its own children), then the bundle as it is. Computed on first use.
     */
    byte[] forPipe() {
        byte[] p = forPipe;
        if (p == null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length + 8192);
            try {
                withUnpacker(buf).write(raw);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            forPipe = p = buf.toByteArray();
        }
        return p;
    }

    /**
     * Deflated, for streams that cross a network: the unpacker's class file, then the bundle {@link #pack packed}.
     * Computed on first use.
     */
    byte[] compressed() {
        byte[] c = compressed;
        if (c == null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 3);
            try (DeflaterOutputStream z = new DeflaterOutputStream(buf, new Deflater(Deflater.BEST_COMPRESSION), 65536)) {
                withUnpacker(z).write(pack(raw));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            compressed = c = buf.toByteArray();
        }
        return c;
    }

    private static java.io.OutputStream withUnpacker(java.io.OutputStream out) throws IOException {
        byte[] u = unpacker();
        new DataOutputStream(out).writeInt(u.length);
        out.write(u);
        return out;
    }

    private static final String UNPACKER = "dev/jitogen/bootstrap/Unpack.class";

    /** The unpacker's class file: in a child what its first stage received, in a master from its class path. */
    static byte[] unpacker() {
        byte[] u = ChildMain.unpacker();
        if (u != null) return u;
        u = prebuilt(UNPACKER);
        if (u == null) throw new IllegalStateException(UNPACKER + " is not on the class path (jitogen-bootstrap missing)");
        return u;
    }

    /**
     * The bundle packed for the network, as the first stage unpacks it ({@code Unpack.unpack}): the UTF-8
     * constants of all its classes once, in a table ahead of them, and each class's UTF-8 entries as an index into
     * it. Two thirds of the classes' bytes are such constants, and each distinct one appears about three times;
     * deflate alone, whose window is 32 KB, finds a repeat only when it is near. 9% fewer bytes deflated. Then the
     * entries of the line number tables, in a section of their own as differences from the entry before: 11.5 KB
     * of the 230 KB raw, 7.2 KB deflated where they were, 3.3 KB so.
     */
    static byte[] pack(byte[] raw) {
        Map<String, Integer> first = new LinkedHashMap<>();
        pack(raw, first);
        List<String> sorted = new ArrayList<>(first.keySet());
        sorted.sort(java.util.Comparator.comparing(u -> u.substring(2)));
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String u : sorted) index.put(u, index.size());
        return pack(raw, index);
    }

    /** UTF-8 constants as {@link #pack} reads them, after their two bytes of length. */
    private static final String LINE_NUMBER_TABLE = "\0\u000fLineNumberTable", CODE = "\0\u0004Code";

    private static byte[] pack(byte[] raw, Map<String, Integer> index) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(raw));
            ByteArrayOutputStream lines = new ByteArrayOutputStream(raw.length / 32);
            ByteArrayOutputStream classes = new ByteArrayOutputStream(raw.length);
            DataOutputStream out = new DataOutputStream(classes);
            int count = in.readInt();
            out.writeInt(count);
            for (int c = 0; c < count; c++) {
                out.writeUTF(in.readUTF());
                byte[] b = in.readNBytes(in.readInt());
                ByteArrayOutputStream packed = new ByteArrayOutputStream(b.length);
                packed.write(b, 0, 10); // magic, version, constant pool count
                int pos = 10, lineTable = -1, code = -1;
                for (int i = 1, n = (b[8] & 0xff) << 8 | b[9] & 0xff; i < n; i++) {
                    int tag = b[pos];
                    if (tag == 1) {
                        int length = (b[pos + 1] & 0xff) << 8 | b[pos + 2] & 0xff;
                        String utf = new String(b, pos + 1, length + 2, java.nio.charset.StandardCharsets.ISO_8859_1);
                        if (utf.equals(LINE_NUMBER_TABLE)) lineTable = i;
                        else if (utf.equals(CODE)) code = i;
                        int k = index.computeIfAbsent(utf, u -> index.size());
                        if (k > 0xffff) throw new IllegalStateException("over 65,536 distinct constants in the bundle");
                        packed.write(1);
                        packed.write(k >> 8);
                        packed.write(k);
                        pos += 3 + length;
                        continue;
                    }
                    int entry = dev.jitogen.bootstrap.Unpack.entryLength(tag); // as the first stage unpacks
                    if (entry == 0) throw new IllegalStateException("bad constant tag " + tag + " in bundle class " + c);
                    packed.write(b, pos, 1 + entry);
                    pos += 1 + entry;
                    if (tag == 5 || tag == 6) i++; // a long or a double takes two entries
                }
                // as the first stage unpacks: line number tables go to their own section
                dev.jitogen.bootstrap.Unpack.members(b, pos, lineTable, code, packed, lines, null, null);
                out.writeInt(packed.size());
                packed.writeTo(out);
            }
            out.write(in.readAllBytes()); // the names after the classes, as they are
            ByteArrayOutputStream all = new ByteArrayOutputStream(raw.length);
            DataOutputStream table = new DataOutputStream(all);
            table.writeInt(index.size());
            for (String utf : index.keySet()) table.write(utf.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            table.writeInt(lines.size());
            lines.writeTo(all);
            classes.writeTo(all);
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    /** Where the runtime is cut for the boot classes: Kryo, Objenesis, and our own Kryo-side classes. */
    private static boolean kryoFamily(String name) {
        return name.startsWith("com.esotericsoftware.") || name.startsWith("org.objenesis.");
    }

    /**
     * Classes of ours that only Kryo's side runs, though a boot class names them: the data allow-list, which a
     * codec builds when Kryo first asks it about a class ({@code Codecs}). Fetched with Kryo.
     */
    private static final List<String> KRYO_ONLY = List.of("dev.jitogen.core.serial.DataAllowList");

    /** The class of ours that builds Kryo: everything only it reaches is fetched with it, on first need. */
    private static final String KRYO_CODEC = "dev.jitogen.core.serial.KryoCodec";

    /**
     * True for a class of ours that extends or implements one of Kryo's (a serializer, a Kryo subclass, a class
     * resolver), other than an exception: loading it loads Kryo.
     */
    private static boolean kryoSide(String name, ClassLoader loader) {
        if (name.equals(KRYO_CODEC) || name.startsWith(KRYO_CODEC + "$")) return true;
        Class<?> c;
        try {
            c = Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        if (Throwable.class.isAssignableFrom(c)) return false;
        ArrayDeque<Class<?>> supers = new ArrayDeque<>();
        supers.add(c);
        while (!supers.isEmpty()) {
            Class<?> t = supers.poll();
            if (t != c && kryoFamily(t.getName())) return true;
            if (t.getSuperclass() != null) supers.add(t.getSuperclass());
            supers.addAll(java.util.Arrays.asList(t.getInterfaces()));
        }
        return false;
    }

    /**
     * The master layer (see docs/how-it-works.md, "Layers"): named by the facade's master constructor and builder,
     * and by this class's build step, but never run by a child, so they stay out of the boot classes. A child that
     * somehow needed one would fetch it like any runtime class; none of them runs on a reader thread.
     */
    private static final List<String> MASTER_ONLY = List.of("dev.jitogen.core.MasterLayer", "dev.jitogen.core.ClassService",
            "dev.jitogen.core.LogPrinter", "dev.jitogen.core.MasterIdAllocator", "dev.jitogen.core.ClassPolicy",
            "dev.jitogen.core.classload.ClassServer", "dev.jitogen.core.classload.ClassFinder",
            "dev.jitogen.core.LocalArchive");

    /**
     * True for a class of the master layer ({@link #MASTER_ONLY}), with its nested classes: of no family, and never
     * sent ahead of a need ({@link #notSentAhead}: a runtime class that names one, such as this one, brings none with
     * it); a child that asked for one would get it alone.
     */
    private static boolean masterOnly(String name) {
        return listed(MASTER_ONLY, name);
    }

    private static boolean listed(List<String> classes, String name) {
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
    private static final List<String> WITH_FAMILIES = List.of("dev.jitogen.core.Context",
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

    /**
     * The parent layer and the API a child's code may call (see the class comment), with their nested classes:
     * what a child runs only once its code starts a context (its router builds its parent layer then) or makes a
     * receiver, select, latch or a context's events, or once a call of its code cannot be sent, on that code's thread. The first stage
     * is here too: a child has its own bytes for the children it starts. So is the class relay, with what a reader
     * thread runs for a context's children (the constant pool reader, deflating for a network): the router loads
     * them as it builds its parent layer, on the thread that starts a first child ({@code ChildRuntime.relay}); and
     * what only a context's own calls and its code use: static state and the classes its calls sent ({@code StaticState},
     * {@code CallClasses}, the latter also read by the data allow-list, which Kryo's side builds on a decoding
     * thread, for data from a context's children or a receiver), and class-serving counts; and the code a router
     * sends a context to start or drop children there ({@code ViaCalls}). Not {@code Lambdas},
     * though only a call or a reply that holds a lambda encodes with it: Kryo's lambda serializer names it, and a
     * class of Kryo's family that names one of this family would bring the whole family with Kryo's.
     *
     * <p>{@link Context} is not here but in {@link #WITH_FAMILIES}: as one of this family, a first call, whose class
     * names it, carried 57 classes over SSH, 190 KB, against one class of 3.9 KB.
     */
    private static final List<String> PARENT_ONLY = List.of("dev.jitogen.core.ProcessConnection",
            "dev.jitogen.core.spi.ChildProcess", "dev.jitogen.core.spi.ChildEnvironment",
            "dev.jitogen.core.spi.Bootstrap", "dev.jitogen.core.spi.Launcher", "dev.jitogen.core.spi.ViaStart",
            "dev.jitogen.core.spi.ConnectionMethod", "dev.jitogen.core.CoreBundle", "dev.jitogen.core.InProcess",
            "dev.jitogen.core.stream.MemoryPipe", "dev.jitogen.core.LocalOptions", "dev.jitogen.core.Router$Builder",
            "dev.jitogen.bootstrap.FirstStage", "dev.jitogen.core.Receiver", "dev.jitogen.core.Select",
            "dev.jitogen.core.Latch", "dev.jitogen.core.classload.ClassRequests",
            "dev.jitogen.core.classload.ConstantPool", "dev.jitogen.core.ChildStarter", "dev.jitogen.core.IdAllocator",
            "dev.jitogen.core.ChildIdAllocator", "dev.jitogen.core.SentClasses", "dev.jitogen.core.UnsendableCall",
            "dev.jitogen.core.Events", "dev.jitogen.core.classload.ClassRelay",
            "dev.jitogen.core.StaticState", "dev.jitogen.core.classload.CallClasses",
            "dev.jitogen.core.classload.ClassCounts", "dev.jitogen.core.classload.DeflatedAnswers",
            "dev.jitogen.core.ViaCalls");

    /** The lean bundle, or with {@code whole} the whole runtime as boot classes. */
    private static CoreBundle build(boolean whole) {
        ClassLoader loader = CoreBundle.class.getClassLoader();
        ClassFinder finder = new ClassFinder(loader);
        Map<String, byte[]> runtime = closure(finder, ChildMain.class.getName(), name -> false);
        java.util.function.Predicate<String> kryoOrMaster = name -> kryoFamily(name) || kryoSide(name, loader)
                || listed(KRYO_ONLY, name) || masterOnly(name);
        java.util.function.Predicate<String> parentOnly = name -> listed(PARENT_ONLY, name);
        Map<String, byte[]> boot = whole ? runtime : closure(finder, ChildMain.class.getName(),
                kryoOrMaster.or(parentOnly).or(name -> listed(WITH_FAMILIES, name)));
        if (!whole) {
            // what the cut at Context takes out must be what the list says (and the class comment of it)
            Set<String> cut = new java.util.TreeSet<>(closure(finder, ChildMain.class.getName(),
                    kryoOrMaster.or(parentOnly)).keySet());
            cut.removeAll(boot.keySet());
            if (!cut.equals(new java.util.TreeSet<>(WITH_FAMILIES))) {
                throw new IllegalStateException("the boot classes cut at Context lose " + cut + ", not "
                        + WITH_FAMILIES + ": update CoreBundle.WITH_FAMILIES");
            }
        }
        // the parent layer's family: what the boot classes would be without its cut, and are not
        Set<String> parent = new java.util.LinkedHashSet<>(whole ? Set.of()
                : closure(finder, ChildMain.class.getName(), kryoOrMaster).keySet());
        // a boot class's superclasses must be definable without a fetch: Kryo's exception, under our exceptions
        for (String name : List.copyOf(boot.keySet())) {
            try {
                for (Class<?> t = Class.forName(name, false, loader).getSuperclass(); t != null; t = t.getSuperclass()) {
                    byte[] bytes = runtime.get(t.getName());
                    if (bytes != null) boot.putIfAbsent(t.getName(), bytes);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // not loadable here: it cannot be loaded in a child either, and is not part of start-up
            }
        }
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(boot.size());
            int size = 0;
            // smallest first: classes of a size are alike (exceptions, interfaces, small records), and deflate finds
            // more of each in the one before it (2% fewer bytes than the closure's order; by name, 0.5%)
            List<Map.Entry<String, byte[]>> bySize = new ArrayList<>(boot.entrySet());
            bySize.sort(Map.Entry.comparingByValue(java.util.Comparator.comparingInt(b -> b.length)));
            for (Map.Entry<String, byte[]> e : bySize) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
                size += e.getValue().length;
            }
            List<String> rest = new ArrayList<>();
            for (String name : runtime.keySet()) if (!boot.containsKey(name)) rest.add(name);
            parent.removeAll(boot.keySet());
            parent.retainAll(rest);
            // sorted, each name as the length of what it shares with the one before and the rest of it: about a
            // third fewer bytes deflated than the whole names (which a child receives, and never reads unless it
            // starts contexts of its own)
            rest.sort(null);
            out.writeInt(rest.size());
            String previous = "";
            for (String name : rest) {
                int shared = 0;
                while (shared < Math.min(255, Math.min(name.length(), previous.length()))
                        && name.charAt(shared) == previous.charAt(shared)) shared++;
                out.writeByte(shared);
                out.writeBoolean(parent.contains(name));
                out.writeUTF(name.substring(shared));
                previous = name;
            }
            out.close();
            java.util.Set<String> all = new java.util.HashSet<>(boot.keySet());
            all.addAll(runtime.keySet());
            return new CoreBundle(buf.toByteArray(), Set.copyOf(boot.keySet()), Set.copyOf(all), Set.copyOf(parent),
                    size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The classes {@code root} refers to, transitively, JDK classes excluded, not entering those {@code cut} names. */
    private static Map<String, byte[]> closure(ClassFinder finder, String root, java.util.function.Predicate<String> cut) {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (classes.containsKey(name) || cut.test(name)) continue;
            ClassFinder.Found f = finder.find(name);
            if (f == null || f.jdk()) continue;
            classes.put(name, f.bytes());
            for (String ref : ConstantPool.referencedClasses(f.bytes())) if (!classes.containsKey(ref)) queue.add(ref);
        }
        return classes;
    }
}
