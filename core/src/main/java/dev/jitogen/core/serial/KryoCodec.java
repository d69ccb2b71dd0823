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
 * The Kryo half of {@link Codec}: every value the compact {@link PlainCodec} does not take. Created on first need, so
 * a child that only ever sends plain values never loads Kryo. What {@link Codec} says about trust, limits and
 * threads holds here: a codec for data from a child checks every class name with its {@link Codec.ClassFilter}
 * before loading it, refuses lambdas, checks every declared length against the bytes left, and bounds decoding by
 * its {@link Codec.Limits} and the caller's deadline ({@link DataBudget}).
 *
 * <p>Thread-safe: Kryo instances are pooled, one per concurrent caller; one that failed reading data from a child is
 * dropped, not reused. Never decode on an I/O thread (decoding may fetch classes).
 */
final class KryoCodec {


    /** Registrations both sides make in the same order, so common types travel as small ids, not names. */
    private static final Class<?>[] REGISTERED = {
            Object[].class, byte[].class, int[].class, long[].class, String[].class, ArrayList.class, HashMap.class,
            LinkedHashMap.class, HashSet.class, LinkedHashSet.class, TreeMap.class, TreeSet.class,
    };
    /** Depth for trusted data, which only the stack bounds. */
    private static final int TRUSTED_MAX_DEPTH = 512;
    private static final int KEEP_BYTES = 32 << 20;

    private final Pool<ValueKryo> pool;
    /** True if this codec reads data from a child: a Kryo that failed reading is dropped then (see decode). */
    private final boolean bounded;
    /** The largest encoding written, or -1 for no limit. */
    private final int maxBytes;

    /**
     * @param loader   loads the classes named in data
     * @param filter   null to trust the data (it came from a parent), else checked for every class named
     * @param limits   bounds on decoding one message, when {@code filter} is set
     * @param maxBytes the largest encoding {@link #encode} writes (the max message size), or -1 for no limit
     * @param extra    further classes to register, identically on both sides
     */
    KryoCodec(ClassLoader loader, Codec.ClassFilter filter, Codec.Limits limits, int maxBytes, Class<?>... extra) {
        this.bounded = filter != null;
        this.maxBytes = maxBytes;
        this.pool = new Pool<>(true, false, 16) {
            @Override
            protected ValueKryo create() {
                DataBudget budget = filter == null ? null : new DataBudget(limits.maxDepth(), limits.maxElements());
                ValueKryo kryo = new ValueKryo(filter == null ? new DefaultClassResolver()
                        : new FilteringClassResolver(filter), budget);
                if (budget != null) kryo.getContext().put(DataBudget.class, budget);
                kryo.setRegistrationRequired(false);
                kryo.setMaxDepth(filter == null ? TRUSTED_MAX_DEPTH : limits.maxDepth() + 1); // the budget says it first
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
                for (Class<?> c : extra) {
                    if (Plain.class.isAssignableFrom(c)) kryo.register(c, new PlainSerializer(c), id++);
                    else kryo.register(c, id++);
                }
                return kryo;
            }
        };
    }

    /**
     * Writes {@code tag} then {@code value}.
     *
     * @throws KryoException if the value cannot be sent, or its encoding would pass the max message size
     */
    byte[] encode(int tag, Object value) {
        ValueKryo kryo = obtain();
        boolean reusable = false;
        try {
            byte[] bytes = write(kryo, tag, value, maxBytes);
            reusable = true;
            return bytes;
        } catch (RuntimeException e) {
            reusable = true; // Kryo unwound normally; only an Error (out of memory, stack overflow) leaves it unsure
            throw e;
        } finally {
            if (reusable) pool.free(kryo);
        }
    }

    /** Reads the value after the one-byte tag of {@code data}, with no deadline. */
    Object decode(byte[] data) {
        return decode(data, false, 0);
    }

    /**
     * Reads the value after the one-byte tag of {@code data}; if {@code timed}, gives up at {@code deadline} (a
     * {@link System#nanoTime()} value). Decoding data from a child also gives up when the thread is interrupted.
     *
     * @throws DataLimitException  if data from a child passed a limit, the deadline, or the thread was interrupted;
     *                             also for data that nests too deep for the thread's stack
     * @throws KryoException       if the data is malformed or names a refused class ({@link #refusalIn})
     */
    Object decode(byte[] data, boolean timed, long deadline) {
        ValueKryo kryo = obtain();
        boolean reusable = false;
        try {
            Object value = read(kryo, data, timed, deadline);
            reusable = true;
            return value;
        } catch (StackOverflowError e) {
            // deep data, or data that refers to itself where hashing it never ends: its reply fails, nothing else
            throw DataLimitException.stack();
        } catch (RuntimeException e) {
            // a Kryo that stopped half way through data from a child keeps half-done state (pending reference ids,
            // generic types): drop it. Trusted data fails only for reasons the sender will hear about anyway.
            reusable = !bounded;
            DataLimitException limit = Codec.limitIn(e); // Kryo wraps what its reference resolver throws
            throw limit != null ? limit : e;
        } finally {
            if (reusable) pool.free(kryo);
        }
    }

