package dev.jitogen.core.classload;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Reads the class names a class file refers to: its CONSTANT_Class entries and every type named in descriptors and
 * signatures (field types, method parameters, annotations, generics). Used to preload, with a requested class, the
 * classes it will need next. Pure function; any thread.
 */
public final class ConstantPool {
    private ConstantPool() {}

    /** Binary names ({@code a.b.C$D}) referred to by {@code classFile}; JDK classes included, arrays unwrapped. */
    public static Set<String> referencedClasses(byte[] classFile) {
        Set<String> out = new LinkedHashSet<>();
        ByteBuffer b = ByteBuffer.wrap(classFile);
        if (b.getInt() != 0xCAFEBABE) throw new IllegalArgumentException("not a class file");
        b.getShort();
        b.getShort();
        int count = b.getShort() & 0xffff;
        String[] utf8 = new String[count];
        int[] classIndex = new int[count];
        int classes = 0;
        for (int i = 1; i < count; i++) {
            int tag = b.get() & 0xff;
            switch (tag) {
                case 1 -> {
                    int len = b.getShort() & 0xffff;
                    utf8[i] = new String(classFile, b.position(), len, StandardCharsets.UTF_8);
                    b.position(b.position() + len);
                }
                case 7 -> classIndex[classes++] = b.getShort() & 0xffff;
                case 8, 16, 19, 20 -> b.getShort();
                case 15 -> {
                    b.get();
                    b.getShort();
                }
                case 3, 4, 9, 10, 11, 12, 17, 18 -> b.getInt();
                case 5, 6 -> {
                    b.getLong();
                    i++;
                }
                default -> throw new IllegalArgumentException("bad constant pool tag " + tag + " at entry " + i);
            }
        }
        for (int c = 0; c < classes; c++) {
            String name = utf8[classIndex[c]];
            if (name == null) continue;
            if (name.startsWith("[")) addDescriptorTypes(name, out);
            else out.add(name.replace('/', '.'));
        }
        for (String s : utf8) {
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
