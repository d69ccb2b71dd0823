package dev.jitogen.core;

import dev.jitogen.core.serial.Lambdas;

import java.lang.invoke.SerializedLambda;
import java.util.List;

/**
 * Why a call cannot be sent to context {@code name}, naming the value at fault and, for a lambda that cannot travel,
 * how to write one that can. Taken out of {@link Context} because it runs only once encoding has failed.
 *
 * <p>Threads: stateless; runs on the calling thread.
 */
final class UnsendableCall {
    private UnsendableCall() {}

    /**
     * Why {@code spec} cannot be encoded, naming the value at fault: a top-level variable, then a captured value (by
     * its source name when {@link StaticState#capturedNames} knows it), else the call as a whole.
     */
    static CallError explain(Router router, String name, CallSpec spec, List<StaticState.FieldValue> statics,
                             RuntimeException e) {
        for (StaticState.FieldValue v : statics) {
            RuntimeException failure = encodeFailure(router, v.value());
            if (failure != null) return cannotSend(name, "variable " + v.variable(), v.value(), failure);
        }
        SerializedLambda lambda = null;
        try {
            lambda = spec.function == null ? null : Lambdas.serializedForm(spec.function);
        } catch (RuntimeException notSerializable) {
            // the general message below says it
        }
        if (lambda != null) {
            for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
                Object value = lambda.getCapturedArg(i);
                RuntimeException failure = encodeFailure(router, value);
                if (failure == null) continue;
                List<String> names = capturedNames(router, spec.function);
                String known = i < names.size() ? names.get(i) : null;
                String what = known != null ? "captured variable " + known : "captured value #" + i;
                return cannotSend(name, what, value, failure);
            }
        }
        if (spec.args != null) {
            for (int i = 0; i < spec.args.length; i++) {
                RuntimeException failure = spec.args[i] == null ? null : encodeFailure(router, spec.args[i]);
                if (failure != null) return cannotSend(name, "argument #" + i, spec.args[i], failure);
            }
        }
        return new CallError(name, e.getClass().getName(), "cannot send the call to " + name + ": its function, "
                + "an argument or a captured value cannot be serialized: " + e.getMessage(), List.of(), null);
    }

    private static List<String> capturedNames(Router router, Object function) {
        try {
            List<String> names = router.staticState().capturedNames(function);
            return names != null ? names : List.of();
        } catch (RuntimeException e) {
            return List.of(); // only a name for a message: the message without it is still right
        }
    }

    private static RuntimeException encodeFailure(Router router, Object value) {
        try {
            router.encode(Receiver.VALUE, value);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static CallError cannotSend(String name, String what, Object value, RuntimeException failure) {
        Class<?> type = value.getClass();
        boolean jdkLambda = type.getClassLoader() == null || type.getClassLoader() == ClassLoader.getPlatformClassLoader();
        if (type.isSynthetic() && type.getName().contains("$$Lambda") && (jdkLambda || !(value instanceof java.io.Serializable))) {
            // a lambda made for a plain functional interface, or by the JDK: say which, and how to make one that travels
            String iface = type.getInterfaces().length > 0 ? type.getInterfaces()[0].getName() : "?";
            String simple = iface.substring(iface.lastIndexOf('.') + 1);
            String how = jdkLambda
                    ? "it was made by the JDK (Comparator.comparing, Function.identity, ...), whose lambdas stay in "
                    + "their JVM; write the lambda yourself, e.g. (a, b) -> Integer.compare(a.length(), b.length()), "
                    + "or make it inside the code you send"
                    : "only a serializable lambda can be sent; declare it with one of Jitogen's Remote types "
                    + "(RemoteCallable, RemoteFunction, RemoteBiFunction, RemoteRunnable), or as an intersection with "
                    + "Serializable, e.g. (" + simple + "<...> & java.io.Serializable) x -> ...";
            return new CallError(name, failure.getClass().getName(), "cannot send " + what + " (a lambda of type "
                    + iface + ") to " + name + ": " + how, List.of(), null);
        }
        return new CallError(name, failure.getClass().getName(), "cannot send " + what + " ("
                + type.getName() + ") to " + name + ": its value cannot be serialized: "
                + failure.getMessage(), List.of(), null);
    }
}
