package dev.jitogen.core.classload;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The classes a context sent to its children as part of the calls it made, which data from a child may name (see
 * {@code DataAllowList}): for each call, the class of its function and every class of the user's own code that class
 * reaches, transitively, through the class names in its constant pool ({@link ConstantPool#referencedClasses}).
 * Which classes are the user's own code, and their bytes, is the {@code ownCode} function's to say; a class outside
 * it is neither accepted nor followed.
 *
 * <p>What a call reaches depends only on the class files, never on what a child asked for: a class a child requested
 * and was served counts only if some call's function reaches it anyway.
 *
 * <p>Thread-safe. {@link #sent} may read class files: call it from the thread making the call, before the call is
 * sent (its reply may name these classes), never from an I/O thread. A function class is explored once; later calls
 * of it cost one map lookup.
 */
public final class CallClasses {
    private final Function<String, byte[]> ownCode;
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** Function classes whose reach is in {@link #accepted}; an entry appears once its whole reach is there. */
    private final Map<String, Boolean> functions = new ConcurrentHashMap<>();
    /** Per class of own code explored: the classes of own code its constant pool names. */
    private final Map<String, List<String>> references = new ConcurrentHashMap<>();

    /** @param ownCode the class file of a class of the user's own code, or null for any other class */
    public CallClasses(Function<String, byte[]> ownCode) {
        this.ownCode = ownCode;
    }

    /** A call of a function of class {@code functionClass} (binary name) is about to be sent. */
    public void sent(String functionClass) {
        // computeIfAbsent: a second caller of the same function waits until the reach is in, instead of sending its
        // call while the classes its reply may name are still being added
        functions.computeIfAbsent(functionClass, f -> {
            accepted.addAll(reach(f));
            return Boolean.TRUE;
        });
    }

    /** True if {@code className} was sent as part of a call (is in the reach of a call's function). */
    public boolean contains(String className) {
        return accepted.contains(className);
    }

    private Set<String> reach(String root) {
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        if (ownCode.apply(root) != null) todo.add(root);
        while (!todo.isEmpty()) {
            String name = todo.poll();
            if (!seen.add(name)) continue;
            for (String ref : references(name)) if (!seen.contains(ref)) todo.add(ref);
        }
        return seen;
    }

    private List<String> references(String name) {
        List<String> known = references.get(name);
        if (known != null) return known;
        byte[] classFile = ownCode.apply(name);
        List<String> refs = new java.util.ArrayList<>();
        if (classFile != null) {
            try {
                for (String ref : ConstantPool.referencedClasses(classFile)) {
                    if (!ref.equals(name) && ownCode.apply(ref) != null) refs.add(ref);
                }
            } catch (IllegalArgumentException e) {
                // a class file that cannot be read names nothing: what it refers to is not accepted through it
            }
        }
        List<String> kept = List.copyOf(refs);
        references.put(name, kept);
        return kept;
    }
}
