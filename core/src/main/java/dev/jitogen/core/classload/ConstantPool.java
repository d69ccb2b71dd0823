package dev.jitogen.core.classload;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads which classes a class file names, from its constant pool: CONSTANT_Class entries and every type in
 * descriptors and signatures (field types, method parameters, annotations, generics). The class server uses it to
 * preload a requested class's neighbours. Pure functions; any thread.
 *
 * <p>The pool is parsed entry by entry as the JVM specification (§4.4) lays it out, and every index an entry holds
 * is checked to point at an entry of the kind it must, so a damaged class file is refused with
 * {@link IllegalArgumentException} instead of read wrong.
 */
public final class ConstantPool {
    private static final int UTF8 = 1, INTEGER = 3, FLOAT = 4, LONG = 5, DOUBLE = 6, CLASS = 7, STRING = 8,
            FIELDREF = 9, METHODREF = 10, INTERFACE_METHODREF = 11, NAME_AND_TYPE = 12, METHOD_HANDLE = 15,
            METHOD_TYPE = 16, DYNAMIC = 17, INVOKE_DYNAMIC = 18, MODULE = 19, PACKAGE = 20;

    /** Per entry: its tag (0 for index 0 and the unusable slot after a long or double). */
    private final int[] tags;
    /** Per entry: its first operand (a pool index, or a MethodHandle's reference kind); 0 when it has none. */
    private final int[] first;
    /** Per entry: its second operand (a pool index, or a bootstrap method's index for tags 17 and 18), else 0. */
    private final int[] second;
    /** Per entry: its text, for UTF-8 entries only. */
    private final String[] utf8;
    /** Where the constant pool ends in the class file: its access flags follow. */
    private final int end;

    private ConstantPool(byte[] classFile) {
        ByteBuffer b = ByteBuffer.wrap(classFile);
        if (classFile.length < 10 || b.getInt() != 0xCAFEBABE) throw new IllegalArgumentException("not a class file");
        b.getShort(); // minor version
        b.getShort(); // major version
        int count = b.getShort() & 0xffff;
        tags = new int[count];
        first = new int[count];
        second = new int[count];
        utf8 = new String[count];
        try {
            for (int i = 1; i < count; i++) {
                int tag = tags[i] = b.get() & 0xff;
                switch (tag) {
                    case UTF8 -> {
                        int start = b.position();
                        int length = b.getShort() & 0xffff;
                        utf8[i] = modifiedUtf8(classFile, start, length);
                        b.position(start + 2 + length);
                    }
                    case CLASS, STRING, METHOD_TYPE, MODULE, PACKAGE -> first[i] = b.getShort() & 0xffff;
                    case METHOD_HANDLE -> {
                        first[i] = b.get() & 0xff; // reference kind
                        second[i] = b.getShort() & 0xffff;
                    }
                    case FIELDREF, METHODREF, INTERFACE_METHODREF, NAME_AND_TYPE, DYNAMIC, INVOKE_DYNAMIC -> {
                        first[i] = b.getShort() & 0xffff;
                        second[i] = b.getShort() & 0xffff;
                    }
                    case INTEGER, FLOAT -> b.getInt();
                    case LONG, DOUBLE -> {
                        b.getLong();
                        if (i + 1 >= count) {
                            throw new IllegalArgumentException("bad constant pool: the 8-byte constant at entry " + i
                                    + " needs the entry after it too, and there is none");
                        }
                        i++; // the entry after it is unusable
                    }
                    default -> throw new IllegalArgumentException("bad constant pool tag " + tag + " at entry " + i);
                }
            }
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated class file: it ends inside the constant pool");
        }
        end = b.position();
        for (int i = 1; i < count; i++) check(i);
    }

    /** Checks that every index entry {@code i} holds points at an entry of the kind the specification requires. */
    private void check(int i) {
        switch (tags[i]) {
            case CLASS, STRING, METHOD_TYPE, MODULE, PACKAGE -> expect(i, first[i], UTF8);
            case FIELDREF, METHODREF, INTERFACE_METHODREF -> {
                expect(i, first[i], CLASS);
                expect(i, second[i], NAME_AND_TYPE);
            }
            case NAME_AND_TYPE -> {
                expect(i, first[i], UTF8);
                expect(i, second[i], UTF8);
            }
            case DYNAMIC, INVOKE_DYNAMIC -> expect(i, second[i], NAME_AND_TYPE); // first: a bootstrap method index
            case METHOD_HANDLE -> {
                int kind = first[i];
                if (kind >= 1 && kind <= 4) expect(i, second[i], FIELDREF); // get/put field/static
                else if (kind == 5 || kind == 8) expect(i, second[i], METHODREF); // invokeVirtual, newInvokeSpecial
                else if (kind == 6 || kind == 7) expect(i, second[i], METHODREF, INTERFACE_METHODREF);
                else if (kind == 9) expect(i, second[i], INTERFACE_METHODREF); // invokeInterface
                else throw new IllegalArgumentException("bad constant pool: method handle " + i + " has kind " + kind);
            }
            default -> {
                // UTF-8, numbers, and unusable slots hold no index
            }
        }
    }

