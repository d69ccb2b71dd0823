package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.reflect.Constructor;

/**
 * Kryo's way with a {@link Plain} class whose parts are not all plain values: the part count, then each part as
 * Kryo writes any object. One instance per Kryo, so one thread at a time.
 */
final class PlainSerializer extends Serializer<Plain> {
    private final Constructor<?> constructor;

    PlainSerializer(Class<?> type) {
        try {
            constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " has no constructor without arguments", e);
        }
    }

    @Override
    public void write(Kryo kryo, Output out, Plain value) {
        Object[] parts = value.parts();
        out.writeVarInt(parts.length, true);
        for (Object p : parts) kryo.writeClassAndObject(out, p);
    }

    @Override
    public Plain read(Kryo kryo, Input in, Class<? extends Plain> type) {
        int n = in.readVarInt(true);
        if (n < 0 || n > 64) throw new KryoException("malformed " + type.getName() + ": " + n + " parts");
        Object[] parts = new Object[n];
        for (int i = 0; i < n; i++) parts[i] = kryo.readClassAndObject(in);
        try {
            Plain p = (Plain) constructor.newInstance();
            p.restore(parts);
            return p;
        } catch (ReflectiveOperationException e) {
            throw new KryoException("cannot construct " + type.getName() + ": " + e, e);
        }
    }
}
