package dev.jitogen.core.classload;

import java.util.Map;

/**
 * LOAD_CLASS payloads deflated for streams that cross a network (see {@link LoadClass}): what a master's class server
 * and a relaying context send down such a stream. A child only inflates ({@link LoadClass#inflated}), so this class
 * is fetched with the parent layer, by a context that has children.
 *
 * <p>Threads: any. The cache of deflated payloads is a synchronized map, held only to look up and to store.
 */
public final class DeflatedAnswers {
    private DeflatedAnswers() {}

    /** Below this a payload goes as it is: one class of a few KB deflates to little, and the header costs 8 bytes. */
    static final int DEFLATE_MIN = 4096;
    /** The largest payload the cache keeps: Kryo's family is about 1 MB. */
    static final int CACHED_MAX = 2 << 20;
    /**
     * The latest payloads deflated, by content: children started together ask for the same classes (Kryo's family,
     * a snippet's class), and deflating 1 MB takes about 50 ms of CPU, where comparing it takes well under one. Only
     * payloads up to {@link #CACHED_MAX} are kept, so the cache holds at most about 14 MB, for the JVM's life.
     */
    private static final Map<java.nio.ByteBuffer, byte[]> DEFLATED_CACHE = LoadClass.lru(4);

    /**
     * {@code payload} as it goes on a stream that crosses a network: deflated if large (Kryo's family of about 1 MB
     * becomes about a third of that), else as it is. Mitogen compresses the modules it sends in the same way.
     */
    public static byte[] forNetwork(byte[] payload) {
        // the cache keys the caller's array: payloads are built for one message and never changed after
        if (payload.length < DEFLATE_MIN) return payload;
        java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(payload);
        byte[] done = DEFLATED_CACHE.get(key);
        if (done != null) return done;
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        try {
            d.setInput(payload);
            d.finish();
            byte[] out = new byte[8 + payload.length / 2];
            int n = 8;
            while (!d.finished()) {
                if (n == out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
                n += d.deflate(out, n, out.length - n);
            }
            if (n >= payload.length) return payload; // incompressible: not worth the reader's time
            java.nio.ByteBuffer.wrap(out).putInt(LoadClass.DEFLATED).putInt(payload.length);
            done = java.util.Arrays.copyOf(out, n);
        } finally {
            d.end();
        }
        if (payload.length <= CACHED_MAX) DEFLATED_CACHE.put(key, done);
        return done;
    }
}
