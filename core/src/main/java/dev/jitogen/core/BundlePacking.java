package dev.jitogen.core;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The core bundle's forms for the wire ({@link CoreBundle#forPipe}, {@link CoreBundle#compressed}): the unpacker's
 * class file ahead of the bundle, and the bundle packed for the network, as the first stage's unpacker
 * ({@code bootstrap.Unpack}) undoes it. Of the parent layer: a child runs it only to start children of its own.
 *
 * <p>Threads: stateless; any thread.
 */
final class BundlePacking {
    private BundlePacking() {}

    /** Writes the unpacker's class file, with its length ahead of it, to {@code out}, and returns {@code out}. */
    static java.io.OutputStream withUnpacker(java.io.OutputStream out) throws IOException {
        byte[] u = unpacker();
        new DataOutputStream(out).writeInt(u.length);
        out.write(u);
        return out;
    }

    private static final String UNPACKER = "dev/jitogen/bootstrap/Unpack.class";

    /** The unpacker's class file: in a child what its first stage received, in a master from its class path. */
    static byte[] unpacker() {
        byte[] u = ChildMain.unpacker();
        if (u != null) return u;
        u = CoreBundle.prebuilt(UNPACKER);
        if (u == null) throw new IllegalStateException(UNPACKER + " is not on the class path (jitogen-bootstrap missing)");
        return u;
    }

    /**
     * The bundle packed for the network, as the first stage unpacks it ({@code Unpack.unpack}): the UTF-8
     * constants of all its classes once, in a table ahead of them, and each class's UTF-8 entries as an index into
     * it. Two thirds of the classes' bytes are such constants, and each distinct one appears about three times;
     * deflate alone, whose window is 32 KB, finds a repeat only when it is near. 9% fewer bytes deflated. Then the
     * entries of the line number tables, in a section of their own as differences from the entry before: 11.5 KB
     * of the 230 KB raw, 7.2 KB deflated where they were, 3.3 KB so.
     */
    static byte[] pack(byte[] raw) {
        Map<String, Integer> first = new LinkedHashMap<>();
        pack(raw, first);
        List<String> sorted = new ArrayList<>(first.keySet());
        sorted.sort(java.util.Comparator.comparing(u -> u.substring(2)));
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String u : sorted) index.put(u, index.size());
        return pack(raw, index);
    }

    /** UTF-8 constants as {@link #pack} reads them, after their two bytes of length. */
    private static final String LINE_NUMBER_TABLE = "\0\u000fLineNumberTable", CODE = "\0\u0004Code";

    private static byte[] pack(byte[] raw, Map<String, Integer> index) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(raw));
            ByteArrayOutputStream lines = new ByteArrayOutputStream(raw.length / 32);
            ByteArrayOutputStream classes = new ByteArrayOutputStream(raw.length);
            DataOutputStream out = new DataOutputStream(classes);
            int count = in.readInt();
            out.writeInt(count);
            for (int c = 0; c < count; c++) {
                out.writeUTF(in.readUTF());
                byte[] b = in.readNBytes(in.readInt());
                ByteArrayOutputStream packed = new ByteArrayOutputStream(b.length);
                packed.write(b, 0, 10); // magic, version, constant pool count
                int pos = 10, lineTable = -1, code = -1;
                for (int i = 1, n = (b[8] & 0xff) << 8 | b[9] & 0xff; i < n; i++) {
                    int tag = b[pos];
                    if (tag == 1) {
                        int length = (b[pos + 1] & 0xff) << 8 | b[pos + 2] & 0xff;
                        String utf = new String(b, pos + 1, length + 2, java.nio.charset.StandardCharsets.ISO_8859_1);
                        if (utf.equals(LINE_NUMBER_TABLE)) lineTable = i;
                        else if (utf.equals(CODE)) code = i;
                        int k = index.computeIfAbsent(utf, u -> index.size());
                        if (k > 0xffff) throw new IllegalStateException("over 65,536 distinct constants in the bundle");
                        packed.write(1);
                        packed.write(k >> 8);
                        packed.write(k);
                        pos += 3 + length;
                        continue;
                    }
                    int entry = dev.jitogen.bootstrap.Unpack.entryLength(tag); // as the first stage unpacks
                    if (entry == 0) throw new IllegalStateException("bad constant tag " + tag + " in bundle class " + c);
                    packed.write(b, pos, 1 + entry);
                    pos += 1 + entry;
                    if (tag == 5 || tag == 6) i++; // a long or a double takes two entries
                }
                // as the first stage unpacks: line number tables go to their own section
                dev.jitogen.bootstrap.Unpack.members(b, pos, lineTable, code, packed, lines, null, null);
                out.writeInt(packed.size());
                packed.writeTo(out);
            }
            out.write(in.readAllBytes()); // the names after the classes, as they are
            ByteArrayOutputStream all = new ByteArrayOutputStream(raw.length);
            DataOutputStream table = new DataOutputStream(all);
            table.writeInt(index.size());
            for (String utf : index.keySet()) table.write(utf.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            table.writeInt(lines.size());
            lines.writeTo(all);
            classes.writeTo(all);
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
