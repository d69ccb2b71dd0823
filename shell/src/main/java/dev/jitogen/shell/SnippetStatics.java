package dev.jitogen.shell;

import dev.jitogen.core.StaticState;
import dev.jitogen.core.classload.ConstantPool;
import dev.jitogen.core.classload.MethodScan;
import dev.jitogen.core.serial.Lambdas;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the top-level variables a function typed at the prompt reads, with their current values, so the child sees
 * them: JShell keeps each in a static field of a wrapper class, which a child loading the class would see as null
 * or 0. Follows the bytecode from the function's body through every snippet method it calls (and lambdas it makes),
 * collecting the static fields of snippet classes they touch — exactly those, so a variable merely mentioned
 * elsewhere in the same snippet is not sent. Runs on the calling thread; reads class bytes from memory only.
 */
final class SnippetStatics implements StaticState {
    private final SnippetLoader loader;

    SnippetStatics(SnippetLoader loader) {
        this.loader = loader;
    }

    @Override
    public List<FieldValue> valuesFor(Object function) {
        Map<String, FieldValue> values = new LinkedHashMap<>();
        Set<MethodScan.MethodRef> seen = new HashSet<>();
        ArrayDeque<MethodScan.MethodRef> work = new ArrayDeque<>(Lambdas.entryPoints(function));
        while (!work.isEmpty()) {
            MethodScan.MethodRef m = work.poll();
            if (!loader.has(m.owner()) || !seen.add(m)) continue;
            MethodScan.Touches t = MethodScan.scan(loader.find(m.owner()), m.name(), m.descriptor());
            for (ConstantPool.FieldRef ref : t.staticFields()) {
                String key = ref.owner() + "." + ref.name();
                if (values.containsKey(key) || !loader.has(ref.owner())) continue;
                FieldValue v = read(ref);
                if (v != null) values.put(key, v);
            }
            work.addAll(t.invoked());
        }
        return new ArrayList<>(values.values());
    }

    private FieldValue read(ConstantPool.FieldRef ref) {
        try {
            Field f = Class.forName(ref.owner(), false, loader).getDeclaredField(ref.name());
            int mods = f.getModifiers();
            if (!Modifier.isStatic(mods) || Modifier.isFinal(mods)) return null;
            f.setAccessible(true);
            return new FieldValue(ref.owner(), ref.name(), ref.name(), f.get(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}
