package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.IntMap;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import com.esotericsoftware.kryo.util.ObjectMap;
import com.esotericsoftware.kryo.util.Pool;
import org.objenesis.strategy.StdInstantiatorStrategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Objects to bytes and back with Kryo, one direction of one router. A codec that reads data from a child has a
 * {@link ClassFilter} (the {@link DataAllowList}) checked by name before any class is loaded, and refuses lambdas; a
 * codec for what a parent sends trusts it (code flows down). JDK values travel as the registered types of
 * {@link JdkValues}, whatever their concrete class; a JDK object that is not a value (a thread, a stream) is refused
 * on the writing side with a {@link NotSendableException} that says what to send instead.
 *
 * <p>Thread-safe: Kryo instances are pooled, one per concurrent caller. Decoding may load classes through the
 * codec's class loader, which in a child can mean a round trip to the master: never decode on an I/O thread.
 */
public final class Codec {
    /** Says whether a class, by binary name, may be instantiated from data; null means yes. */
    public interface ClassFilter {
        String refusal(String className);
    }

    /** Registrations both sides make in the same order, so common types travel as small ids, not names. */
    private static final Class<?>[] REGISTERED = {
            Object[].class, byte[].class, int[].class, long[].class, String[].class, ArrayList.class, HashMap.class,
            LinkedHashMap.class, HashSet.class, LinkedHashSet.class, TreeMap.class, TreeSet.class,
    };
    private static final int MAX_DEPTH = 512;
    private static final int KEEP_BYTES = 32 << 20;


    private final Pool<Kryo> pool;
    /** Set while {@link #warmUp} builds the first Kryo: callers wait for it instead of building a second. */
    private volatile java.util.concurrent.CountDownLatch warming;

    /**
     * @param loader  loads the classes named in data
     * @param filter  null to trust the data (it came from a parent), else checked for every class named
     * @param extra   further classes to register, identically on both sides
     */
    public Codec(ClassLoader loader, ClassFilter filter, Class<?>... extra) {
        this.pool = new Pool<>(true, false, 16) {
            @Override
            protected Kryo create() {
                Kryo kryo = new ValueKryo(filter == null ? new DefaultClassResolver()
                        : new FilteringClassResolver(filter));
                kryo.setRegistrationRequired(false);
                kryo.setMaxDepth(MAX_DEPTH);
                kryo.setClassLoader(loader);
                kryo.setInstantiatorStrategy(new ConstructorOrObjenesis());
                int id = 20;
                kryo.register(ClosureSerializer.Closure.class, new LambdaSerializer(filter == null), id++);
                for (Class<?> c : REGISTERED) {
                    if (c == HashMap.class) kryo.register(c, new SameOrderHashMap(), id++);
                    else if (c == HashSet.class) kryo.register(c, new SameOrderHashSet(), id++);
                    // with their order, which Kryo's own serializers would write as a JDK class it cannot send
                    else if (c == TreeMap.class) kryo.register(c, new JdkSerializer(JdkSerializer.MAP), id++);
                    else if (c == TreeSet.class) kryo.register(c, new JdkSerializer(JdkSerializer.SET), id++);
                    else kryo.register(c, id++);
                }
                id = JdkValues.register(kryo, id);
                for (Class<?> c : extra) kryo.register(c, id++);
                return kryo;
            }
        };
    }

