package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The runtime's entry point in a child JVM, called by the first stage on the JVM's main thread. Sets up the router
 * on the parent stream and the context's {@link ChildRuntime}, forwards stdout, stderr and logging to the master,
 * and then runs calls, one at a time in arrival order, on the main thread.
 *
 * <p>Threads: the main thread runs calls (user code); the parent stream's reader thread routes and never runs user
 * code; SHUTDOWN or the loss of the parent ends the process from a separate thread, even while a call is hung.
 */
public final class ChildMain {
    /** What the child main prints once it runs, after the first stage's token: from then on, frames. */
    static final String CHILD_READY = "JGREADY0";
    private static volatile LogForwarder.Lines stdout, stderr;
    private static volatile Router router;
    /**
     * What the first stage kept for starting children: its own bytes, the (uncompressed) bundle and the unpacker's
     * class file; null in a master.
     */
    private static volatile byte[] firstStage, bundle, unpacker;

    private ChildMain() {}

    /** Called reflectively by {@code dev.jitogen.bootstrap.FirstStage}. Not for users. */
    @SuppressWarnings("unchecked")
    public static void main(ClassLoader loader, String remoteName, InputStream in, OutputStream out, byte[] configBytes)
            throws Exception {
        // user code and JUL (LogForwarder.Config) find classes through the child's loader, as code of the core does
        Thread.currentThread().setContextClassLoader(loader);
        dev.jitogen.core.serial.KryoProperties.apply(); // before any Kryo class initialises: see there
        ChildConfig config = ChildConfig.decode(configBytes);
        System.setIn(new ByteArrayInputStream(new byte[0]));
        Stream parent = new Stream("parent", in, out, config.maxMessageSize());
        Router r = new Router(config, parent, loader);
        router = r;

        Map<String, byte[]> classes = (Map<String, byte[]>) loader.getClass().getField("classes").get(loader);
        firstStage = (byte[]) loader.getClass().getField("firstStage").get(loader);
        bundle = (byte[]) loader.getClass().getField("bundle").get(loader);
        unpacker = (byte[]) loader.getClass().getField("unpack").get(loader);
        ChildRuntime runtime = new ChildRuntime(r, loader, classes, ChildMain::exit);
        try {
            loader.getClass().getField("fetcher").set(loader, runtime.fetcher());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the first stage has no fetcher field", e);
        }
        ChildRuntime.processWide(runtime);

        String env = System.getenv("JITOGEN_LOG_LEVEL");
        int level = LogLevels.parse(env != null && !env.isBlank() ? env : config.logLevel());
        LogForwarder.install(r, config.debug() ? Math.min(Log.FINE, level) : level);
        stdout = new LogForwarder.Lines(r, "stdout");
        stderr = new LogForwarder.Lines(r, "stderr");
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        runtime.output(stdout, stderr);

        out.write(CHILD_READY.getBytes(StandardCharsets.US_ASCII));
        // then its pid, which a parent cannot see for itself over SSH
        new java.io.DataOutputStream(out).writeLong(ProcessHandle.current().pid());
        out.flush();
        runtime.attachParent();
        Thread.currentThread().setName("jitogen-main");
        runtime.runCalls(); // returns only as the process ends (see exit)
        while (true) {
            try {
                Thread.currentThread().join(); // exit() is ending the process
            } catch (InterruptedException e) {
                // exit() interrupts this thread too; it must not end with an exception (printed on stderr)
            }
        }
    }

    /**
     * The first stage's class bytes this child was started with, which it passes on to the children it starts
     * ({@link dev.jitogen.core.spi.Bootstrap#script}); null in a master, which reads them from its class path. Not
     * for users.
     */
    public static byte[] firstStage() {
        return firstStage;
    }

    static byte[] bundle() {
        return bundle;
    }

    static byte[] unpacker() {
        return unpacker;
    }

    /**
     * Ends the process from a fresh thread, even if a call is hung on the main thread; halts if shutdown hooks take
     * more than a second.
     */
    private static void exit(String why) {
        Thread t = new Thread(() -> {
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ignored) {
                    // halting anyway
                }
                Runtime.getRuntime().halt(0);
            }, "jitogen-halt");
            halt.setDaemon(true);
            halt.start();
            if (stdout != null) stdout.flushLine();
            if (stderr != null) stderr.flushLine();
            Router r = router;
            if (r != null) r.core().awaitParentWritten(500); // frames still queued (the last log lines) go first
            System.exit(0);
        }, "jitogen-exit: " + why);
        t.setDaemon(true);
        t.start();
    }
}
