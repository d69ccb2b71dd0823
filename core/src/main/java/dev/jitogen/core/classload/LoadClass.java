package dev.jitogen.core.classload;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LOAD_CLASS payload, written by the master's {@link ClassServer} and a relay ({@link ClassRelay}), read by
 * {@link ClassFetcher} and relays: {@code int count}, then per entry {@code byte kind, UTF name} and for
 * {@link #CLASS} {@code int length, bytes}, for {@link #MISSING} and {@link #DENIED} {@code UTF reason}. On a stream
 * that crosses a network a large payload goes deflated ({@link DeflatedAnswers}): {@code int -1}, {@code int} its
 * length, then the payload deflated. Kept apart from the class server so that a child, which reads and relays these
 * payloads, never loads the master's side.
 *
 * <p>Stateless: any thread.
 */
public final class LoadClass {
    public static final byte CLASS = 0, MISSING = 1, DENIED = 2, ALREADY_SENT = 3;
    /** How many names a cache of misses or refusals remembers (children choose those names: memory stays bounded). */
    public static final int MISSES = 4096;

    private LoadClass() {}

    /** A LOAD_CLASS answer saying {@code name} cannot be had, and why. */
    public static byte[] missing(String name, String reason) {
        return withCount(1, entry(MISSING, name, reason));
    }

    /** One LOAD_CLASS entry without class bytes: {@code kind, name} and, unless null, {@code reason}. */
    static byte[] entry(byte kind, String name, String reason) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(raw)) {
            out.writeByte(kind);
            out.writeUTF(name);
            if (reason != null) out.writeUTF(reason.length() > 10_000 ? reason.substring(0, 10_000) : reason);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return raw.toByteArray();
    }

    /** A LOAD_CLASS payload: the entry count, then the entries. */
    static byte[] withCount(int count, byte[] entries) {
        byte[] all = new byte[4 + entries.length];
        ByteBuffer.wrap(all).putInt(count).put(entries);
        return all;
    }

    /** The first int of a deflated payload ({@link DeflatedAnswers}), where a plain one has its entry count. */
    static final int DEFLATED = -1;

    /**
     * The payload of a LOAD_CLASS message as {@link DeflatedAnswers#forNetwork} made it: inflated if it came deflated, else
     * {@code message} itself. The parent chain sends these (trusted), but the length is checked anyway against
     * {@code max}, the max message size.
     *
     * @throws IOException if it says it is deflated and is not well-formed, or inflates past {@code max}
     */
    public static byte[] inflated(byte[] message, int max) throws IOException {
        if (message.length < 8 || ByteBuffer.wrap(message).getInt() != DEFLATED) return message;
        int length = ByteBuffer.wrap(message).getInt(4);
        if (length < 0 || length > max) throw new IOException("a deflated class answer of " + length + " bytes");
        java.util.zip.Inflater i = new java.util.zip.Inflater();
        try {
            i.setInput(message, 8, message.length - 8);
            byte[] out = new byte[length];
            int n = 0;
            while (n < length) {
                int got = i.inflate(out, n, length - n);
                if (got == 0 && (i.finished() || i.needsInput() || i.needsDictionary())) break;
                n += got;
            }
            if (n != length || !i.finished()) throw new IOException("a deflated class answer that is not whole");
            return out;
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException("a deflated class answer that is not deflate: " + e.getMessage(), e);
        } finally {
            i.end();
        }
    }

    /** A synchronized map keeping the {@code max} most recently used entries. */
    static <K, V> Map<K, V> lru(int max) {
        return Collections.synchronizedMap(new LinkedHashMap<K, V>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        });
    }
}
