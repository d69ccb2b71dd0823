package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.io.Input;

/**
 * Kryo's input over one whole message, which checks every length it is asked to read against the bytes left before
 * it allocates anything: Kryo's own array and string readers allocate what the data declares first and only then
 * find the bytes missing, so an 8-byte message could claim a 16 GiB {@code long[]}.
 *
 * <p>Each element is assumed to take at least the bytes of its smallest encoding (one for variable-length numbers,
 * booleans and UTF-8 characters). ASCII strings need no check: they are read byte by byte, up to a terminating one.
 *
 * <p>Threads: one decoding thread, like any {@link Input}.
 */
final class BoundedInput extends Input {
    BoundedInput(byte[] buffer, int offset, int count) {
        super(buffer, offset, count);
    }

    private void check(String what, int length, int bytesEach) {
        DataBudget.checkLength(this, what, length, bytesEach);
    }

    @Override
    public byte[] readBytes(int length) {
        check("a byte[]", length, 1);
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length) {
        check("an int[]", length, 4);
        return super.readInts(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        check("an int[]", length, varEncoding ? 1 : 4);
        return super.readInts(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        check("a long[]", length, 8);
        return super.readLongs(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        check("a long[]", length, varEncoding ? 1 : 8);
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public float[] readFloats(int length) {
        check("a float[]", length, 4);
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        check("a double[]", length, 8);
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        check("a short[]", length, 2);
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        check("a char[]", length, 2);
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        check("a boolean[]", length, 1);
        return super.readBooleans(length);
    }

    @Override
    public String readString() {
        checkUtf8();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkUtf8();
        return super.readStringBuilder();
    }

    /** A UTF-8 string's character count (its first varint, with the UTF-8 flag) against the bytes after it. */
    private void checkUtf8() {
        if (position == limit || !readVarIntFlag()) return; // at the end (Kryo says so) or ASCII
        int start = position;
        int count = readVarIntFlag(true) - 1; // 0 is null, 1 is ""
        if (count > 0) check("a string", count, 1);
        position = start;
    }
}
