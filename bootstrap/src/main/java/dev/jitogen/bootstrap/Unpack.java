package dev.jitogen.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Unpacks the core bundle the master packed for the network ({@code BundlePacking.pack}). Its class file travels
 * deflated ahead of the bundle, and the first stage defines it from there: in the first stage it would travel in
 * base64 in the command line, a third larger than itself and not deflated. Compiled for Java 8, as the first stage
 * is.
 *
 * <p>Threads: stateless; any thread.
 */
public final class Unpack {
    private Unpack() {}

    /** Bytes after a constant pool entry's tag, by tag (class file format; 0 for tags that do not exist). */
    private static final byte[] ENTRY = {0, 0, 0, 4, 4, 8, 8, 2, 2, 4, 4, 4, 4, 0, 0, 3, 2, 4, 4, 2, 2};

    /**
     * Bytes after a constant pool entry's tag (class file format), or 0 if there is no such tag: what the master's
     * packing ({@code BundlePacking}) walks the constant pools with, so that both ends read them alike.
     */
    public static int entryLength(int tag) {
        return tag >= 0 && tag < ENTRY.length ? ENTRY[tag] : 0;
    }

    /**
     * The bundle as it was before the master packed it for the network. The master sends, ahead of the classes:
     * <ul>
     * <li>the UTF-8 constants of all the classes once, in a table ({@code int} count, then each as {@code u2} length
     *     and bytes), each class's UTF-8 entries being that table's {@code u2} index;</li>
     * <li>the entries of every {@code LineNumberTable} ({@code int} length, then for each entry its start and its
     *     line as differences from the entry before, zigzag varints), each such attribute keeping in its class only
     *     its name and length ({@link #members}).</li>
     * </ul>
     * The rest (after the classes) is as it was. Public for core's tests; not for users.
     */
    public static byte[] unpack(byte[] packed) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(packed));
        byte[][] table = new byte[in.readInt()][];
        int lineTable = -1, code = -1;
        for (int i = 0; i < table.length; i++) {
            int length = in.readUnsignedShort();
            table[i] = new byte[length + 2];
            table[i][0] = (byte) (length >> 8);
            table[i][1] = (byte) length;
            in.readFully(table[i], 2, length);
            String utf = new String(table[i], 2, length, "ISO-8859-1");
            if (utf.equals("LineNumberTable")) lineTable = i;
            else if (utf.equals("Code")) code = i;
        }
        byte[] lines = new byte[in.readInt()];
        in.readFully(lines);
        int[] at = {0};
        ByteArrayOutputStream raw = new ByteArrayOutputStream(packed.length * 2);
        DataOutputStream out = new DataOutputStream(raw);
        int classes = in.readInt();
        out.writeInt(classes);
        ByteArrayOutputStream whole = new ByteArrayOutputStream(65536);
        for (int c = 0; c < classes; c++) {
            out.writeUTF(in.readUTF());
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            whole.reset();
            whole.write(b, 0, 10); // magic, version, constant pool count
            int pos = 10, localLines = -1, localCode = -1;
            for (int i = 1, count = u2(b, 8); i < count; i++) {
                int tag = b[pos];
                if (tag == 1) {
                    int k = u2(b, pos + 1);
                    if (k == lineTable) localLines = i;
                    else if (k == code) localCode = i;
                    whole.write(1);
                    whole.write(table[k]);
                    pos += 3;
                    continue;
                }
                if (tag < 0 || tag >= ENTRY.length || ENTRY[tag] == 0) throw new IOException("bad constant tag " + tag);
                whole.write(b, pos, 1 + ENTRY[tag]);
                pos += 1 + ENTRY[tag];
                if (tag == 5 || tag == 6) i++; // a long or a double takes two entries
            }
            members(b, pos, localLines, localCode, whole, null, lines, at);
            out.writeInt(whole.size());
            whole.writeTo(out);
        }
        if (at[0] != lines.length) throw new IOException("line numbers left over: " + (lines.length - at[0]) + " bytes");
        byte[] rest = new byte[in.available()];
        in.readFully(rest);
        out.write(rest);
        return raw.toByteArray();
    }

    /**
     * Copies a class's fields, methods and attributes, from {@code pos} (just after its constant pool) to its end,
     * into {@code out}: the master's packing with {@code takenLines} set, taking the entries of each line number
     * table out into it, and the first stage's unpacking with {@code lines} set, putting them back from it (from
     * {@code at[0]} on). The constant
     * pool indices of the UTF-8 constants {@code LineNumberTable} and {@code Code} say which attributes are which (-1
     * if the class has none). Returns the class's length. Public for the master's packing; not for users.
     */
    public static int members(byte[] b, int pos, int lineTable, int code, ByteArrayOutputStream out,
            ByteArrayOutputStream takenLines, byte[] lines, int[] at) throws IOException {
        pos = copy(b, pos, 6, out); // access, this class, super class
        pos = copy(b, pos, 2 + 2 * u2(b, pos), out); // interfaces
        for (int kind = 0; kind < 2; kind++) { // fields, then methods
            int n = u2(b, pos);
            pos = copy(b, pos, 2, out);
            for (; n > 0; n--) pos = attributes(b, copy(b, pos, 6, out), lineTable, code, out, takenLines, lines, at);
        }
        pos = attributes(b, pos, lineTable, code, out, takenLines, lines, at);
        if (pos != b.length) throw new IOException((b.length - pos) + " bytes after a class's attributes");
        return pos;
    }

    private static int attributes(byte[] b, int pos, int lineTable, int code, ByteArrayOutputStream out,
            ByteArrayOutputStream takenLines, byte[] lines, int[] at) throws IOException {
        int n = u2(b, pos);
        pos = copy(b, pos, 2, out);
        for (; n > 0; n--) {
            int name = u2(b, pos), length = (int) (u2(b, pos + 2) << 16 | u2(b, pos + 4));
            pos = copy(b, pos, 6, out);
            if (name == lineTable && takenLines != null) {
                int entries = u2(b, pos);
                if (length != 2 + 4 * entries) throw new IOException("a line number table of " + length + " bytes");
                for (int e = 0, start = 0, line = 0; e < entries; e++) {
                    int s = u2(b, pos + 2 + 4 * e), l = u2(b, pos + 4 + 4 * e);
                    zigzag(s - start, takenLines);
                    zigzag(l - line, takenLines);
                    start = s;
                    line = l;
                }
                pos += length;
            } else if (name == lineTable) {
                int entries = (length - 2) / 4;
                out.write(entries >> 8);
                out.write(entries);
                for (int e = 0, start = 0, line = 0; e < entries; e++) {
                    start += zigzag(lines, at);
                    line += zigzag(lines, at);
                    out.write(start >> 8);
                    out.write(start);
                    out.write(line >> 8);
                    out.write(line);
                }
            } else if (name == code) {
                int start = pos, end = pos + 8 + (u2(b, pos + 4) << 16 | u2(b, pos + 6)); // stack, locals, code
                end += 2 + 8 * u2(b, end); // exception table
                pos = attributes(b, copy(b, pos, end - pos, out), lineTable, code, out, takenLines, lines, at);
                // packing sees the whole attribute, which must end where it says (unpacking sees it without its tables)
                if (takenLines != null && pos != start + length) throw new IOException("a Code attribute of " + length
                        + " bytes holds " + (pos - start));
            } else {
                pos = copy(b, pos, length, out);
            }
        }
        return pos;
    }

    private static int copy(byte[] b, int pos, int length, ByteArrayOutputStream out) throws IOException {
        if (length < 0 || pos + length > b.length) throw new IOException("a class ends inside an attribute");
        out.write(b, pos, length);
        return pos + length;
    }

    private static int u2(byte[] b, int pos) {
        return (b[pos] & 0xff) << 8 | b[pos + 1] & 0xff;
    }

    private static void zigzag(int v, ByteArrayOutputStream out) {
        for (v = v << 1 ^ v >> 31; (v & ~0x7f) != 0; v >>>= 7) out.write(v & 0x7f | 0x80);
        out.write(v);
    }

    private static int zigzag(byte[] in, int[] at) throws IOException {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            if (at[0] >= in.length || shift > 28) throw new IOException("bad line number data");
            int b = in[at[0]++];
            v |= (b & 0x7f) << shift;
            if (b >= 0) break;
        }
        return v >>> 1 ^ -(v & 1);
    }

}
