package dev.jitogen.core.classload;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a child's parent sent it in {@code LOAD_CLASS} answers, kept as received: the class files its own calls reach
 * ({@link #received}), and what its {@link ClassRelay} answers its children with once it has some. Kept from the
 * first answer on, so that a context that starts children later still has every class to relay; the relay itself,
 * with its per-child bookkeeping, is built with the parent layer.
 *
 * <p>Limits: classes are kept without limit (the parent's class path bounds them); refusals ("missing", "denied"),
 * whose names children choose, only the {@link #REFUSALS} most recent.
 *
 * <p>Threads: any; {@link #store} runs on the parent stream's reader thread and only updates maps.
 */
public final class ReceivedClasses {
    /** Refusals remembered. */
    public static final int REFUSALS = 4096;

    /** Class entries as received: name → the raw entry (kind, name, payload). */
    private final Map<String, byte[]> classes = new ConcurrentHashMap<>();
    /** Refusal entries as received, relayed as they came; the most recent only. */
    private final Map<String, byte[]> refusals = LoadClass.lru(REFUSALS);

    /** Keeps the entries of a {@code LOAD_CLASS} payload from the parent; returns their names, in order. */
    public List<String> store(byte[] payload) {
        List<String> names = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            for (int n = in.readInt(); n > 0; n--) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(raw);
                byte kind = in.readByte();
                String name = in.readUTF();
                out.writeByte(kind);
                out.writeUTF(name);
                if (kind == LoadClass.CLASS) {
                    byte[] b = new byte[in.readInt()];
                    in.readFully(b);
                    out.writeInt(b.length);
                    out.write(b);
                } else if (kind != LoadClass.ALREADY_SENT) {
                    out.writeUTF(in.readUTF());
                }
                if (kind == LoadClass.CLASS) classes.put(name, raw.toByteArray());
                else if (kind != LoadClass.ALREADY_SENT) refusals.put(name, raw.toByteArray());
                names.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("malformed LOAD_CLASS message", e);
        }
        return names;
    }

    /**
     * The class file of {@code name} if this context's parent sent it (to this context, or for one of its children),
     * else null. Parents send only what their policy allows, never JDK classes or the core bundle: in a child, these
     * are the classes its own calls' functions can reach ({@link CallClasses}). Any thread.
     */
    public byte[] received(String name) {
        byte[] e = classes.get(name);
        if (e == null || e[0] != LoadClass.CLASS) return null;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(e))) {
            in.readByte();
            in.readUTF();
            byte[] classFile = new byte[in.readInt()];
            in.readFully(classFile);
            return classFile;
        } catch (IOException x) {
            return null; // kept as received, so well-formed: unreachable
        }
    }

    /** The entry for {@code name} as received (a class or a refusal), or null. */
    byte[] entry(String name) {
        byte[] e = classes.get(name);
        return e != null ? e : refusals.get(name);
    }
}
