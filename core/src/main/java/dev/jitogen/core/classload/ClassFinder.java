package dev.jitogen.core.classload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Finds the bytes of classes the master has: first in the added {@link ClassSource}s (the shell's snippet store),
 * then on a class loader's class path. Remembers what it found, and where from (a jar or directory: its
 * <em>origin</em>), so preloading can stay within one origin. JDK classes are reported as such and never served.
 * Names it did not find are remembered too, but only the {@link #MISSES} most recently asked: children choose those
 * names, and a flood of made-up ones must not grow the master's heap.
 *
 * <p>Thread-safe; lookups may do file I/O, so call it from a service thread, not an I/O thread.
 */
public final class ClassFinder {
    /** Another place class bytes come from, searched before the class path. Called on the class-serving thread. */
    public interface ClassSource {
        /** The class file bytes for binary name {@code name}, or null. */
        byte[] find(String name);
    }

    /** A class found: its bytes and the jar or directory it came from; {@code jdk} if it belongs to the JDK. */
    public record Found(byte[] bytes, String origin, boolean jdk) {
        static final Found JDK = new Found(null, "jdk", true);
    }

    /** How many names not found are remembered (least recently asked forgotten first). */
    public static final int MISSES = LoadClass.MISSES;
    /** Names longer than this are never remembered as missing: no class has one, only a flood does. */
    private static final int MISS_NAME_MAX = 1024;

    private final ClassLoader loader;
    private final List<ClassSource> sources = new CopyOnWriteArrayList<>();
    /** Classes found (and JDK classes): bounded by what the class path holds. */
    private final Map<String, Found> cache = new ConcurrentHashMap<>();
    /** Names not found, most recently asked last. */
    private final Map<String, Boolean> misses = LoadClass.lru(MISSES);

    public ClassFinder(ClassLoader loader) {
        this.loader = loader;
    }

    public void addSource(ClassSource source) {
        sources.add(0, source);
    }

    /** Returns the class, {@link Found#jdk()} for a JDK class, or null if the master does not have it. */
    public Found find(String name) {
        for (ClassSource s : sources) {
            byte[] b = s.find(name);
            if (b != null) return new Found(b, "source:" + s, false);
        }
        Found f = cache.get(name);
        if (f != null || misses.get(name) != null) return f;
        f = lookup(name);
        if (f != null) cache.put(name, f);
        else if (name.length() <= MISS_NAME_MAX) misses.put(name, Boolean.TRUE);
        return f;
    }

    /** How many names not found are remembered now; at most {@link #MISSES}. */
    public int misses() {
        return misses.size();
    }

    private Found lookup(String name) {
        String path = name.replace('.', '/') + ".class";
        URL url = loader.getResource(path);
        if (url == null) return null;
        if ("jrt".equals(url.getProtocol())) return Found.JDK;
        try (InputStream in = url.openStream()) {
            String u = url.toString();
            String origin = u.endsWith(path) ? u.substring(0, u.length() - path.length()) : u;
            return new Found(in.readAllBytes(), origin, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + url, e);
        }
    }
}
