package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ConstantPool;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * The classes every child receives over stdin before anything else: the closure of what {@link ChildMain} refers
 * to, found by reading constant pools (JDK classes excluded), so that the child's runtime, and Kryo with it, never
 * has to fetch a class while a stream reader needs it. Computed by the build (this class's {@link #main}) and
 * shipped in the core jar; computed at run time only if that resource is missing. Sent as it is on local pipes
 * and deflated on streams that cross a network ({@link ChildProcess#crossesNetwork}). Thread-safe; built at most
 * once per JVM.
 *
 * <p>Format before compression: {@code int count}, then per class {@code UTF name, int length, bytes}.
 */
public final class CoreBundle {
    private static final String RESOURCE = "META-INF/jitogen/core-bundle.bin";
    private static volatile CoreBundle instance;

    /** The format above, uncompressed: sent as it is on local pipes, where inflating costs the child more. */
    private final byte[] raw;
    private final Set<String> names;
    private final int classBytes;
    private volatile byte[] compressed;

    private CoreBundle(byte[] raw, Set<String> names, int classBytes) {
        this.raw = raw;
        this.names = names;
        this.classBytes = classBytes;
    }

    static CoreBundle get() {
        CoreBundle b = instance;
        if (b == null) {
            synchronized (CoreBundle.class) {
                if (instance == null) {
                    byte[] ready = ChildMain.bundle(); // a child passes on the bundle it was started with (raw)
                    if (ready == null) ready = prebuilt();
                    instance = ready != null ? of(ready) : build();
                }
                b = instance;
            }
        }
        return b;
    }

    /** The bundle the build computed (see core's pom), or null when running from classes that skipped that step. */
    private static byte[] prebuilt() {
        try (java.io.InputStream in = CoreBundle.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** Build step: writes the (uncompressed) bundle to {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        CoreBundle b = build();
        java.nio.file.Path out = java.nio.file.Path.of(args[0]);
        java.nio.file.Files.createDirectories(out.getParent());
        java.nio.file.Files.write(out, b.raw);
        System.out.println("core bundle: " + b.names.size() + " classes, " + b.classBytes + " bytes, "
                + b.compressed().length + " compressed");
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
            return new CoreBundle(raw, Set.copyOf(names), size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] raw() {
        return raw;
    }

    /** Deflated, for streams that cross a network; computed on first use. */
    byte[] compressed() {
        byte[] c = compressed;
        if (c == null) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(raw.length / 3);
            try (DeflaterOutputStream z = new DeflaterOutputStream(buf, new Deflater(Deflater.BEST_COMPRESSION), 65536)) {
                z.write(raw);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            compressed = c = buf.toByteArray();
        }
        return c;
    }

    Set<String> names() {
        return names;
    }

    private static CoreBundle build() {
        ClassFinder finder = new ClassFinder(CoreBundle.class.getClassLoader());
        Map<String, byte[]> classes = new LinkedHashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>();
        queue.add(ChildMain.class.getName());
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (classes.containsKey(name)) continue;
            ClassFinder.Found f = finder.find(name);
            if (f == null || f.jdk()) continue;
            classes.put(name, f.bytes());
            for (String ref : ConstantPool.referencedClasses(f.bytes())) if (!classes.containsKey(ref)) queue.add(ref);
        }
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(classes.size());
            int size = 0;
            for (Map.Entry<String, byte[]> e : classes.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
                size += e.getValue().length;
            }
            out.close();
            return new CoreBundle(buf.toByteArray(), Set.copyOf(classes.keySet()), size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
