package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.KryoException;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;

/** What a serializable lambda is made of. Stateless; any thread. */
public final class Lambdas {
    private static final ClassValue<java.lang.invoke.MethodHandle> WRITE_REPLACE = new ClassValue<>() {
        @Override
        protected java.lang.invoke.MethodHandle computeValue(Class<?> type) {
            try {
                Method m = type.getDeclaredMethod("writeReplace");
                m.setAccessible(true);
                // a method handle: Method.invoke on a hidden class stays on the slow native path for good
                return java.lang.invoke.MethodHandles.lookup().unreflect(m)
                        .asType(java.lang.invoke.MethodType.methodType(Object.class, Object.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new KryoException(type.getName() + " is a lambda that is not serializable: use RemoteCallable,"
                        + " RemoteFunction, RemoteBiFunction or RemoteRunnable (or cast to one) for code sent to a context");
            }
        }
    };

    private Lambdas() {}

    /**
     * The binary name of the class a child needs first to run {@code fn}: a lambda's capturing class (which
     * rebuilds it), else {@code fn}'s class.
     */
    public static String hostClass(Object fn) {
        String name = fn.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        // a lambda's hidden class is named after the class that defined it: CAPTURING$$Lambda$N/0x...
        return lambda > 0 && fn.getClass().isSynthetic() ? name.substring(0, lambda) : name;
    }

    static boolean isLambda(Class<?> type) {
        return type.isSynthetic() && type.getName().contains("$$Lambda");
    }

    /** The {@link SerializedLambda} form of a serializable lambda or method reference. */
    static SerializedLambda serialized(Object lambda) {
        try {
            return (SerializedLambda) (Object) WRITE_REPLACE.get(lambda.getClass()).invokeExact(lambda);
        } catch (Throwable e) {
            throw new KryoException("cannot serialize lambda " + lambda.getClass().getName() + ": " + e, e);
        }
    }

    /**
     * The parts of {@code fn} if it is a lambda or method reference (its implementation method and captured values),
     * or null if it is an object of a class of its own.
     *
     * @throws KryoException if {@code fn} is a lambda that is not serializable
     */
    public static SerializedLambda serializedForm(Object fn) {
        return isLambda(fn.getClass()) ? serialized(fn) : null;
    }
}
