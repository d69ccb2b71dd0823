package dev.jitogen.core.serial;

/**
 * The bytes {@link PlainCodec} writes: a growing buffer that gives up (not plain: Kryo reports it) past the max
 * message size. Varints, fixed longs and modified UTF-8, as {@link PlainInput} reads them.
 *
 * <p>Threads: one encoding on one thread; not shared.
 */
final class PlainOutput {
    private final int max;
    private byte[] buf = new byte[64];
    private int n;

    PlainOutput(int max) {
        this.max = max < 0 ? Integer.MAX_VALUE - 16 : max;
    }

    private void room(int more) {
        if (more > max - n) throw PlainCodec.NotPlain.INSTANCE;
        if (n + more > buf.length) buf = java.util.Arrays.copyOf(buf, (int) Math.min(max, Math.max(n + more, 2L * buf.length)));
    }

    void write(int b) {
        room(1);
        buf[n++] = (byte) b;
    }

    void bytes(byte[] b) {
        room(b.length);
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
    }

    void varLong(long v) {
        room(10);
        while ((v & ~0x7FL) != 0) {
            buf[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[n++] = (byte) v;
    }

    void fixed(long v) {
        room(8);
        for (int i = 56; i >= 0; i -= 8) buf[n++] = (byte) (v >>> i);
    }

    /** The char count, then modified UTF-8 (a NUL and each surrogate on its own, as DataOutput writes them). */
    void string(String s) {
        int len = s.length();
        varLong(len);
        room(len);
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

    /** The bytes written; the buffer itself when it is exactly full, as after one large array. */
    byte[] toBytes() {
        return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
    }
}
