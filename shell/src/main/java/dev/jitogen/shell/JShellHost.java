package dev.jitogen.shell;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The shell's JShell, ready as soon as possible: built on a background thread when the shell starts, its start-up
 * imports then evaluated by a warm-up thread while the operator types (each costs a cold javac a few hundred
 * milliseconds), and javac's lambda path and completion warmed last. A snippet that arrives before the imports it
 * needs is taken back and evaluated again once they are all in ({@link #eval}).
 *
 * <p>Threads and locking: JShell is not thread-safe, so every use holds {@link #lock}: the shell thread for a whole
 * unit ({@link #turn}), the warm-up thread one import at a time. While the shell thread waits for its turn, the
 * warm-up thread takes no new one. Never wait for JShell's build while holding the lock: the build takes it.
 */
final class JShellHost implements AutoCloseable {
    static final List<String> STARTUP_IMPORTS = List.of(
            "dev.jitogen.core.*", "java.io.*", "java.math.*", "java.net.*", "java.nio.file.*", "java.time.*",
            "java.util.*", "java.util.concurrent.*", "java.util.function.*", "java.util.regex.*", "java.util.stream.*");

    private final SnippetIds ids;
    private final CompletableFuture<JShell> jshell;
    private final Object lock = new Object();
    /** Start-up imports not yet evaluated; the warm-up thread takes them one at a time, the shell thread the rest. */
    private final Queue<String> pendingImports = new ConcurrentLinkedQueue<>(STARTUP_IMPORTS);
    /** True while the shell thread waits for {@link #lock}: the warm-up thread then stands back. */
    private volatile boolean shellWaiting;
    private volatile boolean closed;

    /**
     * @param declare evaluates the start-up declarations that need only the first import ({@code router},
     *                {@code local}); runs on the build thread with the lock held
     */
    JShellHost(SnippetExecution execution, SnippetIds ids, Consumer<JShell> declare) {
        this.ids = ids;
        this.jshell = CompletableFuture.supplyAsync(() -> build(execution, declare));
    }

    private JShell build(SnippetExecution execution, Consumer<JShell> declare) {
        PrintStream sysout = System.out;
        JShell[] self = new JShell[1];
        JShell js = JShell.builder()
                .executionEngine(new SnippetExecution.Provider(execution), Map.of())
                .out(sysout).err(System.err)
                .compilerOptions(compilerOptions())
                .idGenerator((s, keyIndex) -> ids.id(s, sn -> self[0] != null && self[0].status(sn).isActive()))
                .tempVariableNameGenerator(ids::nextTemp)
                .build();
        self[0] = js;
        synchronized (lock) {
            importNext(js); // dev.jitogen.core.*: the start-up declarations need it
            declare.accept(js);
        }
        Thread rest = new Thread(() -> warmUp(js), "jitogen-jshell-warmup");
        rest.setDaemon(true);
        rest.start();
        return js;
    }

    /**
     * -g: local variable names, so that a captured value that cannot be sent is named
     * (SnippetStatics.capturedNames). On a JDK newer than 17, {@code --release 17} too: classes and API calls that
     * children on Java 17 can load. Not on 17 itself, where it changes nothing but costs every compile (each
     * snippet, each completion) the opening of the JDK's ct.sym archive: half the shell's CPU.
     */
    static String[] compilerOptions() {
        return Runtime.version().feature() > 17 ? new String[]{"--release", "17", "-g"} : new String[]{"-g"};
    }

    /** Evaluates the remaining start-up imports, then warms javac's lambda path and completion, taking turns. */
    private void warmUp(JShell js) {
        try {
            while (!closed) {
                standBack();
                synchronized (lock) {
                    if (closed || !importNext(js)) break;
                }
            }
            standBack();
            synchronized (lock) {
                // the first lambda javac compiles is slow: compile one now, not the operator's first call
                if (!closed) {
                    ids.in(SnippetIds.Space.HIDDEN, () -> js.eval("java.util.function.Supplier<Object> $jitogenWarm = () -> router;"))
                            .forEach(e -> js.drop(e.snippet()));
                }
            }
            standBack();
            synchronized (lock) {
                if (!closed) js.sourceCodeAnalysis().completionSuggestions("router.co", 9, new int[1]);
            }
        } catch (InterruptedException | IllegalStateException e) {
            // the shell closed while warming up: nothing to finish
        }
    }

    private void standBack() throws InterruptedException {
        while (shellWaiting && !closed) Thread.sleep(2);
    }

    /** Evaluates the next start-up import not yet done; false when none is left. Hold {@link #lock}. */
    private boolean importNext(JShell js) {
        String i = pendingImports.poll();
        if (i == null) return false;
        ids.in(SnippetIds.Space.START, () -> js.eval("import " + i + ";"));
        return true;
    }

    /** JShell, once built (waiting for it if need be). For use with the lock held, or for what is thread-safe. */
    JShell get() {
        return jshell.join();
    }

    /**
     * The shell thread's turn: waits for JShell to be built, then runs {@code action} with the lock held. The
     * warm-up thread takes no new turn from now until this one is over. Reentrant.
     */
    <T> T turn(Function<JShell, T> action) {
        shellWaiting = true;
        JShell js = get(); // outside the lock: the build takes it
        synchronized (lock) {
            shellWaiting = false;
            return action.apply(js);
        }
    }

    /**
     * Evaluates one snippet, numbered in {@code space}. One that does not compile, or is not complete, while
     * start-up imports are still pending is taken back (its number too) and evaluated again once they are all in.
     * Nothing of it ran: only a valid snippet runs. Hold the lock ({@link #turn}).
     */
    List<SnippetEvent> eval(String source, SnippetIds.Space space) {
        JShell js = get();
        List<SnippetEvent> events = ids.in(space, () -> js.eval(source));
        if (pendingImports.isEmpty()) return events;
        SnippetEvent first = events.stream().filter(e -> e.causeSnippet() == null).findFirst().orElse(null);
        if (first == null || first.status() == Snippet.Status.VALID || first.status() == Snippet.Status.DROPPED) return events;
        if (js.status(first.snippet()).isActive()) js.drop(first.snippet());
        ids.retract(first.snippet());
        while (importNext(js)) {
            // all of them now: the snippet may need any
        }
        return ids.in(space, () -> js.eval(source));
    }

    @Override
    public void close() {
        closed = true;
        if (jshell.isDone() && !jshell.isCompletedExceptionally()) {
            synchronized (lock) {
                jshell.join().close();
            }
        }
    }
}