    private void expect(int entry, int index, int... kinds) {
        if (index > 0 && index < tags.length) {
            for (int k : kinds) if (tags[index] == k) return;
        }
        throw new IllegalArgumentException("bad constant pool: entry " + entry + " (tag " + tags[entry]
                + ") refers to entry " + index + ", which is " + (index > 0 && index < tags.length
                ? "of tag " + tags[index] : "out of range") + " instead of tag " + java.util.Arrays.toString(kinds));
    }

    /** The class file's modified UTF-8 (JVMS §4.4.7) at {@code start}: a 2-byte length, then the bytes. */
    private static String modifiedUtf8(byte[] classFile, int start, int length) {
        if (start + 2 + length > classFile.length) throw new IndexOutOfBoundsException();
        try {
            return new DataInputStream(new ByteArrayInputStream(classFile, start, 2 + length)).readUTF();
        } catch (IOException e) {
            throw new IllegalArgumentException("bad constant pool: malformed text at byte " + start + ": " + e);
        }
    }

    /**
     * The internal names ({@code a/b/C$D}) of {@code classFile}'s superclass, then of its interfaces, in the order
     * the class file lists them; the superclass is null for {@code java/lang/Object}.
     *
     * @throws IllegalArgumentException if {@code classFile} is not a well-formed class file up to its interfaces
     */
    public static List<String> superTypes(byte[] classFile) {
        ConstantPool p = new ConstantPool(classFile);
        try {
            ByteBuffer b = ByteBuffer.wrap(classFile, p.end, classFile.length - p.end);
            b.getShort(); // access flags
            b.getShort(); // this class
            List<String> out = new ArrayList<>();
            out.add(p.className(b.getShort() & 0xffff, true));
            for (int n = b.getShort() & 0xffff; n > 0; n--) out.add(p.className(b.getShort() & 0xffff, false));
            return out;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated class file: it ends before its interfaces");
        }
    }

    /** The name of the CLASS entry {@code i}; null for 0 if {@code zeroAllowed} (Object's superclass). */
    private String className(int i, boolean zeroAllowed) {
        if (i == 0 && zeroAllowed) return null;
        if (i <= 0 || i >= tags.length || tags[i] != CLASS) {
            throw new IllegalArgumentException("bad class file: entry " + i + " is not a class");
        }
        return utf8[first[i]];
    }

    /** Binary names ({@code a.b.C$D}) referred to by {@code classFile}; JDK classes included, arrays unwrapped. */
    public static Set<String> referencedClasses(byte[] classFile) {
        ConstantPool p = new ConstantPool(classFile);
        Set<String> out = new LinkedHashSet<>();
        for (int i = 1; i < p.tags.length; i++) {
            if (p.tags[i] != CLASS) continue;
            String name = p.utf8[p.first[i]];
            if (name.startsWith("[")) addDescriptorTypes(name, out);
            else out.add(name.replace('/', '.'));
        }
        // descriptors and signatures are UTF-8 entries named from outside the pool too (fields, methods, attributes)
        for (String s : p.utf8) {
            if (s != null && (s.startsWith("(") || s.startsWith("L") || s.startsWith("[") || s.startsWith("<"))) {
                addDescriptorTypes(s, out);
            }
        }
        return out;
    }

    /** Adds each {@code Lname;} or {@code Lname<} in a descriptor or generic signature. */
    private static void addDescriptorTypes(String s, Set<String> out) {
        int i = 0;
        while ((i = s.indexOf('L', i)) >= 0) {
            int end = i + 1;
            while (end < s.length() && s.charAt(end) != ';' && s.charAt(end) != '<' && s.charAt(end) != '(') end++;
            if (end < s.length() && end > i + 1 && (s.charAt(end) == ';' || s.charAt(end) == '<')) {
                String name = s.substring(i + 1, end);
                if (isName(name)) out.add(name.replace('/', '.'));
            }
            i = end;
        }
    }

    private static boolean isName(String n) {
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (!(Character.isJavaIdentifierPart(c) || c == '/')) return false;
        }
        return true;
    }
}
