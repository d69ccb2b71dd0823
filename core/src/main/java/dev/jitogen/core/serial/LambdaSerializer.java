package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;

/**
 * Sends serializable lambdas and method references as their {@link SerializedLambda} parts and rebuilds them with
 * the capturing class's own {@code $deserializeLambda$}, which needs no {@code --add-opens}. Code only flows from
 * parent to child: a codec reading data from a child refuses lambdas ({@code readable=false}).
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

    private final boolean readable;

    LambdaSerializer(boolean readable) {
        this.readable = readable;
    }

    @Override
    public void write(Kryo kryo, Output out, Object lambda) {
        SerializedLambda s = Lambdas.serialized(lambda);
        out.writeString(s.getCapturingClass());
        out.writeString(s.getFunctionalInterfaceClass());
        out.writeString(s.getFunctionalInterfaceMethodName());
        out.writeString(s.getFunctionalInterfaceMethodSignature());
        out.writeVarInt(s.getImplMethodKind(), true);
        out.writeString(s.getImplClass());
        out.writeString(s.getImplMethodName());
        out.writeString(s.getImplMethodSignature());
        out.writeString(s.getInstantiatedMethodType());
        out.writeVarInt(s.getCapturedArgCount(), true);
        for (int i = 0; i < s.getCapturedArgCount(); i++) kryo.writeClassAndObject(out, s.getCapturedArg(i));
    }

    @Override
    public Object read(Kryo kryo, Input in, Class<?> type) {
        if (!readable) throw new RefusedClassException("lambda", "a child may not send code (a lambda) to its parent");
        String capturing = in.readString();
        Class<?> capturingClass;
        try {
            capturingClass = Class.forName(capturing.replace('/', '.'), false, kryo.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new KryoException("cannot find the lambda's capturing class " + capturing, e);
        }
        String fi = in.readString(), fiName = in.readString(), fiSig = in.readString();
        int kind = in.readVarInt(true);
        String implClass = in.readString(), implName = in.readString(), implSig = in.readString();
        String instantiated = in.readString();
        Object[] captured = new Object[in.readVarInt(true)];
        for (int i = 0; i < captured.length; i++) captured[i] = kryo.readClassAndObject(in);
        SerializedLambda s = new SerializedLambda(capturingClass, fi, fiName, fiSig, kind, implClass, implName,
                implSig, instantiated, captured);
        try {
            return DESERIALIZE.get(capturingClass).invoke(null, s);
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new KryoException("cannot rebuild lambda " + implClass + "." + implName + ": " + cause, cause);
        }
    }
}
