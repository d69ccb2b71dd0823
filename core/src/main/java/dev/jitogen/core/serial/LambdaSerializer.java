package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.invoke.SerializedLambda;

/**
 * Sends serializable lambdas and method references as their {@link SerializedLambda} parts and rebuilds them with
 * the capturing class's own {@code $deserializeLambda$}, which needs no {@code --add-opens}. Code only flows from
 * parent to child: a codec reading data from a child refuses lambdas ({@code readable=false}).
 *
 * <p>On the wire: the lambda's <em>shape</em> (the nine names and descriptors of its {@link SerializedLambda}, the
 * same for every instance of one lambda class) as one UTF-8 block computed once per class, then the captured values.
 * See {@link LambdaShapes}, shared with the compact codec. One instance per Kryo, so one thread at a time.
 */
final class LambdaSerializer extends Serializer<Object> {
    private final boolean readable;
    private final LambdaShapes.Reader lambdas = new LambdaShapes.Reader();

    LambdaSerializer(boolean readable) {
        this.readable = readable;
    }

    @Override
    public void write(Kryo kryo, Output out, Object lambda) {
        SerializedLambda s = Lambdas.serialized(lambda);
        byte[] shape = LambdaShapes.shape(lambda.getClass(), s);
        out.writeVarInt(shape.length, true);
        out.writeBytes(shape);
        out.writeVarInt(s.getCapturedArgCount(), true);
        for (int i = 0; i < s.getCapturedArgCount(); i++) kryo.writeClassAndObject(out, s.getCapturedArg(i));
    }

    @Override
    public Object read(Kryo kryo, Input in, Class<?> type) {
        if (!readable) throw new RefusedClassException("lambda", "a child may not send code (a lambda) to its parent");
        byte[] block = in.readBytes(in.readVarInt(true));
        LambdaShapes.Shape shape;
        try {
            shape = lambdas.shape(block, 0, block.length, kryo.getClassLoader());
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KryoException(e.getMessage(), e);
        }
        Object[] captured = new Object[in.readVarInt(true)];
        for (int i = 0; i < captured.length; i++) captured[i] = kryo.readClassAndObject(in);
        try {
            return lambdas.rebuild(shape, captured);
        } catch (IllegalStateException e) {
            throw new KryoException(e.getMessage(), e);
        }
    }
}
