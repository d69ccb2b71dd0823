package dev.jitogen.shell;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.Method;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

/**
 * JShell's execution engine for Jitogen: snippets run in the master's JVM, on the thread that evaluates them, with
 * their classes defined by a {@link SnippetLoader} that records every class's bytes for the class server. Redefining
 * is refused ({@code NotImplementedException}), so JShell gives a changed snippet a new class name.
 *
 * <p>Threads: {@link #invoke} runs on the shell's thread; {@link #stop} may be called from any thread (Ctrl-C) and
 * interrupts it, which in turn cancels a pending remote call. The last failure is kept for {@code /stack}.
 */
final class SnippetExecution extends DirectExecutionControl {
    private volatile Thread running;
    /** Ctrl-C since the unit began: a snippet of it that has not started yet does not start. */
    private volatile boolean stopRequested;
    /** Work the next snippet must wait for before it runs (a context starting while it compiled). */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.CompletableFuture<?>> beforeRun =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile Throwable lastFailure;

    SnippetExecution(SnippetLoader loader) {
        super(new LoaderDelegate() {
            @Override
            public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
                // every lambda typed at the prompt made serializable, so one held in a variable can be sent
                for (ClassBytecodes c : cbcs) loader.add(c.name(), SerializableLambdas.of(c.bytecodes()));
                boolean[] installed = new boolean[cbcs.length];
                for (int i = 0; i < cbcs.length; i++) {
                    try {
                        Class.forName(cbcs[i].name(), false, loader);
                        installed[i] = true;
                    } catch (ClassNotFoundException | LinkageError e) {
                        throw new ClassInstallException("cannot define " + cbcs[i].name() + ": " + e, installed);
                    }
                }
            }

            @Override
            public void classesRedefined(ClassBytecodes[] cbcs) {
                // never called: redefine is refused, so every snippet class name is immutable
            }

            @Override
            public void addToClasspath(String path) throws InternalException {
                try {
                    for (String p : path.split(java.io.File.pathSeparator)) {
                        URL url = Path.of(p).toUri().toURL();
                        loader.addToClassPath(url);
                    }
                } catch (Exception e) {
                    throw new InternalException("bad class path " + path + ": " + e);
                }
            }

            @Override
            public Class<?> findClass(String name) throws ClassNotFoundException {
                return Class.forName(name, false, loader);
            }
        });
    }

    @Override
    public void redefine(ClassBytecodes[] cbcs) throws NotImplementedException {
        throw new NotImplementedException("Jitogen gives changed snippets new class names instead");
    }

    /** Forgets work no snippet waited for (the snippet that asked did not compile, or ran no code). */
    void clearBeforeRun() {
        beforeRun.clear();
    }

    /** Makes the next snippet wait for {@code work} before it runs; a failure of it fails the snippet. */
    void beforeRun(java.util.concurrent.CompletableFuture<?> work) {
        beforeRun.add(work);
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        running = Thread.currentThread();
        try {
            if (stopRequested) {
                // Ctrl-C came while the snippet compiled: it does not run at all
                return throwConvertedInvocationException(new InterruptedException("stopped before it ran"));
            }
            for (java.util.concurrent.CompletableFuture<?> w; (w = beforeRun.poll()) != null; ) {
                try {
                    w.get(); // interruptible: Ctrl-C while a context starts returns to the prompt
                } catch (java.util.concurrent.ExecutionException e) {
                    return throwConvertedInvocationException(e.getCause());
                } catch (InterruptedException e) {
                    return throwConvertedInvocationException(e);
                }
            }
            return super.invoke(doitMethod);
        } finally {
            running = null;
            Thread.interrupted(); // a Ctrl-C that came late must not hit the next snippet
        }
    }

    @Override
    protected String throwConvertedInvocationException(Throwable cause) throws RunException, InternalException {
        lastFailure = cause;
        return super.throwConvertedInvocationException(cause);
    }

    @Override
    public void stop() {
        stopRequested = true;
        Thread t = running;
        if (t != null) t.interrupt();
    }

    /** A new unit begins: a Ctrl-C before it does not stop it. */
    void clearStop() {
        stopRequested = false;
    }

    Throwable lastFailure() {
        return lastFailure;
    }

    /** A value as jshell shows it ({@code "text"}, {@code int[2] { 1, 2 }}): JShell's own rendering. */
    static String format(Object value) {
        return valueString(value);
    }

    /** Hands JShell this engine. */
    static final class Provider implements ExecutionControlProvider {
        private final SnippetExecution execution;

        Provider(SnippetExecution execution) {
            this.execution = execution;
        }

        @Override
        public String name() {
            return "jitogen";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return execution;
        }
    }
}
