package dev.jitogen.shell;

import dev.jitogen.core.StaticState;
import dev.jitogen.core.serial.Lambdas;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the top-level variables a function typed at the prompt may read, with their current values, so the child
 * sees them: JShell keeps each in a static field of a wrapper class, which a child loading the class would see as
 * null or 0. {@link SnippetAnalysis} follows the bytecode from the function's body (a lambda's implementation
 * method, or every method of a snippet class's object) through the snippet code it can run; the values read, and
 * the captured values, are followed too where they are snippet objects, lambdas or JDK collections of them, since
 * their methods may run. Only what that code touches is sent: a variable merely mentioned elsewhere in the same
 * snippet is not. A snippet object reached only through a JDK type other than those (say, a snippet
 * {@code Runnable} in an {@code AtomicReference}) is not seen, and the variables only its methods read are not sent.
 *
 * <p>Runs on the calling thread; reads class bytes from memory only. Runs no snippet code, with two exceptions: reading
 * a static field may initialize its class (as the child will), and iterating a JDK collection that wraps a snippet
 * collection runs the latter's iterator. Thread-safe.
 */
final class SnippetStatics implements StaticState {
    /** How many objects one call's values are searched through for snippet objects, at most. */
    private static final int MAX_OBJECTS = 10_000;

    private final SnippetLoader loader;
    private final SnippetAnalysis analysis;

    SnippetStatics(SnippetLoader loader) {
        this.loader = loader;
        this.analysis = new SnippetAnalysis(new SnippetAnalysis.Source() {
            @Override
            public byte[] bytes(String binaryName) {
                return loader.find(binaryName);
            }

            @Override
            public Set<String> names() {
                return loader.names();
            }
        });
    }

    @Override
    public List<FieldValue> valuesFor(Object function) {
        SnippetAnalysis.Walk walk = analysis.walk();
        ValueSearch objects = new ValueSearch(walk);
        SerializedLambda lambda = lambdaOrNull(function);
        if (lambda != null) {
            walk.method(implementation(lambda));
            for (int i = 0; i < lambda.getCapturedArgCount(); i++) objects.search(lambda.getCapturedArg(i));
        } else {
            objects.search(function);
        }
        Map<String, FieldValue> values = new LinkedHashMap<>();
        for (List<SnippetAnalysis.Field> found = walk.next(); !found.isEmpty(); found = walk.next()) {
            for (SnippetAnalysis.Field ref : found) {
                FieldValue v = read(ref);
                if (v == null || values.putIfAbsent(v.className() + "." + v.fieldName(), v) != null) continue;
                objects.search(v.value());
            }
        }
        return new ArrayList<>(values.values());
    }

    /**
     * Names a lambda's captured values from its implementation method's parameters (a lambda's synthetic method
     * takes the captured values first, then the interface method's arguments; JShell compiles with {@code -g} so
     * they keep their names). A lambda in an instance method captures {@code this} first.
     */
    @Override
    public List<String> capturedNames(Object function) {
        SerializedLambda lambda = lambdaOrNull(function);
        if (lambda == null) return List.of();
        List<String> parameters = analysis.parameterNames(implementation(lambda));
        int kind = lambda.getImplMethodKind();
        boolean receiver = kind == MethodHandleInfo.REF_invokeVirtual || kind == MethodHandleInfo.REF_invokeInterface
                || kind == MethodHandleInfo.REF_invokeSpecial;
        boolean isLambda = lambda.getImplMethodName().startsWith("lambda$"); // else a method reference
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lambda.getCapturedArgCount(); i++) {
            int p = receiver ? i - 1 : i;
            if (p < 0) names.add(isLambda ? "this" : null); // a bound method reference's receiver has no name here
            else names.add(p < parameters.size() ? parameters.get(p) : null);
        }
        return Collections.unmodifiableList(names);
    }

    private static SerializedLambda lambdaOrNull(Object function) {
        try {
            return Lambdas.serializedForm(function);
        } catch (RuntimeException notSerializable) {
            return null; // encoding the call says so, better than we could here
        }
    }

    private static SnippetAnalysis.Method implementation(SerializedLambda lambda) {
        return new SnippetAnalysis.Method(lambda.getImplClass().replace('/', '.'), lambda.getImplMethodName(),
                lambda.getImplMethodSignature());
    }

    /** The current value of a non-final static field of a snippet class, or null if {@code ref} is not one. */
    private FieldValue read(SnippetAnalysis.Field ref) {
        try {
            Field f = declared(Class.forName(ref.owner(), false, loader), ref.name());
            if (f == null || !loader.has(f.getDeclaringClass().getName())) return null;
            int mods = f.getModifiers();
            if (!Modifier.isStatic(mods) || Modifier.isFinal(mods)) return null;
            f.setAccessible(true);
            Class<?> declaring = f.getDeclaringClass();
            // a top-level variable is named as typed; a static field of a class typed at the prompt as Class.field
            String variable = declaring.getEnclosingClass() == null ? f.getName()
                    : declaring.getSimpleName() + "." + f.getName();
            return new FieldValue(declaring.getName(), f.getName(), variable, f.get(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The field {@code name} as the JVM resolves it from {@code type}: declared there, or in a supertype. */
    private static Field declared(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) if (f.getName().equals(name)) return f;
            for (Class<?> i : c.getInterfaces()) {
                Field f = declared(i, name);
                if (f != null) return f;
            }
        }
        return null;
    }

    /**
     * Searches values for code the child may run on them: snippet objects (their classes, and their fields' values),
     * serializable lambdas (their implementation methods, and captured values), and the elements of JDK arrays,
     * collections and maps. Runs no snippet code. For one {@link #valuesFor} call.
     */
    private final class ValueSearch {
        private final SnippetAnalysis.Walk walk;
        private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        private final ArrayDeque<Object> queue = new ArrayDeque<>();

        ValueSearch(SnippetAnalysis.Walk walk) {
            this.walk = walk;
        }

        void search(Object value) {
            add(value);
            while (!queue.isEmpty() && seen.size() < MAX_OBJECTS) {
                Object o = queue.poll();
                if (!seen.add(o)) continue;
                Class<?> type = o.getClass();
                if (loader.has(type.getName())) {
                    walk.type(type.getName());
                    fieldsOf(o, type);
                } else if (type.isArray()) {
                    if (!type.getComponentType().isPrimitive()) add(java.util.Arrays.asList((Object[]) o));
                } else if (type.getClassLoader() == null && o instanceof Collection<?> c) {
                    add(c);
                } else if (type.getClassLoader() == null && o instanceof Map<?, ?> m) {
                    add(m.keySet());
                    add(m.values());
                } else {
                    SerializedLambda lambda = lambdaOrNull(o);
                    if (lambda == null) continue;
                    walk.method(implementation(lambda));
                    for (int i = 0; i < lambda.getCapturedArgCount(); i++) add(lambda.getCapturedArg(i));
                }
            }
        }

        private void add(Object o) {
            if (o != null) queue.add(o);
        }

        private void add(Collection<?> elements) {
            try {
                for (Object e : elements) {
                    if (queue.size() + seen.size() >= MAX_OBJECTS) return;
                    add(e);
                }
            } catch (RuntimeException changedWhileRead) {
                // another thread changed it: what was read is enough for a best effort
            }
        }

        /** The instance fields' values of snippet object {@code o}, through its snippet superclasses. */
        private void fieldsOf(Object o, Class<?> type) {
            for (Class<?> c = type; c != null && loader.has(c.getName()); c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                    try {
                        f.setAccessible(true);
                        add(f.get(o));
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // unreadable: nothing to follow there
                    }
                }
            }
        }
    }
}
