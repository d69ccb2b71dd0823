package dev.jitogen.core.serial;

/**
 * The bytes {@link PlainCodec} writes: a growing buffer that gives up (not plain: Kryo reports it) past the max
 * message size. Varints, fixed longs and modified UTF-8, as {@link PlainInput} reads them.
 *
 * <p>A value holding a large array or string is written in three passes instead of being copied into ever larger
 * buffers: the first ({@link #growing}) stops at the first array or string of {@link #LARGE} bytes or more
 * ({@link PlainCodec.NotPlain#LARGE}); a second ({@link #counting}) only counts the bytes; the third
 * ({@link #exact}) writes them into an array of that size, which becomes the frame's data as it is. An 8 MiB array
 * is then copied once, where growing and trimming copied it three times (into a buffer of its size, into one of
 * twice that for the bytes after it, and into the exact-size result), zeroing 24 MiB on the way. A value changed by
 * another thread between the passes is still written whole: the exact buffer grows if it must, and the result is
 * trimmed as in the growing pass.
 *
 * <p>Threads: one encoding on one thread; not shared.
 */
final class PlainOutput {
    /** An array or string of this many bytes or more makes a growing pass stop, for a counted one. */
    static final int LARGE = 64 * 1024;

    private final int max;
    /** Null in a counting pass. */
    private byte[] buf;
    private int n;
    /** A growing pass, which stops at a large array ({@link PlainCodec.NotPlain#LARGE}). */
    private final boolean stopAtLarge;

    private PlainOutput(int max, byte[] buf, boolean stopAtLarge) {
        this.max = max < 0 ? Integer.MAX_VALUE - 16 : max;
        this.buf = buf;
        this.stopAtLarge = stopAtLarge;
    }

    /**
     * The first pass: a buffer grown as needed, until a large array or string. It starts large enough for a call of
     * a lambda (its shape is a few hundred bytes): growing from 64 bytes copied it three times per call.
     */
    static PlainOutput growing(int max) {
        return new PlainOutput(max, new byte[512], true);
    }

    /** A pass that writes nothing and counts the bytes ({@link #size}). */
    static PlainOutput counting(int max) {
        return new PlainOutput(max, null, false);
    }

    /** A pass into an array of {@code size} bytes, as {@link #counting} found. */
    static PlainOutput exact(int size, int max) {
        return new PlainOutput(max, new byte[size], false);
    }

    /** Bytes written (or counted) so far. */
    int size() {
        return n;
    }

    private void room(int more) {
        if (more > max - n) throw PlainCodec.NotPlain.INSTANCE;
        if (buf != null && n + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, (int) Math.min(max, Math.max(n + more, 2L * buf.length)));
        }
    }

    private void large(int length) {
        if (stopAtLarge && length >= LARGE) throw PlainCodec.NotPlain.LARGE;
    }

    void write(int b) {
        room(1);
        if (buf != null) buf[n] = (byte) b;
        n++;
    }

    void bytes(byte[] b) {
        large(b.length);
        room(b.length);
        if (buf != null) System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
    }

    void varLong(long v) {
        room(10);
        if (buf == null) {
            n += (64 - Long.numberOfLeadingZeros(v | 1) + 6) / 7;
            return;
        }
        while ((v & ~0x7FL) != 0) {
            buf[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[n++] = (byte) v;
    }

    void fixed(long v) {
        room(8);
        if (buf != null) for (int i = 56, j = n; i >= 0; i -= 8) buf[j++] = (byte) (v >>> i);
        n += 8;
    }

    /** The char count, then modified UTF-8 (a NUL and each surrogate on its own, as DataOutput writes them). */
    void string(String s) {
        int len = s.length();
        large(len);
        varLong(len);
        room(len);
        if (buf == null) {
            long bytes = 0;
            for (int i = 0; i < len; i++) {
                char ch = s.charAt(i);
                bytes += ch != 0 && ch < 0x80 ? 1 : ch < 0x800 ? 2 : 3;
            }
            if (bytes > max - n) throw PlainCodec.NotPlain.INSTANCE;
            n += (int) bytes;
            return;
        }
        for (int i = 0; i < len; i++) {
            char ch = s.charAt(i);
            if (ch != 0 && ch < 0x80) {
                buf[n++] = (byte) ch;
            } else if (ch < 0x800) {
                room(2 + len - i);
                buf[n++] = (byte) (0xC0 | (ch >> 6));
                buf[n++] = (byte) (0x80 | (ch & 0x3F));
            } else {
                room(3 + len - i);
                buf[n++] = (byte) (0xE0 | (ch >> 12));
                buf[n++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
                buf[n++] = (byte) (0x80 | (ch & 0x3F));
            }
        }
    }

    /** The bytes written; the buffer itself when it is exactly full, as after an exact pass. Not for a counting one. */
    byte[] toBytes() {
        return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
    }
}
