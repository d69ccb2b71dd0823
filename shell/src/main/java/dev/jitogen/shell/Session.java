package dev.jitogen.shell;

import dev.jitogen.core.CallError;
import dev.jitogen.core.ConnectionMethod;
import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Receiver;
import dev.jitogen.core.RemoteCallable;
import dev.jitogen.core.Router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What code typed at the prompt sees of the shell: the router, the contexts opened by commands (by name), and
 * {@code /on}'s parallel evaluation. Snippets reach it as {@code Session.current()}; the shell defines the
 * variables {@code router}, {@code local} and one per opened context from it.
 *
 * <p>Threads: called on the shell's thread (snippets and commands run there). {@link #on} waits on that thread
 * while calls run in parallel in the contexts; its output goes through the shell's printer, which is thread-safe.
 */
public final class Session {
    private static volatile Session current;
    private static final Map<Integer, Session> ALL = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();

    private final int id = IDS.incrementAndGet();

    /** Makes the router on first use, so that starting it costs nothing before the first prompt. */
    private final java.util.function.Supplier<Router> makeRouter;
    private Router router;
    private final Shell.Printer print;
    /** Opened contexts by name, in order of opening. Guarded by this. */
    private final Map<String, Context> contexts = new LinkedHashMap<>();
    /** What each context said about itself when it started: host, user, JVM version. Guarded by this. */
    private final Map<String, String[]> facts = new LinkedHashMap<>();

    Session(java.util.function.Supplier<Router> makeRouter, Shell.Printer print) {
        this.makeRouter = makeRouter;
        this.print = print;
        ALL.put(id, this);
        current = this;
    }

    /** The session of the shell that ran code last. */
    public static Session current() {
        Session s = current;
        if (s == null) throw new IllegalStateException("no Jitogen shell session in this JVM");
        return s;
    }

    /** The session with this id: how the variables a shell defines find their own session. */
    public static Session byId(int id) {
        Session s = ALL.get(id);
        if (s == null) throw new IllegalStateException("shell session " + id + " is closed");
        return s;
    }

    /** This session's id, for {@link #byId}. */
    public int id() {
        return id;
    }

    void makeCurrent() {
        current = this;
    }

    void close() {
        ALL.remove(id);
    }

    public synchronized Router router() {
        if (router == null) router = makeRouter.get();
        return router;
    }

    /** The router if it was made, else null. */
    synchronized Router routerIfMade() {
        return router;
    }

    /** The context called {@code name}; {@code local} is started on first use. */
    public synchronized Context context(String name) {
        Context c = contexts.get(name);
        if (c == null && name.equals("local")) c = remember("local", router().local(LocalOptions.builder().name("local").build()));
        if (c == null) throw new IllegalArgumentException(unknownContext(name));
        return c;
    }

    synchronized boolean has(String name) {
        return contexts.containsKey(name);
    }

    synchronized List<String> names() {
        return new ArrayList<>(contexts.keySet());
    }

    /** Starts a context with a connection method and the options the user gave (see {@link ConnectionMethod}). */
    synchronized Context open(ConnectionMethod method, String name, Map<String, String> options, Context via) {
        if (contexts.containsKey(name)) throw new IllegalArgumentException("a context called " + name + " exists already");
        return remember(name, method.connect(router(), name, options, via));
    }

    private Context remember(String name, Context c) {
        contexts.put(name, c);
        return c;
    }

    /**
     * What /contexts shows of each context: host, user, JVM version, pid. Asked the first time it is needed, of
     * all contexts at once and outside the lock, with a deadline; cached after.
     */
    Map<String, String[]> facts(List<String> names) {
        Map<String, Receiver<String[]>> asked = new LinkedHashMap<>();
        for (String n : names) {
            Context c;
            synchronized (this) {
                if (facts.containsKey(n) || (c = contexts.get(n)) == null || !c.isConnected()) continue;
            }
            asked.put(n, c.callAsync(() -> new String[]{java.net.InetAddress.getLocalHost().getHostName(),
                    System.getProperty("user.name"), System.getProperty("java.version"),
                    Long.toString(ProcessHandle.current().pid())}));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (Map.Entry<String, Receiver<String[]>> e : asked.entrySet()) {
            try {
                String[] f = e.getValue().get(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                synchronized (this) {
                    facts.put(e.getKey(), f);
                }
            } catch (RuntimeException unanswered) {
                // shown as "?"
            }
        }
        Map<String, String[]> out = new LinkedHashMap<>();
        synchronized (this) {
            for (String n : names) out.put(n, facts.getOrDefault(n, new String[]{"?", "?", "?", "-1"}));
        }
        return out;
    }

    synchronized Context remove(String name) {
        facts.remove(name);
        return contexts.remove(name);
    }

    String unknownContext(String name) {
        List<String> known = names();
        if (!known.contains("local")) known.add("local"); // always available: started on first use
        String near = Suggest.closest(name, known);
        return "no context called " + name + (near != null ? "; did you mean " + near + "?" : "")
                + " (open one with /local " + name + ")";
    }

    /**
     * Runs {@code fn} in each named context in parallel, printing each result as it arrives, prefixed with the
     * context's name, a progress line while some are pending, and a summary at the end.
     *
     * @return true if every context succeeded
     */
    public boolean on(List<String> names, RemoteCallable<?> fn) {
        List<Context> targets = new ArrayList<>();
        for (String n : names) targets.add(context(n));
        int width = names.stream().mapToInt(String::length).max().orElse(0) + 2;
        long start = System.nanoTime();
        ExecutorService waiters = Executors.newFixedThreadPool(Math.max(1, targets.size()), r -> {
            Thread t = new Thread(r, "jitogen-on");
            t.setDaemon(true);
            return t;
        });
        try {
            return on(targets, fn, width, start, waiters);
        } finally {
            waiters.shutdownNow();
        }
    }

    private boolean on(List<Context> targets, RemoteCallable<?> fn, int width, long start, ExecutorService waiters) {
        ExecutorCompletionService<String> done = new ExecutorCompletionService<>(waiters);
        List<Future<String>> futures = new ArrayList<>();
        for (Context c : targets) {
            Receiver<?> r = c.callAsync(fn);
            String prefix = pad("[" + c.name() + "]", width);
            futures.add(done.submit(() -> {
                try {
                    return "ok " + prefix + " " + Feedback.value(r.get());
                } catch (CallError e) {
                    return "failed " + prefix + " " + e.remoteClassName() + ": " + e.remoteMessage();
                } catch (RuntimeException e) {
                    return "failed " + prefix + " " + e.getMessage();
                }
            }));
        }
        int ok = 0, failed = 0;
        try {
            for (int i = 0; i < targets.size(); i++) {
                Future<String> f;
                while ((f = done.poll(250, TimeUnit.MILLISECONDS)) == null) {
                    print.progress("… " + (targets.size() - i) + " of " + targets.size() + " pending, "
                            + seconds(start) + " s");
                }
                String line = f.get();
                if (line.startsWith("ok ")) {
                    ok++;
                    print.async(line.substring(3));
                } else {
                    failed++;
                    print.async(line.substring(7));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(true));
            print.async("interrupted: " + ok + " ok, " + failed + " failed, " + (targets.size() - ok - failed)
                    + " abandoned");
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        print.async(ok + " ok, " + failed + " failed in " + seconds(start) + " s");
        return failed == 0;
    }

    private static String seconds(long start) {
        return String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
