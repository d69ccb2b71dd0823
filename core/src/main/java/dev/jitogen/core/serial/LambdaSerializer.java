package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Sends serializable lambdas and method references as their {@link SerializedLambda} parts and rebuilds them with
 * the capturing class's own {@code $deserializeLambda$}, which needs no {@code --add-opens}. Code only flows from
 * parent to child: a codec reading data from a child refuses lambdas ({@code readable=false}).
 *
 * <p>On the wire: the lambda's <em>shape</em> (the nine names and descriptors of its {@link SerializedLambda}, the
 * same for every instance of one lambda class) as one UTF-8 block computed once per class, then the captured values.
 * The reading side keeps what it built from each shape, and reuses a lambda that captures nothing, so a call of a
 * lambda sent before costs no reflection on either side. One instance per Kryo, so one thread at a time.
 */
final class LambdaSerializer extends Serializer<Object> {
    private static final ClassValue<Method> DESERIALIZE = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            try {
                Method m = type.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
                m.setAccessible(true);
                return m;
            } catch (ReflectiveOperationException e) {
                throw new KryoException(type.getName() + " has no serializable lambdas", e);
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
    private static final int MAX_SHAPES = 4096;

    private final boolean readable;
    /** Read side: what each shape block (as ISO-8859-1 text, byte for byte) was rebuilt into. */
    private final Map<String, Shape> shapes = new HashMap<>();

    LambdaSerializer(boolean readable) {
        this.readable = readable;
    }

    /** A shape as read: its parts, and the lambda itself once built if it captures nothing. */
    private static final class Shape {
        final Class<?> capturingClass;
        final String[] parts;
        final int kind;
        Object noCapture;

        Shape(Class<?> capturingClass, String[] parts, int kind) {
            this.capturingClass = capturingClass;
            this.parts = parts;
            this.kind = kind;
        }
    }

    @Override
    public void write(Kryo kryo, Output out, Object lambda) {
        SerializedLambda s = Lambdas.serialized(lambda);
        byte[][] cached = SHAPES.get(lambda.getClass());
        byte[] shape = cached[0];
        if (shape == null) {
            String text = String.join("\n", s.getCapturingClass(), s.getFunctionalInterfaceClass(),
                    s.getFunctionalInterfaceMethodName(), s.getFunctionalInterfaceMethodSignature(),
                    Integer.toString(s.getImplMethodKind()), s.getImplClass(), s.getImplMethodName(),
                    s.getImplMethodSignature(), s.getInstantiatedMethodType());
            cached[0] = shape = text.getBytes(StandardCharsets.UTF_8);
        }
        out.writeVarInt(shape.length, true);
        out.writeBytes(shape);
        out.writeVarInt(s.getCapturedArgCount(), true);
        for (int i = 0; i < s.getCapturedArgCount(); i++) kryo.writeClassAndObject(out, s.getCapturedArg(i));
    }

    @Override
    public Object read(Kryo kryo, Input in, Class<?> type) {
        if (!readable) throw new RefusedClassException("lambda", "a child may not send code (a lambda) to its parent");
        byte[] block = in.readBytes(in.readVarInt(true));
        String key = new String(block, StandardCharsets.ISO_8859_1);
        Shape shape = shapes.get(key);
        if (shape == null) {
            shape = parse(kryo, block);
            if (shapes.size() >= MAX_SHAPES) shapes.clear();
            shapes.put(key, shape);
        }
        Object[] captured = new Object[in.readVarInt(true)];
        for (int i = 0; i < captured.length; i++) captured[i] = kryo.readClassAndObject(in);
        if (captured.length == 0 && shape.noCapture != null) return shape.noCapture;
        String[] p = shape.parts;
        SerializedLambda s = new SerializedLambda(shape.capturingClass, p[1], p[2], p[3], shape.kind, p[5], p[6], p[7],
                p[8], captured);
        Object lambda;
        try {
            lambda = DESERIALIZE.get(shape.capturingClass).invoke(null, s);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new KryoException("cannot rebuild lambda " + p[5] + "." + p[6] + ": " + cause, cause);
        }
        if (captured.length == 0) shape.noCapture = lambda;
        return lambda;
    }

    private static Shape parse(Kryo kryo, byte[] block) {
        String[] parts = new String(block, StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 9) throw new KryoException("malformed lambda: " + parts.length + " parts instead of 9");
        Class<?> capturingClass;
        try {
            capturingClass = Class.forName(parts[0].replace('/', '.'), false, kryo.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new KryoException("cannot find the lambda's capturing class " + parts[0], e);
        }
        try {
            return new Shape(capturingClass, parts, Integer.parseInt(parts[4]));
        } catch (NumberFormatException e) {
            throw new KryoException("malformed lambda: method kind " + parts[4]);
        }
    }
}
