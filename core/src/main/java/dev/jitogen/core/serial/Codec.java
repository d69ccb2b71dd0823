package dev.jitogen.core.serial;

/**
 * Objects to bytes and back, one direction of one router. Plain values (null, primitives, strings, byte arrays,
 * {@code ArrayList}s, {@code HashMap}s and {@code LinkedHashMap}s of those, serializable lambdas capturing them, and
 * calls made of them) take the compact {@link PlainCodec}, which needs no Kryo: a child that only ever sees those
 * never loads Kryo, which is why this class names no Kryo type. Everything else goes through {@link KryoCodec},
 * built on first need. The first byte of an encoding says which of the two wrote it.
 *
 * <p>A codec for what a parent sends trusts it (code flows down). A codec that reads data from a child does not:
 * <ul>
 *   <li>a {@link ClassFilter} (the {@link DataAllowList}) is asked about every class name before the class is loaded,
 *       and lambdas are refused (the compact form names no class but JDK value types, and refuses lambdas and
 *       calls);</li>
 *   <li>every length the data declares is checked against the bytes left in the message before anything of that size
 *       is allocated;</li>
 *   <li>decoding one message is bounded by its {@link Limits} (depth, and elements) and, if the caller has one, by a
 *       deadline; a {@link DataLimitException} says which limit was reached and how to raise it.</li>
 * </ul>
 * Nothing larger than the max message size is ever encoded.
 *
 * <p>Thread-safe. Decoding may load classes through the codec's class loader, which in a child can mean a round
 * trip to the master: never decode on an I/O thread.
 */
public final class Codec {
    static {
        KryoProperties.apply();
    }

    /** Says whether a class, by binary name, may be instantiated from data; null means yes. */
    public interface ClassFilter {
        String refusal(String className);
    }

    /**
     * How much work one message of data from a child may make: nesting depth, and elements counted once for every
     * place that refers to them (see {@link DataBudget}). Set on the master's router and inherited by its children.
     */
    public record Limits(int maxDepth, int maxElements) {
        /** 512 levels; 10,000,000 elements. */
        public static final Limits DEFAULT = new Limits(512, 10_000_000);

        public Limits {
            if (maxDepth < 2) throw new IllegalArgumentException("max data depth must be at least 2, not " + maxDepth);
            if (maxElements < 1) throw new IllegalArgumentException("max data elements must be positive, not " + maxElements);
        }
    }

    private final ClassLoader loader;
    private final ClassFilter filter;
    private final Limits limits;
    private final int maxBytes;
    private final Class<?>[] extra;
    private final String[] kryoOnly;
    private final PlainCodec plain;
    /** Built on first need; guarded by this for the building. */
    private volatile KryoCodec kryo;

    /** A codec with the default {@link Limits} and no bound on what it encodes. */
    public Codec(ClassLoader loader, ClassFilter filter, Class<?>... extra) {
        this(loader, filter, Limits.DEFAULT, -1, extra);
    }

    /**
     * @param loader   loads the classes named in data
     * @param filter   null to trust the data (it came from a parent), else checked for every class named
     * @param limits   bounds on decoding one message, when {@code filter} is set
     * @param maxBytes the largest encoding {@link #encode} writes (the max message size), or -1 for no limit
     * @param extra    further classes to register, identically on both sides; those that are {@link Plain} travel
     *                 in the compact form too (calls)
     */
    public Codec(ClassLoader loader, ClassFilter filter, Limits limits, int maxBytes, Class<?>... extra) {
        this(loader, filter, limits, maxBytes, new String[0], extra);
    }

    /**
     * As above, with {@code kryoOnly}: names of further classes of core to register after {@code extra}, which only
     * Kryo's form carries. They are loaded when Kryo is first built, not before, so that a context whose values
     * stay plain never loads them.
     */
    public Codec(ClassLoader loader, ClassFilter filter, Limits limits, int maxBytes, String[] kryoOnly,
            Class<?>... extra) {
        this.loader = loader;
        this.filter = filter;
        this.limits = limits;
        this.maxBytes = maxBytes;
        this.extra = extra.clone();
        this.kryoOnly = kryoOnly.clone();
        this.plain = new PlainCodec(loader, filter != null, limits, maxBytes, this.extra);
    }

    private KryoCodec kryo() {
        KryoCodec k = kryo;
        if (k == null) {
            synchronized (this) {
                k = kryo;
                if (k == null) kryo = k = new KryoCodec(loader, filter, limits, maxBytes, withKryoOnly());
            }
        }
        return k;
    }

    /** {@link #extra} and then the {@code kryoOnly} classes, loaded now by core's own loader. */
    private Class<?>[] withKryoOnly() {
        Class<?>[] all = java.util.Arrays.copyOf(extra, extra.length + kryoOnly.length);
        for (int i = 0; i < kryoOnly.length; i++) {
            try {
                all[extra.length + i] = Class.forName(kryoOnly[i], false, Codec.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("core class " + kryoOnly[i] + " is missing: " + e, e);
            }
        }
        return all;
    }

    /**
     * Writes {@code tag} then {@code value}.
     *
     * @throws RuntimeException (Kryo's) if the value cannot be sent, or its encoding would pass the max message size
     */
    public byte[] encode(int tag, Object value) {
        byte[] bytes = plain.encode(tag, value);
        return bytes != null ? bytes : kryo().encode(tag, value);
    }

    /**
     * Writes {@code tag} then {@code value} in Kryo's form, even for a plain value: what a child may send instead of
     * the compact form, for tests of the Kryo decoder's defences.
     */
    public byte[] encodeWithKryo(int tag, Object value) {
        return kryo().encode(tag, value);
    }

    /** Reads the value after the one-byte tag of {@code data}, with no deadline. */
    public Object decode(byte[] data) {
        return decode(data, false, 0);
    }

    /**
     * Reads the value after the one-byte tag of {@code data}; if {@code timed}, gives up at {@code deadline} (a
     * {@link System#nanoTime()} value). Decoding data from a child also gives up when the thread is interrupted.
     *
     * @throws DataLimitException  if data from a child passed a limit, the deadline, or the thread was interrupted;
     *                             also for data that nests too deep for the thread's stack
     * @throws RuntimeException    (Kryo's) if the data is malformed or names a refused class ({@link #refusalIn})
     */
    public Object decode(byte[] data, boolean timed, long deadline) {
        if (PlainCodec.isPlain(data)) return plain.decode(data, timed, deadline);
        return kryo().decode(data, timed, deadline);
    }

    /** The tag {@code data} was encoded with, whichever form wrote it; -1 for an empty message. */
    public static int tag(byte[] data) {
        return data.length == 0 ? -1 : data[0] & ~PlainCodec.FLAG;
    }

    /**
     * The table size a {@code HashMap} built with its default constructor has at {@code size} entries: rebuilt with
     * it (or with a smaller one it then grows from, doubling as the default one did), a map (or set) iterates, and so
     * prints, in the same order on arrival as where it was made.
     */
    static int defaultTable(int size) {
        int table = 16;
        while (size > table * 3 / 4 && table < (1 << 30)) table <<= 1;
        return table;
    }

    /** Finds the allow-list refusal behind a decoding failure, if that is what it was. */
    public static RefusedClassException refusalIn(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof RefusedClassException r) return r;
        return null;
    }

    /** Finds the decoding limit behind a decoding failure, if that is what it was. */
    public static DataLimitException limitIn(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof DataLimitException l) return l;
        return null;
    }
}
