package dev.jitogen.core;

import dev.jitogen.core.stream.MemoryPipe;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The in-process connection method, the JVM's stand-in for Mitogen's {@code fork}: a context in this JVM with its
 * own router and its own class loader, linked to its parent by a pair of {@link MemoryPipe}s carrying the same
 * frames a child JVM's pipes would. Jitogen's runtime classes (the core bundle) are shared with the JVM; every other
 * class is fetched from the parent context exactly as a child JVM fetches it, so class serving, routing and trust
 * behave as they do across processes, at a fraction of the cost: three threads (and a writer per direction while
 * a burst is written) and no process per context.
 *
 * <p>What it does not isolate: the JVM's statics outside user classes ({@code System.out}, system properties, the
 * JDK), its heap and its lifetime. Output printed by its calls goes to the JVM's own {@code System.out}, and a call
 * hung in it keeps its thread until the JVM ends (an in-process context that exits interrupts it).
 *
 * <p>Threads: {@link #start} runs on the caller's thread and returns at once; the context's calls run on a daemon
 * thread named {@code jitogen-main-NAME}.
 */
final class InProcess {
    private InProcess() {}

    /** Starts context {@code id} as a child of {@code parent}, attached and ready for calls. */
    static Context start(Router parent, int id, String name) {
        MemoryPipe down = new MemoryPipe(), up = new MemoryPipe();
        Stream toChild = new Stream(name, up.in(), down.out(), parent.maxMessageSize());
        Stream toParent = new Stream("parent", down.in(), up.out(), parent.maxMessageSize());
        Loader loader = new Loader(name);
        ChildConfig config = parent.childConfig(id, name, LogLevels.childLogLevel(), false);
        Router child = new Router(config, toParent, loader);
        ChildRuntime runtime = new ChildRuntime(child, loader, loader.classes, why -> {
            Log.fine("[" + name + "] exiting: " + why);
            // closing waits for its own children's grace period: never on the reader thread that heard SHUTDOWN
            Thread t = new Thread(child::close, "jitogen-exit-" + name);
            t.setDaemon(true);
            t.start();
        });
        loader.fetcher = runtime.fetcher();
        Context context = new Context(parent, id, name, "in-process", null, null, ProcessHandle.current().pid());
        toChild.trustPeer(); // a router in this JVM, which reads as promptly as the parent's own threads
        parent.attach(context, toChild);
        runtime.attachParent();
        Thread main = new Thread(runtime::runCalls, "jitogen-main-" + name);
        main.setDaemon(true);
        main.start();
        return context;
    }

    /**
     * An in-process context's class loader: the runtime's classes (the core bundle's and those a child fetches on
     * demand, Kryo's among them) are the JVM's own (so the router, Kryo and the wire protocol are not loaded again
     * per context); every other class is fetched from the parent context.
     * Its parent is the platform loader, never the application class path. Parallel-capable.
     */
    static final class Loader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        final Map<String, byte[]> classes = new ConcurrentHashMap<>();
        volatile Function<String, byte[]> fetcher;
        private final Set<String> shared = CoreBundle.get().runtime();
        private final ClassLoader core = Router.class.getClassLoader();

        Loader(String contextName) {
            super("jitogen:" + contextName, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (shared.contains(name)) return core.loadClass(name);
            return super.loadClass(name, resolve);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.remove(name);
            Function<String, byte[]> f = fetcher;
            if (bytes == null && f != null) bytes = f.apply(name);
            if (bytes == null) throw new ClassNotFoundException(name);
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
