package dev.jitogen.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * The first stage: the only class a target JVM loads from disk.
 *
 * <p>Run as {@code java -cp DIR dev.jitogen.bootstrap.FirstStage NAME DIR MIN_JAVA}. It deletes DIR at once, checks the
 * JVM's version, prints the readiness token, reads the core bundle (deflated or not) and the context's config from stdin,
 * and hands over to {@code dev.jitogen.core.ChildMain}. The class is compiled for Java 8 so that an older
 * JVM reaches the version check and says what is wrong instead of failing with a class-version error.
 *
 * <p>It is also the child's one class loader: bundle classes are defined lazily from {@link #classes}, and a class
 * missing there is asked of {@link #fetcher}, which the child main sets to fetch from the parent. Its parent is the
 * platform loader, never the application class path. Parallel-capable, so a thread waiting for a class from the
 * master never blocks another thread loading an unrelated class.
 */
public final class FirstStage extends ClassLoader {
    /** Printed on stdout once the JVM runs and is new enough; the parent then sends the bundle. */
    public static final String READY = "JGBOOT00";

    static {
        registerAsParallelCapable();
    }

    /** Class bytes not yet defined, by binary name. Written by the bundle reader and by the child's class fetcher. */
    public final Map<String, byte[]> classes = new ConcurrentHashMap<String, byte[]>();
    /** Fetches a class's bytes from the parent, or returns null; set once by the child main. */
    public volatile Function<String, byte[]> fetcher;
    /** This class's own bytes and the core bundle (uncompressed), so this context can start children of its own. */
    public byte[] firstStage, bundle;

    private FirstStage(ClassLoader parent) {
        super(parent);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes = classes.remove(name);
        Function<String, byte[]> f = fetcher;
        if (bytes == null && f != null) bytes = f.apply(name);
        if (bytes == null) throw new ClassNotFoundException(name);
        return defineClass(name, bytes, 0, bytes.length);
    }

    /** Bytes after a constant pool entry's tag, by tag (class file format; 0 for tags that do not exist). */
    private static final byte[] ENTRY = {0, 0, 0, 4, 4, 8, 8, 2, 2, 4, 4, 4, 4, 0, 0, 3, 2, 4, 4, 2, 2};

    /**
     * Bytes after a constant pool entry's tag (class file format), or 0 if there is no such tag: what the master's
     * packing ({@code CoreBundle}) walks the constant pools with, so that both ends read them alike.
     */
    public static int entryLength(int tag) {
        return tag >= 0 && tag < ENTRY.length ? ENTRY[tag] : 0;
    }

    /**
     * The bundle as it was before the master packed it for the network: it sends the UTF-8 constants of all the
     * classes once, in a table ahead of them ({@code int} count, then each as {@code u2} length and bytes), and each
     * class's UTF-8 entries as that table's {@code u2} index. The rest (after the classes) is as it was. Public for
     * core's tests; not for users.
     */
    public static byte[] unpack(byte[] packed) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(packed));
        byte[][] table = new byte[in.readInt()][];
        for (int i = 0; i < table.length; i++) {
            int length = in.readUnsignedShort();
            table[i] = new byte[length + 2];
            table[i][0] = (byte) (length >> 8);
            table[i][1] = (byte) length;
            in.readFully(table[i], 2, length);
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream(packed.length * 2);
        DataOutputStream out = new DataOutputStream(raw);
        int classes = in.readInt();
        out.writeInt(classes);
        ByteArrayOutputStream whole = new ByteArrayOutputStream(65536);
        for (int c = 0; c < classes; c++) {
            out.writeUTF(in.readUTF());
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            whole.reset();
            whole.write(b, 0, 10); // magic, version, constant pool count
            int pos = 10;
            for (int i = 1, count = (b[8] & 0xff) << 8 | b[9] & 0xff; i < count; i++) {
                int tag = b[pos];
                if (tag == 1) {
                    whole.write(1);
                    whole.write(table[(b[pos + 1] & 0xff) << 8 | b[pos + 2] & 0xff]);
                    pos += 3;
                    continue;
                }
                if (tag < 0 || tag >= ENTRY.length || ENTRY[tag] == 0) throw new IOException("bad constant tag " + tag);
                whole.write(b, pos, 1 + ENTRY[tag]);
                pos += 1 + ENTRY[tag];
                if (tag == 5 || tag == 6) i++; // a long or a double takes two entries
            }
            whole.write(b, pos, b.length - pos);
            out.writeInt(whole.size());
            whole.writeTo(out);
        }
        byte[] rest = new byte[in.available()];
        in.readFully(rest);
        out.write(rest);
        return raw.toByteArray();
    }

    public static void main(String[] args) throws Exception {
        // DIR holds exactly dev/jitogen/bootstrap/FirstStage.class: keep its bytes, remove it and each parent to DIR
        File f = new File(args[1], "dev/jitogen/bootstrap/FirstStage.class");
        byte[] self = new byte[(int) f.length()];
        DataInputStream file = new DataInputStream(new java.io.FileInputStream(f));
        file.readFully(self);
        file.close();
        for (int i = 0; i < 5; i++, f = f.getParentFile()) f.delete();
        String spec = System.getProperty("java.specification.version");
        int needed = Integer.parseInt(args[2]);
        if (Integer.parseInt(spec.startsWith("1.") ? spec.substring(2) : spec) < needed) {
            System.err.println("jitogen: this JVM is Java " + spec + " (" + System.getProperty("java.home")
                    + "); Jitogen needs Java " + needed + " or newer on the target: install it or pass a java path");
            System.exit(3);
        }
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        out.write(READY.getBytes("US-ASCII"));
        out.flush();

        InputStream in = System.in;
        DataInputStream data = new DataInputStream(in);
        int length = data.readInt(); // negative: the bundle comes uncompressed
        byte[] packed = new byte[Math.abs(length)];
        data.readFully(packed);
        byte[] config = new byte[data.readInt()];
        data.readFully(config);

        // the application loader's parent is the platform loader (Java 9+), without reflection's start-up cost
        FirstStage loader = new FirstStage(ClassLoader.getSystemClassLoader().getParent());
        loader.firstStage = self;
        InputStream raw = new ByteArrayInputStream(packed);
        if (length >= 0) {
            ByteArrayOutputStream inflated = new ByteArrayOutputStream(packed.length * 4);
            InflaterInputStream z = new InflaterInputStream(raw, new Inflater(), 65536);
            byte[] buf = new byte[65536];
            for (int n; (n = z.read(buf)) > 0; ) inflated.write(buf, 0, n);
            packed = unpack(inflated.toByteArray());
            raw = new ByteArrayInputStream(packed);
        }
        loader.bundle = packed;
        DataInputStream bundle = new DataInputStream(raw);
        for (int n = bundle.readInt(); n > 0; n--) {
            String name = bundle.readUTF();
            byte[] bytes = new byte[bundle.readInt()];
            bundle.readFully(bytes);
            loader.classes.put(name, bytes);
        }
        loader.loadClass("dev.jitogen.core.ChildMain")
                .getMethod("main", ClassLoader.class, String.class, InputStream.class, OutputStream.class, byte[].class)
                .invoke(null, loader, args[0], in, out, config);
    }
}