    private static byte[] write(Kryo kryo, int tag, Object value, int maxBytes) {
        // each pooled Kryo keeps its output buffer (up to KEEP_BYTES), so large values are not copied over and over
        // while the buffer doubles; the result is one exact copy
        Output out = (Output) kryo.getContext().get(Output.class);
        if (out == null) {
            kryo.getContext().put(Output.class, out = new Output(maxBytes < 0 ? 4096 : Math.min(4096, maxBytes), maxBytes));
        }
        out.reset();
        try {
            out.writeByte(tag);
            kryo.writeClassAndObject(out, value);
            return out.toBytes();
        } catch (com.esotericsoftware.kryo.io.KryoBufferOverflowException e) {
            // stopped at the limit instead of growing a buffer (and a copy of it) the receiver would refuse anyway
            throw new KryoException("its encoding would be over the max message size " + maxBytes + " bytes; send "
                    + "less, or raise the limit with Router.builder().maxMessageSize(...)");
        } finally {
            if (out.getBuffer().length > KEEP_BYTES) kryo.getContext().remove(Output.class);
        }
    }

    private static Object read(ValueKryo kryo, byte[] data, boolean timed, long deadline) {
        if (data.length == 0) throw new KryoException("an empty message, with no value in it");
        if (kryo.budget == null) return kryo.readClassAndObject(new Input(data, 1, data.length - 1));
        Input in = new BoundedInput(data, 1, data.length - 1);
        kryo.budget.begin(in, timed, deadline);
        return kryo.readClassAndObject(in);
    }

    private ValueKryo obtain() {
        return pool.obtain();
    }

    private static final class SameOrderHashMap extends com.esotericsoftware.kryo.serializers.MapSerializer<HashMap<Object, Object>> {
        @Override
        protected HashMap<Object, Object> create(Kryo kryo, Input input, Class<? extends HashMap<Object, Object>> type, int size) {
            if (DataBudget.of(kryo) != null) DataBudget.checkLength(input, "a map", size, 2);
            DataBudget.hashes(kryo, true);
            // past the pre-sized table the map doubles as a default one does, so it ends at the same table size
            return new HashMap<>(Codec.defaultTable(Math.min(size, BoundedSerializers.MAX_PRESIZE)));
        }
    }

    private static final class SameOrderHashSet extends com.esotericsoftware.kryo.serializers.CollectionSerializer<HashSet<Object>> {
        @Override
        protected HashSet<Object> create(Kryo kryo, Input input, Class<? extends HashSet<Object>> type, int size) {
            BoundedSerializers.slots(kryo, size);
            DataBudget.hashes(kryo, false);
            return new HashSet<>(Codec.defaultTable(Math.min(size, BoundedSerializers.MAX_PRESIZE)));
        }
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
     * Reading data from a child, it accounts every object read to the message's {@link DataBudget} and uses the
     * {@link BoundedSerializers}.
     */
    @SuppressWarnings({"rawtypes", "unchecked"}) // Kryo's own signatures
    private static final class ValueKryo extends Kryo {
        /** Null for trusted data. */
        final DataBudget budget;

        ValueKryo(DefaultClassResolver resolver, DataBudget budget) {
            super(resolver, budget == null ? new MapReferenceResolver() : new DataBudget.References(budget));
            this.budget = budget;
        }

        @Override
        public Serializer getDefaultSerializer(Class type) {
            Serializer s = super.getDefaultSerializer(type);
            return budget == null ? s : BoundedSerializers.bounded(this, type, s);
        }

        // every object read, whichever method reads it, is one enter/exit of the budget; exit may refuse the object
        // (a cycle, the element limit) after it is read and before whoever reads it adds it to a set or map

        @Override
        public Object readClassAndObject(Input input) {
            if (budget == null) return super.readClassAndObject(input);
            budget.enter();
            Object o = super.readClassAndObject(input);
            budget.exit(); // not on failure: the message is abandoned, and the budget starts afresh with the next
            return o;
        }

        @Override
        public <T> T readObject(Input input, Class<T> type) {
            if (budget == null) return super.readObject(input, type);
            budget.enter();
            T o = super.readObject(input, type);
            budget.exit();
            return o;
        }

        @Override
        public <T> T readObject(Input input, Class<T> type, Serializer serializer) {
            if (budget == null) return super.readObject(input, type, serializer);
            budget.enter();
            T o = super.readObject(input, type, serializer);
            budget.exit();
            return o;
        }

        @Override
        public <T> T readObjectOrNull(Input input, Class<T> type) {
            if (budget == null) return super.readObjectOrNull(input, type);
            budget.enter();
            T o = super.readObjectOrNull(input, type);
            budget.exit();
            return o;
        }

        @Override
        public <T> T readObjectOrNull(Input input, Class<T> type, Serializer serializer) {
            if (budget == null) return super.readObjectOrNull(input, type, serializer);
            budget.enter();
            T o = super.readObjectOrNull(input, type, serializer);
            budget.exit();
            return o;
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
        private final Codec.ClassFilter filter;

        FilteringClassResolver(Codec.ClassFilter filter) {
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
