package dev.jitogen.shell;

import dev.jitogen.core.classload.ClassFinder;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Defines the classes JShell compiles at the prompt in the master, and keeps their bytes so the router's class
 * server can send them to children. Every snippet class name is immutable (JShell renames a changed class rather
 * than redefining it), so children may cache them forever.
 *
 * <p>Thread-safe: JShell adds classes on the shell thread; the class server reads bytes on its service threads.
 */
final class SnippetLoader extends ClassLoader implements ClassFinder.ClassSource {
    static {
        registerAsParallelCapable();
    }

    private final Map<String, byte[]> classes = new ConcurrentHashMap<>();
    /** Jars and directories added with {@code /env --class-path}, searched after the snippets. */
    private final CopyOnWriteArrayList<URLClassLoader> extra = new CopyOnWriteArrayList<>();

    SnippetLoader(ClassLoader parent) {
        super("jshell-snippets", parent);
    }

    void add(String name, byte[] bytes) {
        classes.put(name, bytes);
    }

    /** The snippet classes defined so far. */
    java.util.Set<String> names() {
        return java.util.Set.copyOf(classes.keySet());
    }

    boolean has(String name) {
        return classes.containsKey(name);
    }

    void addToClassPath(URL url) {
        extra.add(new URLClassLoader(new URL[]{url}, null));
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name);
        if (b != null) return defineClass(name, b, 0, b.length);
        String path = name.replace('.', '/') + ".class";
        for (URLClassLoader u : extra) {
            URL url = u.findResource(path);
            if (url == null) continue;
            try (var in = url.openStream()) {
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (java.io.IOException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
        throw new ClassNotFoundException(name);
    }

    @Override
    protected URL findResource(String name) {
        for (URLClassLoader u : extra) {
            URL url = u.findResource(name);
            if (url != null) return url;
        }
        return null;
    }

    /**
     * The class server's view: snippet class bytes by binary name, then the classes of jars and directories added
     * with {@code /env --class-path}, so contexts load those like any other class.
     */
    @Override
    public byte[] find(String name) {
        byte[] b = classes.get(name);
        if (b != null || extra.isEmpty()) return b;
        URL url = findResource(name.replace('.', '/') + ".class");
        if (url == null) return null;
        try (var in = url.openStream()) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The jars and directories added to the class path, in order. */
    java.util.List<String> classPath() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (URLClassLoader u : extra) {
            for (URL url : u.getURLs()) {
                try {
                    out.add(java.nio.file.Path.of(url.toURI()).toString());
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    out.add(url.toString());
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "jshell-snippets";
    }
}
