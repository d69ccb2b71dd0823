package dev.jitogen.core.serial;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a serializable lambda travels, for both codecs (the compact one and Kryo's): as its <em>shape</em>, the nine
 * names and descriptors of its {@link SerializedLambda} (the same for every instance of one lambda class) in one UTF-8
 * block computed once per class, followed by its captured values, which each codec writes its own way. The reading
 * side keeps what it built from each shape and reuses a lambda that captures nothing, so a lambda sent before costs
 * no reflection on either side. It is rebuilt with the capturing class's own {@code $deserializeLambda$}, which needs
 * no {@code --add-opens}.
 *
 * <p>Threads: the static methods, any thread; a {@link Reader} is safe for concurrent use (its cache is concurrent
 * and bounded, and a shape built twice by a race is the same shape).
 */
final class LambdaShapes {
    private LambdaShapes() {}

    private static final int MAX_SHAPES = 4096;

    /**
     * A capturing class's {@code $deserializeLambda$}, looked up by its name and type. Not by reflection:
     * {@code getDeclaredMethod} resolves the types in the signatures of all of the class's methods, and a child then
     * loaded classes the lambda never uses. Rebuilding a lambda of {@code Router} (the start of a context through
     * another) fetched the master's class finder, a round trip while starting the context, for a type named by one
     * of {@code Router}'s methods.
     */
    private static final ClassValue<MethodHandle> DESERIALIZE = new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
            MethodType deserialize = MethodType.methodType(Object.class, SerializedLambda.class);
            try {
                return MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                        .findStatic(type, "$deserializeLambda$", deserialize);
            } catch (IllegalAccessException e) {
                // a class in a named module that does not open its package to us: reflection may still reach it
                try {
                    Method m = type.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
                    m.setAccessible(true);
                    return MethodHandles.lookup().unreflect(m);
                } catch (ReflectiveOperationException | RuntimeException again) {
                    throw new IllegalStateException(type.getName() + " has no serializable lambdas", again);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type.getName() + " has no serializable lambdas", e);
            }
        }
    };
    /** A lambda class's shape block, found from the first instance written. */
    private static final ClassValue<byte[][]> SHAPES = new ClassValue<>() {
        @Override
        protected byte[][] computeValue(Class<?> type) {
            return new byte[1][];
        }
    };

    /** The shape block of {@code s}, a lambda of class {@code type}. */
    static byte[] shape(Class<?> type, SerializedLambda s) {
        byte[][] cached = SHAPES.get(type);
        byte[] shape = cached[0];
        if (shape == null) {
            String text = String.join("\n", s.getCapturingClass(), s.getFunctionalInterfaceClass(),
                    s.getFunctionalInterfaceMethodName(), s.getFunctionalInterfaceMethodSignature(),
                    Integer.toString(s.getImplMethodKind()), s.getImplClass(), s.getImplMethodName(),
                    s.getImplMethodSignature(), s.getInstantiatedMethodType());
            cached[0] = shape = text.getBytes(StandardCharsets.UTF_8);
        }
        return shape;
    }

    /** A shape as read: its block, its parts, and the lambda itself once built if it captures nothing. */
    static final class Shape {
        final byte[] block;
        final Class<?> capturingClass;
        final String[] parts;
        final int kind;
        volatile Object noCapture;

        private Shape(byte[] block, Class<?> capturingClass, String[] parts, int kind) {
            this.block = block;
            this.capturingClass = capturingClass;
            this.parts = parts;
            this.kind = kind;
        }
    }

    /** The reading side: what each shape block was rebuilt into. */
    static final class Reader {
        /** How many of the shapes read last are found by comparing bytes, before the map. */
        private static final int RECENT = 4;
        /** By the block as ISO-8859-1 text, byte for byte. */
        private final Map<String, Shape> shapes = new ConcurrentHashMap<>();
        /**
         * The shapes read last, found by comparing the block's bytes: a call of a lambda sent before costs no string
         * made, hashed and compared, which in a child (compiled by C1 only, where none of that is intrinsic) was
         * half the CPU of a no-op call. Racy by design: a thread sees a shape whole or not at all (final fields),
         * and a lost update only costs a map lookup.
         */
        private final Shape[] recent = new Shape[RECENT];
        private int next;

        /**
         * The shape in {@code data[off, off + len)}, with its capturing class found in {@code loader}; throws
         * {@link IllegalArgumentException} for a malformed block and {@link IllegalStateException} for a class not
         * found.
         */
        Shape shape(byte[] data, int off, int len, ClassLoader loader) {
            for (Shape r : recent) {
                if (r != null && r.block.length == len && Arrays.equals(r.block, 0, len, data, off, off + len)) {
                    return r;
                }
            }
            String key = new String(data, off, len, StandardCharsets.ISO_8859_1);
            Shape shape = shapes.get(key);
            if (shape != null) return remember(shape);
            String[] parts = new String(data, off, len, StandardCharsets.UTF_8).split("\n", -1);
            if (parts.length != 9) {
                throw new IllegalArgumentException("malformed lambda: " + parts.length + " parts instead of 9");
            }
            int kind;
            try {
                kind = Integer.parseInt(parts[4]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed lambda: method kind " + parts[4]);
            }
            try {
                shape = new Shape(Arrays.copyOfRange(data, off, off + len),
                        Class.forName(parts[0].replace('/', '.'), false, loader), parts, kind);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("cannot find the lambda's capturing class " + parts[0], e);
            }
            if (shapes.size() >= MAX_SHAPES) shapes.clear();
            shapes.put(key, shape);
            return remember(shape);
        }

        private Shape remember(Shape shape) {
            int i = next;
            recent[i] = shape;
            next = (i + 1) % RECENT;
            return shape;
        }

        /** The lambda of {@code shape} with {@code captured}; throws {@link IllegalStateException} if it cannot be. */
        Object rebuild(Shape shape, Object[] captured) {
            Object cached = shape.noCapture;
            if (captured.length == 0 && cached != null) return cached;
            String[] p = shape.parts;
            SerializedLambda s = new SerializedLambda(shape.capturingClass, p[1], p[2], p[3], shape.kind, p[5], p[6],
                    p[7], p[8], captured);
            Object lambda;
            MethodHandle deserialize = DESERIALIZE.get(shape.capturingClass);
            try {
                lambda = deserialize.invoke(s);
            } catch (Throwable e) {
                // what $deserializeLambda$ threw (a shape it does not know: "Invalid lambda deserialization")
                throw new IllegalStateException("cannot rebuild lambda " + p[5] + "." + p[6] + ": " + e, e);
            }
            if (captured.length == 0) shape.noCapture = lambda;
            return lambda;
        }
    }
}
