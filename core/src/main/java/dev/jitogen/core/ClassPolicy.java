package dev.jitogen.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which classes the master serves to children (Mitogen's {@code ImportPolicy}). Rules name packages or classes by
 * prefix ({@code "com.acme"} covers {@code com.acme.Foo} and {@code com.acme.deep.Bar}); the longest matching rule
 * wins; with no matching rule a class is served unless the policy was built with {@link Builder#denyByDefault()}.
 * Jitogen's own runtime ({@code dev.jitogen.core}, Kryo and its dependencies) is allowed by built-in rules that only a
 * longer (more specific) rule overrides, and JDK classes are never served: a child uses its own JDK.
 *
 * <p>Immutable; any thread.
 */
public final class ClassPolicy implements dev.jitogen.core.classload.ClassFilter {
    private static final List<String> RUNTIME = List.of("dev.jitogen.core", "dev.jitogen.bootstrap", "com.esotericsoftware", "org.objenesis");
    private static final ClassPolicy PERMISSIVE = new ClassPolicy(new TreeMap<>(), false);

    private final TreeMap<String, Boolean> rules;
    private final boolean denyByDefault;

    private ClassPolicy(TreeMap<String, Boolean> rules, boolean denyByDefault) {
        this.rules = rules;
        this.denyByDefault = denyByDefault;
    }

    /** Serves every class the master has. The default. */
    public static ClassPolicy permissive() {
        return PERMISSIVE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns null when {@code className} may be served, else the reason it may not, naming the rule and the
     * override that would allow it.
     */
    @Override
    public String refusal(String className) {
        String rule = null;
        boolean allowed = !denyByDefault;
        for (String r : RUNTIME) {
            if (covers(r, className)) {
                rule = r;
                allowed = true;
            }
        }
        for (Map.Entry<String, Boolean> e : rules.entrySet()) {
            if (covers(e.getKey(), className) && (rule == null || e.getKey().length() > rule.length())) {
                rule = e.getKey();
                allowed = e.getValue();
            }
        }
        if (allowed) return null;
        String why = rule != null && rules.containsKey(rule) ? "the policy denies \"" + rule + "\"" : "the policy denies by default";
        return "class " + className + " is refused by the master's class policy (" + why + "); to serve it, add "
                + "ClassPolicy.builder()...allow(\"" + packageOf(className) + "\") to the router";
    }

    private static boolean covers(String prefix, String name) {
        return name.startsWith(prefix) && (name.length() == prefix.length()
                || name.charAt(prefix.length()) == '.' || name.charAt(prefix.length()) == '$');
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? className : className.substring(0, dot);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        rules.forEach((k, v) -> parts.add((v ? "allow " : "deny ") + k));
        return "ClassPolicy" + parts + (denyByDefault ? " deny-by-default" : "");
    }

    /** Collects rules; not thread-safe. */
    public static final class Builder {
        private final TreeMap<String, Boolean> rules = new TreeMap<>();
        private boolean denyByDefault;

        /** Serve classes under this package or class name prefix. */
        public Builder allow(String prefix) {
            rules.put(prefix, true);
            return this;
        }

        /** Refuse classes under this package or class name prefix. */
        public Builder deny(String prefix) {
            rules.put(prefix, false);
            return this;
        }

        /** Refuse every class that no {@link #allow} rule covers (Mitogen's whitelist mode). */
        public Builder denyByDefault() {
            this.denyByDefault = true;
            return this;
        }

        public ClassPolicy build() {
            return new ClassPolicy(new TreeMap<>(rules), denyByDefault);
        }
    }
}
