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
     * One public static field and the value to set in the child before the call.
     *
     * @param variable how to name it in an error (for the shell: the variable's name)
     */
    record FieldValue(String className, String fieldName, String variable, Object value) {}

    StaticState NONE = function -> List.of();
}
