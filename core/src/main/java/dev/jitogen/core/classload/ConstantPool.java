package dev.jitogen.core.classload;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads what a class file refers to from its constant pool: the classes it names (CONSTANT_Class entries and every
 * type in descriptors and signatures: field types, method parameters, annotations, generics), used to preload a
 * requested class's neighbours; and the fields it reads or writes, used by the shell to find the top-level
 * variables a lambda reads. Pure functions; any thread.
 */
public final class ConstantPool {
    private static final int UTF8 = 1, CLASS = 7, FIELDREF = 9;

    /** A field a class file refers to: its owner's binary name and the field's name. */
    public record FieldRef(String owner, String name) {}

    /** The parsed pool: per entry its tag, its first and second index operands, and its text if UTF-8. */
    final int[] tags, first, second;
    final String[] utf8;
    /** Offset of the first byte after the pool (the access flags). */
    final int end;

    ConstantPool(byte[] classFile) {
        ByteBuffer b = ByteBuffer.wrap(classFile);
        if (classFile.length < 10 || b.getInt() != 0xCAFEBABE) throw new IllegalArgumentException("not a class file");
        b.getShort();
        b.getShort();
        int count = b.getShort() & 0xffff;
        tags = new int[count];
        first = new int[count];
        second = new int[count];
        utf8 = new String[count];
        for (int i = 1; i < count; i++) {
            int tag = tags[i] = b.get() & 0xff;
            switch (tag) {
                case UTF8 -> {
                    int len = b.getShort() & 0xffff;
                    utf8[i] = new String(classFile, b.position(), len, StandardCharsets.UTF_8);
                    b.position(b.position() + len);
                }
                case CLASS, 8, 16, 19, 20 -> first[i] = b.getShort() & 0xffff;
                case 15 -> {
                    b.get();
                    b.getShort();
                }
                case FIELDREF, 10, 11, 12, 17, 18 -> {
                    first[i] = b.getShort() & 0xffff;
                    second[i] = b.getShort() & 0xffff;
                }
                case 3, 4 -> b.getInt();
                case 5, 6 -> {
                    b.getLong();
                    i++;
                }
                default -> throw new IllegalArgumentException("bad constant pool tag " + tag + " at entry " + i);
            }
        }
        end = b.position();
    }

    /** The owner (binary name), name and descriptor of a Fieldref, Methodref or InterfaceMethodref entry. */
    String[] memberRef(int index) {
        int nameAndType = second[index];
        return new String[]{utf8[first[first[index]]].replace('/', '.'), utf8[first[nameAndType]], utf8[second[nameAndType]]};
    }

    /** Binary names ({@code a.b.C$D}) referred to by {@code classFile}; JDK classes included, arrays unwrapped. */
    public static Set<String> referencedClasses(byte[] classFile) {
        ConstantPool p = new ConstantPool(classFile);
        Set<String> out = new LinkedHashSet<>();
        for (int i = 1; i < p.tags.length; i++) {
            if (p.tags[i] != CLASS) continue;
            String name = p.utf8[p.first[i]];
            if (name == null) continue;
            if (name.startsWith("[")) addDescriptorTypes(name, out);
            else out.add(name.replace('/', '.'));
        }
        for (String s : p.utf8) {
            if (s != null && (s.startsWith("(") || s.startsWith("L") || s.startsWith("[") || s.startsWith("<"))) {
                addDescriptorTypes(s, out);
            }
        }
        return out;
    }

    /** The fields {@code classFile} reads or writes (CONSTANT_Fieldref entries), in pool order. */
    public static List<FieldRef> fieldRefs(byte[] classFile) {
        ConstantPool p = new ConstantPool(classFile);
        List<FieldRef> out = new ArrayList<>();
        for (int i = 1; i < p.tags.length; i++) {
            if (p.tags[i] != FIELDREF) continue;
            String[] ref = p.memberRef(i);
            out.add(new FieldRef(ref[0], ref[1]));
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
