package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ConstantPool;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes the core bundle ({@link CoreBundle}'s format) from the classes {@link ChildMain} refers to: the build step
 * ({@link CoreBundle#main}), or a master running from classes that skipped it. Where the runtime is cut: at Kryo,
 * at the master layer ({@link CoreBundle#masterOnly}), at the parent layer ({@link #PARENT_ONLY}) and at
 * {@code Context} ({@link CoreBundle#WITH_FAMILIES}). Of the master layer: a child has the bundle it was started with.
 *
 * <p>Threads: stateless; any thread (each call reads class files afresh).
 */
final class BundleBuild {
    private BundleBuild() {}

    /** Where the runtime is cut for the boot classes: Kryo, Objenesis, and our own Kryo-side classes. */
    private static boolean kryoFamily(String name) {
        return name.startsWith("com.esotericsoftware.") || name.startsWith("org.objenesis.");
    }

    /**
     * Classes of ours that only Kryo's side runs, though a boot class names them: the data allow-list, which a
     * codec builds when Kryo first asks it about a class ({@code Codecs}). Fetched with Kryo.
     */
    private static final List<String> KRYO_ONLY = List.of("dev.jitogen.core.serial.DataAllowList");

    /** The class of ours that builds Kryo: everything only it reaches is fetched with it, on first need. */
    private static final String KRYO_CODEC = "dev.jitogen.core.serial.KryoCodec";

    /**
     * True for a class of ours that extends or implements one of Kryo's (a serializer, a Kryo subclass, a class
     * resolver), other than an exception: loading it loads Kryo.
     */
    private static boolean kryoSide(String name, ClassLoader loader) {
        if (name.equals(KRYO_CODEC) || name.startsWith(KRYO_CODEC + "$")) return true;
        Class<?> c;
        try {
            c = Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        if (Throwable.class.isAssignableFrom(c)) return false;
        ArrayDeque<Class<?>> supers = new ArrayDeque<>();
        supers.add(c);
        while (!supers.isEmpty()) {
            Class<?> t = supers.poll();
            if (t != c && kryoFamily(t.getName())) return true;
            if (t.getSuperclass() != null) supers.add(t.getSuperclass());
            supers.addAll(java.util.Arrays.asList(t.getInterfaces()));
        }
        return false;
    }


    /**
     * The parent layer and the API a child's code may call (see the class comment), with their nested classes:
     * what a child runs only once its code starts a context (its router builds its parent layer then) or makes a
     * receiver, select, latch or a context's events, or once a call of its code cannot be sent, on that code's thread. The first stage
     * is here too: a child has its own bytes for the children it starts. So is the class relay, with what a reader
     * thread runs for a context's children (the constant pool reader, deflating for a network): the router loads
     * them as it builds its parent layer, on the thread that starts a first child ({@code ChildRuntime.relay}); and
     * what only a context's own calls and its code use: static state and the classes its calls sent ({@code StaticState},
     * {@code CallClasses}, the latter also read by the data allow-list, which Kryo's side builds on a decoding
     * thread, for data from a context's children or a receiver), and class-serving counts; and the code a router
     * sends a context to start or drop children there ({@code ViaCalls}). Not {@code Lambdas},
     * though only a call or a reply that holds a lambda encodes with it: Kryo's lambda serializer names it, and a
     * class of Kryo's family that names one of this family would bring the whole family with Kryo's.
     *
     * <p>{@link Context} is not here but in {@link CoreBundle#WITH_FAMILIES}: as one of this family, a first call, whose class
     * names it, carried 57 classes over SSH, 190 KB, against one class of 3.9 KB.
     */
    private static final List<String> PARENT_ONLY = List.of("dev.jitogen.core.ProcessConnection",
            "dev.jitogen.core.spi.ChildProcess", "dev.jitogen.core.spi.ChildEnvironment",
            "dev.jitogen.core.spi.Bootstrap", "dev.jitogen.core.spi.Launcher", "dev.jitogen.core.spi.ViaStart",
            "dev.jitogen.core.spi.ConnectionMethod", "dev.jitogen.core.CoreBundle", "dev.jitogen.core.InProcess",
            "dev.jitogen.core.stream.MemoryPipe", "dev.jitogen.core.LocalOptions", "dev.jitogen.core.Router$Builder",
            "dev.jitogen.bootstrap.FirstStage", "dev.jitogen.core.Receiver", "dev.jitogen.core.Select",
            "dev.jitogen.core.Latch", "dev.jitogen.core.classload.ClassRequests",
            "dev.jitogen.core.classload.ConstantPool", "dev.jitogen.core.ChildStarter", "dev.jitogen.core.IdAllocator",
            "dev.jitogen.core.ChildIdAllocator", "dev.jitogen.core.SentClasses", "dev.jitogen.core.UnsendableCall",
            "dev.jitogen.core.Events", "dev.jitogen.core.classload.ClassRelay",
            "dev.jitogen.core.StaticState", "dev.jitogen.core.classload.CallClasses",
            "dev.jitogen.core.classload.ClassCounts", "dev.jitogen.core.classload.DeflatedAnswers",
            "dev.jitogen.core.ViaCalls", "dev.jitogen.core.BundlePacking");

    /** The lean bundle, or with {@code whole} the whole runtime as boot classes. */
    static CoreBundle build(boolean whole) {
        ClassLoader loader = CoreBundle.class.getClassLoader();
        ClassFinder finder = new ClassFinder(loader);
        Map<String, byte[]> runtime = closure(finder, ChildMain.class.getName(), name -> false);
        java.util.function.Predicate<String> kryoOrMaster = name -> kryoFamily(name) || kryoSide(name, loader)
                || CoreBundle.listed(KRYO_ONLY, name) || CoreBundle.masterOnly(name);
        java.util.function.Predicate<String> parentOnly = name -> CoreBundle.listed(PARENT_ONLY, name);
        Map<String, byte[]> boot = whole ? runtime : closure(finder, ChildMain.class.getName(),
                kryoOrMaster.or(parentOnly).or(name -> CoreBundle.listed(CoreBundle.WITH_FAMILIES, name)));
        if (!whole) {
            // what the cut at Context takes out must be what the list says (and the class comment of it)
            Set<String> cut = new java.util.TreeSet<>(closure(finder, ChildMain.class.getName(),
                    kryoOrMaster.or(parentOnly)).keySet());
            cut.removeAll(boot.keySet());
            if (!cut.equals(new java.util.TreeSet<>(CoreBundle.WITH_FAMILIES))) {
                throw new IllegalStateException("the boot classes cut at Context lose " + cut + ", not "
                        + CoreBundle.WITH_FAMILIES + ": update CoreBundle.WITH_FAMILIES");
            }
        }
        // the parent layer's family: what the boot classes would be without its cut, and are not
        Set<String> parent = new java.util.LinkedHashSet<>(whole ? Set.of()
                : closure(finder, ChildMain.class.getName(), kryoOrMaster).keySet());
        // a boot class's superclasses must be definable without a fetch: Kryo's exception, under our exceptions
        for (String name : List.copyOf(boot.keySet())) {
            try {
                for (Class<?> t = Class.forName(name, false, loader).getSuperclass(); t != null; t = t.getSuperclass()) {
                    byte[] bytes = runtime.get(t.getName());
                    if (bytes != null) boot.putIfAbsent(t.getName(), bytes);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // not loadable here: it cannot be loaded in a child either, and is not part of start-up
            }
        }
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(boot.size());
            int size = 0;
            // smallest first: classes of a size are alike (exceptions, interfaces, small records), and deflate finds
            // more of each in the one before it (2% fewer bytes than the closure's order; by name, 0.5%)
            List<Map.Entry<String, byte[]>> bySize = new ArrayList<>(boot.entrySet());
            bySize.sort(Map.Entry.comparingByValue(java.util.Comparator.comparingInt(b -> b.length)));
            for (Map.Entry<String, byte[]> e : bySize) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
                size += e.getValue().length;
            }
            List<String> rest = new ArrayList<>();
            for (String name : runtime.keySet()) if (!boot.containsKey(name)) rest.add(name);
            parent.removeAll(boot.keySet());
            parent.retainAll(rest);
            // sorted, each name as the length of what it shares with the one before and the rest of it: about a
            // third fewer bytes deflated than the whole names (which a child receives, and never reads unless it
            // starts contexts of its own)
            rest.sort(null);
            out.writeInt(rest.size());
            String previous = "";
            for (String name : rest) {
                int shared = 0;
                while (shared < Math.min(255, Math.min(name.length(), previous.length()))
                        && name.charAt(shared) == previous.charAt(shared)) shared++;
                out.writeByte(shared);
                out.writeBoolean(parent.contains(name));
                out.writeUTF(name.substring(shared));
                previous = name;
            }
            out.close();
            java.util.Set<String> all = new java.util.HashSet<>(boot.keySet());
            all.addAll(runtime.keySet());
            return new CoreBundle(buf.toByteArray(), Set.copyOf(boot.keySet()), Set.copyOf(all), Set.copyOf(parent),
                    size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The classes {@code root} refers to, transitively, JDK classes excluded, not entering those {@code cut} names. */
    private static Map<String, byte[]> closure(ClassFinder finder, String root, java.util.function.Predicate<String> cut) {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        ArrayDeque<String> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            String name = queue.poll();
            if (classes.containsKey(name) || cut.test(name)) continue;
            ClassFinder.Found f = finder.find(name);
            if (f == null || f.jdk()) continue;
            classes.put(name, f.bytes());
            for (String ref : ConstantPool.referencedClasses(f.bytes())) if (!classes.containsKey(ref)) queue.add(ref);
        }
        return classes;
    }
}
