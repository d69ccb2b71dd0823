package dev.jitogen.core.serial;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact form of {@link Codec}, for what most calls and replies are: null, boxed primitives, strings, byte
 * arrays, {@code Object[]}, {@code ArrayList}, and {@code HashMap} or {@code LinkedHashMap} with scalar keys (so
 * that decoding never runs a key's {@code hashCode} deeper than a string), serializable lambdas capturing such
 * values, and {@link Plain} classes made of them.
 *
 * <p>Threads: any; thread-safe and stateless but for the lambda shapes it has rebuilt (bounded, see
 * {@link LambdaShapes}). The bytes of one encoding or decoding are in a {@link PlainOutput} or {@link PlainInput} of
 * that call's own.
 *
 * <p>It exists so that a child answers calls of plain values without loading Kryo (about 800 KB of classes and 40 ms
 * of set-up). Whatever it does not take, {@link #encode} says so with null, and the whole message goes to Kryo: a
 * value shared twice in one message (identity), or nested deeper than {@link #MAX_WRITE_DEPTH}, included.
 *
 * <p>On the wire: the tag byte with {@link #FLAG} set (Kryo's encodings start with the bare tag), then one value:
 * a kind byte and its payload; lengths and counts are unsigned varints, strings modified UTF-8 (every
 * {@code char}, unpaired surrogates included, comes back as it was). Decoding data from a child checks each declared
 * length against the bytes left before allocating, counts depth and elements against the {@link Codec.Limits},
 * checks the deadline and interrupts every 1,024 elements, and refuses lambdas and {@link Plain} classes: what it
 * builds is only JDK value types, which the data allow-list accepts anyway.
 */
final class PlainCodec {
    static final int FLAG = 0x40;
    /** Deeper values go to Kryo, which rebuilds them on a deep stack's terms and reports a shallow one's refusal. */
    static final int MAX_WRITE_DEPTH = 32;

    private static final byte NULL = 0, TRUE = 1, FALSE = 2, INT = 3, LONG = 4, DOUBLE = 5, FLOAT = 6, SHORT = 7,
            BYTE = 8, CHAR = 9, STRING = 10, BYTES = 11, LIST = 12, HASH_MAP = 13, LINKED_MAP = 14, ARRAY = 15,
            LAMBDA = 16, PLAIN = 17;

    private final ClassLoader loader;
    private final boolean bounded;
    private final Codec.Limits limits;
    private final int maxBytes;
    private final Class<?>[] plainTypes;
    /** The no-argument constructors of {@link #plainTypes}, found on first use: reflection per call would cost. */
    private final Constructor<?>[] constructors;
    private final LambdaShapes.Reader lambdas = new LambdaShapes.Reader();

    PlainCodec(ClassLoader loader, boolean bounded, Codec.Limits limits, int maxBytes, Class<?>[] extra) {
        this.loader = loader;
        this.bounded = bounded;
        this.limits = limits;
        this.maxBytes = maxBytes;
        List<Class<?>> p = new ArrayList<>();
        for (Class<?> c : extra) if (Plain.class.isAssignableFrom(c)) p.add(c);
        this.plainTypes = p.toArray(new Class<?>[0]);
        this.constructors = new Constructor<?>[plainTypes.length];
    }

    static boolean isPlain(byte[] data) {
        return data.length > 0 && (data[0] & FLAG) != 0;
    }

    // ---- writing ----------------------------------------------------------------------------------------------

    /** Thrown inside {@link #encode} when the value is not plain: the message goes to Kryo instead. */
    static final class NotPlain extends RuntimeException {
        static final NotPlain INSTANCE = new NotPlain();
        /**
         * Not an error: a growing pass met a large array or string, and the value is written again, counted first
         * (see {@link PlainOutput}). One class for both spares the child's boot bundle a class.
         */
        static final NotPlain LARGE = new NotPlain();

        private NotPlain() {
            super(null, null, false, false);
        }
    }

    /** The compact encoding of {@code value} after {@code tag}, or null if it is not plain (use Kryo). */
    byte[] encode(int tag, Object value) {
        if (tag != 0) return null; // failures carry stack traces: Kryo's
        try {
            try {
                return write(PlainOutput.growing(maxBytes), tag, value).toBytes();
            } catch (NotPlain e) {
                if (e != NotPlain.LARGE) throw e;
                // a large array or string: count the bytes, then write them once into an array of that size
            }
            int size = write(PlainOutput.counting(maxBytes), tag, value).size();
            return write(PlainOutput.exact(size, maxBytes), tag, value).toBytes();
        } catch (NotPlain e) {
            return null;
        }
    }

    private PlainOutput write(PlainOutput out, int tag, Object value) {
        out.write(tag | FLAG);
        writeValue(out, value, 0, null);
        return out;
    }

    private void writeValue(PlainOutput out, Object v, int depth, Seen seen) {
        if (depth > MAX_WRITE_DEPTH) throw NotPlain.INSTANCE;
        if (v == null) {
            out.write(NULL);
            return;
        }
        Class<?> c = v.getClass();
        if (c == String.class) {
            out.write(STRING);
            out.string((String) v);
        } else if (c == Integer.class) {
            out.write(INT);
            int i = (Integer) v;
            out.varLong(((i << 1) ^ (i >> 31)) & 0xffffffffL);
        } else if (c == Long.class) {
            out.write(LONG);
            out.fixed((Long) v);
        } else if (c == Boolean.class) {
            out.write((Boolean) v ? TRUE : FALSE);
        } else if (c == byte[].class) {
            byte[] b = (byte[]) v;
            out.write(BYTES);
            out.varLong(b.length);
            out.bytes(b);
        } else if (c == Double.class) {
            out.write(DOUBLE);
            out.fixed(Double.doubleToRawLongBits((Double) v));
        } else if (c == Float.class) {
            out.write(FLOAT);
            out.varLong(Float.floatToRawIntBits((Float) v) & 0xffffffffL);
        } else if (c == Short.class) {
            out.write(SHORT);
            out.varLong((Short) v & 0xffff);
        } else if (c == Byte.class) {
            out.write(BYTE);
            out.write((Byte) v);
        } else if (c == Character.class) {
            out.write(CHAR);
            out.varLong((Character) v);
        } else if (c == ArrayList.class || c == Object[].class) {
            seen = once(v, seen);
            List<?> list = c == ArrayList.class ? (List<?>) v : java.util.Arrays.asList((Object[]) v);
            out.write(c == ArrayList.class ? LIST : ARRAY);
            out.varLong(list.size());
            for (Object e : list) writeValue(out, e, depth + 1, seen);
        } else if (c == HashMap.class || c == LinkedHashMap.class) {
            seen = once(v, seen);
            Map<?, ?> map = (Map<?, ?>) v;
            out.write(c == HashMap.class ? HASH_MAP : LINKED_MAP);
            out.varLong(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!scalar(e.getKey())) throw NotPlain.INSTANCE;
                writeValue(out, e.getKey(), depth + 1, seen);
                writeValue(out, e.getValue(), depth + 1, seen);
            }
        } else if (v instanceof Plain p && plainIndex(c) >= 0) {
            seen = once(v, seen);
            out.write(PLAIN);
            out.varLong(plainIndex(c));
            Object[] parts = p.parts();
            out.varLong(parts.length);
            for (Object part : parts) writeValue(out, part, depth + 1, seen);
        } else if (c.isSynthetic() && c.getName().contains("$$Lambda")) {
            SerializedLambda s;
            try {
                s = Lambdas.serialized(v);
            } catch (RuntimeException e) {
                throw NotPlain.INSTANCE; // Kryo says what is wrong with it
            }
            out.write(LAMBDA);
            byte[] shape = LambdaShapes.shape(c, s);
            out.varLong(shape.length);
            out.bytes(shape);
            out.varLong(s.getCapturedArgCount());
            for (int i = 0; i < s.getCapturedArgCount(); i++) writeValue(out, s.getCapturedArg(i), depth + 1, seen);
        } else {
            throw NotPlain.INSTANCE;
        }
    }

    /** Containers travel by value: one seen twice (shared, or a cycle) needs Kryo's references. */
    private static Seen once(Object v, Seen seen) {
        if (seen == null) seen = new Seen();
        if (!seen.add(v)) throw NotPlain.INSTANCE;
        return seen;
    }

    /** The containers written so far, by identity: a scan of a few (a call, its arguments), a map past those. */
    private static final class Seen {
        private final Object[] few = new Object[8];
        private int n;
        private IdentityHashMap<Object, Boolean> many;

        boolean add(Object v) {
            if (many != null) return many.put(v, Boolean.TRUE) == null;
            for (int i = 0; i < n; i++) if (few[i] == v) return false;
            if (n < few.length) {
                few[n++] = v;
                return true;
            }
            many = new IdentityHashMap<>();
            for (Object o : few) many.put(o, Boolean.TRUE);
            return many.put(v, Boolean.TRUE) == null;
        }
    }

    private static boolean scalar(Object k) {
        return k == null || k instanceof String || k instanceof Integer || k instanceof Long || k instanceof Boolean
                || k instanceof Character || k instanceof Short || k instanceof Byte;
    }

    private int plainIndex(Class<?> c) {
        for (int i = 0; i < plainTypes.length; i++) if (plainTypes[i] == c) return i;
        return -1;
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /** Reads the value after the tag byte; see {@link Codec#decode(byte[], boolean, long)}. */
    Object decode(byte[] data, boolean timed, long deadline) {
        PlainInput in = new PlainInput(data, bounded, limits, timed, deadline);
        try {
            Object v = readValue(in, 1);
            if (in.pos != data.length) throw new IllegalArgumentException("malformed message: "
                    + (data.length - in.pos) + " bytes after its value");
            return v;
        } catch (StackOverflowError e) {
            throw DataLimitException.stack();
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("malformed message: it ends inside its value");
        }
    }

    private Object readValue(PlainInput in, int depth) {
        in.count(depth);
        byte kind = in.data[in.pos++];
        switch (kind) {
            case NULL: return null;
            case TRUE: return Boolean.TRUE;
            case FALSE: return Boolean.FALSE;
            case INT: {
                int z = (int) in.varLong();
                return (z >>> 1) ^ -(z & 1);
            }
            case LONG: return in.fixed();
            case DOUBLE: return Double.longBitsToDouble(in.fixed());
            case FLOAT: return Float.intBitsToFloat((int) in.varLong());
            case SHORT: return (short) in.varLong();
            case BYTE: return in.data[in.pos++];
            case CHAR: return (char) in.varLong();
            case STRING: return in.string();
            case BYTES: {
                int n = in.length("a byte array", 1);
                byte[] b = java.util.Arrays.copyOfRange(in.data, in.pos, in.pos + n);
                in.pos += n;
                return b;
            }
            case LIST:
            case ARRAY: {
                int n = in.length(kind == LIST ? "a list" : "an array", 1);
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) a[i] = readValue(in, depth + 1);
                return kind == LIST ? new ArrayList<>(java.util.Arrays.asList(a)) : a;
            }
            case HASH_MAP:
            case LINKED_MAP: {
                int n = in.length("a map", 2);
                int table = Codec.defaultTable(Math.min(n, 1024));
                Map<Object, Object> m = kind == HASH_MAP ? new HashMap<>(table) : new LinkedHashMap<>(table);
                for (int i = 0; i < n; i++) {
                    Object k = readValue(in, depth + 1);
                    if (!scalar(k)) throw new IllegalArgumentException("malformed message: a map key that is not a scalar");
                    m.put(k, readValue(in, depth + 1));
                }
                return m;
            }
            case LAMBDA: return readLambda(in, depth);
            case PLAIN: return readPlain(in, depth);
            default: throw new IllegalArgumentException("malformed message: value kind " + kind);
        }
    }

    private Object readPlain(PlainInput in, int depth) {
        int index = (int) in.varLong();
        if (bounded) throw new RefusedClassException("a call", "a child may not send calls (code) to its parent");
        if (index < 0 || index >= plainTypes.length) throw new IllegalArgumentException("malformed message: type " + index);
        int n = in.length("a call", 1);
        Object[] parts = new Object[n];
        for (int i = 0; i < n; i++) parts[i] = readValue(in, depth + 1);
        try {
            Constructor<?> ctor = constructors[index];
            if (ctor == null) {
                ctor = plainTypes[index].getDeclaredConstructor();
                ctor.setAccessible(true);
                constructors[index] = ctor; // a benign race: any thread finds the same constructor
            }
            Plain p = (Plain) ctor.newInstance();
            p.restore(parts);
            return p;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + plainTypes[index].getName() + ": " + e, e);
        }
    }

    private Object readLambda(PlainInput in, int depth) {
        if (bounded) throw new RefusedClassException("lambda", "a child may not send code (a lambda) to its parent");
        int len = in.length("a lambda", 1);
        LambdaShapes.Shape shape = lambdas.shape(in.data, in.pos, len, loader);
        in.pos += len;
        int n = in.length("a lambda's captured values", 1);
        Object[] captured = new Object[n];
        for (int i = 0; i < n; i++) captured[i] = readValue(in, depth + 1);
        return lambdas.rebuild(shape, captured);
    }
}