    /**
     * Builds the first Kryo on a thread of its own and sends {@code sample} through it, so that a child's first call
     * finds Kryo (and the JDK's lambda machinery, if {@code sample} holds a lambda) ready. Encoding and decoding
     * wait for it rather than build another.
     */
    public void warmUp(Object sample) {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        warming = done;
        Thread t = new Thread(() -> {
            Kryo kryo = pool.obtain();
            try {
                read(kryo, write(kryo, 0, sample));
            } catch (RuntimeException | LinkageError e) {
                // only a warm-up: the first real call meets the same problem and reports it
            } finally {
                pool.free(kryo);
                warming = null;
                done.countDown();
            }
        }, "jitogen-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Writes {@code tag} then {@code value}. */
    public byte[] encode(int tag, Object value) {
        Kryo kryo = obtain();
        try {
            return write(kryo, tag, value);
        } finally {
            pool.free(kryo);
        }
    }

    /** Reads the value after the one-byte tag of {@code data}. */
    public Object decode(byte[] data) {
        Kryo kryo = obtain();
        try {
            return read(kryo, data);
        } finally {
            pool.free(kryo);
        }
    }

    private static byte[] write(Kryo kryo, int tag, Object value) {
        // each pooled Kryo keeps its output buffer (up to KEEP_BYTES), so large values are not copied over and over
        // while the buffer doubles; the result is one exact copy
        Output out = (Output) kryo.getContext().get(Output.class);
        if (out == null) kryo.getContext().put(Output.class, out = new Output(4096, -1));
        out.reset();
        try {
            out.writeByte(tag);
            kryo.writeClassAndObject(out, value);
            return out.toBytes();
        } finally {
            if (out.getBuffer().length > KEEP_BYTES) kryo.getContext().remove(Output.class);
        }
    }

    private static Object read(Kryo kryo, byte[] data) {
        return kryo.readClassAndObject(new Input(data, 1, data.length - 1));
    }

    private Kryo obtain() {
        java.util.concurrent.CountDownLatch w = warming;
        if (w != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    w.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        return pool.obtain();
    }

    /**
     * The table size a {@code HashMap} built with its default constructor has at {@code size} entries: rebuilt with
     * it, a map (or set) iterates, and so prints, in the same order on arrival as where it was made.
     */
    static int defaultTable(int size) {
        int table = 16;
        while (size > table * 3 / 4 && table < (1 << 30)) table <<= 1;
        return table;
    }

    private static final class SameOrderHashMap extends com.esotericsoftware.kryo.serializers.MapSerializer<HashMap<Object, Object>> {
        @Override
        protected HashMap<Object, Object> create(Kryo kryo, Input input, Class<? extends HashMap<Object, Object>> type, int size) {
            return new HashMap<>(defaultTable(size));
        }
    }

    private static final class SameOrderHashSet extends com.esotericsoftware.kryo.serializers.CollectionSerializer<HashSet<Object>> {
        @Override
        protected HashSet<Object> create(Kryo kryo, Input input, Class<? extends HashSet<Object>> type, int size) {
            return new HashSet<>(defaultTable(size));
        }
    }

    /** Finds the allow-list refusal behind a Kryo failure, if that is what it was. */
    public static RefusedClassException refusalIn(Throwable t) {
        for (; t != null; t = t.getCause()) if (t instanceof RefusedClassException r) return r;
        return null;
    }

    /**
     * Kryo's default strategy first generates a constructor accessor class per type with ReflectASM, which costs a
     * young JVM milliseconds per type; a no-arg constructor through reflection, else Objenesis, does the same job.
     */
    private static final class ConstructorOrObjenesis implements org.objenesis.strategy.InstantiatorStrategy {
        private final StdInstantiatorStrategy fallback = new StdInstantiatorStrategy();

        @Override
        public <T> org.objenesis.instantiator.ObjectInstantiator<T> newInstantiatorOf(Class<T> type) {
            try {
                java.lang.reflect.Constructor<T> ctor = type.getDeclaredConstructor();
                if (!java.lang.reflect.Modifier.isPublic(ctor.getModifiers())
                        || !java.lang.reflect.Modifier.isPublic(type.getModifiers())) {
                    ctor.setAccessible(true);
                }
                return () -> {
                    try {
                        return ctor.newInstance();
                    } catch (ReflectiveOperationException e) {
                        throw new KryoException("cannot construct " + type.getName() + ": " + e, e);
                    }
                };
            } catch (ReflectiveOperationException | RuntimeException e) {
                return fallback.newInstantiatorOf(type);
            }
        }
    }

    /**
     * Sends a JDK class as its canonical registered type ({@link JdkValues#canonical}: every default-file-system
     * path as {@code Path}, a {@code HashMap$Node} as a {@code Map.Entry}, a collection view as a plain copy), and
     * refuses a JDK class that would otherwise be taken apart field by field, naming it and what to send instead.
     */
    @SuppressWarnings("rawtypes") // Kryo's own signatures
    private static final class ValueKryo extends Kryo {
        ValueKryo(DefaultClassResolver resolver) {
            super(resolver, new MapReferenceResolver());
        }

        @Override
        public Registration getRegistration(Class type) {
            if (type != null) {
                Registration r = getClassResolver().getRegistration(type);
                if (r != null) return r;
                Class<?> canonical = JdkValues.canonical(type);
                if (canonical != type && (r = getClassResolver().getRegistration(canonical)) != null) return r;
            }
            return super.getRegistration(type);
        }

        @Override
        protected Serializer newDefaultSerializer(Class type) {
            String why = JdkValues.whyNotSendable(type);
            if (why != null) throw new NotSendableException(type.getName(), why);
            return super.newDefaultSerializer(type);
        }
    }

    /** Kryo's stock resolver loads a class before anything can refuse it; this one checks the name first. */
    private static final class FilteringClassResolver extends DefaultClassResolver {
        private final ClassFilter filter;

        FilteringClassResolver(ClassFilter filter) {
            this.filter = filter;
        }

        @Override
        protected Registration readName(Input input) {
            int nameId = input.readVarInt(true);
            if (nameIdToClass == null) nameIdToClass = new IntMap<>();
            Class<?> type = nameIdToClass.get(nameId);
            if (type == null) {
                String className = input.readString();
                type = getTypeByName(className);
                if (type == null) {
                    check(className);
                    try {
                        type = Class.forName(className, false, kryo.getClassLoader());
                    } catch (ClassNotFoundException e) {
                        throw new KryoException("Unable to find class: " + className, e);
                    }
                    if (nameToClass == null) nameToClass = new ObjectMap<>();
                    nameToClass.put(className, type);
                }
                nameIdToClass.put(nameId, type);
            }
            return kryo.getRegistration(type);
        }

        /** Also covers types Kryo reaches without a name: declared field types of an allowed class. */
        @Override
        public Registration registerImplicit(Class type) {
            check(type.getName());
            return super.registerImplicit(type);
        }

        private void check(String className) {
            String refusal = filter.refusal(className);
            if (refusal != null) throw new RefusedClassException(className, refusal);
        }
    }
}
