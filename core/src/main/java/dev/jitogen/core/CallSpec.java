package dev.jitogen.core;

import dev.jitogen.core.serial.Plain;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * What CALL_FUNCTION carries: a serializable function object with its arguments, or a static method named by class
 * and method name. Flows from parent to child only. Travels as its {@link Plain} parts: in the compact form when the
 * function's captured values and the arguments are plain values, so that a child answers such a call without
 * loading Kryo; else through Kryo, which also spares its reflective field serializer (it cost more than the rest of
 * a no-op call's encoding).
 */
final class CallSpec implements Plain {
    Object function;
    String className;
    String methodName;
    Object[] args;
    /** Static fields to set before the call: class name, field name, value, repeated. Null when none. */
    Object[] statics;
    /** The {@link CallChain} this call belongs to, or null. */
    String chain;

    private CallSpec() {}

    @Override
    public Object[] parts() {
        return new Object[]{function, className, methodName, args, statics, chain};
    }

    @Override
    public void restore(Object[] parts) {
        if (parts.length != 6) throw new IllegalArgumentException("malformed call: " + parts.length + " parts");
        function = parts[0];
        className = (String) parts[1];
        methodName = (String) parts[2];
        args = (Object[]) parts[3];
        statics = (Object[]) parts[4];
        chain = (String) parts[5];
    }

    static CallSpec of(Object function, Object... args) {
        CallSpec c = new CallSpec();
        c.function = function;
        c.args = args;
        return c;
    }

    static CallSpec ofStatic(String className, String methodName, Object... args) {
        CallSpec c = new CallSpec();
        c.className = className;
        c.methodName = methodName;
        c.args = args;
        return c;
    }

    /** Runs the call in this context, on the calling (main) thread. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Object invoke(ClassLoader loader) throws Throwable {
        if (statics != null) {
            for (int i = 0; i < statics.length; i += 3) {
                java.lang.reflect.Field f = Class.forName((String) statics[i], true, loader)
                        .getDeclaredField((String) statics[i + 1]);
                f.setAccessible(true);
                f.set(null, statics[i + 2]);
            }
        }
        if (function instanceof RemoteCallable f) return f.call();
        if (function instanceof RemoteRunnable f) {
            f.run();
            return null;
        }
        if (function instanceof RemoteFunction f) return f.apply(args[0]);
        if (function instanceof RemoteBiFunction f) return f.apply(args[0], args[1]);
        if (function != null) throw new IllegalArgumentException("not a remote function: " + function.getClass());
        Class<?> type = Class.forName(className, true, loader);
        Method m = findStatic(type);
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Method findStatic(Class<?> type) throws NoSuchMethodException {
        for (Method m : type.getMethods()) {
            if (!m.getName().equals(methodName) || !Modifier.isStatic(m.getModifiers())) continue;
            if (m.getParameterCount() != args.length) continue;
            Class<?>[] p = m.getParameterTypes();
            boolean fits = true;
            for (int i = 0; i < p.length && fits; i++) fits = args[i] == null ? !p[i].isPrimitive() : box(p[i]).isInstance(args[i]);
            if (fits) return m;
        }
        throw new NoSuchMethodException("no public static method " + className + "." + methodName + " taking "
                + args.length + " argument(s) of the given types");
    }

    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) return c;
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == boolean.class) return Boolean.class;
        if (c == double.class) return Double.class;
        if (c == float.class) return Float.class;
        if (c == short.class) return Short.class;
        if (c == byte.class) return Byte.class;
        return Character.class;
    }
}
