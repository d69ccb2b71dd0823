package dev.jitogen.core.classload;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Class serving in a context that has children of its own: it keeps every class its parent sent it and answers its
 * children from that cache, asking its parent only for what it never received, and only once per class however
 * many children wait for it. What it relays is tracked per child, so no class goes down a stream twice.
 *
 * <p>Threads: {@link #onRequest} and {@link #onAnswer} run on reader threads; both only update maps and send
 * frames. Guarded by {@code this} for the waiting lists.
 */
public final class ClassRelay {
    /** Entries as received: name → the raw entry (kind, name, payload), so refusals are relayed as they came. */
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();
    /** Names asked of the parent and not yet answered, with the children waiting for each. Guarded by this. */
    private final Map<String, List<Integer>> waiting = new LinkedHashMap<>();
    private final Consumer<String> askParent;
    private final BiConsumer<Integer, byte[]> answerChild;
    private final IntFunction<Set<String>> sentTo;
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong(),
            forwarded = new java.util.concurrent.atomic.AtomicLong(), classes = new java.util.concurrent.atomic.AtomicLong(),
            bytes = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param askParent   sends GET_CLASS for a name to this context's parent
     * @param answerChild sends a LOAD_CLASS payload to a child
     * @param sentTo      the set of classes already sent to a child (updated here), or null if unknown
     */
    public ClassRelay(Consumer<String> askParent, BiConsumer<Integer, byte[]> answerChild, IntFunction<Set<String>> sentTo) {
        this.askParent = askParent;
        this.answerChild = answerChild;
        this.sentTo = sentTo;
    }

    /** A child asks for {@code name}. */
    public void onRequest(int child, String name) {
        Set<String> sent = sentTo.apply(child);
        if (sent == null) return;
        requests.incrementAndGet();
        byte[] entry = cache.get(name);
        if (entry != null) {
            answerChild.accept(child, payload(List.of(name), List.of(name), sent));
            return;
        }
        boolean ask;
        synchronized (this) {
            List<Integer> children = waiting.get(name);
            ask = children == null;
            if (ask) waiting.put(name, children = new ArrayList<>());
            children.add(child);
        }
        if (ask) {
            forwarded.incrementAndGet();
            askParent.accept(name);
        }
    }

    /**
     * The class file of {@code name} if this context's parent sent it (to this context, or for one of its children),
     * else null. Parents send only what their policy allows, never JDK classes or the core bundle: in a child, these
     * are the classes its own calls' functions can reach ({@link CallClasses}). Any thread.
     */
    public byte[] received(String name) {
        byte[] e = cache.get(name);
        if (e == null || e[0] != ClassServer.CLASS) return null;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(e))) {
            in.readByte();
            in.readUTF();
            byte[] classFile = new byte[in.readInt()];
            in.readFully(classFile);
            return classFile;
        } catch (IOException x) {
            return null; // cached as received, so well-formed: unreachable
        }
    }

    /** Requests from children, classes and bytes relayed down, requests passed to the parent. */
    public dev.jitogen.core.Stats stats() {
        return new dev.jitogen.core.Stats(requests.get(), 0, classes.get(), bytes.get(), 0, 0, forwarded.get());
    }

    /** The parent's LOAD_CLASS reached this context: cache its entries and answer the children waiting for them. */
    public void onAnswer(byte[] payload) {
        List<String> names = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            for (int n = in.readInt(); n > 0; n--) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(raw);
                byte kind = in.readByte();
                String name = in.readUTF();
                out.writeByte(kind);
                out.writeUTF(name);
                if (kind == ClassServer.CLASS) {
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    out.writeInt(b.length);
                    out.write(b);
                } else if (kind != ClassServer.ALREADY_SENT) {
                    out.writeUTF(in.readUTF());
                }
                if (kind != ClassServer.ALREADY_SENT) cache.put(name, raw.toByteArray());
                names.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("malformed LOAD_CLASS message", e);
        }
        Map<Integer, List<String>> toAnswer = new LinkedHashMap<>();
        synchronized (this) {
            for (String name : names) {
                List<Integer> children = waiting.remove(name);
                if (children == null) continue;
                for (int c : children) toAnswer.computeIfAbsent(c, k -> new ArrayList<>()).add(name);
            }
        }
        // each waiting child gets what it asked for plus what came with it (the preloaded neighbours)
        toAnswer.forEach((child, asked) -> {
            Set<String> sent = sentTo.apply(child);
            if (sent == null) return;
            List<String> all = new ArrayList<>(asked);
            for (String n : names) if (!all.contains(n)) all.add(n);
            answerChild.accept(child, payload(all, asked, sent));
        });
    }

    /**
     * A LOAD_CLASS payload of the cached entries for {@code names} not yet sent to this child; every name in
     * {@code asked} gets an entry (the class, "already sent", or "missing"), so no asker is left waiting.
     */
    private byte[] payload(List<String> names, List<String> asked, Set<String> sent) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int count = 0;
        synchronized (sent) {
            for (String n : names) {
                byte[] e = cache.get(n);
                if (e == null && asked.contains(n)) { // never leave the asker waiting
                    e = ClassServer.entry(ClassServer.MISSING, n, "the parent context has no copy of " + n + " to relay");
                }
                if (e == null) continue;
                boolean isClass = e[0] == ClassServer.CLASS;
                if (isClass && !sent.add(n)) {
                    if (!asked.contains(n)) continue; // a neighbour it has: skip it
                    buf.writeBytes(ClassServer.entry(ClassServer.ALREADY_SENT, n, null)); // asked for, but has it
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
        }
        return ClassServer.withCount(count, buf.toByteArray());
    }
}
