package dev.jitogen.core.serial;

/**
 * The bytes {@link PlainCodec} reads, with the bounds of data from a child: each declared length checked against the
 * bytes left, depth and elements counted against the {@link Codec.Limits}, the deadline and interrupts checked.
 *
 * <p>Threads: one decoding on one thread; not shared.
 */
final class PlainInput {
    final byte[] data;
    int pos = 1;
    private final boolean bounded, timed;
    private final Codec.Limits limits;
    private final long deadline;
    private long elements;

    PlainInput(byte[] data, boolean bounded, Codec.Limits limits, boolean timed, long deadline) {
        this.data = data;
        this.bounded = bounded;
        this.limits = limits;
        this.timed = timed;
        this.deadline = deadline;
    }

    /** One more value at {@code depth}: within the limits, the deadline, and no interrupt. */
    void count(int depth) {
        if (!bounded) return;
        if (depth > limits.maxDepth()) throw DataLimitException.depth(limits.maxDepth());
        if (++elements > limits.maxElements()) throw DataLimitException.elements(limits.maxElements());
        if ((elements & 1023) == 0) {
            if (timed && System.nanoTime() - deadline > 0) throw DataLimitException.deadline();
            if (Thread.currentThread().isInterrupted()) throw DataLimitException.ofInterrupt();
        }
    }

    long varLong() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = data[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) return v;
        }
        throw new IllegalArgumentException("malformed message: a number longer than 10 bytes");
    }

    long fixed() {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (data[pos++] & 0xFF);
        return v;
    }

    /** A count of things at least {@code bytesEach} bytes each, checked against the bytes left. */
    int length(String what, int bytesEach) {
        long n = varLong();
        int left = data.length - pos;
        if (n < 0 || n > left / bytesEach) {
            if (bounded) throw DataLimitException.length(what, n, left, bytesEach);
            throw new IllegalArgumentException("malformed message: " + what + " of " + n + " elements in "
                    + left + " bytes");
        }
        return (int) n;
    }

    String string() {
        int len = length("a string", 1);
        char[] chars = new char[len];
        for (int i = 0; i < len; i++) {
            int b = data[pos++] & 0xFF;
            if (b < 0x80) {
                chars[i] = (char) b;
            } else if ((b & 0xE0) == 0xC0) {
                chars[i] = (char) (((b & 0x1F) << 6) | (data[pos++] & 0x3F));
            } else {
                chars[i] = (char) (((b & 0x0F) << 12) | ((data[pos++] & 0x3F) << 6) | (data[pos++] & 0x3F));
            }
        }
        return new String(chars);
    }
}
