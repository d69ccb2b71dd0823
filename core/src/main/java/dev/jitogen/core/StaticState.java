package dev.jitogen.core;

import java.util.List;

/**
 * Supplies static field values a child must see before running a function: the shell's top-level variables, which
 * JShell keeps in static fields of its wrapper classes (a child loading such a class fresh would read null or 0).
 * Set with {@link Router.Builder#staticState}. Called on the thread that makes the call, just before the function
 * is sent; must not block on the network.
 */
@FunctionalInterface
public interface StaticState {
    /** The values {@code function} may read, current as of now; empty when none. */
    List<FieldValue> valuesFor(Object function);

    /**
     * The source names of the values {@code function} captured, by position (for a lambda, the order of
     * {@link java.lang.invoke.SerializedLambda#getCapturedArg}), used only to name a value that cannot be sent. An
     * entry is null, or the list shorter, where no name is known; empty by default. Called on the calling thread,
     * after a call failed to encode.
     */
    default List<String> capturedNames(Object function) {
        return List.of();
    }

    /**
     * One public static field and the value to set in the child before the call.
     *
     * @param variable how to name it in an error (for the shell: the variable's name)
     */
    record FieldValue(String className, String fieldName, String variable, Object value) {}

    StaticState NONE = function -> List.of();
}
