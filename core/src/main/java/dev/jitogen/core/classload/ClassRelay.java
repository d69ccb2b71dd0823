package dev.jitogen.core.classload;

import dev.jitogen.core.wire.Log;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Class serving in a context that has children of its own: it answers its children from what its parent sent it
 * ({@link ReceivedClasses}), asking its parent only for what it never received, and only once per class however
 * many children wait for it. What it relays is tracked per child, so no class goes down a stream twice. Part of the
 * parent layer: a child builds it as it builds that layer, before it starts a first child.
 *
 * <p>Limits, since children are not trusted: a child may have {@link #PER_CHILD} requests waiting here; past that
 * its requests are dropped (logged once per flood), so a flooding child cannot fill this context's share of its
 * parent's queue ({@link ClassRequests}) and starve its siblings. A name asked of the parent and not answered within
 * {@link #REASK_NANOS} is asked again.
 *
 * <p>Threads: {@link #onRequest} and {@link #onAnswer} run on reader threads; both only update maps, read the constant
 * pools of the classes they relay, and send frames (deflated for a child across a network, see
 * {@link DeflatedAnswers}: about 50 ms of CPU per MB, once per distinct answer). Guarded by {@code this} for the
 * waiting lists and counts.
 */
public final class ClassRelay {
    /** Requests one child may have waiting here. */
    public static final int PER_CHILD = 256;
    /** A request unanswered for this long is asked of the parent again (the parent may have dropped it). */
    static final long REASK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

    /** What the parent sent, kept since this context started. */
    private final ReceivedClasses received;
    /** A name asked of the parent: when, and the children waiting for it. */
    private static final class Waiting {
        final long askedAt = System.nanoTime();
        final List<Integer> children = new ArrayList<>(1);
    }

    /** Names asked of the parent and not yet answered. Guarded by this. */
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();
    /** Per child, how many names it waits for here; absent when none. Guarded by this. */
    private final Map<Integer, Integer> perChild = new java.util.HashMap<>();
    /** Per child, requests dropped in its current flood. Guarded by this. */
    private final Map<Integer, Long> dropped = new java.util.HashMap<>();
    private final ParentLink link;
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong(),
            forwarded = new java.util.concurrent.atomic.AtomicLong(), classes = new java.util.concurrent.atomic.AtomicLong(),
            bytes = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param received what the parent sent this context
     * @param link     asks the parent, answers children, and knows what each child was sent and each class's family
     */
    public ClassRelay(ReceivedClasses received, ParentLink link) {
        this.received = received;
        this.link = link;
    }

    /** A child asks for {@code name}. */
    public void onRequest(int child, String name) {
        Set<String> sent = link.sentTo(child);
        if (sent == null) return;
        requests.incrementAndGet();
        byte[] entry = cached(name);
        if (entry != null) {
            answer(child, List.of(name), List.of(name), sent);
            return;
        }
        boolean ask;
        long lost = 0;
        synchronized (this) {
            int count = perChild.getOrDefault(child, 0);
            Waiting w = waiting.get(name);
            if (w != null && w.children.contains(child)) {
                ask = System.nanoTime() - w.askedAt > REASK_NANOS;
                if (ask) waiting.put(name, renewed(w));
            } else if (count >= PER_CHILD) {
                lost = dropped.merge(child, 1L, Long::sum);
                ask = false;
            } else {
                ask = w == null || System.nanoTime() - w.askedAt > REASK_NANOS;
                if (ask) waiting.put(name, w = w == null ? new Waiting() : renewed(w));
                w.children.add(child);
                perChild.put(child, count + 1);
            }
        }
        if (lost == 1) {
            Log.warning("context " + child + " has " + PER_CHILD + " class requests waiting; dropping more until "
                    + "they are answered (a context asking for that many classes at once is hostile or broken)");
        }
        if (ask) {
            forwarded.incrementAndGet();
            link.askParent(name);
        }
    }

    /** A fresh {@link Waiting} for a name asked again, keeping who waits. Holding this. */
    private static Waiting renewed(Waiting old) {
        Waiting w = new Waiting();
        w.children.addAll(old.children);
        return w;
    }

    private byte[] cached(String name) {
        return received.entry(name);
    }

    /** Requests from children, classes and bytes relayed down, requests passed to the parent. */
    public ClassCounts counts() {
        return new ClassCounts(requests.get(), 0, classes.get(), bytes.get(), 0, 0, forwarded.get());
    }

    /**
     * The parent's LOAD_CLASS reached this context, and {@link ReceivedClasses#store} kept its entries, {@code names}:
     * answers the children waiting for them.
     */
    public void onAnswer(List<String> names) {
        Map<Integer, List<String>> toAnswer = new LinkedHashMap<>();
        Map<Integer, Long> floods = new LinkedHashMap<>();
        synchronized (this) {
            for (String name : names) {
                Waiting w = waiting.remove(name);
                if (w == null) continue;
                for (int c : w.children) {
                    toAnswer.computeIfAbsent(c, k -> new ArrayList<>()).add(name);
                    if (perChild.merge(c, -1, Integer::sum) <= 0) {
                        perChild.remove(c);
                        Long lost = dropped.remove(c);
                        if (lost != null) floods.put(c, lost);
                    }
                }
            }
        }
        // loops, not forEach: this runs as a child's first call arrives, where a lambda costs a class (ParentLink)
        for (Map.Entry<Integer, Long> e : floods.entrySet()) {
            Log.warning("the flood of class requests from context " + e.getKey() + " is over: " + e.getValue()
                    + " dropped");
        }
        // each waiting child gets what it asked for plus what came with it (the preloaded neighbours)
        for (Map.Entry<Integer, List<String>> e : toAnswer.entrySet()) {
            int child = e.getKey();
            Set<String> sent = link.sentTo(child);
            if (sent == null) continue;
            List<String> asked = e.getValue();
            List<String> all = new ArrayList<>(asked);
            for (String n : names) if (!all.contains(n)) all.add(n);
            answer(child, all, asked, sent);
        }
    }

    /**
     * Sends {@code child} a LOAD_CLASS of the cached entries for {@code names}, and the families of those it
     * {@code asked} for, not yet sent to it; every name in
     * {@code asked} gets an entry (the class, "already sent", or "missing"), so no asker is left waiting. Sent while
     * holding {@code sent}, which marks the classes as sent: an "already sent" answered on another thread (this runs
     * on two readers) then cannot overtake the class itself.
     */
    private void answer(int child, List<String> names, List<String> asked, Set<String> sent) {
        // a runtime class fetched on demand goes with its whole family, which a reader thread of the child may need;
        // so do the families that the code's classes sent name, as the master's class server sends them: a class
        // of a call that makes a receiver brings the parent layer, and the child asks for nothing more
        Set<String> all = new java.util.LinkedHashSet<>(names);
        for (String n : asked) all.addAll(link.family(n));
        for (String n : names) {
            // the runtime's own classes come in whole families already, and what the child has was scanned before
            if (sent.contains(n) || !link.family(n).isEmpty()) continue;
            byte[] classFile = received.received(n);
            if (classFile == null) continue;
            for (String ref : ConstantPool.referencedClasses(classFile)) {
                // only a family this context received: it relays, it does not ask its parent on the child's behalf;
                // and none for a class never sent ahead (Context's annotation would bring all of Kryo with Context)
                if (!sent.contains(ref) && !all.contains(ref) && received.entry(ref) != null
                        && !link.notSentAhead(ref)) {
                    all.addAll(link.family(ref));
                }
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int count = 0;
        synchronized (sent) {
            for (String n : all) {
                byte[] e = cached(n);
                if (e == null && asked.contains(n)) { // never leave the asker waiting
                    e = LoadClass.entry(LoadClass.MISSING, n, "the parent context has no copy of " + n + " to relay");
                }
                if (e == null) continue;
                boolean isClass = e[0] == LoadClass.CLASS;
                if (isClass && !sent.add(n)) {
                    if (!asked.contains(n)) continue; // a neighbour it has: skip it
                    buf.writeBytes(LoadClass.entry(LoadClass.ALREADY_SENT, n, null)); // asked for, but has it
                    count++;
                    continue;
                }
                buf.writeBytes(e);
                count++;
                if (isClass) {
                    classes.incrementAndGet();
                    bytes.addAndGet(e.length);
                }
            }
            link.answerChild(child, LoadClass.withCount(count, buf.toByteArray()));
        }
    }
}
