package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Receiver;
import dev.jitogen.core.RemoteCallable;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ConnectionMethod;
import dev.jitogen.plugins.Suggest;
import dev.jitogen.plugins.inventory.Inventory;
import dev.jitogen.plugins.inventory.InventoryHost;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What code typed at the prompt sees of the shell: the router, the contexts opened by commands (by name), and the
 * fleet verbs {@code /on} and {@code /sh}, which run in many contexts at once. Snippets reach it as
 * {@code Session.byId(N)}; the shell defines {@code router}, {@code local} and one variable per opened context from
 * it. A context that disconnects without being asked to is announced, with its name and how it ended.
 *
 * <p>Threads: called on the shell's thread (snippets and commands run there). {@link #on} and {@link #sh} wait on
 * that thread while the calls run in parallel in the contexts; disconnect announcements come from a thread of the
 * context's. Output goes through the shell's printer, which is thread-safe. Inventory hosts are opened on
 * {@code /connect}'s fork threads, many at once. Its maps are guarded by this object's monitor (each field says so).
 *
 * <p>Why this file is about 500 lines: it is what snippets see (contexts by name, inventory hosts, {@code /on} and
 * {@code /sh}), and those parts share the maps under that one monitor, which a split would spread over classes.
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
    /** What each context says about itself (host, user, JVM, pid), asked when it opens. Guarded by this. */
    private final Map<Context, Object> facts = new java.util.IdentityHashMap<>(); // a Receiver until answered
    /** Contexts being shut down on purpose: their end is not announced. */
    private final Set<Context> closing = Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());
    private volatile boolean closed;
    /** The failures of the last {@code /on} or {@code /sh}, by context name, for {@code /stack}. Guarded by this. */
    private Map<String, Throwable> lastFailures = Map.of();
    /** The inventory {@code /connect} and {@code @PATTERN} read, or null. Guarded by this. */
    private Inventory inventory;
    /**
     * The context name given to each inventory host, by inventory name: a Java identifier made from it, kept for
     * the session so that the same host always has the same variable. Guarded by this.
     */
    private final Map<String, String> hostContexts = new LinkedHashMap<>();
    /** The names of the contexts {@link #openHost} opened, while they are remembered. Guarded by this. */
    private final Set<String> fromInventory = new java.util.HashSet<>();
    /** The login (SSH) context of each host opened with become, by the become context's name. Guarded by this. */
    private final Map<String, Context> logins = new java.util.HashMap<>();

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
        closed = true;
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

    /**
     * The context called {@code name}. {@code local} is started on first use, and started again if the one before
     * it disconnected.
     */
    public Context context(String name) {
        Context dead;
        synchronized (this) {
            Context c = contexts.get(name);
            if (c != null && (c.isConnected() || !name.equals("local"))) return c;
            if (!name.equals("local")) throw new IllegalArgumentException(unknownContext(name));
            dead = c;
            if (dead != null) contexts.remove(name);
        }
        Context started = router().local(LocalOptions.builder().name("local").build());
        synchronized (this) {
            Context raced = contexts.get("local");
            if (raced != null && raced.isConnected()) {
                closing.add(started);
                started.shutdown();
                return raced;
            }
            remember("local", started);
        }
        if (dead != null) print.async("|  started local again (the one before " + dead.exitDescription() + ")");
        return started;
    }

    synchronized boolean has(String name) {
        return contexts.containsKey(name);
    }

    /** Whether {@code name} is open and connected. */
    synchronized boolean isLive(String name) {
        Context c = contexts.get(name);
        return c != null && c.isConnected();
    }

    /** The opened contexts by name, in order of opening. */
    synchronized Map<String, Context> opened() {
        return new LinkedHashMap<>(contexts);
    }

    synchronized List<String> names() {
        return new ArrayList<>(contexts.keySet());
    }

    /**
     * Starts a context with a connection method and the options the user gave (see {@link ConnectionMethod}). The
     * name of a context that disconnected may be used again.
     */
    Context open(ConnectionMethod method, String name, Map<String, String> options, Context via) {
        return open(method, name, name, options, via);
    }

    /** Makes {@code name} free for a new context: an ended one of that name is forgotten, an open one refused. */
    private synchronized void claim(String name) {
        Context old = contexts.get(name);
        if (old != null && old.isConnected()) {
            throw new IllegalArgumentException("a context called " + name + " is open already (/disconnect "
                    + name + " first)");
        }
        if (old != null) forget(name);
    }

    /**
     * As {@link #open(ConnectionMethod, String, Map, Context)}, the context known here as {@code name} and named
     * {@code contextName} (null: as the method names it, {@code ssh.web1:22}).
     */
    Context open(ConnectionMethod method, String name, String contextName, Map<String, String> options, Context via) {
        claim(name);
        Context c = method.connect(router(), contextName, options, via);
        synchronized (this) {
            remember(name, c);
        }
        return c;
    }

    private void remember(String name, Context c) {
        contexts.put(name, c);
        facts.put(c, askFacts(c));
        c.onDisconnect(gone -> {
            if (!closed && !closing.remove(gone)) {
                print.async("|  context " + gone.name() + " disconnected: " + gone.exitDescription());
            }
        });
    }

    /**
     * Shuts {@code name} down on purpose (not announced as a loss) and forgets it.
     *
     * @param kill true to kill it at once, without asking it to exit (for a context stuck in a call)
     */
    void shutdown(String name, boolean kill) {
        Context c;
        synchronized (this) {
            c = contexts.get(name);
            if (c == null) throw new IllegalArgumentException(unknownContext(name));
            closing.add(c);
            forget(name);
        }
        if (kill) c.kill();
        else c.shutdown();
        Context login;
        synchronized (this) {
            login = logins.remove(name);
            if (login != null) closing.add(login);
        }
        if (login != null) { // what it started (c) is gone: it is the host's SSH hop, of no use on its own
            if (kill) login.kill();
            else login.shutdown();
        }
    }

    private void forget(String name) {
        fromInventory.remove(name);
        Context c = contexts.remove(name);
        if (c != null) facts.remove(c);
    }

    /**
     * The contexts /contexts shows: those opened with commands, then those code started with the router's API
     * ({@code router.local()}) that are still connected, each under its own name.
     */
    List<Context> shown() {
        List<Context> all = new ArrayList<>(opened().values());
        Router r = routerIfMade();
        if (r != null) {
            for (Context c : r.contexts()) if (c.isConnected() && !all.contains(c)) all.add(c);
        }
        return all;
    }

    /**
     * What /contexts shows of each context: host, user, JVM version, pid, as it answered when it opened (asked now
     * for one code started); "?" for what has not arrived within a second.
     */
    Map<Context, String[]> facts(List<Context> shown) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        Map<Context, String[]> out = new java.util.IdentityHashMap<>();
        for (Context c : shown) {
            Object known;
            synchronized (this) {
                known = facts.get(c);
                if (known == null && c.isConnected()) facts.put(c, known = askFacts(c));
            }
            String[] f = known instanceof String[] answer ? answer : null;
            if (known instanceof Receiver<?> r) {
                try {
                    Object answer = r.get(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    f = answer instanceof String[] a && a.length == 4 && a[3] != null && a[3].matches("\\d{1,18}")
                            ? a : new String[]{"?", "?", "?", "-1"}; // whatever a context says, it must not break the table
                    synchronized (this) {
                        facts.put(c, f); // a receiver yields its value once: keep the answer
                    }
                } catch (RuntimeException unanswered) {
                    // shown as "?"
                }
            }
            out.put(c, f != null ? f : new String[]{"?", "?", "?", "-1"});
        }
        return out;
    }

    /** A static method of a small class: a lambda here would make the context load this class and its neighbours. */
    private static Receiver<?> askFacts(Context c) {
        return c.callStaticAsync(RemoteCommand.class.getName(), "facts");
    }

    String unknownContext(String name) {
        List<String> known = names();
        if (!known.contains("local")) known.add("local"); // always available: started on first use
        String near = Suggest.closest(name, known);
        return "no context called " + name + (near != null ? "; did you mean " + near + "?" : "")
                + " (open one with /local " + name + ")";
    }

    /**
     * The contexts a command names: a comma-separated list, {@code all} (every open context), or
     * {@code @PATTERN}: the opened hosts that an Ansible host pattern selects from the inventory.
     */
    List<String> targets(String spec) {
        if (spec.startsWith("@")) return hostTargets(spec.substring(1));
        if (spec.equals("all")) {
            List<String> live = new ArrayList<>();
            for (String n : names()) if (isLive(n)) live.add(n);
            if (live.isEmpty()) throw new IllegalArgumentException("no contexts are open (open one with /local NAME)");
            return live;
        }
        List<String> names = new ArrayList<>();
        for (String n : spec.split(",")) {
            if (n.isBlank()) continue;
            if (!has(n) && !n.equals("local")) throw new IllegalArgumentException(unknownContext(n));
            if (!names.contains(n)) names.add(n);
        }
        if (names.isEmpty()) throw new IllegalArgumentException("name the contexts");
        return names;
    }

    // ---- inventory hosts ------------------------------------------------------------------------------------------

    synchronized Inventory inventory() {
        return inventory;
    }

    synchronized void useInventory(Inventory inventory) {
        this.inventory = inventory;
    }

    /** The inventory, or a usage error saying how to load one. */
    Inventory requireInventory() {
        Inventory inv = inventory();
        if (inv == null) {
            throw new IllegalArgumentException("no inventory is loaded: /inventory FILE, or start with -i FILE, or set "
                    + "JITOGEN_INVENTORY");
        }
        return inv;
    }

    /**
     * The context name of inventory host {@code host}: its name made a Java identifier ({@code web-1.example.com}
     * is {@code web_1_example_com}; a keyword or a name taken by another host gets {@code _} or a number), the
     * same for the whole session.
     */
    synchronized String contextNameOf(String host) {
        String known = hostContexts.get(host);
        if (known != null) return known;
        StringBuilder b = new StringBuilder();
        for (char c : host.toCharArray()) b.append(Character.isJavaIdentifierPart(c) && c != '$' ? c : '_');
        if (b.length() == 0 || !Character.isJavaIdentifierStart(b.charAt(0))) b.insert(0, '_');
        String base = b.toString();
        if (!javax.lang.model.SourceVersion.isName(base) || base.equals("router") || base.equals("local")
                || base.equals("_")) {
            base = base + "_"; // a keyword, or a start-up variable's name
        }
        String name = base;
        for (int n = 2; hostContexts.containsValue(name); n++) name = base + "_" + n;
        hostContexts.put(host, name);
        return name;
    }

    /** The inventory name of the host opened as context {@code name}, or null if it is not one. */
    synchronized String hostOf(String name) {
        if (!fromInventory.contains(name)) return null;
        for (Map.Entry<String, String> e : hostContexts.entrySet()) if (e.getValue().equals(name)) return e.getKey();
        return null;
    }

    /**
     * Opens inventory host {@code host} as context {@code name} (see {@link InventoryHost#connect}) and remembers
     * it, with its login context if it became another user. Called on fork threads, many at once.
     */
    Context openHost(InventoryHost host, String name, dev.jitogen.plugins.ssh.HostKeyPolicy policy) {
        claim(name);
        Context c = host.connect(router(), name, policy);
        synchronized (this) {
            if (c.via() != null && c.via().name().equals(name + ".login")) logins.put(name, c.via());
            remember(name, c);
            fromInventory.add(name);
        }
        return c;
    }

    /** The open contexts of the hosts {@code pattern} selects; says which selected hosts are not open. */
    private List<String> hostTargets(String pattern) {
        List<InventoryHost> hosts;
        try {
            hosts = requireInventory().select(pattern);
        } catch (dev.jitogen.plugins.inventory.InventoryError e) {
            throw new Shell.CommandFailure(e.getMessage());
        }
        List<String> open = new ArrayList<>(), closed = new ArrayList<>();
        for (InventoryHost h : hosts) {
            String name;
            synchronized (this) {
                name = hostContexts.get(h.name());
            }
            if (name != null && isLive(name) && hostOf(name) != null) open.add(name);
            else closed.add(h.name());
        }
        if (open.isEmpty()) {
            throw new Shell.CommandFailure(hosts.isEmpty() ? "pattern " + pattern + " selects no host"
                    : "none of the " + hosts.size() + " hosts of " + pattern + " is open (/connect " + pattern + " first)");
        }
        if (!closed.isEmpty()) {
            print.println("|  " + closed.size() + " of " + hosts.size() + " hosts of " + pattern + " are not open "
                    + "(/connect " + pattern + "): " + String.join(", ", closed.size() > 10 ? closed.subList(0, 10) : closed)
                    + (closed.size() > 10 ? ", ..." : ""));
        }
        return open;
    }

    synchronized Map<String, Throwable> lastFailures() {
        return lastFailures;
    }

    /** What the last {@code /on} or {@code /sh} threw in context {@code name}, or null: for the shell's /stack. */
    public synchronized Throwable lastFailure(String name) {
        return lastFailures.get(name);
    }

    // ---- /on ------------------------------------------------------------------------------------------------------

    /** Whether /on and /sh print results in the targets' order and no time, as notebooks want. Shell thread. */
    private boolean inTargetOrder;

    /** See {@link #inTargetOrder}; set by notebooks for their run. Shell thread. */
    void resultsInTargetOrder(boolean on) {
        inTargetOrder = on;
    }

    /**
     * Runs {@code fn} in each named context in parallel, printing each result as it arrives under the context's
     * label (strings raw, more lines indented under the first), a progress line while some are pending, and a
     * summary at the end.
     *
     * @return true if every context succeeded
     */
    public boolean on(List<String> names, RemoteCallable<?> fn) {
        return on(names, fn, false);
    }

    /** As {@link #on(List, RemoteCallable)}; with {@code isVoid}, a result prints nothing (the code was a statement). */
    public boolean on(List<String> names, RemoteCallable<?> fn, boolean isVoid) {
        return fanOut(names, c -> c.callAsync(fn), (name, label, value) -> {
            if (!isVoid) print.async(Fleet.block(label, value instanceof String s ? s : Feedback.value(value)));
            return true;
        });
    }

    /** What {@link #hold} was given last, for the one-shot {@code jitogen on}. Guarded by this. */
    private RemoteCallable<?> held;
    private boolean heldIsVoid;

    /**
     * Keeps a lambda made by a hidden snippet, for Java code of the shell's to call in contexts itself (the one-shot
     * {@code jitogen on} does, with its own output). Returns true, as {@link #on} does on success.
     */
    public synchronized boolean hold(RemoteCallable<?> fn, boolean isVoid) {
        held = fn;
        heldIsVoid = isVoid;
        return true;
    }

    /** The lambda {@link #hold} kept, then forgotten; null if none. */
    synchronized RemoteCallable<?> takeHeld() {
        RemoteCallable<?> fn = held;
        held = null;
        return fn;
    }

    synchronized boolean heldIsVoid() {
        return heldIsVoid;
    }

    // ---- /sh ------------------------------------------------------------------------------------------------------

    /**
     * Runs {@code command} through {@code /bin/sh -c} in each named context in parallel; prints each context's
     * stdout and stderr under its label as it finishes, then its exit status, and a summary at the end.
     *
     * @return true if the command exited 0 everywhere
     */
    public boolean sh(List<String> names, String command) {
        return fanOut(names, c -> c.callStaticAsync(RemoteCommand.class.getName(), "run", command), (name, label, value) -> {
            if (!(value instanceof String[] r) || r.length != 3 || r[0] == null || r[1] == null || r[2] == null) {
                print.async(Fleet.block(label, "sent a malformed result"));
                return false;
            }
            StringBuilder b = new StringBuilder();
            if (!r[0].isEmpty()) b.append(Fleet.block(label, r[0].stripTrailing())).append('\n');
            if (!r[1].isEmpty()) b.append(Fleet.block("[" + name + "] stderr: ", r[1].stripTrailing())).append('\n');
            b.append(label).append("exit ").append(r[2]);
            print.async(b.toString());
            return "0".equals(r[2]);
        });
    }

    private boolean fanOut(List<String> names, Function<Context, Receiver<?>> call, Fleet.ResultPrinter printer) {
        List<Context> targets = new ArrayList<>();
        for (String n : names) targets.add(context(n));
        Map<String, Throwable> failures = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            return Fleet.fanOut(print, targets, call, printer, failures, inTargetOrder);
        } finally {
            synchronized (this) {
                lastFailures = Map.copyOf(failures);
            }
        }
    }
}
