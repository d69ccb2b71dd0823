package dev.jitogen.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
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
 * and hands over to {@code dev.jitogen.core.ChildMain}. A deflated bundle comes packed, and with the class that unpacks
 * it ({@link Unpack}), so that this class, which travels in base64 in the command line, stays small. The class is
 * compiled for Java 8 so that an older JVM reaches the version check and says what is wrong instead of failing with a
 * class-version error.
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
    /**
     * This class's own bytes, the core bundle (uncompressed) and the unpacker's class file that came with it, so
     * this context can start children of its own.
     */
    public byte[] firstStage, bundle, unpack;
    private static final String UNPACK = "dev.jitogen.bootstrap.Unpack";

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
        if (length >= 0) {
            ByteArrayOutputStream inflated = new ByteArrayOutputStream(packed.length * 4);
            InflaterInputStream z = new InflaterInputStream(new ByteArrayInputStream(packed), new Inflater(), 65536);
            byte[] buf = new byte[65536];
            for (int n; (n = z.read(buf)) > 0; ) inflated.write(buf, 0, n);
            packed = inflated.toByteArray();
        }
        // the unpacker's class file, then the bundle: packed for the network if it came deflated (see Unpack)
        int u = (packed[0] & 0xff) << 24 | (packed[1] & 0xff) << 16 | (packed[2] & 0xff) << 8 | packed[3] & 0xff;
        loader.unpack = Arrays.copyOfRange(packed, 4, 4 + u);
        packed = Arrays.copyOfRange(packed, 4 + u, packed.length);
        if (length >= 0) {
            packed = (byte[]) loader.defineClass(UNPACK, loader.unpack, 0, u).getMethod("unpack", byte[].class)
                    .invoke(null, (Object) packed);
        } else {
            loader.classes.put(UNPACK, loader.unpack);
        }
        loader.bundle = packed;
        DataInputStream bundle = new DataInputStream(new ByteArrayInputStream(packed));
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
