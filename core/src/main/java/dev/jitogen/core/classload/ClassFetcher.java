package dev.jitogen.core.classload;

import dev.jitogen.core.stream.Stream;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The child's side of class serving (Mitogen's Importer): asks the parent for a class it lacks (GET_CLASS) and waits
 * for the LOAD_CLASS answer, keeping classes preloaded with it for later. Remembers classes the master lacks or
 * refuses, so each costs one round trip at most.
 *
 * <p>A name that no class can have (empty segments, characters the JVM forbids, absurd length) is refused here with
 * a {@link ClassNotFoundException} that says why, without asking the master: code that loads classes by name
 * (plugins, frameworks, a user's typo) must not cost a round trip, nor send the master a name it may choke on.
 *
 * <p>Threads: {@link #apply} runs on whatever thread loads a class (the child's main thread, running user code) and
 * blocks until the answer arrives; on a reader thread it throws instead, since that thread delivers the answer.
 * {@link #onLoadClass} runs on the reader thread and never blocks.
 */
public final class ClassFetcher implements Function<String, byte[]> {
    private static final long FETCH_TIMEOUT_SECONDS = 300;
    /**
     * The longest class name asked of the master. The JVM allows 65535 bytes, but a class compiled to a file system
     * has a path below PATH_MAX (4096), and no real class comes near: a longer name is garbage or an attack.
     */
    static final int MAX_NAME = 4096;

    private final Map<String, byte[]> classes;
    private final ParentLink link;
    private final Map<String, CompletableFuture<byte[]>> pending = new ConcurrentHashMap<>();
    /** Names the parent lacks or refuses, the most recent {@link LoadClass#MISSES} (user code may try many). */
    private final Map<String, Boolean> missing = LoadClass.lru(LoadClass.MISSES);
    private final Map<String, String> denied = LoadClass.lru(LoadClass.MISSES);

    /** A denial on its way from the reader thread to the waiting loader. */
    private static final class Denied extends Exception {
        Denied(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * @param classes the loader's map of class bytes not yet defined; preloaded classes go there
     * @param link    asks the parent, and makes the error a class denied by the master's policy raises
     */
    public ClassFetcher(Map<String, byte[]> classes, ParentLink link) {
        this.classes = classes;
        this.link = link;
    }

    /**
     * Why {@code name} cannot be the binary name of a class (JVMS 4.2.1: segments separated by single dots, none
     * empty, none holding {@code / ; [}), or null if it can be. Control characters are refused too: no compiler
     * emits them, and they would garble the logs that name the class.
     */
    public static String malformed(String name) {
        if (name.isEmpty()) return "it is empty";
        if (name.length() > MAX_NAME) return "it is longer than " + MAX_NAME + " characters (" + name.length() + ")";
        if (name.startsWith(".")) return "it starts with '.'";
        if (name.endsWith(".")) return "it ends with '.'";
        if (name.contains("..")) return "it has an empty segment ('..')";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '[') return "it is an array type: load arrays with Class.forName(\"[L...;\"), not loadClass";
            if (c == '/') return "it contains '/': class names use '.' between packages";
            if (c == ';') return "it contains ';'";
            if (c < 0x20 || c == 0x7f) return "it contains the control character " + String.format("\\u%04x", (int) c);
        }
        return null;
    }

    /** The name as a message shows it: control characters escaped, and cut short if long. */
    private static String shown(String name) {
        StringBuilder b = new StringBuilder("\"");
        int i = 0;
        for (; i < name.length() && b.length() < 200; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append(i < name.length() ? "...\"" : "\"").toString();
    }

    /**
     * Throws {@code t} though this method does not declare it: {@link #apply} is a {@link Function}, which cannot
     * declare {@link ClassNotFoundException}, but the loader's {@code findClass} that calls it does, so callers of
     * {@code loadClass} get the checked exception they expect.
     */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    @Override
    public byte[] apply(String name) {
        String bad = malformed(name);
        if (bad != null) {
            throw ClassFetcher.<RuntimeException>sneaky(new ClassNotFoundException("malformed class name " + shown(name)
                    + ": " + bad + "; refused without asking the master"));
        }
        if (missing.containsKey(name)) return null;
        String refusal = denied.get(name);
        if (refusal != null) throw link.denial(refusal);
        if (Stream.isReaderThread()) {
            throw new IllegalStateException("class " + name + " was needed on a stream reader thread, which must "
                    + "never wait for the master: it is missing from the core bundle (a Jitogen bug)");
        }
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        CompletableFuture<byte[]> earlier = pending.putIfAbsent(name, f);
        if (earlier != null) {
            f = earlier;
        } else {
            byte[] preloaded = classes.remove(name);
            if (preloaded != null) {
                pending.remove(name);
                return preloaded;
            }
            link.askParent(name);
        }
        Stream.awaitingPeer(); // the answer comes on the parent stream: its reader thread reads now if no one does
        // wait without giving up on interrupt: a class left half-loaded would be unloadable for good
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get(FETCH_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            pending.remove(name, f);
            throw new IllegalStateException("no answer from the master for class " + name + " within "
                    + FETCH_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Denied d) throw link.denial(d.getMessage());
            throw new IllegalStateException("fetching class " + name + " failed", e.getCause());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Takes a LOAD_CLASS payload (see {@link LoadClass}). Every class in it is stored before any waiting thread
     * is woken: the woken thread goes on to load the classes that came with the one it asked for, and must find
     * them here rather than ask again.
     */
    public void onLoadClass(byte[] payload) {
        List<Runnable> wake = new ArrayList<>();
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            for (int n = in.readInt(); n > 0; n--) {
                byte kind = in.readByte();
                String name = in.readUTF();
                CompletableFuture<byte[]> f = pending.remove(name);
                switch (kind) {
                    case LoadClass.CLASS -> {
                        byte[] bytes = new byte[in.readInt()];
                        in.readFully(bytes);
                        if (f != null) wake.add(() -> f.complete(bytes));
                        else classes.put(name, bytes);
                    }
                    case LoadClass.MISSING -> {
                        in.readUTF();
                        missing.put(name, Boolean.TRUE);
                        if (f != null) wake.add(() -> f.complete(null));
                    }
                    case LoadClass.DENIED -> {
                        String reason = in.readUTF();
                        denied.put(name, reason);
                        if (f != null) wake.add(() -> f.completeExceptionally(new Denied(reason)));
                    }
                    case LoadClass.ALREADY_SENT -> {
                        if (f != null) wake.add(() -> f.complete(classes.remove(name)));
                    }
                    default -> throw new IOException("unknown LOAD_CLASS entry kind " + kind);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("malformed LOAD_CLASS message", e);
        }
        for (Runnable w : wake) w.run(); // not forEach(Runnable::run): see ParentLink
    }
}
