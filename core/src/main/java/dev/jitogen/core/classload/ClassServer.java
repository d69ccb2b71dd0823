package dev.jitogen.core.classload;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The master's answer to GET_CLASS (Mitogen's ModuleResponder): finds the class, applies the class policy ({@link ClassFilter}),
 * and with it preloads every class it refers to, transitively, that comes from the same jar or directory and was
 * not yet sent down that stream, so a call touching N classes of one project costs one round trip, not N.
 *
 * <p>Answers are LOAD_CLASS payloads ({@link LoadClass}). Master only: a child never loads this class.
 *
 * <p>Thread-safe. {@link #serve} does file I/O: run it on a service thread, never a stream's reader thread.
 */
public final class ClassServer {
    /** The entry kinds of a LOAD_CLASS payload: see {@link LoadClass}. */
    public static final byte CLASS = LoadClass.CLASS, MISSING = LoadClass.MISSING, DENIED = LoadClass.DENIED,
            ALREADY_SENT = LoadClass.ALREADY_SENT;
    /** Preloading stops adding classes to one answer past this many bytes. */
    private static final int PRELOAD_BYTES = 4 << 20;

    private final ClassFinder finder;
    private final ClassFilter policy;
    /** Where Jitogen's own classes come from (its jar, or its class directory in a build); found on first use. */
    private volatile String ownOrigin;
    private final AtomicLong requests = new AtomicLong(), nanos = new AtomicLong(), classes = new AtomicLong(),
            bytes = new AtomicLong(), refusals = new AtomicLong(), notFound = new AtomicLong();

    public ClassServer(ClassFinder finder, ClassFilter policy) {
        this.finder = finder;
        this.policy = policy;
    }

    /** Jars or directories of the runtime a child fetches on demand (see {@code CoreBundle}); found on first use. */
    private volatile Set<String> runtimeOrigins;
    private static final List<String> RUNTIME_CLASSES = List.of(ClassServer.class.getName(),
            "com.esotericsoftware.kryo.Kryo", "com.esotericsoftware.minlog.Log", "org.objenesis.Objenesis",
            "com.esotericsoftware.reflectasm.FieldAccess");

    private Set<String> runtimeOrigins() {
        Set<String> o = runtimeOrigins;
        if (o == null) {
            Set<String> found = new java.util.HashSet<>();
            for (String name : RUNTIME_CLASSES) {
                ClassFinder.Found f = finder.find(name);
                if (f != null && !f.jdk()) found.add(f.origin());
            }
            runtimeOrigins = o = Set.copyOf(found);
        }
        return o;
    }

    /** The family of a runtime class a child fetches on demand rather than boots with; none until set. */
    private volatile java.util.function.Function<String, Set<String>> runtimeFamily = name -> Set.of();
    /** Runtime classes sent only to a child that asks for them, never ahead; none until set. */
    private volatile java.util.function.Predicate<String> onRequestOnly = name -> false;

    /**
     * Names the families of runtime classes that children fetch on demand (Kryo's side; the parent layer): the first
     * request for a class of a family is answered with all of the family not yet sent, in one LOAD_CLASS, since a
     * child that needs one (Kryo, for a value that is not plain) needs most of them, some found only by reflection
     * (Kryo's {@code @DefaultSerializer}); and the runtime classes never sent ahead of a request, though a class sent
     * names them (the master layer, which no child runs; classes that come with families instead). Called once, by
     * the master's router.
     */
    public void runtime(java.util.function.Function<String, Set<String>> family,
                        java.util.function.Predicate<String> onRequestOnly) {
        runtimeFamily = family;
        this.onRequestOnly = onRequestOnly;
    }

    public ClassFinder finder() {
        return finder;
    }

    /**
     * The class file of {@code name} if it is the user's own code, else null: a class typed at the shell or read
     * from a class directory, that the policy allows. Classes from jars (libraries, where deserialization gadgets
     * live), JDK classes and Jitogen's own are not own code. What a call's function reaches through own code may
     * come back as data ({@link CallClasses}); being served to a child does not make a class acceptable.
     */
    public byte[] ownCode(String name) {
        if (policy.refusal(name) != null) return null;
        ClassFinder.Found f = finder.find(name);
        if (f == null || f.jdk() || f.origin().startsWith("jar:")) return null;
        String jitogen = ownOrigin;
        if (jitogen == null) {
            ClassFinder.Found self = finder.find(ClassServer.class.getName());
            ownOrigin = jitogen = self != null ? self.origin() : "";
        }
        return f.origin().equals(jitogen) ? null : f.bytes();
    }

    /**
     * Builds the LOAD_CLASS answer for {@code name}, asked on a stream that already has {@code sent} (updated here).
     */
    public byte[] serve(String name, Set<String> sent, int maxMessageSize) {
        long start = System.nanoTime();
        // leave room for names and lengths; a child's reader refuses frames over the limit
        int budget = Math.min(PRELOAD_BYTES, maxMessageSize / 2);
        requests.incrementAndGet();
        try {
            Answer a = new Answer();
            if (sent.contains(name)) {
                a.entry(ALREADY_SENT, name);
                return a.bytes();
            }
            String refusal = policy.refusal(name);
            ClassFinder.Found found = refusal == null ? finder.find(name) : null;
            if (refusal != null) {
                refusals.incrementAndGet();
                a.entry(DENIED, name).writeUTF(refusal);
            } else if (found == null || found.jdk()) {
                notFound.incrementAndGet();
                a.entry(MISSING, name).writeUTF(found == null
                        ? "the master has no class " + name + " on its class path"
                        : name + " is a JDK class the child's own JVM lacks (a newer JDK on the master?)");
            } else if (found.bytes().length > budget) {
                notFound.incrementAndGet();
                a.entry(MISSING, name).writeUTF(name + " is " + found.bytes().length + " bytes, too big for the max "
                        + "message size " + maxMessageSize);
            } else {
                a.add(name, found.bytes(), sent);
                preload(name, found, a, sent, budget);
            }
            return a.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            nanos.addAndGet(System.nanoTime() - start);
        }
    }

    /**
     * Classes to send ahead of a call that needs {@code name} (the lambda's class), so the child need not ask: the
     * LOAD_CLASS payload of {@code name} and what it refers to, as {@link #serve} would answer. Null if the stream
     * has it already, or it cannot be served: the child then asks, and hears why. Not counted as a request.
     */
    public byte[] push(String name, Set<String> sent, int maxMessageSize) {
        if (sent.contains(name) || policy.refusal(name) != null) return null;
        int budget = Math.min(PRELOAD_BYTES, maxMessageSize / 2);
        ClassFinder.Found found = finder.find(name);
        if (found == null || found.jdk() || found.bytes().length > budget) return null;
        try {
            Answer a = new Answer();
            a.add(name, found.bytes(), sent);
            preload(name, found, a, sent, budget);
            return a.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void preload(String rootName, ClassFinder.Found root, Answer a, Set<String> sent, int budget) throws IOException {
        ArrayDeque<byte[]> queue = new ArrayDeque<>();
        queue.add(root.bytes());
        boolean runtime = runtimeOrigins().contains(root.origin());
        // the families of runtime classes fetched on demand that these classes name: sent whole, after the rest
        Set<Set<String>> families = new java.util.LinkedHashSet<>();
        families.add(runtimeFamily.apply(rootName));
        while (!queue.isEmpty() && a.size < budget) {
            for (String ref : ConstantPool.referencedClasses(queue.poll())) {
                if (sent.contains(ref) || policy.refusal(ref) != null || onRequestOnly.test(ref)) continue;
                Set<String> family = runtimeFamily.apply(ref);
                if (!family.isEmpty()) {
                    families.add(family);
                    continue;
                }
                ClassFinder.Found f = finder.find(ref);
                if (f == null || f.jdk()) continue;
                // within one jar or directory; across the runtime's (ours, Kryo, Minlog, Objenesis, ReflectASM) for
                // a runtime class, so that a child's first need of Kryo costs one round trip, not one per jar
                boolean near = root.origin().equals(f.origin()) || runtime && runtimeOrigins().contains(f.origin());
                if (!near) continue;
                if (a.size + f.bytes().length > budget) continue;
                a.add(ref, f.bytes(), sent);
                queue.add(f.bytes());
            }
        }
        for (Set<String> family : families) {
            for (String name : family) {
                if (sent.contains(name) || policy.refusal(name) != null) continue;
                ClassFinder.Found f = finder.find(name);
                if (f == null || f.jdk() || a.size + f.bytes().length > budget) continue;
                a.add(name, f.bytes(), sent);
            }
        }
    }

    /** A LOAD_CLASS answer saying {@code name} cannot be had, and why (see {@link LoadClass#missing}). */
    public static byte[] missing(String name, String reason) {
        return LoadClass.missing(name, reason);
    }

    public ClassCounts counts() {
        return new ClassCounts(requests.get(), nanos.get() / 1e9, classes.get(), bytes.get(), refusals.get(), notFound.get(), 0);
    }

    /** One LOAD_CLASS payload under construction. */
    private final class Answer {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(buf);
        int count, size;

        DataOutputStream entry(byte kind, String name) throws IOException {
            count++;
            out.writeByte(kind);
            out.writeUTF(name);
            return out;
        }

        void add(String name, byte[] classFile, Set<String> sent) throws IOException {
            entry(CLASS, name).writeInt(classFile.length);
            out.write(classFile);
            size += classFile.length;
            sent.add(name);
            classes.incrementAndGet();
            bytes.addAndGet(classFile.length);
        }

        byte[] bytes() throws IOException {
            out.flush();
            return LoadClass.withCount(count, buf.toByteArray());
        }
    }
}
